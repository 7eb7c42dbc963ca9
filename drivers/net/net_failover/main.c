// SPDX-License-Identifier: GPL-2.0
/*
 * net_failover: the failover master of a paravirtual NIC ("3-netdev" model).
 * The failover core hands it two lower devices with its permanent MAC: the
 * paravirtual driver's own, the standby, which shares the master's parent
 * device, and a primary (typically a passthrough VF) on another bus.
 *
 * Control path changes run under RTNL; the datapath reads the lower device
 * pointers under RCU and a few flags with READ_ONCE().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

/*
 * MODVERSIONS: the CRCs of the exports below depend on which structs this
 * file defines. This set (netpoll.h, pci.h and sch_generic.h define types
 * net_device points to) reproduces the stock module's; check Module.symvers.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/u64_stats_sync.h>
#include <net/fo_compat.h>
#include <net/net_failover.h>
#include <net/sch_generic.h>

#include "net_failover_priv.h"

/* enough that a VF's queue choice (often one per vCPU) is rarely folded */
#define NET_FAILOVER_TX_QUEUES	16

/* all masters, so that a driver unbind finds its primary; RTNL, and RCU to read */
LIST_HEAD(net_failover_list);

/* net_device_ops */

static int net_failover_open(struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;
	int err, opened = 0;
	int failed = 0;

	ASSERT_RTNL();

	/* one path is enough: a VF that fails must not keep the master down */
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (!lower)
			continue;
		err = net_failover_lower_open(nfo, slot, lower);
		if (err) {
			failed = err;
			continue;
		}
		opened++;
	}
	if (failed && !opened)
		return failed;

	net_failover_set_path(nfo, NULL);
	return 0;
}

static int net_failover_close(struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;

	ASSERT_RTNL();

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (lower)
			dev_close(lower);
	}
	net_failover_set_path(nfo, NULL);
	netif_carrier_off(dev);
	return 0;
}

static bool net_failover_mtu_fits(struct net_device *dev,
				  struct net_device *lower, int mtu)
{
	if (!lower || (mtu >= lower->min_mtu &&
		       (!lower->max_mtu || mtu <= lower->max_mtu)))
		return true;
	netdev_err(dev, "mtu %d is outside %s's range %u-%u\n",
		   mtu, lower->name, lower->min_mtu, lower->max_mtu);
	return false;
}

static int net_failover_change_mtu(struct net_device *dev, int new_mtu)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct net_device *primary, *standby;
	int err;

	ASSERT_RTNL();

	primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	standby = net_failover_lower(nfo, NET_FAILOVER_STANDBY);

	/* before touching either: many VFs reset their link on a change */
	if (!net_failover_mtu_fits(dev, standby, new_mtu) ||
	    !net_failover_mtu_fits(dev, primary, new_mtu))
		return -EINVAL;

	if (primary) {
		err = dev_set_mtu(primary, new_mtu);
		if (err)
			return err;
	}
	if (standby) {
		err = dev_set_mtu(standby, new_mtu);
		if (err)
			goto err_primary;
	}
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;

err_primary:
	if (primary)
		dev_set_mtu(primary, dev->mtu);
	return err;
}

/* the standby, cheap and the one that refuses, before a VF that may reset */
static const enum net_failover_slot net_failover_mac_order[] = {
	NET_FAILOVER_STANDBY,
	NET_FAILOVER_PRIMARY,
};

static int net_failover_set_mac_address(struct net_device *dev, void *p)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct netlink_ext_ack *extack = nfo->mac_extack;
	struct sockaddr old[NET_FAILOVER_NR_SLOTS];
	enum net_failover_slot slot;
	struct net_device *lower;
	int i, err;

	ASSERT_RTNL();

	nfo->mac_extack = NULL;
	err = eth_prepare_mac_addr_change(dev, p);
	if (err)
		return err;

	/* both lower devices carry the master's address, or none changes */
	for (i = 0; i < ARRAY_SIZE(net_failover_mac_order); i++) {
		slot = net_failover_mac_order[i];
		lower = net_failover_lower(nfo, slot);
		if (!lower)
			continue;
		old[slot].sa_family = lower->type;
		memcpy(old[slot].sa_data, lower->dev_addr, ETH_ALEN);
		nfo->setting_mac = true;
		err = dev_set_mac_address(lower, p, extack);
		nfo->setting_mac = false;
		if (err) {
			/* a notifier of the lower device may have said why */
			if (extack && !extack->_msg)
				NL_SET_ERR_MSG_FMT_MOD(extack,
						       "%s lower device %s refused the MAC address (%d)",
						       net_failover_slot_names[slot],
						       lower->name, err);
			netdev_err(dev, "cannot set the MAC address of %s: %d\n",
				   lower->name, err);
			goto err_restore;
		}
	}
	eth_commit_mac_addr_change(dev, p);
	return 0;

err_restore:
	nfo->setting_mac = true;
	while (--i >= 0) {
		slot = net_failover_mac_order[i];
		lower = net_failover_lower(nfo, slot);
		if (lower)
			dev_set_mac_address(lower, &old[slot], NULL);
	}
	nfo->setting_mac = false;
	return err;
}

static void net_failover_change_rx_flags(struct net_device *dev, int change)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;

	ASSERT_RTNL();

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (!lower)
			continue;
		if (change & IFF_PROMISC)
			dev_set_promiscuity(lower,
					    dev->flags & IFF_PROMISC ? 1 : -1);
		if (change & IFF_ALLMULTI)
			dev_set_allmulti(lower,
					 dev->flags & IFF_ALLMULTI ? 1 : -1);
	}
}

static void net_failover_set_rx_mode(struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;

	/* called under the master's address lock, without RTNL */
	rcu_read_lock();
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = rcu_dereference(nfo->lower[slot]);
		if (!lower)
			continue;
		dev_uc_sync_multiple(lower, dev);
		dev_mc_sync_multiple(lower, dev);
	}
	rcu_read_unlock();
}

static int net_failover_vlan_rx_add_vid(struct net_device *dev, __be16 proto,
					u16 vid)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct net_device *primary, *standby;
	int err;

	ASSERT_RTNL();

	primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	standby = net_failover_lower(nfo, NET_FAILOVER_STANDBY);

	if (primary) {
		err = vlan_vid_add(primary, proto, vid);
		if (err)
			return err;
	}
	if (standby) {
		err = vlan_vid_add(standby, proto, vid);
		if (err)
			goto err_primary;
	}
	return 0;

err_primary:
	if (primary)
		vlan_vid_del(primary, proto, vid);
	return err;
}

static int net_failover_vlan_rx_kill_vid(struct net_device *dev, __be16 proto,
					 u16 vid)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;

	ASSERT_RTNL();

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (lower)
			vlan_vid_del(lower, proto, vid);
	}
	return 0;
}

static netdev_features_t net_failover_fix_features(struct net_device *dev,
						   netdev_features_t features)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	netdev_features_t mask = features;
	enum net_failover_slot slot;
	struct net_device *lower;

	ASSERT_RTNL();

	features = netdev_base_features(features);
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (lower)
			features = netdev_increment_features(features,
							     lower->features,
							     mask);
	}
	return netdev_add_tso_features(features, mask);
}

const struct net_device_ops net_failover_netdev_ops = {
	.ndo_open		= net_failover_open,
	.ndo_stop		= net_failover_close,
	.ndo_start_xmit		= net_failover_start_xmit,
	.ndo_select_queue	= net_failover_select_queue,
	.ndo_get_stats64	= net_failover_get_stats64,
	.ndo_change_mtu		= net_failover_change_mtu,
	.ndo_set_mac_address	= net_failover_set_mac_address,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_rx_flags	= net_failover_change_rx_flags,
	.ndo_set_rx_mode	= net_failover_set_rx_mode,
	.ndo_vlan_rx_add_vid	= net_failover_vlan_rx_add_vid,
	.ndo_vlan_rx_kill_vid	= net_failover_vlan_rx_kill_vid,
	.ndo_fix_features	= net_failover_fix_features,
	.ndo_features_check	= passthru_features_check,
#ifdef CONFIG_NET_POLL_CONTROLLER
	.ndo_poll_controller	= net_failover_poll_controller,
	.ndo_netpoll_setup	= net_failover_netpoll_setup,
	.ndo_netpoll_cleanup	= net_failover_netpoll_cleanup,
#endif
};

/* ethtool_ops */

static void net_failover_get_drvinfo(struct net_device *dev,
				     struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, FO_VERSION, sizeof(info->version));
}

static int net_failover_get_link_ksettings(struct net_device *dev,
					   struct ethtool_link_ksettings *cmd)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;

	ASSERT_RTNL();

	lower = net_failover_pick_tx(net_failover_lower(nfo, NET_FAILOVER_PRIMARY),
				     READ_ONCE(nfo->primary_active),
				     net_failover_lower(nfo, NET_FAILOVER_STANDBY),
				     &slot);
	if (lower)
		return __ethtool_get_link_ksettings(lower, cmd);

	cmd->base.speed = SPEED_UNKNOWN;
	cmd->base.duplex = DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	return 0;
}

static const struct ethtool_ops net_failover_ethtool_ops = {
	.get_drvinfo		= net_failover_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= net_failover_get_link_ksettings,
	.get_sset_count		= net_failover_get_sset_count,
	.get_strings		= net_failover_get_strings,
	.get_ethtool_stats	= net_failover_get_ethtool_stats,
};

/*
 * Our core's second API forwards every lower event the master needs, in
 * order; a stock core has only failover_register() (and our notifier fills
 * in). Looked up at run time, so that this module also loads on a stock core.
 */
static struct failover *net_failover_register(struct net_failover_info *nfo)
{
	struct failover *(*master_register)(struct net_device *dev,
					    const struct failover_master_ops *ops,
					    void *priv);
	struct failover *failover;

	master_register = symbol_get(failover_master_register);
	if (!master_register)
		return failover_register(nfo->dev, &net_failover_ops);
	/* before: a primary present already is paired in the call */
	nfo->forwarded = true;
	failover = master_register(nfo->dev, &net_failover_master_ops, nfo);
	symbol_put(failover_master_register);
	if (IS_ERR(failover))
		nfo->forwarded = false;
	return failover;
}

/**
 * net_failover_create - create and register a failover master
 * @standby_dev: the paravirtual device that will be the standby; its parent
 *	device is set (SET_NETDEV_DEV) but it is not registered yet
 *
 * Allocates and registers a master net_device with @standby_dev's parent and
 * MAC address, and registers it with the failover core, which then hands it
 * @standby_dev once that is registered, and any other device with the same
 * permanent MAC address as the primary. Must be called without RTNL.
 *
 * Return: the failover instance to pass to net_failover_destroy(), or an
 * ERR_PTR() on failure.
 */
struct failover *net_failover_create(struct net_device *standby_dev)
{
	struct device *parent = standby_dev->dev.parent;
	struct net_failover_info *nfo;
	struct failover *failover;
	struct net_device *dev;
	int err;

	/* the parent is what tells the standby from the primary */
	if (!parent) {
		netdev_err(standby_dev, "failover master needs a parent device\n");
		return ERR_PTR(-EINVAL);
	}

	dev = alloc_etherdev_mq(sizeof(*nfo), NET_FAILOVER_TX_QUEUES);
	if (!dev)
		return ERR_PTR(-ENOMEM);

	nfo = netdev_priv(dev);
	nfo->dev = dev;
	nfo->tx_slot = NET_FAILOVER_NR_SLOTS;
	spin_lock_init(&nfo->stats_lock);
	INIT_DELAYED_WORK(&nfo->notify_work, net_failover_notify_work);
	INIT_DELAYED_WORK(&nfo->uevent_work, net_failover_uevent_work);
	nfo->uevent_next = jiffies;
	INIT_WORK(&nfo->open_work, net_failover_open_work);
	nfo->pcpu_stats = netdev_alloc_pcpu_stats(struct net_failover_pcpu_stats);
	if (!nfo->pcpu_stats) {
		err = -ENOMEM;
		goto err_free_netdev;
	}

	dev_net_set(dev, dev_net(standby_dev));
	SET_NETDEV_DEV(dev, parent);

	dev->netdev_ops = &net_failover_netdev_ops;
	dev->ethtool_ops = &net_failover_ethtool_ops;
	dev->rtnl_link_ops = &net_failover_link_ops;

	dev->priv_flags |= IFF_UNICAST_FLT | IFF_NO_QUEUE |
			   IFF_LIVE_ADDR_CHANGE | FO_IFF_LIVE_RENAME_OK;
	/* its lower devices cannot follow it into another namespace */
	fo_netns_immutable_set(dev);
	/* skb->dev is rewritten on the way down */
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	/* until a lower device says it does not need the route */
	dev->priv_flags &= ~IFF_XMIT_DST_RELEASE;
	fo_set_lltx(dev);

	/* tunnel GSO is done in software by a lower device that lacks it */
	dev->hw_features = NET_FAILOVER_VLAN_FEATURES | NETIF_F_GSO_ENCAP_ALL |
			   NETIF_F_HW_VLAN_CTAG_TX |
			   NETIF_F_HW_VLAN_CTAG_RX |
			   NETIF_F_HW_VLAN_CTAG_FILTER;
	dev->features |= dev->hw_features;
	dev->vlan_features = NET_FAILOVER_VLAN_FEATURES;
	dev->hw_enc_features = NET_FAILOVER_ENC_FEATURES | NETIF_F_GSO_ENCAP_ALL;

	eth_hw_addr_set(dev, standby_dev->dev_addr);
	/* the failover core pairs lower devices by permanent address */
	if (is_valid_ether_addr(standby_dev->perm_addr))
		memcpy(dev->perm_addr, standby_dev->perm_addr, ETH_ALEN);
	else
		memcpy(dev->perm_addr, standby_dev->dev_addr, ETH_ALEN);

	dev->mtu = standby_dev->mtu;
	dev->min_mtu = standby_dev->min_mtu;
	dev->max_mtu = standby_dev->max_mtu;

	err = register_netdev(dev);
	if (err) {
		netdev_err(standby_dev, "cannot register failover master: %d\n",
			   err);
		goto err_free_stats;
	}

	netif_carrier_off(dev);

	failover = net_failover_register(nfo);
	if (IS_ERR(failover)) {
		err = PTR_ERR(failover);
		goto err_unregister;
	}

	rtnl_lock();
	list_add_rcu(&nfo->node, &net_failover_list);
	rtnl_unlock();
	return failover;

err_unregister:
	unregister_netdev(dev);
err_free_stats:
	free_percpu(nfo->pcpu_stats);
err_free_netdev:
	free_netdev(dev);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(net_failover_create);

/**
 * net_failover_destroy - release the lower devices and free a master
 * @failover: what net_failover_create() returned, or NULL
 *
 * Releases both lower devices, unregisters the master from the failover
 * core and from the network stack, and frees it. Must be called without
 * RTNL; the paravirtual driver calls it after unregistering its own device.
 */
void net_failover_destroy(struct failover *failover)
{
	struct net_failover_info *nfo;
	enum net_failover_slot slot;
	struct net_device *lower;
	struct net_device *dev;

	if (!failover)
		return;

	rtnl_lock();
	/* the master's pointer is ABI; the core never changes it */
	dev = rtnl_dereference(failover->failover_dev);
	nfo = netdev_priv(dev);
	nfo->dying = true;
	/* unregister_netdevice() below waits out the bus notifier's walk */
	list_del_rcu(&nfo->node);
	netif_device_detach(dev);
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = net_failover_lower(nfo, slot);
		if (lower)
			failover_slave_unregister(lower);
	}
	rtnl_unlock();

	/* dying stops it from requeueing; it takes RTNL, so cancel outside */
	cancel_delayed_work_sync(&nfo->notify_work);
	cancel_delayed_work_sync(&nfo->uevent_work);
	/* the lower devices are gone: it finds nothing to open if it runs */
	cancel_work_sync(&nfo->open_work);

	/* the core's reference would block unregistering; it needs RTNL */
	rtnl_lock();
	failover_unregister(failover);
	unregister_netdevice(dev);
	rtnl_unlock();
	free_percpu(nfo->pcpu_stats);
	free_netdev(dev);
}
EXPORT_SYMBOL_GPL(net_failover_destroy);

static int __init net_failover_init(void)
{
	int err;

	err = rtnl_link_register(&net_failover_link_ops);
	if (err)
		return err;
	err = register_netdevice_notifier(&net_failover_notifier);
	if (err)
		goto err_link_ops;
	err = net_failover_bus_notifier_register();
	if (err)
		goto err_netdev_notifier;
	return 0;

err_netdev_notifier:
	unregister_netdevice_notifier(&net_failover_notifier);
err_link_ops:
	rtnl_link_unregister(&net_failover_link_ops);
	return err;
}
module_init(net_failover_init);

static void __exit net_failover_exit(void)
{
	net_failover_bus_notifier_unregister();
	unregister_netdevice_notifier(&net_failover_notifier);
	rtnl_link_unregister(&net_failover_link_ops);
}
module_exit(net_failover_exit);

MODULE_LICENSE("GPL v2");
MODULE_VERSION(FO_VERSION);
MODULE_DESCRIPTION("Failover master for paravirtual network devices");
