// SPDX-License-Identifier: GPL-2.0
/*
 * Failover core: an Ethernet device that has the permanent MAC of a
 * registered failover master in the same network namespace (or that the
 * master's match callback takes), and that the operator's rules allow,
 * becomes that master's lower device; the master's driver is told through
 * its callbacks.
 *
 * Linking and releasing run under RTNL. Lock order: RTNL, failover_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/failover.h>
#include <net/fo_compat.h>

#include "failover_priv.h"

/* thousands of masters may come and go at once */
static DEFINE_RATELIMIT_STATE(failover_msg_rs, 5 * HZ, 16);

#define FAILOVER_HASH_BITS	10

/*
 * protects failover_table, failover_matchers and failover_entry.hashed;
 * readers use RCU
 */
static DEFINE_MUTEX(failover_lock);
static struct list_head failover_table[1 << FAILOVER_HASH_BITS];
/* the masters with a match callback, in registration order */
static LIST_HEAD(failover_matchers);

static struct list_head *failover_bucket(const u8 *addr)
{
	return &failover_table[hash_64(ether_addr_to_u64(addr),
				       FAILOVER_HASH_BITS)];
}

static bool failover_entry_is(struct failover_entry *entry,
			      const struct net_device *failover_dev)
{
	return rcu_access_pointer(entry->fo.failover_dev) == failover_dev;
}

static struct failover_entry *
failover_entry_find(const struct net_device *failover_dev)
{
	struct failover_entry *entry;
	unsigned int i;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held() &&
			 !lockdep_is_held(&failover_lock),
			 "failover table read without RCU or failover_lock");

	list_for_each_entry_rcu(entry, failover_bucket(failover_dev->perm_addr),
				fo.list, lockdep_is_held(&failover_lock))
		if (failover_entry_is(entry, failover_dev))
			return entry;
	list_for_each_entry_rcu(entry, &failover_matchers, fo.list,
				lockdep_is_held(&failover_lock))
		if (failover_entry_is(entry, failover_dev))
			return entry;

	/* perm_addr may have changed since failover_register() */
	for (i = 0; i < ARRAY_SIZE(failover_table); i++)
		list_for_each_entry_rcu(entry, &failover_table[i], fo.list,
					lockdep_is_held(&failover_lock))
			if (failover_entry_is(entry, failover_dev))
				return entry;
	return NULL;
}

/*
 * NULL after failover_unregister(). Under RTNL a hashed entry stays: it is
 * unhashed under RTNL before it is freed.
 */
struct failover_entry *failover_entry_of(const struct net_device *failover_dev)
{
	struct failover_entry *entry;

	ASSERT_RTNL();

	rcu_read_lock();
	entry = failover_entry_find(failover_dev);
	rcu_read_unlock();
	return entry;
}

/* Whether @dev belongs to @entry's master @failover_dev, rules aside. */
static bool failover_entry_matches(struct failover_entry *entry,
				   struct net_device *failover_dev,
				   struct net_device *dev, const u8 *addr)
{
	if (failover_dev == dev || !net_eq(dev_net(failover_dev), dev_net(dev)))
		return false;
	if (entry->ops->match)
		return entry->ops->match(entry->priv, dev);
	return ether_addr_equal(entry->key, addr);
}

/* Whether the rules let @dev pair with @entry's master; @log: say why not. */
static bool failover_entry_allows(struct failover_entry *entry,
				  struct net_device *failover_dev,
				  struct net_device *dev, const u8 *addr,
				  bool log)
{
	const char *reason = failover_rules_refuse(entry, failover_dev, dev,
						   addr);

	if (reason && log && __ratelimit(&failover_msg_rs))
		netdev_info(failover_dev, "failover: not enslaving %s: %s\n",
			    dev->name, reason);
	return !reason;
}

/* @dev belongs to @entry's master and the rules let it join. */
static bool failover_entry_takes(struct failover_entry *entry,
				 struct net_device *failover_dev,
				 struct net_device *dev, const u8 *addr,
				 bool log)
{
	return failover_entry_matches(entry, failover_dev, dev, addr) &&
	       failover_entry_allows(entry, failover_dev, dev, addr, log);
}

/*
 * The master @dev belongs to: the first one registered whose match callback
 * takes it, else the first whose key is @addr, @dev's permanent MAC, and
 * that the rules let it join. A master being unregistered was unhashed
 * under RTNL: it is not found.
 */
static struct failover_entry *failover_master_of(struct net_device *dev,
						 const u8 *addr, bool log)
{
	struct failover_entry *entry, *found = NULL;
	struct net_device *candidate;

	ASSERT_RTNL();

	rcu_read_lock();
	list_for_each_entry_rcu(entry, &failover_matchers, fo.list) {
		candidate = rcu_dereference(entry->fo.failover_dev);
		if (failover_entry_takes(entry, candidate, dev, addr, log)) {
			found = entry;
			goto out;
		}
	}
	/* an all-zero MAC pairs only by a match callback */
	if (is_zero_ether_addr(addr))
		goto out;
	list_for_each_entry_rcu(entry, failover_bucket(addr), fo.list) {
		candidate = rcu_dereference(entry->fo.failover_dev);
		if (failover_entry_takes(entry, candidate, dev, addr, log)) {
			found = entry;
			break;
		}
	}
out:
	rcu_read_unlock();
	return found;
}

struct net_device *failover_dev_of(struct failover_entry *entry)
{
	return rcu_dereference_rtnl(entry->fo.failover_dev);
}

static void failover_hash(struct failover_entry *entry,
			  struct net_device *failover_dev)
{
	ASSERT_RTNL();

	mutex_lock(&failover_lock);
	netdev_hold(failover_dev, &entry->fo.dev_tracker, GFP_KERNEL);
	list_add_tail_rcu(&entry->fo.list, entry->ops->match ?
			  &failover_matchers : failover_bucket(entry->key));
	entry->hashed = true;
	mutex_unlock(&failover_lock);
}

/*
 * Also run at the master's NETDEV_UNREGISTER, under RTNL, which all readers
 * hold: they need no reference, and unregister_netdevice() does not wait for
 * a failover_unregister() that comes after rtnl_unlock().
 */
static void __failover_unhash(struct failover_entry *entry)
{
	struct net_device *failover_dev;

	lockdep_assert_held(&failover_lock);

	if (!entry->hashed)
		return;
	failover_dev = rcu_dereference_protected(entry->fo.failover_dev,
						 lockdep_is_held(&failover_lock));
	list_del_rcu(&entry->fo.list);
	entry->hashed = false;
	netdev_put(failover_dev, &entry->fo.dev_tracker);
}

/* Why @dev cannot be a lower device, or NULL if it can. */
static const char *failover_lower_unusable(struct net_device *dev)
{
	ASSERT_RTNL();

	if (dev->type != ARPHRD_ETHER)
		return "not an Ethernet device";
	if (netif_is_failover(dev))
		return "it is a failover master";
	if (netif_is_failover_slave(dev))
		return "already a failover slave";
	if (netdev_master_upper_dev_get(dev))
		return "it already has a master";
	if (netdev_is_rx_handler_busy(dev))
		return "its rx handler is in use";
	return NULL;
}

/* Tells user space that @dev is no longer marked as a lower device. */
static void failover_lower_unmark(struct net_device *dev)
{
	char role[] = "FAILOVER_ROLE=none";
	char *envp[2];

	ASSERT_RTNL();

	envp[0] = role;
	envp[1] = NULL;
	dev->flags &= ~IFF_SLAVE;
	fo_no_addrconf_clear(dev);
	kobject_uevent_env(&dev->dev.kobj, KOBJ_CHANGE, envp);
}

static int failover_lower_register(struct net_device *lower_dev,
				   struct failover_entry *entry)
{
	struct net_device *failover_dev = failover_dev_of(entry);
	const struct failover_master_ops *ops = entry->ops;
	struct netdev_lag_upper_info lag_upper_info = {
		.tx_type = NETDEV_LAG_TX_TYPE_ACTIVEBACKUP,
		.hash_type = NETDEV_LAG_HASH_NONE,
	};
	const char *reason;
	int err;

	ASSERT_RTNL();

	reason = failover_lower_unusable(lower_dev);
	if (reason) {
		if (__ratelimit(&failover_msg_rs))
			netdev_info(failover_dev, "failover: not enslaving %s: %s\n",
				    lower_dev->name, reason);
		return -EBUSY;
	}

	if (ops->pre_register) {
		err = ops->pre_register(entry->priv, lower_dev);
		if (err) {
			if (__ratelimit(&failover_msg_rs))
				netdev_info(failover_dev,
					    "failover: driver declined %s (%d)\n",
					    lower_dev->name, err);
			return err;
		}
	}

	/* netconsole stops on it: the master decides where packets go now */
	call_netdevice_notifiers(NETDEV_JOIN, lower_dev);

	err = netdev_rx_handler_register(lower_dev, ops->handle_frame,
					 failover_dev);
	if (err) {
		reason = "cannot install rx handler";
		goto err_out;
	}

	/* before the link, whose RTM_NEWLINK then shows it */
	lower_dev->flags |= IFF_SLAVE;
	err = netdev_master_upper_dev_link(lower_dev, failover_dev, NULL,
					   &lag_upper_info, NULL);
	if (err) {
		reason = "cannot link to master";
		goto err_rx_handler;
	}

	lower_dev->priv_flags |= FO_IFF_FAILOVER_SLAVE;
	/* before the driver may open it: IPv6 on it fails the master's DAD */
	fo_no_addrconf_set(lower_dev);

	if (ops->register_lower) {
		err = ops->register_lower(entry->priv, lower_dev);
		if (err) {
			reason = "driver failed to register it";
			goto err_upper_link;
		}
	}

	/* the driver logs the role it gave it */
	netdev_dbg(failover_dev, "failover slave:%s registered\n",
		   lower_dev->name);
	return 0;

err_upper_link:
	fo_no_addrconf_clear(lower_dev);
	lower_dev->priv_flags &= ~FO_IFF_FAILOVER_SLAVE;
	netdev_upper_dev_unlink(lower_dev, failover_dev);
err_rx_handler:
	lower_dev->flags &= ~IFF_SLAVE;
	netdev_rx_handler_unregister(lower_dev);
err_out:
	netdev_err(failover_dev, "failover: cannot enslave %s: %s (%d)\n",
		   lower_dev->name, reason, err);
	return err;
}

/* @force: @lower_dev is going away, so it goes even if the driver refuses. */
static int failover_lower_release(struct net_device *lower_dev,
				  struct net_device *failover_dev, bool force)
{
	const struct failover_master_ops *ops = NULL;
	struct failover_entry *entry;
	bool notify = true;
	int err;

	ASSERT_RTNL();

	entry = failover_entry_of(failover_dev);
	if (entry)
		ops = entry->ops;
	if (ops && ops->pre_unregister) {
		err = ops->pre_unregister(entry->priv, lower_dev);
		if (err && !force) {
			netdev_err(failover_dev,
				   "failover: driver refused to release %s (%d)\n",
				   lower_dev->name, err);
			return err;
		}
		if (err) {
			/* not the driver's, so it is not told */
			netdev_warn(failover_dev,
				    "failover: releasing %s despite driver refusal (%d): it is going away\n",
				    lower_dev->name, err);
			notify = false;
		}
	}

	netdev_rx_handler_unregister(lower_dev);
	/* before the unlink, whose RTM_NEWLINK then shows it; not on 6.1 */
	if (!FO_NO_ADDRCONF_IS_IFF_SLAVE)
		lower_dev->flags &= ~IFF_SLAVE;
	netdev_upper_dev_unlink(lower_dev, failover_dev);
	lower_dev->priv_flags &= ~FO_IFF_FAILOVER_SLAVE;

	if (notify && ops && ops->unregister_lower)
		ops->unregister_lower(entry->priv, lower_dev);
	/* after the driver, which may close @lower_dev first */
	if (lower_dev->reg_state == NETREG_REGISTERED) {
		failover_lower_unmark(lower_dev);
	} else {
		lower_dev->flags &= ~IFF_SLAVE;
		fo_no_addrconf_clear(lower_dev);
	}

	netdev_dbg(failover_dev, "failover slave:%s unregistered\n",
		   lower_dev->name);
	return 0;
}

static int failover_lower_unregister(struct net_device *lower_dev, bool force)
{
	struct net_device *failover_dev;

	ASSERT_RTNL();

	if (!netif_is_failover_slave(lower_dev))
		return -ENODEV;

	failover_dev = netdev_master_upper_dev_get(lower_dev);
	if (!failover_dev)
		return -ENODEV;

	return failover_lower_release(lower_dev, failover_dev, force);
}

/**
 * failover_slave_unregister() - release a lower device from its master
 * @slave_dev: a device the failover core linked to a master
 *
 * Undoes the linking, calling the master driver's slave_pre_unregister and
 * slave_unregister. Must be called with RTNL held.
 *
 * Return: 0, -ENODEV if @slave_dev has no failover master, or the refusal
 * returned by &failover_ops.slave_pre_unregister.
 */
int failover_slave_unregister(struct net_device *slave_dev)
{
	ASSERT_RTNL();

	return failover_lower_unregister(slave_dev, false);
}
EXPORT_SYMBOL_GPL(failover_slave_unregister);

static void failover_release_all(struct net_device *failover_dev)
{
	struct net_device *lower;
	struct list_head *iter;
	bool again;

	ASSERT_RTNL();

	/* each release changes the lower list, so restart the walk */
	do {
		again = false;
		netdev_for_each_lower_dev(failover_dev, lower, iter) {
			if (!netif_is_failover_slave(lower))
				continue;
			failover_lower_release(lower, failover_dev, true);
			again = true;
			break;
		}
	} while (again);
}

/* Also called for a move to another netns, which keeps the master hashed. */
static void failover_master_unregister(struct net_device *failover_dev)
{
	struct failover_entry *entry;

	ASSERT_RTNL();

	failover_release_all(failover_dev);

	if (failover_dev->reg_state == NETREG_REGISTERED)
		return;

	entry = failover_entry_of(failover_dev);
	if (entry)
		failover_rules_sysfs_del(entry, failover_dev);
	mutex_lock(&failover_lock);
	if (entry)
		__failover_unhash(entry);
	mutex_unlock(&failover_lock);
}

/* Whether @dev could be anyone's lower device now. */
static bool failover_lower_candidate(struct net_device *dev)
{
	return dev->type == ARPHRD_ETHER && !netif_is_failover(dev) &&
	       !netif_is_failover_slave(dev);
}

/**
 * failover_pair() - link to a master every device in its netns that belongs
 * @entry: the master's entry, hashed
 *
 * In registration order, so that of two candidates the first registered
 * wins. Idempotent.
 */
void failover_pair(struct failover_entry *entry)
{
	struct net_device *failover_dev = failover_dev_of(entry);
	struct net_device *dev;

	ASSERT_RTNL();

	for_each_netdev(dev_net(failover_dev), dev) {
		/* an all-zero key would match every device without a MAC */
		if (!failover_lower_candidate(dev) ||
		    (!entry->ops->match && is_zero_ether_addr(dev->perm_addr)))
			continue;
		if (!failover_entry_takes(entry, failover_dev, dev,
					  dev->perm_addr, true))
			continue;
		failover_lower_register(dev, entry);
	}
}

/**
 * failover_repair() - pair a master's devices again, after its rules or its
 * match callback changed
 * @failover_dev: a registered failover master
 *
 * Releases the lower devices that no longer belong (the match callback or
 * the MAC) or that the rules no longer allow, then links every device that
 * belongs. Must be called with RTNL held.
 *
 * Return: 0, -ENODEV if @failover_dev is not a registered master, or -EBUSY
 * if the driver refused to release a device (it stays linked).
 */
int failover_repair(struct net_device *failover_dev)
{
	struct failover_entry *entry;
	struct net_device *lower;
	struct list_head *iter;
	bool again, refused = false;

	ASSERT_RTNL();

	entry = failover_entry_of(failover_dev);
	if (!entry)
		return -ENODEV;

	do {
		again = false;
		netdev_for_each_lower_dev(failover_dev, lower, iter) {
			if (!netif_is_failover_slave(lower) ||
			    failover_entry_takes(entry, failover_dev, lower,
						 lower->perm_addr, true))
				continue;
			if (failover_lower_release(lower, failover_dev, false)) {
				refused = true;
				continue;
			}
			again = true;
			break;
		}
	} while (again);
	failover_pair(entry);
	return refused ? -EBUSY : 0;
}
EXPORT_SYMBOL_GPL(failover_repair);

/* After a change of the deny parameter: every master, under RTNL. */
void failover_repair_all(void)
{
	struct failover_entry *entry;
	unsigned int i;

	ASSERT_RTNL();

	/* hashing and unhashing hold RTNL too: the lists stand still */
	for (i = 0; i < ARRAY_SIZE(failover_table); i++)
		list_for_each_entry(entry, &failover_table[i], fo.list)
			failover_repair(failover_dev_of(entry));
	list_for_each_entry(entry, &failover_matchers, fo.list)
		failover_repair(failover_dev_of(entry));
}

/*
 * NETDEV_POST_INIT comes before the device's sysfs entry and so its "add"
 * uevent: marked now, it is never seen unmarked, and nothing configures it
 * before NETDEV_REGISTER links it. register_netdevice() holds RTNL from
 * one to the other, so at most one device is in between.
 */
static struct net_device *failover_premarked;

static void failover_lower_premark(struct net_device *dev)
{
	const u8 *addr = dev->perm_addr;

	ASSERT_RTNL();

	failover_premarked = NULL;
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN)
		return;
	/* register_netdevice() fills perm_addr from dev_addr after POST_INIT */
	if (is_zero_ether_addr(addr) && dev->addr_assign_type == NET_ADDR_PERM)
		addr = dev->dev_addr;
	/* already flagged: another master driver's (hv_netvsc's VF) */
	if ((dev->flags & IFF_SLAVE) || !failover_master_of(dev, addr, false))
		return;

	dev->flags |= IFF_SLAVE;
	fo_no_addrconf_set(dev);
	failover_premarked = dev;
}

/* @dev registered, or moved in from another netns */
static void failover_lower_appeared(struct net_device *dev)
{
	struct failover_entry *entry;
	bool premarked;

	ASSERT_RTNL();

	premarked = failover_premarked == dev && (dev->flags & IFF_SLAVE);
	failover_premarked = NULL;

	if (failover_lower_candidate(dev)) {
		entry = failover_master_of(dev, dev->perm_addr, true);
		if (entry && !failover_lower_register(dev, entry))
			return;
	}
	if (premarked)
		failover_lower_unmark(dev);
}

static int failover_lower_changed(struct net_device *lower_dev,
				  unsigned long event,
				  struct netdev_notifier_info *info)
{
	struct failover_entry *entry;
	struct net_device *failover_dev;
	int err;

	ASSERT_RTNL();

	failover_dev = netdev_master_upper_dev_get(lower_dev);
	if (!failover_dev)
		return NOTIFY_DONE;
	entry = failover_entry_of(failover_dev);
	if (!entry || !entry->ops->event)
		return NOTIFY_DONE;

	err = entry->ops->event(entry->priv, lower_dev, event, info);
	if (event == NETDEV_PRE_CHANGEADDR && err)
		return notifier_from_errno(err);
	return NOTIFY_DONE;
}

static int failover_event(struct notifier_block *nb, unsigned long event,
			  void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct failover_entry *entry;

	ASSERT_RTNL();

	switch (event) {
	case NETDEV_POST_INIT:
		failover_lower_premark(dev);
		break;
	case NETDEV_REGISTER:
		/* a master moved in from another netns finds its devices */
		if (netif_is_failover(dev)) {
			entry = failover_entry_of(dev);
			if (entry)
				failover_pair(entry);
			break;
		}
		failover_lower_appeared(dev);
		break;
	case NETDEV_UNREGISTER:
		if (netif_is_failover(dev))
			failover_master_unregister(dev);
		else if (netif_is_failover_slave(dev))
			failover_lower_unregister(dev, true);
		break;
	case NETDEV_UP:
	case NETDEV_GOING_DOWN:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
	case NETDEV_CHANGENAME:
	case NETDEV_NOTIFY_PEERS:
	case NETDEV_FEAT_CHANGE:
	case NETDEV_CHANGEMTU:
	case NETDEV_PRE_CHANGEADDR:
		if (netif_is_failover_slave(dev))
			return failover_lower_changed(dev, event, ptr);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block failover_notifier = {
	.notifier_call = failover_event,
};

/* Hashes @entry for @dev and pairs it; frees @entry on error. RTNL held. */
struct failover *failover_add(struct net_device *dev,
			      struct failover_entry *entry)
{
	int err;

	ASSERT_RTNL();

	if (dev->type != ARPHRD_ETHER ||
	    dev->reg_state != NETREG_REGISTERED) {
		netdev_err(dev,
			   "failover: cannot register: not a registered Ethernet device\n");
		err = -EINVAL;
		goto err_free;
	}
	if (netif_is_failover(dev) || netif_is_failover_slave(dev)) {
		netdev_err(dev,
			   "failover: cannot register: already a failover %s\n",
			   netif_is_failover(dev) ? "master" : "slave");
		err = -EBUSY;
		goto err_free;
	}

	RCU_INIT_POINTER(entry->fo.failover_dev, dev);
	ether_addr_copy(entry->key, dev->perm_addr);
	failover_rules_init(entry);
	err = failover_rules_sysfs_add(entry, dev);
	if (err) {
		netdev_err(dev, "failover: cannot register: no sysfs group (%d)\n",
			   err);
		goto err_free;
	}
	dev->priv_flags |= IFF_FAILOVER;
	failover_hash(entry, dev);
	if (__ratelimit(&failover_msg_rs))
		netdev_info(dev, "failover master:%s registered\n", dev->name);

	failover_pair(entry);
	return &entry->fo;

err_free:
	kfree(entry);
	return ERR_PTR(err);
}

/**
 * __failover_master_register() - register a failover master, RTNL held
 * @dev: the master; registered, of type ARPHRD_ETHER
 * @ops: the master driver's callbacks, valid until failover_unregister()
 * @priv: passed back to every callback
 *
 * As failover_master_register(), for a caller that holds RTNL.
 *
 * Return: as failover_master_register().
 */
struct failover *__failover_master_register(struct net_device *dev,
					    const struct failover_master_ops *ops,
					    void *priv)
{
	struct failover_entry *entry;

	ASSERT_RTNL();

	if (!dev || !ops)
		return ERR_PTR(-EINVAL);
	/* without a key or a match callback, nothing would ever pair */
	if (!ops->match && is_zero_ether_addr(dev->perm_addr)) {
		netdev_err(dev,
			   "failover: cannot register: no permanent MAC and no match callback\n");
		return ERR_PTR(-EINVAL);
	}

	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return ERR_PTR(-ENOMEM);
	entry->ops = ops;
	entry->priv = priv;
	return failover_add(dev, entry);
}
EXPORT_SYMBOL_GPL(__failover_master_register);

/**
 * failover_master_register() - register a failover master
 * @dev: the master; registered, of type ARPHRD_ETHER
 * @ops: the master driver's callbacks, valid until failover_unregister()
 * @priv: passed back to every callback
 *
 * Sets IFF_FAILOVER on @dev and links to it every device, present or later,
 * in its netns that belongs to it (&failover_master_ops.match, else the
 * permanent MAC) and that the operator's rules allow. Lower devices' events
 * reach &failover_master_ops.event. Takes RTNL. Release it with
 * failover_unregister().
 *
 * Return: the instance for failover_unregister(), or ERR_PTR(-EINVAL) for a
 * bad @dev or @ops, -EBUSY if @dev already is a failover master or lower
 * device, or -ENOMEM.
 */
struct failover *failover_master_register(struct net_device *dev,
					  const struct failover_master_ops *ops,
					  void *priv)
{
	struct failover *failover;

	rtnl_lock();
	failover = __failover_master_register(dev, ops, priv);
	rtnl_unlock();
	return failover;
}
EXPORT_SYMBOL_GPL(failover_master_register);

/**
 * failover_unregister() - unregister a failover master
 * @failover: the instance returned by failover_register() or
 *	failover_master_register()
 *
 * Clears IFF_FAILOVER and frees @failover. Call it once the lower devices
 * are released, before the master is freed, and with RTNL held while the
 * master is still registered.
 */
void failover_unregister(struct failover *failover)
{
	struct failover_entry *entry;
	struct net_device *dev;

	if (IS_ERR_OR_NULL(failover))
		return;

	entry = container_of(failover, struct failover_entry, fo);
	/* the caller owns @failover: nobody else changes or frees it */
	dev = rcu_dereference_protected(failover->failover_dev, true);

	/* others write priv_flags under RTNL until @dev is unregistered */
	if (READ_ONCE(dev->reg_state) == NETREG_REGISTERED) {
		ASSERT_RTNL();
		failover_rules_sysfs_del(entry, dev);
	}

	mutex_lock(&failover_lock);
	__failover_unhash(entry);
	mutex_unlock(&failover_lock);
	dev->priv_flags &= ~IFF_FAILOVER;

	if (__ratelimit(&failover_msg_rs))
		netdev_info(dev, "failover master:%s unregistered\n",
			    dev->name);
	/* a legacy entry is at the start of its allocation (legacy.c) */
	kfree_rcu(entry, rcu);
}
EXPORT_SYMBOL_GPL(failover_unregister);

static int __init failover_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(failover_table); i++)
		INIT_LIST_HEAD(&failover_table[i]);

	err = register_netdevice_notifier(&failover_notifier);
	if (!err)
		failover_rules_ready();
	return err;
}
module_init(failover_init);

/* The table is empty: every master's driver depends on this module. */
static void __exit failover_exit(void)
{
	unregister_netdevice_notifier(&failover_notifier);
	failover_rules_exit();
}
module_exit(failover_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(FO_VERSION);
MODULE_DESCRIPTION("Failover core: pairs net devices with a failover master by permanent MAC or a driver's rule");
