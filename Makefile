# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the failover core, net_failover and virtio_net
# against Debian's 6.12 headers, plus the QEMU lab that tests them.
#
#   make                 build the modules (KDIR= to pick headers)
#   make demo            install deps, boot the lab, show a failover timeline
#   make check           every check; ends with "N passed, N failed"
#   make selftests       lab selftests on one STACK (TESTS="a.sh b.sh")
#   make kunit           KUnit suites on a UML kernel built from linux-source
#   make bench           benchmarks, ours side by side with stock
#   make stress          the resilience suite at full counts

SELFTESTS := tools/testing/selftests/drivers/net/failover
LAB := $(CURDIR)/$(SELFTESTS)/lab.sh

# Newest installed Debian 6.12 amd64 headers, unless KDIR= says otherwise.
KDIR ?= $(shell ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | \
		grep -v -e cloud -e rt- | sort -V | tail -n 1)

# Our include/ must shadow the kernel's include/net/{failover,net_failover}.h,
# and LINUXINCLUDE comes before ccflags-y, so prepend it to NOSTDINC_FLAGS.
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) \
	NOSTDINC_FLAGS="-nostdinc -I$(CURDIR)/include"

STACK ?=
TESTS ?=
export STACK TESTS KDIR

.PHONY: all modules clean deps demo check selftests kunit bench stress

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no 6.12 headers installed: run 'make deps'" >&2; exit 1; }
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

demo:
	@$(LAB) demo

check:
	@$(SELFTESTS)/check.sh

selftests:
	@$(LAB) deps
	@$(LAB) selftests --stack "$(STACK)" $(TESTS)

kunit:
	@$(SELFTESTS)/kunit.sh

bench:
	@$(SELFTESTS)/bench.sh

stress:
	@$(LAB) deps
	@STRESS=full $(LAB) selftests --stack "$(STACK)" \
		badinput.sh flap.sh modload.sh hotplug.sh migrate_stress.sh
