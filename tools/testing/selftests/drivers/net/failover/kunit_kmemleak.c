// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak hook for the um-debug lane of kunit.sh, which copies this file
 * to net/ of its UML tree and links it last, so that this suite runs
 * after every other one. It is not a test of our code.
 *
 * KUnit halts the kernel right after the last suite, long before
 * kmemleak's first automatic scan, and a scan cannot be asked for from
 * inside the kernel (kmemleak only takes "scan" from a debugfs write,
 * which needs user space). So this suite waits for that first scan.
 * kmemleak.verbose=1 makes the scan print every leak, which kunit.sh
 * looks for in the log. A canary object leaked at boot guarantees the
 * scan prints a summary line, which tells us it is over; its report
 * also proves to kunit.sh that a scan did run.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kmsg_dump.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/string.h>

/* mm/kmemleak.c waits SECS_FIRST_SCAN (60 s) after its late_initcall */
#define KUNIT_SH_KMEMLEAK_TIMEOUT_MS	(180 * MSEC_PER_SEC)

static unsigned long kunit_sh_kmemleak_boot;

/*
 * kmemleak scans whole task stacks, stale slots included, so the canary
 * is leaked from a thread whose stack is freed when it exits. Not a tail
 * call: this function's name must show in the leak's backtrace.
 */
static noinline int kunit_sh_kmemleak_canary(void *unused)
{
	char *canary = kmalloc(32, GFP_KERNEL);

	if (canary)
		strscpy(canary, "kunit.sh kmemleak canary", 32);
	return 0;
}

static int __init kunit_sh_kmemleak_init(void)
{
	kunit_sh_kmemleak_boot = jiffies;
	return PTR_ERR_OR_ZERO(kthread_run(kunit_sh_kmemleak_canary, NULL,
					   "kmemleak-canary"));
}
late_initcall(kunit_sh_kmemleak_init);

static void kunit_sh_kmemleak_scan(struct kunit *test)
{
	unsigned long deadline = kunit_sh_kmemleak_boot +
				 msecs_to_jiffies(KUNIT_SH_KMEMLEAK_TIMEOUT_MS);
	struct kmsg_dump_iter iter;
	char *line;
	size_t len;

	line = kunit_kzalloc(test, 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, line);

	kmsg_dump_rewind(&iter);
	while (time_before(jiffies, deadline)) {
		while (kmsg_dump_get_line(&iter, false, line, 1023, &len)) {
			line[len] = '\0';
			if (strstr(line, "kmemleak: ") &&
			    strstr(line, "new suspected memory leaks"))
				return;
		}
		msleep(500);
	}
	KUNIT_FAIL(test, "no kmemleak scan within %u s of boot",
		   KUNIT_SH_KMEMLEAK_TIMEOUT_MS / MSEC_PER_SEC);
}

static struct kunit_case kunit_sh_kmemleak_cases[] = {
	KUNIT_CASE_SLOW(kunit_sh_kmemleak_scan),
	{}
};

static struct kunit_suite kunit_sh_kmemleak_suite = {
	.name = "kunit_sh_kmemleak",
	.test_cases = kunit_sh_kmemleak_cases,
};

kunit_test_suite(kunit_sh_kmemleak_suite);

MODULE_DESCRIPTION("kunit.sh: wait for kmemleak's first scan after all suites");
MODULE_LICENSE("GPL");
