// SPDX-License-Identifier: GPL-2.0
/*
 * The stock core's API, failover_register() with struct failover_ops, on
 * top of the second one: each callback is adapted to struct
 * failover_master_ops. The stock drivers (net_failover, virtio_net's
 * users) link it; its symbols keep the stock CRCs.
 */

#include <linux/build_bug.h>
#include <linux/netdevice.h>
#include <linux/stddef.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/failover.h>

#include "failover_priv.h"

/* the entry first: failover_unregister() frees the entry's pointer */
struct failover_legacy {
	struct failover_entry entry;
	struct failover_master_ops ops;
};

static_assert(offsetof(struct failover_legacy, entry) == 0);

/* @priv is the struct failover_legacy. Its callbacks get the master. */
static struct failover_legacy *failover_legacy_of(void *priv)
{
	return priv;
}

static const struct failover_ops *failover_legacy_ops(void *priv)
{
	return rtnl_dereference(failover_legacy_of(priv)->entry.fo.ops);
}

static struct net_device *failover_legacy_dev(void *priv)
{
	return failover_dev_of(&failover_legacy_of(priv)->entry);
}

static int failover_legacy_pre_register(void *priv, struct net_device *dev)
{
	const struct failover_ops *ops = failover_legacy_ops(priv);

	if (!ops->slave_pre_register)
		return 0;
	return ops->slave_pre_register(dev, failover_legacy_dev(priv));
}

static int failover_legacy_register(void *priv, struct net_device *dev)
{
	const struct failover_ops *ops = failover_legacy_ops(priv);

	if (!ops->slave_register)
		return 0;
	return ops->slave_register(dev, failover_legacy_dev(priv));
}

static int failover_legacy_pre_unregister(void *priv, struct net_device *dev)
{
	const struct failover_ops *ops = failover_legacy_ops(priv);

	if (!ops->slave_pre_unregister)
		return 0;
	return ops->slave_pre_unregister(dev, failover_legacy_dev(priv));
}

static void failover_legacy_unregister(void *priv, struct net_device *dev)
{
	const struct failover_ops *ops = failover_legacy_ops(priv);

	if (ops->slave_unregister)
		ops->slave_unregister(dev, failover_legacy_dev(priv));
}

static int failover_legacy_event(void *priv, struct net_device *dev,
				 unsigned long event,
				 struct netdev_notifier_info *info)
{
	const struct failover_ops *ops = failover_legacy_ops(priv);

	switch (event) {
	case NETDEV_UP:
	case NETDEV_GOING_DOWN:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		if (ops->slave_link_change)
			ops->slave_link_change(dev, failover_legacy_dev(priv));
		break;
	case NETDEV_CHANGENAME:
		if (ops->slave_name_change)
			ops->slave_name_change(dev, failover_legacy_dev(priv));
		break;
	}
	return 0;
}

/**
 * failover_register() - register a failover master
 * @dev: the master; registered, of type ARPHRD_ETHER, its perm_addr set
 * @ops: the master driver's callbacks, valid until failover_unregister()
 *
 * Sets IFF_FAILOVER on @dev and links to it every device, present or later,
 * in its netns with its permanent MAC that the operator's rules allow.
 * Takes RTNL. New drivers should use failover_master_register().
 *
 * Return: the instance for failover_unregister(), or ERR_PTR(-EINVAL) for a
 * bad @dev or @ops, -EBUSY if @dev already is a failover master or lower
 * device, or -ENOMEM.
 */
struct failover *failover_register(struct net_device *dev,
				   struct failover_ops *ops)
{
	struct failover_legacy *legacy;
	struct failover *failover;

	if (!dev || !ops)
		return ERR_PTR(-EINVAL);

	legacy = kzalloc(sizeof(*legacy), GFP_KERNEL);
	if (!legacy)
		return ERR_PTR(-ENOMEM);
	RCU_INIT_POINTER(legacy->entry.fo.ops, ops);
	legacy->ops = (struct failover_master_ops) {
		.pre_register		= failover_legacy_pre_register,
		.register_lower		= failover_legacy_register,
		.pre_unregister		= failover_legacy_pre_unregister,
		.unregister_lower	= failover_legacy_unregister,
		.event			= failover_legacy_event,
		.handle_frame		= ops->slave_handle_frame,
	};
	legacy->entry.ops = &legacy->ops;
	legacy->entry.priv = legacy;

	rtnl_lock();
	failover = failover_add(dev, &legacy->entry);
	rtnl_unlock();
	return failover;
}
EXPORT_SYMBOL_GPL(failover_register);
