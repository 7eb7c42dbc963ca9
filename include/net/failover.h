/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failover core: links net devices, as lower devices, to the failover master
 * with their permanent MAC, and tells the master's driver through struct
 * failover_ops.
 */

#ifndef _FAILOVER_H
#define _FAILOVER_H

#include <linux/netdevice.h>

/*
 * Both structs are ABI: genksyms folds them into the CRCs of the functions
 * below, which must equal those of the kernel's own module. Do not change
 * their members.
 */

/**
 * struct failover_ops - callbacks from the failover core to a master driver
 * @slave_pre_register: @slave_dev, which has the master's permanent MAC, may
 *	become its lower device. Return 0 to accept it; anything else vetoes
 *	it, and nothing is changed on @slave_dev.
 * @slave_register: @slave_dev is linked: the rx handler is installed,
 *	@failover_dev is its master upper device and IFF_FAILOVER_SLAVE is
 *	set. A negative errno, once the driver has undone its own changes,
 *	makes the core undo the linking.
 * @slave_pre_unregister: @slave_dev is about to be released. Return 0 to
 *	allow it; failover_slave_unregister() returns any other value. When
 *	@slave_dev or the master is unregistered or changes netns, a refusal
 *	only means that @slave_unregister is not called.
 * @slave_unregister: @slave_dev is released: no rx handler, no upper link,
 *	no IFF_FAILOVER_SLAVE. The driver must drop its references to it.
 * @slave_link_change: NETDEV_UP, NETDEV_GOING_DOWN, NETDEV_DOWN or
 *	NETDEV_CHANGE on @slave_dev. It may repeat, or come when nothing
 *	changed: read the state from @slave_dev. NETDEV_GOING_DOWN comes
 *	while @slave_dev still runs, so traffic can leave it first.
 * @slave_name_change: @slave_dev was renamed.
 * @slave_handle_frame: the rx handler of every lower device, with the
 *	master as rx_handler_data; runs under rcu_read_lock(), not RTNL.
 *
 * All but @slave_handle_frame run with RTNL held and must not take it. Only
 * the first three return values are used. @slave_dev is the lower device,
 * @failover_dev the master. Any callback may be NULL.
 */
struct failover_ops {
	int (*slave_pre_register)(struct net_device *slave_dev,
				  struct net_device *failover_dev);
	int (*slave_register)(struct net_device *slave_dev,
			      struct net_device *failover_dev);
	int (*slave_pre_unregister)(struct net_device *slave_dev,
				    struct net_device *failover_dev);
	int (*slave_unregister)(struct net_device *slave_dev,
				struct net_device *failover_dev);
	int (*slave_link_change)(struct net_device *slave_dev,
				 struct net_device *failover_dev);
	int (*slave_name_change)(struct net_device *slave_dev,
				 struct net_device *failover_dev);
	rx_handler_result_t (*slave_handle_frame)(struct sk_buff **pskb);
};

/**
 * struct failover - one registered failover master
 * @list: link in the core's pairing hash bucket
 * @failover_dev: the master device
 * @dev_tracker: tracks the reference the core holds on @failover_dev
 * @ops: the master driver's callbacks
 *
 * Owned by the failover core: drivers only pass the pointer that
 * failover_register() returned to failover_unregister().
 */
struct failover {
	struct list_head list;
	struct net_device __rcu *failover_dev;
	netdevice_tracker	dev_tracker;
	struct failover_ops __rcu *ops;
};

struct failover *failover_register(struct net_device *dev,
				   struct failover_ops *ops);
void failover_unregister(struct failover *failover);
int failover_slave_unregister(struct net_device *slave_dev);

/*
 * The API for new master drivers: not in the stock core, so free to grow.
 * A master registered with it is released with failover_unregister() too.
 */

/**
 * struct failover_master_ops - callbacks of a failover_master_register() master
 * @match: whether @dev belongs to the master. @dev is an Ethernet device in
 *	the master's netns that is nobody's lower device and that the
 *	operator's rules allow. NULL: @dev has the master's permanent MAC
 *	(not all zeroes). Runs under RTNL, at times inside rcu_read_lock():
 *	it must not sleep.
 * @pre_register: as &failover_ops.slave_pre_register.
 * @register_lower: as &failover_ops.slave_register.
 * @pre_unregister: as &failover_ops.slave_pre_unregister.
 * @unregister_lower: as &failover_ops.slave_unregister.
 * @event: an event on lower device @dev: NETDEV_UP, NETDEV_GOING_DOWN,
 *	NETDEV_DOWN, NETDEV_CHANGE, NETDEV_CHANGENAME, NETDEV_NOTIFY_PEERS,
 *	NETDEV_FEAT_CHANGE, NETDEV_CHANGEMTU or NETDEV_PRE_CHANGEADDR, with
 *	the notifier's @info. A negative errno refuses a
 *	NETDEV_PRE_CHANGEADDR (say why in its extack); it is ignored for the
 *	others.
 * @handle_frame: the rx handler of every lower device, with the master as
 *	rx_handler_data; runs under rcu_read_lock(), not RTNL.
 *
 * @priv is failover_master_register()'s. All but @handle_frame run with
 * RTNL held. Any callback may be NULL.
 */
struct failover_master_ops {
	bool (*match)(void *priv, const struct net_device *dev);
	int (*pre_register)(void *priv, struct net_device *dev);
	int (*register_lower)(void *priv, struct net_device *dev);
	int (*pre_unregister)(void *priv, struct net_device *dev);
	void (*unregister_lower)(void *priv, struct net_device *dev);
	int (*event)(void *priv, struct net_device *dev, unsigned long event,
		     struct netdev_notifier_info *info);
	rx_handler_func_t *handle_frame;
};

struct failover *failover_master_register(struct net_device *dev,
					  const struct failover_master_ops *ops,
					  void *priv);
struct failover *__failover_master_register(struct net_device *dev,
					    const struct failover_master_ops *ops,
					    void *priv);
int failover_repair(struct net_device *dev);

/* the operator's rules, also in sysfs: /sys/class/net/<master>/failover/ */
enum failover_rule {
	FAILOVER_RULE_PIN,
	FAILOVER_RULE_DENY,
};

int failover_set_rule(struct net_device *failover_dev, enum failover_rule rule,
		      const char *list, struct netlink_ext_ack *extack);

#endif /* _FAILOVER_H */
