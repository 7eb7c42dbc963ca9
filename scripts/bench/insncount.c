// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin that counts the guest instructions executed,
 * kernel and user apart, into a file the host reads while the guest runs.
 *
 *   -plugin insncount.so,out=/path/to/counters
 *
 * The file holds two little-endian u64s, kernel then user instructions
 * (by the address of the translation block: x86-64's upper half is the
 * kernel's).  Each block adds its length when it runs (an inline add, no
 * callback), so the count follows the code executed, not host time: the
 * same path costs the same whatever else the host does.  One vCPU: the
 * adds are not atomic.
 *
 * Debian ships no qemu-plugin.h, so the few declarations used are written
 * here.  They must match QEMU's plugin ABI (API version 1, QEMU 7.2:
 * include/qemu/qemu-plugin.h); QEMU refuses a plugin whose version it does
 * not support, so a mismatch fails at load, never silently.
 *
 * prof=FILE adds a profile of the kernel's blocks, for finding where an
 * instruction count comes from (insnprof.py reads two snapshots of it):
 * FILE holds a u64 count of entries, a u64 count of blocks left out when
 * it was full, then per translated block its address, its length and the
 * number of times it ran.  A block translated again gets a new entry.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* QEMU plugin ABI, version 1 (matches QEMU 7.2's qemu-plugin.h) */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define KERNEL_HALF 0xffff800000000000ULL

static uint64_t *counters;	/* [0] kernel, [1] user */

struct prof_entry {
	uint64_t vaddr;
	uint64_t n_insns;
	uint64_t runs;
};

#define PROF_ENTRIES 0x100000
static struct prof_head {
	uint64_t used;
	uint64_t dropped;
	struct prof_entry e[];
} *prof;

static void *map_file(const char *path, size_t size)
{
	void *map;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, size)) {
		perror(path);
		return NULL;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		perror(path);
		return NULL;
	}
	return map;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	int user = qemu_plugin_tb_vaddr(tb) < KERNEL_HALF;
	struct prof_entry *e;

	(void)id;

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 (void *)&counters[user],
						 qemu_plugin_tb_n_insns(tb));
	if (!prof || user)
		return;
	if (prof->used == PROF_ENTRIES) {
		prof->dropped++;
		return;
	}
	e = &prof->e[prof->used];
	e->vaddr = qemu_plugin_tb_vaddr(tb);
	e->n_insns = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &e->runs, 1);
	prof->used++;
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	const char *out = NULL, *prof_out = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "prof=", 5))
			prof_out = argv[i] + 5;
	}
	if (!out) {
		fprintf(stderr, "insncount: needs out=FILE\n");
		return -1;
	}
	if (info->system_emulation && info->system.max_vcpus > 1) {
		fprintf(stderr, "insncount: one vCPU only (the adds are not atomic)\n");
		return -1;
	}
	counters = map_file(out, 4096);
	if (!counters)
		return -1;
	if (prof_out) {
		prof = map_file(prof_out, sizeof(*prof) +
				PROF_ENTRIES * sizeof(struct prof_entry));
		if (!prof)
			return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
