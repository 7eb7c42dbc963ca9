// SPDX-License-Identifier: GPL-2.0
/* net_failover datapath: transmit on a ready lower device, receive from both */

#include <linux/etherdevice.h>
#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <kunit/visibility.h>
#include <net/sch_generic.h>

#include "net_failover_priv.h"

static void net_failover_count(struct net_failover_info *nfo,
			       enum net_failover_ctr ctr, unsigned int bytes)
{
	struct net_failover_pcpu_stats *s = this_cpu_ptr(nfo->pcpu_stats);
	unsigned long flags;

	/* netpoll's transmit (interrupts off) may interrupt another writer */
	flags = u64_stats_update_begin_irqsave(&s->syncp);
	u64_stats_inc(&s->ctr[ctr]);
	if (bytes)
		u64_stats_add(&s->ctr[ctr + 1], bytes);
	u64_stats_update_end_irqrestore(&s->syncp, flags);
}

netdev_tx_t net_failover_start_xmit(struct sk_buff *skb,
				    struct net_device *dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	struct net_device *lower;
	unsigned int len;
	int ret;

	lower = net_failover_pick_tx(net_failover_xmit_deref(nfo->lower[NET_FAILOVER_PRIMARY]),
				     READ_ONCE(nfo->primary_active),
				     net_failover_xmit_deref(nfo->lower[NET_FAILOVER_STANDBY]),
				     &slot);
	if (unlikely(!lower)) {
		net_failover_count(nfo, NET_FAILOVER_CTR_TX_NO_LOWER, 0);
		dev_core_stats_tx_dropped_inc(dev);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}

	skb->dev = lower;
	/* let the lower device pick its own queue, see select_queue */
	skb->queue_mapping = qdisc_skb_cb(skb)->slave_dev_queue_mapping;
	len = skb->len;
	if (unlikely(netpoll_tx_running(dev)))
		ret = net_failover_netpoll_xmit(nfo, slot, skb);
	else
		ret = dev_queue_xmit(skb);

	if (likely(ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN))
		net_failover_count(nfo, slot * NET_FAILOVER_CTR_PER_SLOT +
				   NET_FAILOVER_CTR_TX_PACKETS, len);
	return NETDEV_TX_OK;
}

u16 net_failover_select_queue(struct net_device *dev,
			      struct sk_buff *skb,
			      struct net_device *sb_dev)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	const struct net_device_ops *ops;
	struct net_device *primary;
	u16 txq;

	/*
	 * start_xmit restores queue_mapping, so each lower device picks its
	 * own queue: the master's follows a multi-queue primary's choice and is
	 * otherwise only a number.  Hashing the flow for it here cost 700
	 * instructions a packet (make bench, item 9).
	 */
	primary = net_failover_xmit_deref(nfo->lower[NET_FAILOVER_PRIMARY]);
	if (primary && primary->real_num_tx_queues > 1) {
		ops = primary->netdev_ops;
		if (ops->ndo_select_queue)
			txq = ops->ndo_select_queue(primary, skb, NULL);
		else
			txq = netdev_pick_tx(primary, skb, NULL);
	} else {
		txq = skb_rx_queue_recorded(skb) ? skb_get_rx_queue(skb) : 0;
	}

	qdisc_skb_cb(skb)->slave_dev_queue_mapping = skb->queue_mapping;

	/* the primary may have more queues than the master */
	if (unlikely(txq >= dev->real_num_tx_queues))
		txq %= dev->real_num_tx_queues;
	return txq;
}

/* standby frames are stale once the host has learnt that the primary carries */
static bool net_failover_standby_rx_blocked(struct net_failover_info *nfo,
					    const struct net_device *primary)
{
	if (!READ_ONCE(nfo->primary_active) ||
	    !net_failover_lower_ready(primary))
		return false;
	return READ_ONCE(nfo->primary_rx_seen) ||
	       time_after_eq(jiffies, READ_ONCE(nfo->standby_rx_until));
}

rx_handler_result_t net_failover_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct net_device *lower = skb->dev;
	struct net_failover_info *nfo;
	enum net_failover_slot slot;
	struct net_device *primary;
	struct net_device *dev;

	/* the failover core registers the handler with the master as data */
	dev = rcu_dereference(lower->rx_handler_data);
	if (unlikely(!dev))
		return RX_HANDLER_PASS;
	nfo = netdev_priv(dev);

	/*
	 * The host's switch floods our broadcasts back over the other path:
	 * IPv6 would see a duplicate address, and they must not end the grace.
	 */
	if (unlikely(is_multicast_ether_addr(eth_hdr(skb)->h_dest) &&
		     ether_addr_equal(eth_hdr(skb)->h_source, dev->dev_addr)))
		goto filtered;

	primary = rcu_dereference(nfo->lower[NET_FAILOVER_PRIMARY]);
	if (lower == primary) {
		slot = NET_FAILOVER_PRIMARY;
		if (!READ_ONCE(nfo->primary_rx_seen))
			WRITE_ONCE(nfo->primary_rx_seen, true);
	} else {
		slot = NET_FAILOVER_STANDBY;
		if (net_failover_standby_rx_blocked(nfo, primary))
			goto filtered;
	}

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		return RX_HANDLER_CONSUMED;
	*pskb = skb;

	net_failover_count(nfo, slot * NET_FAILOVER_CTR_PER_SLOT +
			   NET_FAILOVER_CTR_RX_PACKETS, skb->len + skb->mac_len);
	skb->dev = dev;
	return RX_HANDLER_ANOTHER;

filtered:
	net_failover_count(nfo, NET_FAILOVER_CTR_RX_FILTERED, 0);
	/* still visible to taps bound to the lower device itself */
	return RX_HANDLER_EXACT;
}
