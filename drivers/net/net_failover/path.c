// SPDX-License-Identifier: GPL-2.0
/* net_failover path selection, and the carrier and announcements that follow */

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "net_failover_priv.h"

#define CREATE_TRACE_POINTS
#include <trace/events/net_failover.h>

/*
 * The host's switch sends to the standby until our announcement of a move to
 * the primary reaches it: accept standby frames until the primary gets one.
 */
#define NET_FAILOVER_RX_GRACE	(2 * HZ)

/*
 * A closing primary that carried traffic stays open until the standby
 * receives a frame (the host's switch has followed), or this long.
 */
#define NET_FAILOVER_DRAIN_MS	50

static const char * const net_failover_reason_names[] = {
	[NET_FAILOVER_REASON_PRIMARY_UP] = "primary up",
	[NET_FAILOVER_REASON_PRIMARY_DOWN] = "primary down",
	[NET_FAILOVER_REASON_PRIMARY_REMOVED] = "primary removed",
	[NET_FAILOVER_REASON_CARRIER_LOSS] = "carrier loss",
	[NET_FAILOVER_REASON_STANDBY_UP] = "standby up",
	[NET_FAILOVER_REASON_STANDBY_DOWN] = "standby down",
	[NET_FAILOVER_REASON_STANDBY_REMOVED] = "standby removed",
};

/**
 * net_failover_drain_primary - wait until the host's switch has followed
 * @nfo: the master, held by the caller
 *
 * Waits, at most NET_FAILOVER_DRAIN_MS, for the standby to receive a frame
 * after transmit moved off a closing primary. Needs no lock: the counter is
 * per-CPU. A caller that can return first should: the bus notifier drains
 * after it has dropped RTNL.
 */
void net_failover_drain_primary(struct net_failover_info *nfo)
{
	const enum net_failover_ctr ctr = NET_FAILOVER_STANDBY *
		NET_FAILOVER_CTR_PER_SLOT + NET_FAILOVER_CTR_RX_PACKETS;
	unsigned long end = jiffies + msecs_to_jiffies(NET_FAILOVER_DRAIN_MS);
	u64 rx = net_failover_read_ctr(nfo, ctr);

	while (time_before(jiffies, end) &&
	       net_failover_read_ctr(nfo, ctr) == rx)
		usleep_range(500, 1000);
}

/*
 * The primary is about to stop: move transmit while it still receives.
 * Returns true if it carried traffic and the standby now does, so the
 * caller should drain before the primary stops.
 */
bool net_failover_primary_closing(struct net_failover_info *nfo)
{
	struct net_device *primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	bool carried = primary && nfo->tx_lower == primary;

	if (nfo->primary_closing)
		return false;
	nfo->primary_closing = true;
	net_failover_set_path(nfo, NULL);
	return carried && nfo->tx_lower && nfo->tx_lower != primary &&
	       netif_running(nfo->dev);
}

int net_failover_slot_of(struct net_failover_info *nfo,
			 const struct net_device *lower)
{
	enum net_failover_slot slot;

	ASSERT_RTNL();

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++)
		if (lower && net_failover_lower(nfo, slot) == lower)
			return slot;
	return -ENODEV;
}

static enum net_failover_reason
net_failover_reason(struct net_failover_info *nfo, struct net_device *old,
		    struct net_device *new, const struct net_device *leaving)
{
	if (new && new == net_failover_lower(nfo, NET_FAILOVER_PRIMARY))
		return NET_FAILOVER_REASON_PRIMARY_UP;

	if (old && nfo->tx_slot == NET_FAILOVER_PRIMARY) {
		if (old == leaving || old->dismantle ||
		    old != net_failover_lower(nfo, NET_FAILOVER_PRIMARY))
			return NET_FAILOVER_REASON_PRIMARY_REMOVED;
		if (nfo->primary_closing || !netif_running(old))
			return NET_FAILOVER_REASON_PRIMARY_DOWN;
		return NET_FAILOVER_REASON_CARRIER_LOSS;
	}

	/* the standby came or went while the primary could not carry */
	if (new)
		return NET_FAILOVER_REASON_STANDBY_UP;
	if (old == leaving || old->dismantle ||
	    old != net_failover_lower(nfo, NET_FAILOVER_STANDBY))
		return NET_FAILOVER_REASON_STANDBY_REMOVED;
	if (!netif_running(old))
		return NET_FAILOVER_REASON_STANDBY_DOWN;
	return NET_FAILOVER_REASON_CARRIER_LOSS;
}

static void net_failover_lower_state(struct net_failover_info *nfo,
				     enum net_failover_slot slot,
				     struct net_device *lower, bool tx)
{
	struct netdev_lag_lower_state_info info;
	u8 state = 0;

	if (net_failover_lower_ready(lower))
		state |= NET_FAILOVER_LS_LINK;
	if (tx)
		state |= NET_FAILOVER_LS_TX;
	if (state == nfo->lower_state[slot])
		return;
	nfo->lower_state[slot] = state;

	info.link_up = !!(state & NET_FAILOVER_LS_LINK);
	info.tx_enabled = tx;
	netdev_lower_state_changed(lower, &info);
	net_failover_uevent_queue(nfo, slot);
}

/* @leaving: a lower device about to be released, not to be used any more */
void net_failover_set_path(struct net_failover_info *nfo,
			   const struct net_device *leaving)
{
	struct net_device *primary, *standby, *new, *old = nfo->tx_lower;
	struct net_device *dev = nfo->dev;
	enum net_failover_reason reason;
	enum net_failover_slot slot;
	bool announce = false;
	unsigned int downs;

	ASSERT_RTNL();

	primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	standby = net_failover_lower(nfo, NET_FAILOVER_STANDBY);
	new = net_failover_pick_tx(primary == leaving ? NULL : primary,
				   !nfo->primary_closing,
				   standby == leaving ? NULL : standby, &slot);

	if (new && new == primary) {
		/* a flap too short for a link event still moved the datapath */
		downs = atomic_read(&primary->carrier_down_count);
		if (old != primary || downs != nfo->primary_downs) {
			WRITE_ONCE(nfo->primary_rx_seen, false);
			WRITE_ONCE(nfo->standby_rx_until,
				   jiffies + NET_FAILOVER_RX_GRACE);
			nfo->primary_downs = downs;
			announce = true;
		}
	}
	WRITE_ONCE(nfo->primary_active, new && new == primary);

	/*
	 * No grace period here: a sender that picked the old lower may still
	 * be in its dev_queue_xmit(). That is safe while the lower is open,
	 * and dev_close() and unregistration each wait for such senders.
	 */
	if (new)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);

	if (primary)
		net_failover_lower_state(nfo, NET_FAILOVER_PRIMARY, primary,
					 new == primary);
	if (standby)
		net_failover_lower_state(nfo, NET_FAILOVER_STANDBY, standby,
					 new == standby);

	if (new != old) {
		reason = net_failover_reason(nfo, old, new, leaving);
		WRITE_ONCE(nfo->switches, nfo->switches + 1);
		trace_net_failover_switch(dev, old, new, reason);
		netdev_info(dev, "transmit moved from %s to %s: %s\n",
			    old ? old->name : "none", new ? new->name : "none",
			    net_failover_reason_names[reason]);
		nfo->tx_lower = new;
		nfo->tx_slot = slot;
		announce = !!new;
	}

	/* make the host's learning switch follow us at once */
	if (announce && netif_running(dev) && (dev->flags & IFF_UP))
		__netdev_notify_peers(dev);
}
