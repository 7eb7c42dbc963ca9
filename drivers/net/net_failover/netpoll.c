// SPDX-License-Identifier: GPL-2.0
/*
 * net_failover netpoll: netconsole on the master sends through the lower
 * device's own netpoll. Netpoll transmits with interrupts off, where the
 * lower's qdisc path (dev_queue_xmit() and its local_bh_enable()) must not
 * run.
 */

#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "net_failover_priv.h"

#ifdef CONFIG_NET_POLL_CONTROLLER
static int net_failover_lower_netpoll_add(struct net_failover_info *nfo,
					  enum net_failover_slot slot,
					  struct net_device *lower)
{
	struct netpoll *np;
	int err;

	if (rtnl_dereference(nfo->np[slot]))
		return 0;
	np = kzalloc(sizeof(*np), GFP_KERNEL);
	if (!np)
		return -ENOMEM;
	err = __netpoll_setup(np, lower);
	if (err) {
		kfree(np);
		return err;
	}
	rcu_assign_pointer(nfo->np[slot], np);
	return 0;
}

/**
 * net_failover_lower_netpoll_enable - give a new lower device a netpoll
 * @nfo: the master
 * @slot: the lower device's slot
 * @lower: the lower device
 *
 * Does nothing unless netpoll (netconsole, say) is set up on the master.
 *
 * Return: 0, or the error of netpoll's setup on @lower.
 */
int net_failover_lower_netpoll_enable(struct net_failover_info *nfo,
				      enum net_failover_slot slot,
				      struct net_device *lower)
{
	ASSERT_RTNL();

	if (!rcu_access_pointer(nfo->dev->npinfo))
		return 0;
	return net_failover_lower_netpoll_add(nfo, slot, lower);
}

/* waits for netpoll senders on it: only ever with netpoll in use */
void net_failover_lower_netpoll_disable(struct net_failover_info *nfo,
					enum net_failover_slot slot)
{
	struct netpoll *np = rtnl_dereference(nfo->np[slot]);

	ASSERT_RTNL();

	if (!np)
		return;
	RCU_INIT_POINTER(nfo->np[slot], NULL);
	__netpoll_free(np);
}

/* called with interrupts off, in an RCU read-side section */
netdev_tx_t net_failover_netpoll_xmit(struct net_failover_info *nfo,
				      enum net_failover_slot slot,
				      struct sk_buff *skb)
{
	/* without a netpoll of its own (setup failed), it drops the skb */
	return netpoll_send_skb(rcu_dereference(nfo->np[slot]), skb);
}

/* before netpoll publishes dev->npinfo */
int net_failover_netpoll_setup(struct net_device *dev, struct netpoll_info *ni)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;
	int err;

	ASSERT_RTNL();

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (!lower)
			continue;
		err = net_failover_lower_netpoll_add(nfo, slot, lower);
		if (err) {
			netdev_err(dev, "netpoll: lower device %s cannot poll: %d\n",
				   lower->name, err);
			net_failover_netpoll_cleanup(dev);
			return err;
		}
	}
	return 0;
}

void net_failover_netpoll_cleanup(struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++)
		net_failover_lower_netpoll_disable(nfo, slot);
}

/* netpoll polls a device whose transmit queue is stopped: the lowers' */
void net_failover_poll_controller(struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;

	rcu_read_lock();
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = rcu_dereference(nfo->lower[slot]);
		if (lower)
			netpoll_poll_dev(lower);
	}
	rcu_read_unlock();
}
#endif
