# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the failover core, net_failover and virtio_net
# against Debian 12's kernel headers (6.1 and 6.12, generic and cloud), plus
# the QEMU lab that tests them.
#
#   make                 build the modules (KDIR= to pick headers)
#   make build           install deps, then build for the lab's kernel
#   make demo            install deps, boot the lab, show a failover timeline
#   make check           every check; ends with "N passed, N failed"
#   make check-full      make check with every test on every stack and kernel
#   make deb             the failover-dkms package, in out/deb/
#   make selftests       lab selftests on one STACK (TESTS="a.sh b.sh")
#   make kunit           KUnit suites on a UML kernel built from linux-source
#   make bench           benchmarks, ours side by side with stock
#   make stress          the resilience suite at full counts

SELFTESTS := tools/testing/selftests/drivers/net/failover
LAB := $(CURDIR)/$(SELFTESTS)/qemu/lab.sh

# The headers of the lab's kernel (LAB_KERNEL=6.1|6.12, LAB_FLAVOUR=
# generic|cloud; default 6.12 generic), unless KDIR= names a tree.  A
# recursive variable, read when a recipe needs it: `make demo` installs
# the headers first, and an empty KDIR from the environment must not
# stick.  Not exported: each script resolves its own.
ifeq ($(strip $(KDIR)),)
override KDIR = $(shell $(LAB) kdir 2>/dev/null)
endif

# Our include/ must shadow the kernel's include/net/{failover,net_failover}.h,
# and LINUXINCLUDE comes before ccflags-y, so prepend it to NOSTDINC_FLAGS.
KBUILD_ARGS = -C $(KDIR) M=$(CURDIR) \
	NOSTDINC_FLAGS="-nostdinc -I$(CURDIR)/include"

STACK ?=
TESTS ?=
export STACK TESTS

.PHONY: all modules clean deps build demo check check-full deb selftests kunit bench stress

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers for the lab's kernel: run 'make deps' or give KDIR=" >&2; exit 1; }
	$(MAKE) $(KBUILD_ARGS) modules

# Not kbuild's "clean": with M= it deletes every *.o and *.ko.* below the
# tree, and the git-ignored .cache/ holds the stock modules and KUnit builds.
clean:
	find net drivers \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '*.order' \
		-o -name '*.d' \) -type f -delete
	rm -f Module.symvers modules.order

deps:
	@$(LAB) deps

build:
	@$(LAB) build

demo:
	@scripts/demo.sh

check:
	@scripts/check.sh

check-full:
	@CHECK_FULL=1 scripts/check.sh

deb:
	@scripts/package/mkdeb.sh $(CURDIR)/out/deb

selftests:
	@$(LAB) deps
	@$(LAB) selftests --stack "$(STACK)" $(TESTS)

kunit:
	@scripts/kunit.sh

bench:
	@scripts/bench/bench.sh

stress:
	@$(LAB) deps
	@STRESS=full $(LAB) selftests --stack "$(STACK)" \
		badinput.sh flap.sh modload.sh hotplug.sh migrate_stress.sh
