// SPDX-License-Identifier: GPL-2.0
/*
 * net_failover's reactions to lower devices' events (forwarded by our core,
 * from a notifier of our own on a stock one), the master's own MAC change,
 * and announcements
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>
#include <net/fo_compat.h>

#include "net_failover_priv.h"

/*
 * An unbind holds the device lock, which some drivers take under RTNL (a PCI
 * reset from an ethtool op): try for RTNL this many times 1 ms, no longer.
 */
#define NET_FAILOVER_UNBIND_TRIES	50

/* the hypervisor's frames can undo one announcement: like num_grat_arp */
#define NET_FAILOVER_NOTIFY_COUNT	3
#define NET_FAILOVER_NOTIFY_INTERVAL	msecs_to_jiffies(200)

/* the lower devices have no addresses; outside the notifier chain that asked */
void net_failover_notify_work(struct work_struct *work)
{
	struct net_failover_info *nfo = container_of(to_delayed_work(work),
						     struct net_failover_info,
						     notify_work);
	struct net_device *dev = nfo->dev;

	/* net_failover_destroy() cancels this work without RTNL held */
	rtnl_lock();
	if (nfo->dying || !nfo->notify_left)
		goto out;
	nfo->notify_left--;
	if (netif_running(dev) && netif_carrier_ok(dev))
		__netdev_notify_peers(dev);
	if (nfo->notify_left)
		schedule_delayed_work(&nfo->notify_work,
				      NET_FAILOVER_NOTIFY_INTERVAL);
out:
	rtnl_unlock();
}

static void net_failover_request_notify(struct net_failover_info *nfo)
{
	ASSERT_RTNL();

	if (nfo->dying)
		return;
	/* a new request restarts the series: the hypervisor has just spoken */
	nfo->notify_left = NET_FAILOVER_NOTIFY_COUNT;
	mod_delayed_work(system_wq, &nfo->notify_work, 0);
}

static int net_failover_master_event(struct net_device *dev,
				     unsigned long event, void *ptr)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct netlink_ext_ack *extack;
	enum net_failover_slot slot;
	struct net_device *lower;
	const unsigned char *addr;
	int err;

	if (event != NETDEV_PRE_CHANGEADDR)
		return NOTIFY_DONE;

	/* refuse up front what ndo_set_mac_address could only fail half-way */
	nfo->mac_extack = NULL;
	extack = netdev_notifier_info_to_extack(ptr);
	addr = container_of(ptr, struct netdev_notifier_pre_changeaddr_info,
			    info)->dev_addr;
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (!lower)
			continue;
		if (!lower->netdev_ops->ndo_set_mac_address) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s lower device %s cannot change its MAC address",
					       net_failover_slot_names[slot],
					       lower->name);
			return notifier_from_errno(-EOPNOTSUPP);
		}
		if (netif_running(lower) &&
		    !(lower->priv_flags & IFF_LIVE_ADDR_CHANGE)) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s lower device %s cannot change its MAC address while up",
					       net_failover_slot_names[slot],
					       lower->name);
			return notifier_from_errno(-EBUSY);
		}
		/* and whoever watches the lower device may refuse it too */
		nfo->setting_mac = true;
		err = dev_pre_changeaddr_notify(lower, addr, extack);
		nfo->setting_mac = false;
		if (err)
			return notifier_from_errno(err);
	}
	nfo->mac_extack = extack;
	return NOTIFY_DONE;
}

/**
 * net_failover_lower_notify - what the master does on an event of a lower device
 * @nfo: the master
 * @lower: its lower device in @slot
 * @slot: @lower's slot
 * @event: the event
 * @info: the notifier's info
 *
 * From the core's forwarded event, or, on a stock core, from our notifier.
 *
 * Return: 0, or a negative errno that refuses a NETDEV_PRE_CHANGEADDR.
 */
int net_failover_lower_notify(struct net_failover_info *nfo,
			      struct net_device *lower, int slot,
			      unsigned long event,
			      struct netdev_notifier_info *info)
{
	ASSERT_RTNL();

	switch (event) {
	case NETDEV_GOING_DOWN:
		/* some drivers reset their counters when they stop */
		net_failover_sample(nfo, slot, lower);
		/* still running: a planned close or unplug loses nothing */
		/*
		 * The close follows this notifier under the same RTNL hold,
		 * so this is the only place left to drain: a bounded wait.
		 */
		if (slot == NET_FAILOVER_PRIMARY &&
		    net_failover_primary_closing(nfo))
			net_failover_drain_primary(nfo);
		break;
	case NETDEV_UP:
		if (slot == NET_FAILOVER_PRIMARY)
			nfo->primary_closing = false;
		net_failover_set_path(nfo, NULL);
		break;
	case NETDEV_NOTIFY_PEERS:
		net_failover_request_notify(nfo);
		break;
	case NETDEV_FEAT_CHANGE:
		net_failover_compute_features(nfo);
		break;
	case NETDEV_CHANGEMTU:
		net_failover_update_mtu_limits(nfo);
		break;
	case NETDEV_PRE_CHANGEADDR:
		/* the host's switch delivers only to the MAC it assigned */
		if (!nfo->setting_mac) {
			NL_SET_ERR_MSG_FMT_MOD(netdev_notifier_info_to_extack(info),
					       "lower device %s: set the MAC on %s",
					       lower->name, nfo->dev->name);
			return -EBUSY;
		}
		break;
	}
	return 0;
}

static int net_failover_netdev_event(struct notifier_block *nb,
				     unsigned long event, void *ptr)
{
	struct net_device *lower = netdev_notifier_info_to_dev(ptr);
	struct net_failover_info *nfo;
	struct net_device *dev;
	int slot;

	ASSERT_RTNL();

	if (lower->netdev_ops == &net_failover_netdev_ops)
		return net_failover_master_event(lower, event, ptr);

	if (!netif_is_failover_slave(lower))
		return NOTIFY_DONE;
	dev = netdev_master_upper_dev_get(lower);
	if (!dev || dev->netdev_ops != &net_failover_netdev_ops)
		return NOTIFY_DONE;
	nfo = netdev_priv(dev);
	/* our core forwards them (failover_master_ops.event) */
	if (nfo->forwarded)
		return NOTIFY_DONE;
	slot = net_failover_slot_of(nfo, lower);
	if (slot < 0)
		return NOTIFY_DONE;
	return notifier_from_errno(net_failover_lower_notify(nfo, lower, slot,
							     event, ptr));
}

struct notifier_block net_failover_notifier = {
	.notifier_call = net_failover_netdev_event,
};

#ifdef CONFIG_PCI
static bool net_failover_has_primary_of(const struct device *parent)
{
	struct net_failover_info *nfo;
	struct net_device *primary;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(nfo, &net_failover_list, node) {
		primary = rcu_dereference(nfo->lower[NET_FAILOVER_PRIMARY]);
		if (primary && primary->dev.parent == parent) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * RTNL stayed busy: point the datapath at the standby all the same, since
 * the remove that follows may stop the primary (e1000 ignores interrupts
 * from its start) long before unregistration takes RTNL and moves transmit
 * for good.  Replies on the standby teach the host's switch during the
 * drain.  A racing net_failover_set_path() may set primary_active again:
 * then the move waits for NETDEV_GOING_DOWN, as it would without this.
 */
static void net_failover_unbind_unlocked(const struct device *parent,
					 struct list_head *drain)
{
	struct net_failover_info *nfo;
	struct net_device *primary;

	rcu_read_lock();
	list_for_each_entry_rcu(nfo, &net_failover_list, node) {
		primary = rcu_dereference(nfo->lower[NET_FAILOVER_PRIMARY]);
		if (!primary || primary->dev.parent != parent ||
		    !READ_ONCE(nfo->primary_active) ||
		    !net_failover_lower_ready(rcu_dereference(nfo->lower[NET_FAILOVER_STANDBY])))
			continue;
		WRITE_ONCE(nfo->primary_active, false);
		netdev_info(nfo->dev,
			    "RTNL busy at %s's unbind: transmit moves to the standby before it is released\n",
			    primary->name);
		dev_hold(nfo->dev);
		list_add(&nfo->drain_node, drain);
	}
	rcu_read_unlock();
}

/*
 * A VF driver's remove may stop receiving before it closes the netdev: move
 * transmit, announce and drain before remove, not at NETDEV_GOING_DOWN.
 * Other devices' unbinds never wait for RTNL, and the drain waits without it.
 */
static int net_failover_bus_event(struct notifier_block *nb,
				  unsigned long action, void *data)
{
	struct net_failover_info *nfo, *tmp;
	struct device *parent = data;
	struct net_device *primary;
	LIST_HEAD(drain);
	int tries = 0;

	if (action != BUS_NOTIFY_UNBIND_DRIVER ||
	    !net_failover_has_primary_of(parent))
		return NOTIFY_DONE;

	while (!rtnl_trylock()) {
		if (++tries > NET_FAILOVER_UNBIND_TRIES) {
			net_failover_unbind_unlocked(parent, &drain);
			goto drain;
		}
		usleep_range(1000, 2000);
	}
	list_for_each_entry(nfo, &net_failover_list, node) {
		primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
		if (primary && primary->dev.parent == parent &&
		    net_failover_primary_closing(nfo)) {
			/* @parent's device lock keeps drain_node ours */
			dev_hold(nfo->dev);
			list_add(&nfo->drain_node, &drain);
		}
	}
	rtnl_unlock();
drain:
	list_for_each_entry_safe(nfo, tmp, &drain, drain_node) {
		net_failover_drain_primary(nfo);
		list_del(&nfo->drain_node);
		dev_put(nfo->dev);
	}
	return NOTIFY_DONE;
}

static struct notifier_block net_failover_bus_notifier = {
	.notifier_call = net_failover_bus_event,
};

int net_failover_bus_notifier_register(void)
{
	return bus_register_notifier(&pci_bus_type, &net_failover_bus_notifier);
}

void net_failover_bus_notifier_unregister(void)
{
	bus_unregister_notifier(&pci_bus_type, &net_failover_bus_notifier);
}
#else
/* no pci_bus_type: a primary's unplug is handled at NETDEV_GOING_DOWN */
int net_failover_bus_notifier_register(void)
{
	return 0;
}

void net_failover_bus_notifier_unregister(void)
{
}
#endif
