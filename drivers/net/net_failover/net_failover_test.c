// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for net_failover: its pure helpers, and whole masters with
 * throwaway lower devices through the failover core.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/net_failover.h>

#include "net_failover_priv.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* local experimental ethertype: only our frames are counted */
#define NET_FAILOVER_TEST_ETH_P	ETH_P_802_EX1

static struct rtnl_link_stats64
net_failover_test_stats64(u64 rx_packets, u64 tx_bytes)
{
	struct rtnl_link_stats64 s = {};

	s.rx_packets = rx_packets;
	s.tx_bytes = tx_bytes;
	return s;
}

static void net_failover_test_fold_grows(struct kunit *test)
{
	struct rtnl_link_stats64 sum = {}, last = {}, now;

	now = net_failover_test_stats64(10, 1000);
	net_failover_fold_stats(&sum, &now, &last);
	KUNIT_EXPECT_EQ(test, sum.rx_packets, 10);
	KUNIT_EXPECT_EQ(test, sum.tx_bytes, 1000);

	last = now;
	now = net_failover_test_stats64(15, 1500);
	net_failover_fold_stats(&sum, &now, &last);
	KUNIT_EXPECT_EQ(test, sum.rx_packets, 15);
	KUNIT_EXPECT_EQ(test, sum.tx_bytes, 1500);
	KUNIT_EXPECT_EQ(test, sum.tx_packets, 0);
}

static void net_failover_test_fold_wrap32(struct kunit *test)
{
	struct rtnl_link_stats64 sum = {}, last, now;

	/* a 32-bit counter wraps: 0xfffffff0 -> 0x10 is 32 more */
	last = net_failover_test_stats64(0xfffffff0, 0);
	now = net_failover_test_stats64(0x10, 0);
	net_failover_fold_stats(&sum, &now, &last);
	KUNIT_EXPECT_EQ(test, sum.rx_packets, 0x20);
}

static void net_failover_test_fold_64bit(struct kunit *test)
{
	struct rtnl_link_stats64 sum = {}, last, now;

	/* beyond 32 bits the counter is a 64-bit one: plain difference */
	last = net_failover_test_stats64(0xfffffff0ULL, 0x100000000ULL);
	now = net_failover_test_stats64(0x100000010ULL, 0x300000000ULL);
	net_failover_fold_stats(&sum, &now, &last);
	KUNIT_EXPECT_EQ(test, sum.rx_packets, 0x20);
	KUNIT_EXPECT_EQ(test, sum.tx_bytes, 0x200000000ULL);
}

static void net_failover_test_fold_reset(struct kunit *test)
{
	struct rtnl_link_stats64 sum = {}, last = {}, now;

	now = net_failover_test_stats64(100, 5000);
	net_failover_fold_stats(&sum, &now, &last);
	last = now;

	/* the lower device reset its counters: nothing is taken away */
	now = net_failover_test_stats64(3, 200);
	net_failover_fold_stats(&sum, &now, &last);
	KUNIT_EXPECT_EQ(test, sum.rx_packets, 100);
	KUNIT_EXPECT_EQ(test, sum.tx_bytes, 5000);
	last = now;

	/* and counting resumes from the new base */
	now = net_failover_test_stats64(5, 300);
	net_failover_fold_stats(&sum, &now, &last);
	KUNIT_EXPECT_EQ(test, sum.rx_packets, 102);
	KUNIT_EXPECT_EQ(test, sum.tx_bytes, 5100);
}

static void net_failover_test_acc_replug(struct kunit *test)
{
	struct net_failover_stats_acc acc = {};
	struct rtnl_link_stats64 now;

	/* what the VF counted before it joined is not ours */
	now = net_failover_test_stats64(50, 0);
	net_failover_acc_attach(&acc, NET_FAILOVER_PRIMARY, &now);
	now = net_failover_test_stats64(7, 0);
	net_failover_acc_attach(&acc, NET_FAILOVER_STANDBY, &now);
	KUNIT_EXPECT_EQ(test, acc.sum.rx_packets, 0);

	now = net_failover_test_stats64(60, 0);
	net_failover_acc_sample(&acc, NET_FAILOVER_PRIMARY, &now);
	now = net_failover_test_stats64(9, 0);
	net_failover_acc_sample(&acc, NET_FAILOVER_STANDBY, &now);
	KUNIT_EXPECT_EQ(test, acc.sum.rx_packets, 12);

	/* unplug: the last packets before removal are kept */
	now = net_failover_test_stats64(65, 0);
	net_failover_acc_detach(&acc, NET_FAILOVER_PRIMARY, &now);
	KUNIT_EXPECT_EQ(test, acc.sum.rx_packets, 17);

	/* replug: a new VF starting at zero does not move the sum back */
	now = net_failover_test_stats64(0, 0);
	net_failover_acc_attach(&acc, NET_FAILOVER_PRIMARY, &now);
	now = net_failover_test_stats64(4, 0);
	net_failover_acc_sample(&acc, NET_FAILOVER_PRIMARY, &now);
	KUNIT_EXPECT_EQ(test, acc.sum.rx_packets, 21);
}

static struct kunit_case net_failover_stats_cases[] = {
	KUNIT_CASE(net_failover_test_fold_grows),
	KUNIT_CASE(net_failover_test_fold_wrap32),
	KUNIT_CASE(net_failover_test_fold_64bit),
	KUNIT_CASE(net_failover_test_fold_reset),
	KUNIT_CASE(net_failover_test_acc_replug),
	{}
};

static struct kunit_suite net_failover_stats_suite = {
	.name = "net_failover_stats",
	.test_cases = net_failover_stats_cases,
};

KUNIT_DEFINE_ACTION_WRAPPER(net_failover_test_free_netdev, free_netdev,
			    struct net_device *);

/* An unregistered device whose running/carrier bits the test flips. */
static struct net_device *net_failover_test_bare_dev(struct kunit *test,
						     struct device *parent)
{
	struct net_device *dev;
	int err;

	dev = alloc_etherdev(0);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	err = kunit_add_action_or_reset(test, net_failover_test_free_netdev,
					dev);
	KUNIT_ASSERT_EQ(test, err, 0);
	SET_NETDEV_DEV(dev, parent);
	return dev;
}

static void net_failover_test_set_state(struct net_device *dev, bool running,
					bool carrier)
{
	if (running)
		set_bit(__LINK_STATE_START, &dev->state);
	else
		clear_bit(__LINK_STATE_START, &dev->state);
	if (carrier)
		clear_bit(__LINK_STATE_NOCARRIER, &dev->state);
	else
		set_bit(__LINK_STATE_NOCARRIER, &dev->state);
}

static void net_failover_test_pick_tx(struct kunit *test)
{
	struct net_device *primary = net_failover_test_bare_dev(test, NULL);
	struct net_device *standby = net_failover_test_bare_dev(test, NULL);
	enum net_failover_slot slot;

	/* both ready: the primary once transmit was moved to it */
	net_failover_test_set_state(primary, true, true);
	net_failover_test_set_state(standby, true, true);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_pick_tx(primary, true, standby,
						       &slot), primary);
	KUNIT_EXPECT_EQ(test, slot, NET_FAILOVER_PRIMARY);

	/* not moved yet (or going down): the standby */
	KUNIT_EXPECT_PTR_EQ(test, net_failover_pick_tx(primary, false, standby,
						       &slot), standby);
	KUNIT_EXPECT_EQ(test, slot, NET_FAILOVER_STANDBY);

	/* primary lost carrier or is closed: the standby at once */
	net_failover_test_set_state(primary, true, false);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_pick_tx(primary, true, standby,
						       &slot), standby);
	net_failover_test_set_state(primary, false, true);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_pick_tx(primary, true, standby,
						       &slot), standby);

	/* standby not ready: a ready primary beats dropping */
	net_failover_test_set_state(primary, true, true);
	net_failover_test_set_state(standby, true, false);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_pick_tx(primary, false, standby,
						       &slot), primary);
	KUNIT_EXPECT_EQ(test, slot, NET_FAILOVER_PRIMARY);

	/* nothing ready, or nothing there: drop */
	net_failover_test_set_state(primary, false, false);
	net_failover_test_set_state(standby, false, true);
	KUNIT_EXPECT_NULL(test, net_failover_pick_tx(primary, true, standby,
						     &slot));
	KUNIT_EXPECT_EQ(test, slot, NET_FAILOVER_NR_SLOTS);
	KUNIT_EXPECT_NULL(test, net_failover_pick_tx(NULL, true, NULL, &slot));

	/* only a standby */
	net_failover_test_set_state(standby, true, true);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_pick_tx(NULL, true, standby,
						       &slot), standby);
}

static void net_failover_test_lower_ready(struct kunit *test)
{
	struct net_device *dev = net_failover_test_bare_dev(test, NULL);

	KUNIT_EXPECT_FALSE(test, net_failover_lower_ready(NULL));
	net_failover_test_set_state(dev, true, true);
	KUNIT_EXPECT_TRUE(test, net_failover_lower_ready(dev));
	net_failover_test_set_state(dev, true, false);
	KUNIT_EXPECT_FALSE(test, net_failover_lower_ready(dev));
	net_failover_test_set_state(dev, false, true);
	KUNIT_EXPECT_FALSE(test, net_failover_lower_ready(dev));
}

static void net_failover_test_classify(struct kunit *test)
{
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *master, *sby, *pri, *orphan;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);
	master = net_failover_test_bare_dev(test, pv);
	sby = net_failover_test_bare_dev(test, pv);
	pri = net_failover_test_bare_dev(test, vf);
	orphan = net_failover_test_bare_dev(test, NULL);

	KUNIT_EXPECT_EQ(test, net_failover_classify(master, sby, false, false),
			NET_FAILOVER_STANDBY);
	KUNIT_EXPECT_EQ(test, net_failover_classify(master, sby, true, false),
			NET_FAILOVER_STANDBY);
	KUNIT_EXPECT_EQ(test, net_failover_classify(master, pri, false, true),
			NET_FAILOVER_PRIMARY);
	KUNIT_EXPECT_EQ(test, net_failover_classify(master, orphan, false, true),
			NET_FAILOVER_PRIMARY);

	/* a second one of either kind is refused */
	KUNIT_EXPECT_EQ(test, net_failover_classify(master, sby, false, true),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, net_failover_classify(master, pri, true, false),
			-EEXIST);
}

static struct kunit_case net_failover_select_cases[] = {
	KUNIT_CASE(net_failover_test_lower_ready),
	KUNIT_CASE(net_failover_test_pick_tx),
	KUNIT_CASE(net_failover_test_classify),
	{}
};

static struct kunit_suite net_failover_select_suite = {
	.name = "net_failover_select",
	.test_cases = net_failover_select_cases,
};

/* Whole-master tests with registered throwaway lower devices. */

struct net_failover_test_lower {
	atomic_t tx;
	/* ndo_set_mac_address calls */
	int set_mac;
	/* what ndo_get_stats64 reports; ndo_stop resets it */
	u64 rx_packets;
	/* ndo_open calls left to refuse */
	int open_busy;
};

static netdev_tx_t net_failover_test_lower_xmit(struct sk_buff *skb,
						struct net_device *dev)
{
	struct net_failover_test_lower *priv = netdev_priv(dev);

	if (skb->protocol == htons(NET_FAILOVER_TEST_ETH_P))
		atomic_inc(&priv->tx);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops net_failover_test_lower_ops = {
	.ndo_start_xmit = net_failover_test_lower_xmit,
};

static const u8 net_failover_test_addr[ETH_ALEN] = {
	0x02, 0x6e, 0x66, 0x74, 0x00, 0x01
};

static struct net_device *net_failover_test_lower_alloc(struct kunit *test,
							struct device *parent)
{
	struct net_device *dev;

	dev = alloc_netdev(sizeof(struct net_failover_test_lower), "nfotest%d",
			   NET_NAME_ENUM, ether_setup);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->netdev_ops = &net_failover_test_lower_ops;
	dev->priv_flags |= IFF_NO_QUEUE;
	SET_NETDEV_DEV(dev, parent);
	eth_hw_addr_set(dev, net_failover_test_addr);
	return dev;
}

static struct net_device *net_failover_test_master_of(struct net_device *lower)
{
	struct net_device *master;

	rtnl_lock();
	master = netdev_master_upper_dev_get(lower);
	rtnl_unlock();
	return master;
}

static int net_failover_test_tx_count(struct net_device *lower)
{
	struct net_failover_test_lower *priv = netdev_priv(lower);

	return atomic_read(&priv->tx);
}

static void net_failover_test_send(struct kunit *test,
				   struct net_device *master)
{
	struct sk_buff *skb;
	struct ethhdr *eth;

	skb = alloc_skb(ETH_ZLEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	eth = skb_put_zero(skb, ETH_ZLEN);
	eth_broadcast_addr(eth->h_dest);
	ether_addr_copy(eth->h_source, master->dev_addr);
	eth->h_proto = htons(NET_FAILOVER_TEST_ETH_P);
	skb_reset_mac_header(skb);
	skb->protocol = eth->h_proto;
	skb->dev = master;
	dev_queue_xmit(skb);
}

static void net_failover_test_carrier(struct net_device *dev, bool on)
{
	rtnl_lock();
	if (on)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
	/* what linkwatch would deliver a little later */
	netdev_state_change(dev);
	rtnl_unlock();
}

static void net_failover_test_master(struct kunit *test)
{
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *pri2, *sby2, *master;
	struct failover *failover;
	int p, s;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	/* the order virtio_net uses */
	standby = net_failover_test_lower_alloc(test, pv);
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_EXPECT_NOT_NULL(test, master);
	KUNIT_EXPECT_PTR_EQ(test, master->dev.parent, pv);
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(master->dev_addr,
						 net_failover_test_addr));

	primary = net_failover_test_lower_alloc(test, vf);
	KUNIT_EXPECT_EQ(test, register_netdev(primary), 0);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_test_master_of(primary), master);

	/* a second primary and a second standby are refused */
	pri2 = net_failover_test_lower_alloc(test, vf);
	KUNIT_EXPECT_EQ(test, register_netdev(pri2), 0);
	KUNIT_EXPECT_NULL(test, net_failover_test_master_of(pri2));
	sby2 = net_failover_test_lower_alloc(test, pv);
	KUNIT_EXPECT_EQ(test, register_netdev(sby2), 0);
	KUNIT_EXPECT_NULL(test, net_failover_test_master_of(sby2));

	/* opening the master opens both lower devices */
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, dev_open(master, NULL), 0);
	rtnl_unlock();
	KUNIT_EXPECT_TRUE(test, netif_running(primary));
	KUNIT_EXPECT_TRUE(test, netif_running(standby));
	net_failover_test_carrier(standby, true);
	net_failover_test_carrier(primary, true);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(master));

	p = net_failover_test_tx_count(primary);
	s = net_failover_test_tx_count(standby);
	net_failover_test_send(test, master);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(primary), p + 1);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(standby), s);

	/* carrier loss on the primary: the standby takes over */
	net_failover_test_carrier(primary, false);
	net_failover_test_send(test, master);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(primary), p + 1);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(standby), s + 1);
	KUNIT_EXPECT_TRUE(test, netif_carrier_ok(master));

	/* and gives it back */
	net_failover_test_carrier(primary, true);
	net_failover_test_send(test, master);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(primary), p + 2);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(standby), s + 1);

	/* closing the primary moves transmit before it stops */
	rtnl_lock();
	dev_close(primary);
	rtnl_unlock();
	net_failover_test_send(test, master);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(primary), p + 2);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(standby), s + 2);

	/* no lower device can carry: the master drops and loses carrier */
	net_failover_test_carrier(standby, false);
	KUNIT_EXPECT_FALSE(test, netif_carrier_ok(master));
	net_failover_test_send(test, master);
	KUNIT_EXPECT_EQ(test, net_failover_test_tx_count(standby), s + 2);

	/* unplug the primary; the spare primary is still not taken */
	unregister_netdev(primary);
	free_netdev(primary);
	unregister_netdev(pri2);
	free_netdev(pri2);
	unregister_netdev(sby2);
	free_netdev(sby2);

	/* the order virtio_net's remove uses */
	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

/*
 * Runs @lower's rx handler over a frame from @src as __netif_receive_skb_core()
 * would; *@to is set to the device the frame would be delivered as.
 */
static rx_handler_result_t
net_failover_test_deliver(struct kunit *test, struct net_device *lower,
			  const u8 *src, bool bcast, struct net_device **to)
{
	rx_handler_func_t *handler;
	rx_handler_result_t ret;
	struct sk_buff *skb;
	struct ethhdr *eth;

	skb = alloc_skb(ETH_ZLEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	eth = skb_put_zero(skb, ETH_ZLEN);
	if (bcast)
		eth_broadcast_addr(eth->h_dest);
	else
		ether_addr_copy(eth->h_dest, net_failover_test_addr);
	ether_addr_copy(eth->h_source, src);
	eth->h_proto = htons(NET_FAILOVER_TEST_ETH_P);
	skb->protocol = eth_type_trans(skb, lower);

	rcu_read_lock();
	handler = rcu_dereference(lower->rx_handler);
	KUNIT_ASSERT_NOT_NULL(test, handler);
	ret = handler(&skb);
	rcu_read_unlock();

	KUNIT_ASSERT_NE(test, ret, RX_HANDLER_CONSUMED);
	*to = skb->dev;
	kfree_skb(skb);
	return ret;
}

static void net_failover_test_rx(struct kunit *test)
{
	static const u8 peer[ETH_ALEN] = { 0x02, 0x70, 0x65, 0x65, 0x72, 0x01 };
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *master, *to;
	struct failover *failover;
	rx_handler_result_t ret;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	standby = net_failover_test_lower_alloc(test, pv);
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_ASSERT_NOT_NULL(test, master);
	primary = net_failover_test_lower_alloc(test, vf);
	KUNIT_ASSERT_EQ(test, register_netdev(primary), 0);
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, dev_open(master, NULL), 0);
	rtnl_unlock();
	net_failover_test_carrier(standby, true);

	/* standby alone: its frames are the master's */
	net_failover_test_carrier(primary, false);
	ret = net_failover_test_deliver(test, standby, peer, false, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_ANOTHER);
	KUNIT_EXPECT_PTR_EQ(test, to, master);

	/*
	 * Transmit moves to the primary: until the host has learnt that (the
	 * first frame on the primary), standby frames still count.
	 */
	net_failover_test_carrier(primary, true);
	ret = net_failover_test_deliver(test, standby, peer, false, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_ANOTHER);
	KUNIT_EXPECT_PTR_EQ(test, to, master);
	ret = net_failover_test_deliver(test, primary, peer, false, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_ANOTHER);
	KUNIT_EXPECT_PTR_EQ(test, to, master);

	/* then they are duplicates */
	ret = net_failover_test_deliver(test, standby, peer, false, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_EXACT);
	KUNIT_EXPECT_PTR_EQ(test, to, standby);

	/* a primary without carrier carries nothing: never drop then */
	net_failover_test_carrier(primary, false);
	ret = net_failover_test_deliver(test, standby, peer, false, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_ANOTHER);
	KUNIT_EXPECT_PTR_EQ(test, to, master);

	/* our own broadcasts flooded back over the other path are not */
	ret = net_failover_test_deliver(test, standby, net_failover_test_addr,
					true, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_EXACT);
	ret = net_failover_test_deliver(test, standby, peer, true, &to);
	KUNIT_EXPECT_EQ(test, ret, RX_HANDLER_ANOTHER);

	unregister_netdev(primary);
	free_netdev(primary);
	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

static int net_failover_test_set_mac(struct net_device *dev, void *p)
{
	((struct net_failover_test_lower *)netdev_priv(dev))->set_mac++;
	return eth_mac_addr(dev, p);
}

/* what virtio_net does as a failover standby */
static int net_failover_test_refuse_mac(struct net_device *dev, void *p)
{
	((struct net_failover_test_lower *)netdev_priv(dev))->set_mac++;
	return -EBUSY;
}

static const struct net_device_ops net_failover_test_mac_ops = {
	.ndo_start_xmit = net_failover_test_lower_xmit,
	.ndo_set_mac_address = net_failover_test_set_mac,
};

static const struct net_device_ops net_failover_test_refuse_mac_ops = {
	.ndo_start_xmit = net_failover_test_lower_xmit,
	.ndo_set_mac_address = net_failover_test_refuse_mac,
};

/* a standby's refusal must not cost the primary two address changes */
static void net_failover_test_mac_refused(struct kunit *test)
{
	static const u8 new_mac[ETH_ALEN] = { 0x02, 0x6e, 0x66, 0x74, 0x00, 0x02 };
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *master;
	struct netlink_ext_ack extack = {};
	struct failover *failover;
	struct net_failover_test_lower *pri;
	struct sockaddr sa;
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	standby = net_failover_test_lower_alloc(test, pv);
	standby->netdev_ops = &net_failover_test_refuse_mac_ops;
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_ASSERT_NOT_NULL(test, master);
	primary = net_failover_test_lower_alloc(test, vf);
	primary->netdev_ops = &net_failover_test_mac_ops;
	KUNIT_ASSERT_EQ(test, register_netdev(primary), 0);
	KUNIT_ASSERT_PTR_EQ(test, net_failover_test_master_of(primary), master);
	pri = netdev_priv(primary);

	sa.sa_family = master->type;
	memcpy(sa.sa_data, new_mac, ETH_ALEN);
	rtnl_lock();
	err = dev_set_mac_address(master, &sa, &extack);
	rtnl_unlock();
	KUNIT_EXPECT_NE(test, err, 0);
	KUNIT_EXPECT_EQ(test, pri->set_mac, 0);
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(primary->dev_addr,
						 net_failover_test_addr));
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(master->dev_addr,
						 net_failover_test_addr));
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	if (extack._msg)
		kunit_info(test, "extack: %s\n", extack._msg);

	unregister_netdev(primary);
	free_netdev(primary);
	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

static int net_failover_test_stop_reset(struct net_device *dev)
{
	((struct net_failover_test_lower *)netdev_priv(dev))->rx_packets = 0;
	return 0;
}

static void net_failover_test_get_stats64(struct net_device *dev,
					  struct rtnl_link_stats64 *stats)
{
	struct net_failover_test_lower *priv = netdev_priv(dev);

	stats->rx_packets = priv->rx_packets;
}

/* like drivers that count in hardware and reset it when they stop */
static const struct net_device_ops net_failover_test_reset_ops = {
	.ndo_start_xmit = net_failover_test_lower_xmit,
	.ndo_stop = net_failover_test_stop_reset,
	.ndo_get_stats64 = net_failover_test_get_stats64,
};

static u64 net_failover_test_master_rx(struct net_device *master)
{
	struct rtnl_link_stats64 stats;

	dev_get_stats(master, &stats);
	return stats.rx_packets;
}

/*
 * A primary that resets its counters on close is released, or unplugged:
 * what it counted since the master's last sample stays in the totals.
 */
static void net_failover_test_last_interval(struct kunit *test, bool unplug)
{
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *master;
	struct failover *failover;
	struct net_failover_test_lower *pri;
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	standby = net_failover_test_lower_alloc(test, pv);
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_ASSERT_NOT_NULL(test, master);
	primary = net_failover_test_lower_alloc(test, vf);
	primary->netdev_ops = &net_failover_test_reset_ops;
	KUNIT_ASSERT_EQ(test, register_netdev(primary), 0);
	KUNIT_ASSERT_PTR_EQ(test, net_failover_test_master_of(primary), master);
	pri = netdev_priv(primary);
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, dev_open(master, NULL), 0);
	rtnl_unlock();
	KUNIT_ASSERT_TRUE(test, netif_running(primary));
	/*
	 * Transmit on the standby: moving it off the primary would take a
	 * stats64 sample (for user space) and hide what this tests.
	 */
	net_failover_test_carrier(standby, true);
	net_failover_test_carrier(primary, false);

	pri->rx_packets = 10;
	KUNIT_EXPECT_EQ(test, net_failover_test_master_rx(master), 10);
	/* the last interval, not sampled yet */
	pri->rx_packets = 15;

	if (unplug) {
		unregister_netdev(primary);
	} else {
		rtnl_lock();
		err = failover_slave_unregister(primary);
		rtnl_unlock();
		KUNIT_EXPECT_EQ(test, err, 0);
		KUNIT_EXPECT_NULL(test, net_failover_test_master_of(primary));
	}
	KUNIT_EXPECT_EQ(test, net_failover_test_master_rx(master), 15);

	if (!unplug)
		unregister_netdev(primary);
	free_netdev(primary);
	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

static int net_failover_test_open_busy(struct net_device *dev)
{
	struct net_failover_test_lower *priv = netdev_priv(dev);

	return priv->open_busy-- > 0 ? -EBUSY : 0;
}

/* like a VF that refuses to open while it initialises */
static const struct net_device_ops net_failover_test_busy_ops = {
	.ndo_start_xmit = net_failover_test_lower_xmit,
	.ndo_open = net_failover_test_open_busy,
};

/* A primary whose open failed is opened again on its next rename. */
static void net_failover_test_open_retry(struct kunit *test)
{
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *master;
	struct net_failover_test_lower *pri;
	struct failover *failover;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	standby = net_failover_test_lower_alloc(test, pv);
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_ASSERT_NOT_NULL(test, master);
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, dev_open(master, NULL), 0);
	rtnl_unlock();

	primary = net_failover_test_lower_alloc(test, vf);
	primary->netdev_ops = &net_failover_test_busy_ops;
	pri = netdev_priv(primary);
	pri->open_busy = 1;
	KUNIT_ASSERT_EQ(test, register_netdev(primary), 0);
	KUNIT_ASSERT_PTR_EQ(test, net_failover_test_master_of(primary), master);
	KUNIT_EXPECT_FALSE(test, netif_running(primary));

	/* what udev's rename delivers */
	rtnl_lock();
	call_netdevice_notifiers(NETDEV_CHANGENAME, primary);
	rtnl_unlock();
	KUNIT_EXPECT_TRUE(test, netif_running(primary));
	KUNIT_EXPECT_EQ(test, pri->open_busy, -1);

	unregister_netdev(primary);
	free_netdev(primary);
	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

static void net_failover_test_stats_release(struct kunit *test)
{
	net_failover_test_last_interval(test, false);
}

static void net_failover_test_stats_unplug(struct kunit *test)
{
	net_failover_test_last_interval(test, true);
}

static bool net_failover_test_dst_release(struct net_device *dev)
{
	return dev->priv_flags & IFF_XMIT_DST_RELEASE;
}

/* The master drops the route on transmit unless a lower device needs it. */
static void net_failover_test_keep_dst(struct kunit *test)
{
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *master;
	struct failover *failover;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	standby = net_failover_test_lower_alloc(test, pv);
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_ASSERT_NOT_NULL(test, master);
	KUNIT_EXPECT_TRUE(test, net_failover_test_dst_release(master));

	/* a primary that uses the route */
	primary = net_failover_test_lower_alloc(test, vf);
	netif_keep_dst(primary);
	KUNIT_EXPECT_EQ(test, register_netdev(primary), 0);
	KUNIT_EXPECT_PTR_EQ(test, net_failover_test_master_of(primary), master);
	KUNIT_EXPECT_FALSE(test, net_failover_test_dst_release(master));

	unregister_netdev(primary);
	free_netdev(primary);
	KUNIT_EXPECT_TRUE(test, net_failover_test_dst_release(master));

	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

/* a listener on the uevent netlink group, as udevd is */
static struct socket *net_failover_test_uevent_sock(struct kunit *test)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, sock_create_kern(&init_net, PF_NETLINK, SOCK_DGRAM,
					       NETLINK_KOBJECT_UEVENT, &sock), 0);
	KUNIT_ASSERT_EQ(test, kernel_bind(sock, (struct sockaddr *)&addr,
					  sizeof(addr)), 0);
	return sock;
}

/*
 * The queued change events of @name's primary role; *@active is the
 * FAILOVER_ACTIVE of the last one.
 */
static int net_failover_test_uevents(struct kunit *test, struct socket *sock,
				     const char *name, int *active)
{
	char *buf = kunit_kzalloc(test, 2048, GFP_KERNEL);
	char ifname[IFNAMSIZ + 16];
	struct msghdr msg = {};
	struct kvec iov;
	int len, n = 0;
	char *f;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	snprintf(ifname, sizeof(ifname), "INTERFACE=%s", name);
	for (;;) {
		bool mine = false, primary = false;
		int act = -1;

		iov.iov_base = buf;
		iov.iov_len = 2047;
		len = kernel_recvmsg(sock, &msg, &iov, 1, iov.iov_len,
				     MSG_DONTWAIT);
		if (len <= 0)
			break;
		buf[len] = '\0';
		for (f = buf; f < buf + len; f += strlen(f) + 1) {
			mine |= !strcmp(f, ifname);
			primary |= !strcmp(f, "FAILOVER_ROLE=primary");
			if (!strncmp(f, "FAILOVER_ACTIVE=", 16))
				act = f[16] == '1';
		}
		if (mine && primary && act >= 0) {
			*active = act;
			n++;
		}
	}
	return n;
}

/*
 * A carrier storm on the primary: its role events are rate limited to one
 * per gap, and the last one reports the final state.
 */
static void net_failover_test_uevent_storm(struct kunit *test)
{
	struct device *pv = kunit_device_register(test, "net_failover_test-pv");
	struct device *vf = kunit_device_register(test, "net_failover_test-vf");
	struct net_device *standby, *primary, *master;
	struct failover *failover;
	struct socket *sock;
	int i, n, active = -1;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pv);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, vf);

	standby = net_failover_test_lower_alloc(test, pv);
	failover = net_failover_create(standby);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	KUNIT_ASSERT_EQ(test, register_netdev(standby), 0);
	master = net_failover_test_master_of(standby);
	KUNIT_ASSERT_NOT_NULL(test, master);
	primary = net_failover_test_lower_alloc(test, vf);
	KUNIT_ASSERT_EQ(test, register_netdev(primary), 0);
	KUNIT_ASSERT_PTR_EQ(test, net_failover_test_master_of(primary), master);
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, dev_open(master, NULL), 0);
	rtnl_unlock();
	net_failover_test_carrier(standby, true);
	net_failover_test_carrier(primary, true);
	msleep(1500);

	sock = net_failover_test_uevent_sock(test);
	/* 20 moves of transmit in 0.4 s, each long enough for the work to run */
	for (i = 0; i < 10; i++) {
		net_failover_test_carrier(primary, false);
		msleep(20);
		net_failover_test_carrier(primary, true);
		msleep(20);
	}
	/* what is pending goes out at most a gap after the last change */
	msleep(1500);
	n = net_failover_test_uevents(test, sock, primary->name, &active);
	KUNIT_EXPECT_GE(test, n, 1);
	KUNIT_EXPECT_LE(test, n, 3);
	KUNIT_EXPECT_EQ(test, active, 1);
	sock_release(sock);

	unregister_netdev(primary);
	free_netdev(primary);
	unregister_netdev(standby);
	net_failover_destroy(failover);
	free_netdev(standby);
}

static struct kunit_case net_failover_master_cases[] = {
	KUNIT_CASE(net_failover_test_master),
	KUNIT_CASE(net_failover_test_rx),
	KUNIT_CASE(net_failover_test_mac_refused),
	KUNIT_CASE(net_failover_test_stats_release),
	KUNIT_CASE(net_failover_test_stats_unplug),
	KUNIT_CASE(net_failover_test_open_retry),
	KUNIT_CASE(net_failover_test_keep_dst),
	KUNIT_CASE(net_failover_test_uevent_storm),
	{}
};

static struct kunit_suite net_failover_master_suite = {
	.name = "net_failover_master",
	.test_cases = net_failover_master_cases,
};

kunit_test_suites(&net_failover_stats_suite, &net_failover_select_suite,
		  &net_failover_master_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for net_failover");
