// SPDX-License-Identifier: GPL-2.0
/*
 * The operator's pairing rules, for devices not on the master's own parent
 * device (the VFs, not virtio_net's standby):
 *   pin   the master pairs only with the device at this bus address;
 *   deny  never pair with a device at these bus addresses or with these
 *         permanent MACs: it stays an independent NIC.
 * A bus address is the name of the device's parent, the PCI BDF for a PCI
 * NIC (what /sys/class/net/<dev>/device points to), or its PCI slot's name
 * (/sys/bus/pci/slots/), which stays when the BDF changes. Per master in sysfs
 * (/sys/class/net/<master>/failover/{pin,deny}); at boot, before any
 * master exists, with the module parameters.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <net/fo_compat.h>

#include "failover_priv.h"

static char *pin = "";
module_param(pin, charp, 0444);
MODULE_PARM_DESC(pin, "MAC=BUS,...: the master with permanent MAC MAC pairs only with the device at bus address BUS (a PCI BDF)");

struct failover_deny_list {
	struct rcu_head rcu;
	char list[];
};

/* the deny parameter's value; readers use RCU */
static struct failover_deny_list __rcu *failover_deny;
/* built in, from the command line, parsed before slab is up: the value */
static const char *failover_deny_boot = "";
/* protects updates of failover_deny */
static DEFINE_MUTEX(failover_deny_lock);
static bool failover_running;

/*
 * Not from the parameter's store, which holds the module's param_lock:
 * RTNL is taken with param_lock held nowhere else in this order.
 */
static void failover_deny_work_fn(struct work_struct *work)
{
	rtnl_lock();
	failover_repair_all();
	rtnl_unlock();
}

static DECLARE_WORK(failover_deny_work, failover_deny_work_fn);

static int failover_deny_set(const char *val, const struct kernel_param *kp)
{
	struct failover_deny_list *new, *old;
	size_t len = strlen(val);

#ifndef MODULE
	/* the command line outlives the kernel: point at it, as charp does */
	if (!slab_is_available()) {
		failover_deny_boot = val;
		return 0;
	}
#endif
	new = kmalloc(struct_size(new, list, len + 1), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	memcpy(new->list, val, len + 1);
	mutex_lock(&failover_deny_lock);
	old = rcu_replace_pointer(failover_deny, new,
				  lockdep_is_held(&failover_deny_lock));
	mutex_unlock(&failover_deny_lock);
	if (old)
		kfree_rcu(old, rcu);
	/* at load, before failover_init(), nothing is paired yet */
	if (READ_ONCE(failover_running))
		schedule_work(&failover_deny_work);
	return 0;
}

static int failover_deny_get(char *buf, const struct kernel_param *kp)
{
	struct failover_deny_list *d;
	int n;

	rcu_read_lock();
	d = rcu_dereference(failover_deny);
	n = scnprintf(buf, PAGE_SIZE, "%s\n", d ? d->list : failover_deny_boot);
	rcu_read_unlock();
	return n;
}

static const struct kernel_param_ops failover_deny_ops = {
	.set	= failover_deny_set,
	.get	= failover_deny_get,
};

module_param_cb(deny, &failover_deny_ops, NULL, 0644);
MODULE_PARM_DESC(deny, "BUS|MAC,...: never pair a device at bus address BUS or with permanent MAC MAC (every master; a change releases and pairs again)");

void failover_rules_ready(void)
{
	WRITE_ONCE(failover_running, true);
}

/* At module exit: no master is left. */
void failover_rules_exit(void)
{
	WRITE_ONCE(failover_running, false);
	cancel_work_sync(&failover_deny_work);
	kfree(rcu_dereference_protected(failover_deny, true));
}

/* the separators of a rule list, in sysfs and in module parameters */
static bool failover_rule_sep(char c)
{
	return c == ',' || isspace(c);
}

/* The next token of @*list into @tok (at most FAILOVER_RULE_LEN): its length. */
static size_t failover_rule_next(const char **list, char *tok)
{
	const char *s = *list, *e;
	size_t len;

	while (*s && failover_rule_sep(*s))
		s++;
	for (e = s; *e && !failover_rule_sep(*e); e++)
		;
	*list = e;
	len = e - s;
	/* a token too long for @tok leaves it empty: callers check @len */
	if (len < FAILOVER_RULE_LEN)
		strscpy(tok, s, len + 1);
	else
		tok[0] = '\0';
	return len;
}

/* the name of @parent's PCI slot (/sys/bus/pci/slots/), or "" */
static const char *failover_slot_of(const struct device *parent)
{
#if IS_ENABLED(CONFIG_PCI)
	if (parent && dev_is_pci(parent) && to_pci_dev(parent)->slot)
		return pci_slot_name(to_pci_dev(parent)->slot);
#endif
	return "";
}

/* @tok names @bus, @slot or, as a MAC, @mac */
static bool failover_rule_is(const char *tok, const char *bus,
			     const char *slot, const u8 *mac)
{
	u8 addr[ETH_ALEN];

	if (!*tok)
		return false;
	if (mac_pton(tok, addr) && strlen(tok) == 3 * ETH_ALEN - 1)
		return ether_addr_equal(addr, mac);
	return !strcmp(tok, bus) || (*slot && !strcmp(tok, slot));
}

static bool failover_deny_param(const char *bus, const char *slot,
				const u8 *mac)
{
	struct failover_deny_list *d;
	char tok[FAILOVER_RULE_LEN];
	bool denied = false;
	const char *list;
	size_t len;

	rcu_read_lock();
	d = rcu_dereference(failover_deny);
	list = d ? d->list : failover_deny_boot;
	while (!denied && (len = failover_rule_next(&list, tok)))
		denied = len < FAILOVER_RULE_LEN &&
			 failover_rule_is(tok, bus, slot, mac);
	rcu_read_unlock();
	return denied;
}

/**
 * failover_rules_refuse() - why the rules keep a device from a master
 * @entry: the master's entry
 * @failover_dev: the master
 * @dev: the candidate lower device
 * @addr: its permanent MAC (at NETDEV_POST_INIT still in dev_addr)
 *
 * Return: NULL if the rules let @dev be @failover_dev's lower device, else
 * the reason, for a log line.
 */
const char *failover_rules_refuse(const struct failover_entry *entry,
				  const struct net_device *failover_dev,
				  const struct net_device *dev, const u8 *addr)
{
	const struct device *parent = dev->dev.parent;
	const char *bus = parent ? dev_name(parent) : "";
	const char *slot = failover_slot_of(parent);
	unsigned int i;

	/* the master's own device, virtio_net's standby: never refused */
	if (parent && parent == failover_dev->dev.parent)
		return NULL;
	if (failover_deny_param(bus, slot, addr))
		return "denied by the failover.deny parameter";
	for (i = 0; i < entry->rules.ndeny; i++)
		if (failover_rule_is(entry->rules.deny[i], bus, slot, addr))
			return "denied by the master's failover/deny";
	if (entry->rules.pin[0] &&
	    !failover_rule_is(entry->rules.pin, bus, slot, addr))
		return "not the device failover/pin names";
	return NULL;
}

/* The rules a new master starts with: its entry of the pin parameter. */
void failover_rules_init(struct failover_entry *entry)
{
	char tok[FAILOVER_RULE_LEN];
	const char *list = pin;
	u8 addr[ETH_ALEN];
	char *bus;
	size_t len;

	memset(&entry->rules, 0, sizeof(entry->rules));
	while ((len = failover_rule_next(&list, tok))) {
		bus = len < FAILOVER_RULE_LEN ? strchr(tok, '=') : NULL;
		if (!bus) {
			pr_warn_once("pin: ignoring an entry that is not MAC=BUS\n");
			continue;
		}
		*bus++ = '\0';
		if (strlen(tok) == 3 * ETH_ALEN - 1 && mac_pton(tok, addr) &&
		    ether_addr_equal(addr, entry->key))
			strscpy(entry->rules.pin, bus, sizeof(entry->rules.pin));
	}
}

static ssize_t pin_show(struct device *d, struct device_attribute *attr,
			char *buf)
{
	struct failover_entry *entry;
	ssize_t ret = -ENODEV;

	if (!rtnl_trylock())
		return restart_syscall();
	entry = failover_entry_of(to_net_dev(d));
	if (entry)
		ret = sysfs_emit(buf, "%s\n", entry->rules.pin);
	rtnl_unlock();
	return ret;
}

static ssize_t deny_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct failover_entry *entry;
	ssize_t ret = -ENODEV;
	unsigned int i;

	if (!rtnl_trylock())
		return restart_syscall();
	entry = failover_entry_of(to_net_dev(d));
	if (entry) {
		ret = 0;
		for (i = 0; i < entry->rules.ndeny; i++)
			ret += sysfs_emit_at(buf, ret, "%s%s", i ? " " : "",
					     entry->rules.deny[i]);
		ret += sysfs_emit_at(buf, ret, "\n");
	}
	rtnl_unlock();
	return ret;
}

/* Says why a rule was refused: in dmesg, and in @extack if there is one. */
static __printf(3, 4) void failover_rules_bad(struct net_device *dev,
					      struct netlink_ext_ack *extack,
					      const char *fmt, ...)
{
	char msg[NETLINK_MAX_FMTMSG_LEN];
	va_list args;

	va_start(args, fmt);
	vsnprintf(msg, sizeof(msg), fmt, args);
	va_end(args);
	NL_SET_ERR_MSG_FMT_MOD(extack, "%s", msg);
	net_warn_ratelimited("%s: %s\n", dev->name, msg);
}

/* Parses @list into @toks (at most @max): how many, or a negative errno. */
static int failover_rules_parse(struct net_device *dev, const char *what,
				const char *list,
				char (*toks)[FAILOVER_RULE_LEN],
				unsigned int max, struct netlink_ext_ack *extack)
{
	char tok[FAILOVER_RULE_LEN];
	unsigned int n = 0;
	size_t len;

	while ((len = failover_rule_next(&list, tok))) {
		if (len >= FAILOVER_RULE_LEN) {
			failover_rules_bad(dev, extack,
					   "failover %s: an entry longer than %d characters",
					   what, FAILOVER_RULE_LEN - 1);
			return -EINVAL;
		}
		if (n == max) {
			failover_rules_bad(dev, extack,
					   "failover %s: at most %u %s", what, max,
					   max == 1 ? "entry" : "entries");
			return -E2BIG;
		}
		strscpy(toks[n++], tok, FAILOVER_RULE_LEN);
	}
	return n;
}

/**
 * failover_set_rule() - set a rule of a failover master and pair again
 * @failover_dev: a registered failover master
 * @rule: %FAILOVER_RULE_PIN: @list is the bus address of the one device
 *	(not on the master's own parent) the master may pair with, or empty
 *	for any; %FAILOVER_RULE_DENY: @list names the bus addresses and
 *	permanent MACs of devices it must never pair with, at most 8
 * @list: entries separated by commas or white space; "" clears the rule
 * @extack: for the reason of a refusal, or NULL
 *
 * The lower devices the new rules refuse are released, then the devices
 * they allow are paired (failover_repair()). Must be called with RTNL held.
 *
 * Return: 0, -ENODEV if @failover_dev is not a registered master, -EINVAL
 * for a bad @rule or an entry that is too long, -E2BIG for too many
 * entries (on these errors the rules are unchanged), or -EBUSY: the rule
 * is set, but the master's driver refused to release a device it refuses.
 */
int failover_set_rule(struct net_device *failover_dev, enum failover_rule rule,
		      const char *list, struct netlink_ext_ack *extack)
{
	char toks[FAILOVER_DENY_MAX][FAILOVER_RULE_LEN];
	struct failover_entry *entry;
	int n;

	int err;

	ASSERT_RTNL();

	entry = failover_entry_of(failover_dev);
	if (!entry) {
		NL_SET_ERR_MSG_MOD(extack, "not a failover master");
		return -ENODEV;
	}
	if (!list)
		list = "";
	switch (rule) {
	case FAILOVER_RULE_PIN:
		n = failover_rules_parse(failover_dev, "pin", list, toks, 1,
					 extack);
		if (n < 0)
			return n;
		strscpy(entry->rules.pin, n ? toks[0] : "",
			sizeof(entry->rules.pin));
		break;
	case FAILOVER_RULE_DENY:
		n = failover_rules_parse(failover_dev, "deny", list, toks,
					 FAILOVER_DENY_MAX, extack);
		if (n < 0)
			return n;
		memcpy(entry->rules.deny, toks, n * sizeof(toks[0]));
		entry->rules.ndeny = n;
		break;
	default:
		NL_SET_ERR_MSG_MOD(extack, "unknown failover rule");
		return -EINVAL;
	}
	err = failover_repair(failover_dev);
	if (err == -EBUSY)
		failover_rules_bad(failover_dev, extack,
				   "failover: rule set, but the driver keeps a lower device it refuses");
	return err;
}
EXPORT_SYMBOL_GPL(failover_set_rule);

static ssize_t failover_rules_store(struct device *d, const char *buf,
				    size_t count, enum failover_rule rule)
{
	int err;

	/* the master's unregistration removes this file under RTNL */
	if (!rtnl_trylock())
		return restart_syscall();
	err = failover_set_rule(to_net_dev(d), rule, buf, NULL);
	rtnl_unlock();
	return err ? err : count;
}

static ssize_t pin_store(struct device *d, struct device_attribute *attr,
			 const char *buf, size_t count)
{
	return failover_rules_store(d, buf, count, FAILOVER_RULE_PIN);
}

static ssize_t deny_store(struct device *d, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	return failover_rules_store(d, buf, count, FAILOVER_RULE_DENY);
}

static DEVICE_ATTR_RW(pin);
static DEVICE_ATTR_RW(deny);

static struct attribute *failover_rules_attrs[] = {
	&dev_attr_pin.attr,
	&dev_attr_deny.attr,
	NULL,
};

static const struct attribute_group failover_rules_group = {
	.name	= "failover",
	.attrs	= failover_rules_attrs,
};

int failover_rules_sysfs_add(struct failover_entry *entry,
			     struct net_device *failover_dev)
{
	int err;

	ASSERT_RTNL();

	err = sysfs_create_group(&failover_dev->dev.kobj, &failover_rules_group);
	entry->sysfs = !err;
	return err;
}

/* Before the master's kobject goes: at its NETDEV_UNREGISTER, or earlier. */
void failover_rules_sysfs_del(struct failover_entry *entry,
			      struct net_device *failover_dev)
{
	ASSERT_RTNL();

	if (!entry->sysfs)
		return;
	sysfs_remove_group(&failover_dev->dev.kobj, &failover_rules_group);
	entry->sysfs = false;
}
