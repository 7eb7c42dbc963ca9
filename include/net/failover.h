/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Failover core: pairs lower net devices with a failover master device that
 * carries the same permanent MAC address, and tells the master's driver about
 * them through struct failover_ops.
 */

#ifndef _FAILOVER_H
#define _FAILOVER_H

#include <linux/netdevice.h>

/*
 * The layout, member names and member types of struct failover_ops and
 * struct failover are fixed by the ABI of the stock 6.12 "failover" module:
 * genksyms expands both into the CRCs of the exported functions below, and
 * modules built against the stock header must load against ours. Do not
 * reorder, rename, retype or add members.
 */

/**
 * struct failover_ops - callbacks from the failover core to a master driver
 * @slave_pre_register: a device with the master's permanent MAC appeared (or
 *	existed when failover_register() was called) and may be enslaved.
 *	Return 0 to accept it; any other value vetoes it, and the device is
 *	left untouched. Called before anything is changed on @slave_dev.
 * @slave_register: @slave_dev has been enslaved: the rx handler is
 *	installed, @failover_dev is its master upper device and
 *	IFF_FAILOVER_SLAVE is set. Return 0 on success; a negative errno
 *	makes the core undo the enslavement, leaving @slave_dev as it was
 *	before @slave_pre_register was called. The driver must undo its own
 *	changes before returning an error.
 * @slave_pre_unregister: @slave_dev is about to be released. Return 0 to
 *	allow it; any other value refuses failover_slave_unregister(), which
 *	returns that value. When @slave_dev itself is being unregistered, or
 *	moves to another network namespace, a refusal cannot be honoured:
 *	the core releases @slave_dev anyway and does not call
 *	@slave_unregister.
 * @slave_unregister: @slave_dev has been released: rx handler removed,
 *	upper link gone, IFF_FAILOVER_SLAVE cleared. The driver must drop
 *	every reference it holds to @slave_dev. The return value is ignored.
 * @slave_link_change: the operational state of @slave_dev may have changed
 *	(NETDEV_UP, NETDEV_GOING_DOWN, NETDEV_DOWN or NETDEV_CHANGE). It can
 *	be called several times for one transition and also when nothing
 *	changed, so it must be idempotent: read the state from @slave_dev
 *	instead of inferring it from the call. NETDEV_GOING_DOWN arrives
 *	while @slave_dev is still running, so traffic can be moved off it
 *	before it stops. The return value is ignored.
 * @slave_name_change: @slave_dev was renamed. The return value is ignored.
 * @slave_handle_frame: rx handler installed on every slave; its
 *	rx_handler_data is the failover master net_device. Runs in the
 *	datapath under rcu_read_lock(), never under RTNL.
 *
 * Every callback except @slave_handle_frame is called with RTNL held and
 * must not take it. @slave_dev is the lower device, @failover_dev the
 * master passed to failover_register(). Any callback may be NULL.
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
 * Owned by the failover core: drivers keep the pointer returned by
 * failover_register() and pass it back to failover_unregister(), and must
 * not touch the members.
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

#endif /* _FAILOVER_H */
