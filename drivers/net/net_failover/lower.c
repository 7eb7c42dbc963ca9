// SPDX-License-Identifier: GPL-2.0
/* net_failover lower devices: adding and releasing them, and what follows */

#include <linux/device.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#include <net/failover.h>

#include "net_failover_priv.h"

const char * const net_failover_slot_names[] = {
	[NET_FAILOVER_PRIMARY] = "primary",
	[NET_FAILOVER_STANDBY] = "standby",
};

/**
 * net_failover_classify - which slot a new lower device would take
 * @master: the failover master
 * @lower: the candidate
 * @have_primary: the master already has a primary
 * @have_standby: the master already has a standby
 *
 * Return: NET_FAILOVER_STANDBY if @lower shares @master's parent device,
 * NET_FAILOVER_PRIMARY otherwise, or -EEXIST if that slot is taken.
 */
VISIBLE_IF_KUNIT int net_failover_classify(const struct net_device *master,
					   const struct net_device *lower,
					   bool have_primary, bool have_standby)
{
	if (master->dev.parent && lower->dev.parent == master->dev.parent)
		return have_standby ? -EEXIST : NET_FAILOVER_STANDBY;
	return have_primary ? -EEXIST : NET_FAILOVER_PRIMARY;
}
EXPORT_SYMBOL_IF_KUNIT(net_failover_classify);

void net_failover_update_mtu_limits(struct net_failover_info *nfo)
{
	struct net_device *primary, *standby;
	struct net_device *dev = nfo->dev;

	ASSERT_RTNL();

	primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	standby = net_failover_lower(nfo, NET_FAILOVER_STANDBY);

	/*
	 * The primary's range, capped by the standby's maximum so that a too
	 * large MTU is refused with a reason rather than rolled back. With no
	 * lower device, keep limits a returning one can meet.
	 */
	if (primary) {
		dev->min_mtu = primary->min_mtu;
		dev->max_mtu = primary->max_mtu;
		if (standby)
			dev->max_mtu = min(dev->max_mtu, standby->max_mtu);
	} else if (standby) {
		dev->min_mtu = standby->min_mtu;
		dev->max_mtu = standby->max_mtu;
	}
}

void net_failover_compute_features(struct net_failover_info *nfo)
{
	netdev_features_t vlan_features = NET_FAILOVER_VLAN_FEATURES;
	netdev_features_t enc_features = NET_FAILOVER_ENC_FEATURES;
	unsigned short hard_header_len = ETH_HLEN;
	unsigned short needed_headroom = 0;
	unsigned short needed_tailroom = 0;
	unsigned int tso_max_size = GSO_MAX_SIZE;
	u16 tso_max_segs = GSO_MAX_SEGS;
	struct net_device *dev = nfo->dev;
	enum net_failover_slot slot;
	bool dst_release = true;
	struct net_device *lower;
	bool any = false;

	ASSERT_RTNL();

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (!lower)
			continue;
		if (!any) {
			vlan_features = netdev_base_features(vlan_features);
			enc_features = netdev_base_features(enc_features);
			any = true;
		}
		vlan_features = netdev_increment_features(vlan_features,
							  lower->vlan_features,
							  NET_FAILOVER_VLAN_FEATURES);
		enc_features = netdev_increment_features(enc_features,
							 lower->hw_enc_features,
							 NET_FAILOVER_ENC_FEATURES);
		hard_header_len = max(hard_header_len, lower->hard_header_len);
		needed_headroom = max(needed_headroom, lower->needed_headroom);
		needed_tailroom = max(needed_tailroom, lower->needed_tailroom);
		tso_max_size = min(tso_max_size, lower->tso_max_size);
		tso_max_segs = min(tso_max_segs, lower->tso_max_segs);
		dst_release &= !!(lower->priv_flags & IFF_XMIT_DST_RELEASE);
	}

	/* keep the route for a lower device that uses it, as bonding does */
	dev->priv_flags &= ~IFF_XMIT_DST_RELEASE;
	if (any && dst_release && (dev->priv_flags & IFF_XMIT_DST_RELEASE_PERM))
		dev->priv_flags |= IFF_XMIT_DST_RELEASE;

	dev->vlan_features = vlan_features;
	/*
	 * Tunnel frames stay whole down to the lower device that transmits
	 * them, which segments them in software if it must.
	 */
	enc_features = netdev_add_tso_features(enc_features,
					       NET_FAILOVER_ENC_FEATURES);
	dev->hw_enc_features = enc_features | NETIF_F_GSO_ENCAP_ALL |
			       NETIF_F_HW_VLAN_CTAG_TX |
			       NETIF_F_HW_VLAN_STAG_TX;
	dev->hard_header_len = hard_header_len;
	dev->needed_headroom = needed_headroom;
	dev->needed_tailroom = needed_tailroom;
	netif_set_tso_max_size(dev, tso_max_size);
	netif_set_tso_max_segs(dev, tso_max_segs);

	netdev_change_features(dev);
}

static int net_failover_lower_pre_register(struct net_device *lower,
					   struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct net_device *primary, *standby, *holder;
	int slot;

	ASSERT_RTNL();

	if (nfo->dying)
		return -ENODEV;

	primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	standby = net_failover_lower(nfo, NET_FAILOVER_STANDBY);
	slot = net_failover_classify(dev, lower, !!primary, !!standby);
	if (slot < 0) {
		holder = lower->dev.parent == dev->dev.parent ? standby :
								 primary;
		netdev_err(dev, "refusing %s: already have a %s lower device (%s)\n",
			   lower->name,
			   holder == standby ? "standby" : "primary",
			   holder->name);
		return slot;
	}
	/* its VLANs' frames would be lost on it, as bonding refuses it too */
	if ((lower->features & NETIF_F_VLAN_CHALLENGED) && vlan_uses_dev(dev)) {
		netdev_err(dev, "refusing %s: it cannot carry VLANs and %s has VLANs; remove them, then replug it\n",
			   lower->name, dev->name);
		return -EPERM;
	}
	return 0;
}

static int net_failover_lower_register(struct net_device *lower,
				       struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct rtnl_link_stats64 now;
	unsigned int orig_mtu = lower->mtu;
	bool opened = false;
	int slot, err;

	ASSERT_RTNL();

	slot = net_failover_classify(dev, lower,
				     !!net_failover_lower(nfo, NET_FAILOVER_PRIMARY),
				     !!net_failover_lower(nfo, NET_FAILOVER_STANDBY));
	if (slot < 0)
		return slot;

	err = dev_set_mtu(lower, dev->mtu);
	if (err) {
		netdev_err(dev, "%s: cannot take the master's MTU %u: %d\n",
			   lower->name, dev->mtu, err);
		return err;
	}

	/*
	 * Before the open: IPv6 autoconfiguration would send ND and MLD from
	 * the master's MAC, and the link-local address would fail its DAD.
	 */
	fo_no_addrconf_set(lower);

	/* as in ndo_open, a lower device that fails to open stays unused */
	if (netif_running(dev) && !netif_running(lower))
		opened = !net_failover_lower_open(nfo, slot, lower);

	if (dev->flags & IFF_PROMISC) {
		err = dev_set_promiscuity(lower, 1);
		if (err)
			goto err_close;
	}
	if (dev->flags & IFF_ALLMULTI) {
		err = dev_set_allmulti(lower, 1);
		if (err)
			goto err_promisc;
	}
	err = vlan_vids_add_by_dev(lower, dev);
	if (err) {
		netdev_err(dev, "%s: cannot add the master's VLANs: %d\n",
			   lower->name, err);
		goto err_allmulti;
	}

	/* netconsole on the master then reaches the wire through @lower too */
	err = net_failover_lower_netpoll_enable(nfo, slot, lower);
	if (err)
		netdev_warn(dev, "%s: no netpoll on it (%d): netconsole will not use it\n",
			    lower->name, err);

	netdev_hold(lower, &nfo->lower_tracker[slot], GFP_KERNEL);
	spin_lock(&nfo->stats_lock);
	dev_get_stats(lower, &now);
	net_failover_acc_attach(&nfo->acc, slot, &now);
	rcu_assign_pointer(nfo->lower[slot], lower);
	spin_unlock(&nfo->stats_lock);

	/*
	 * After publishing: an ndo_set_rx_mode (no RTNL) that missed @lower
	 * would not sync it the address it came to add. Twice is harmless.
	 */
	netif_addr_lock_bh(dev);
	dev_uc_sync_multiple(lower, dev);
	dev_mc_sync_multiple(lower, dev);
	netif_addr_unlock_bh(dev);

	nfo->lower_state[slot] = NET_FAILOVER_LS_UNKNOWN;
	if (slot == NET_FAILOVER_PRIMARY)
		nfo->primary_closing = false;

	net_failover_update_mtu_limits(nfo);
	net_failover_compute_features(nfo);
	netdev_info(dev, "%s is the %s lower device\n", lower->name,
		    net_failover_slot_names[slot]);
	net_failover_set_path(nfo, NULL);
	net_failover_uevent_now(nfo, slot);
	return 0;

err_allmulti:
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(lower, -1);
err_promisc:
	if (dev->flags & IFF_PROMISC)
		dev_set_promiscuity(lower, -1);
err_close:
	net_failover_cancel_open(nfo, slot);
	if (opened)
		dev_close(lower);
	fo_no_addrconf_clear(lower);
	dev_set_mtu(lower, orig_mtu);
	return err;
}

static int net_failover_lower_pre_unregister(struct net_device *lower,
					     struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);

	ASSERT_RTNL();

	if (net_failover_slot_of(nfo, lower) < 0)
		return -ENODEV;

	/* move transmit away while @lower can still take packets */
	net_failover_set_path(nfo, lower);
	return 0;
}

static int net_failover_lower_unregister(struct net_device *lower,
					 struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct rtnl_link_stats64 now;
	int slot;

	ASSERT_RTNL();

	slot = net_failover_slot_of(nfo, lower);
	if (slot < 0)
		return -ENODEV;

	/*
	 * Before the unsync, which takes the address lock: no ndo_set_rx_mode
	 * syncs to it after. Before the close: some drivers reset counters.
	 */
	spin_lock(&nfo->stats_lock);
	RCU_INIT_POINTER(nfo->lower[slot], NULL);
	dev_get_stats(lower, &now);
	net_failover_acc_detach(&nfo->acc, slot, &now);
	spin_unlock(&nfo->stats_lock);

	net_failover_lower_netpoll_disable(nfo, slot);
	vlan_vids_del_by_dev(lower, dev);
	/* unlike the _sync_multiple calls, these take the master's lock */
	dev_uc_unsync(lower, dev);
	dev_mc_unsync(lower, dev);
	if (dev->flags & IFF_PROMISC)
		dev_set_promiscuity(lower, -1);
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(lower, -1);
	/*
	 * Left up, it would autoconfigure IPv6 and send ND and MLD from the
	 * master's MAC, moving the host switch's idea of where the guest is.
	 */
	dev_close(lower);
	fo_no_addrconf_clear(lower);

	if (slot == NET_FAILOVER_PRIMARY)
		nfo->primary_closing = false;
	__clear_bit(slot, &nfo->open_failed);
	net_failover_cancel_open(nfo, slot);

	net_failover_set_path(nfo, NULL);
	net_failover_update_mtu_limits(nfo);
	net_failover_compute_features(nfo);
	netdev_info(dev, "%s released (was the %s lower device)\n",
		    lower->name, net_failover_slot_names[slot]);
	/* the core tells @lower's own watchers */
	net_failover_uevent_now(nfo, slot);

	/* the datapath may still use @lower; it lives until it is unlisted */
	netdev_put(lower, &nfo->lower_tracker[slot]);
	return 0;
}

static int net_failover_lower_link_change(struct net_device *lower,
					  struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);

	ASSERT_RTNL();

	if (net_failover_slot_of(nfo, lower) < 0)
		return -ENODEV;

	net_failover_set_path(nfo, NULL);
	return 0;
}

static int net_failover_lower_name_change(struct net_device *lower,
					  struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	int slot;

	ASSERT_RTNL();

	/* nothing is keyed by name; only say which role the name now has */
	slot = net_failover_slot_of(nfo, lower);
	if (slot < 0)
		return -ENODEV;

	netdev_info(dev, "%s lower device is now named %s\n",
		    net_failover_slot_names[slot], lower->name);
	/*
	 * A VF driver may refuse to open while it initialises (iavf: -EBUSY);
	 * udev renames the device once its probe is over.
	 */
	if (test_bit(slot, &nfo->open_failed) && netif_running(dev) &&
	    !net_failover_lower_open(nfo, slot, lower))
		net_failover_set_path(nfo, NULL);
	return 0;
}

/*
 * Some drivers register their netdev before they can open it (e100 makes
 * its DMA pool after register_netdev()), and the master would open it from
 * that registration. The probe holds the parent's device lock: while it is
 * held, open the device from a work item once it is free.
 */
static bool net_failover_parent_busy(const struct net_device *lower)
{
	struct device *parent = lower->dev.parent;

	if (!parent)
		return false;
	/* a trylock under RTNL cannot deadlock against the usual order */
	if (!device_trylock(parent))
		return true;
	device_unlock(parent);
	return false;
}

static void net_failover_defer_open(struct net_failover_info *nfo, int slot,
				    struct net_device *lower)
{
	if (!nfo->open_parent[slot])
		nfo->open_parent[slot] = get_device(lower->dev.parent);
	schedule_work(&nfo->open_work);
}

/* drops a deferred open of @slot's lower device */
void net_failover_cancel_open(struct net_failover_info *nfo, int slot)
{
	ASSERT_RTNL();

	put_device(nfo->open_parent[slot]);
	nfo->open_parent[slot] = NULL;
}

void net_failover_open_work(struct work_struct *work)
{
	struct net_failover_info *nfo = container_of(work,
						     struct net_failover_info,
						     open_work);
	enum net_failover_slot slot;
	struct net_device *lower;
	struct device *parent;

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		rtnl_lock();
		parent = nfo->open_parent[slot];
		nfo->open_parent[slot] = NULL;
		rtnl_unlock();
		if (!parent)
			continue;

		/* the probe is over once its device lock is free */
		device_lock(parent);
		device_unlock(parent);

		rtnl_lock();
		lower = net_failover_lower(nfo, slot);
		if (lower && lower->dev.parent == parent && !nfo->dying &&
		    netif_running(nfo->dev) && !netif_running(lower) &&
		    !net_failover_lower_open(nfo, slot, lower))
			net_failover_set_path(nfo, NULL);
		rtnl_unlock();
		put_device(parent);
	}
}

/**
 * net_failover_lower_open - open a lower device for the running master
 * @nfo: the master
 * @slot: @lower's slot
 * @lower: the lower device, published in @slot or about to be
 *
 * Records a failure, so that the next event of the device retries it. A
 * device whose driver is still probing is opened later, from a work item.
 *
 * Return: 0 (opened or deferred), or dev_open()'s error.
 */
int net_failover_lower_open(struct net_failover_info *nfo, int slot,
			    struct net_device *lower)
{
	int err;

	ASSERT_RTNL();

	if (net_failover_parent_busy(lower)) {
		net_failover_defer_open(nfo, slot, lower);
		return 0;
	}
	err = dev_open(lower, NULL);
	if (err) {
		netdev_warn(nfo->dev, "cannot open %s lower device %s: %d\n",
			    net_failover_slot_names[slot], lower->name, err);
		__set_bit(slot, &nfo->open_failed);
		return err;
	}
	__clear_bit(slot, &nfo->open_failed);
	return 0;
}

struct failover_ops net_failover_ops = {
	.slave_pre_register	= net_failover_lower_pre_register,
	.slave_register		= net_failover_lower_register,
	.slave_pre_unregister	= net_failover_lower_pre_unregister,
	.slave_unregister	= net_failover_lower_unregister,
	.slave_link_change	= net_failover_lower_link_change,
	.slave_name_change	= net_failover_lower_name_change,
	.slave_handle_frame	= net_failover_handle_frame,
};

/* The second API of our core: @priv is the master's net_failover_info. */
static struct net_device *net_failover_master_of(void *priv)
{
	return ((struct net_failover_info *)priv)->dev;
}

static int net_failover_mops_pre_register(void *priv, struct net_device *dev)
{
	return net_failover_lower_pre_register(dev, net_failover_master_of(priv));
}

static int net_failover_mops_register(void *priv, struct net_device *dev)
{
	return net_failover_lower_register(dev, net_failover_master_of(priv));
}

static int net_failover_mops_pre_unregister(void *priv, struct net_device *dev)
{
	return net_failover_lower_pre_unregister(dev,
						 net_failover_master_of(priv));
}

static void net_failover_mops_unregister(void *priv, struct net_device *dev)
{
	net_failover_lower_unregister(dev, net_failover_master_of(priv));
}

/* in the order a stock core's notifier and ours would see them */
static int net_failover_mops_event(void *priv, struct net_device *dev,
				   unsigned long event,
				   struct netdev_notifier_info *info)
{
	struct net_failover_info *nfo = priv;
	int slot;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_GOING_DOWN:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		net_failover_lower_link_change(dev, nfo->dev);
		break;
	case NETDEV_CHANGENAME:
		net_failover_lower_name_change(dev, nfo->dev);
		return 0;
	}
	slot = net_failover_slot_of(nfo, dev);
	if (slot < 0)
		return 0;
	return net_failover_lower_notify(nfo, dev, slot, event, info);
}

const struct failover_master_ops net_failover_master_ops = {
	.pre_register		= net_failover_mops_pre_register,
	.register_lower		= net_failover_mops_register,
	.pre_unregister		= net_failover_mops_pre_unregister,
	.unregister_lower	= net_failover_mops_unregister,
	.event			= net_failover_mops_event,
	.handle_frame		= net_failover_handle_frame,
};
