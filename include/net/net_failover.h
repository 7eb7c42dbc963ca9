/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_failover: the 3-netdev failover master of a paravirtual NIC.
 *
 * A paravirtual driver (virtio_net with VIRTIO_NET_F_STANDBY) calls
 * net_failover_create() for its own "standby" net_device before registering
 * it. The returned master takes over the standby's MAC address; the failover
 * core then enslaves the standby and any "primary" device (typically a
 * passthrough VF) carrying the same permanent MAC, and the master steers
 * traffic to the primary whenever it can carry it.
 */

#ifndef _NET_FAILOVER_H
#define _NET_FAILOVER_H

#include <net/failover.h>

/*
 * The prototypes are fixed by the ABI of the stock 6.12 module: their
 * genksyms CRCs (which expand struct failover) must match Module.symvers.
 */
struct failover *net_failover_create(struct net_device *standby_dev);
void net_failover_destroy(struct failover *failover);

/* Kept with their stock names and values for out-of-tree users. */
#define FAILOVER_VLAN_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_SG | \
				 NETIF_F_FRAGLIST | NETIF_F_ALL_TSO | \
				 NETIF_F_HIGHDMA | NETIF_F_LRO)

#define FAILOVER_ENC_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_SG | \
				 NETIF_F_RXCSUM | NETIF_F_ALL_TSO)

/*
 * Everything below is internal to net_failover, its tracepoint and its
 * KUnit suite. It is not an interface for other modules.
 */

/* Lower device slots; also the index of the per-path counters. */
enum net_failover_slot {
	NET_FAILOVER_PRIMARY,
	NET_FAILOVER_STANDBY,
	NET_FAILOVER_NR_SLOTS,
};

/* Why the transmit path moved, as reported by the tracepoint. */
enum net_failover_reason {
	NET_FAILOVER_REASON_PRIMARY_UP,
	NET_FAILOVER_REASON_PRIMARY_DOWN,
	NET_FAILOVER_REASON_PRIMARY_REMOVED,
	NET_FAILOVER_REASON_CARRIER_LOSS,
	NET_FAILOVER_REASON_STANDBY_UP,
	NET_FAILOVER_REASON_STANDBY_DOWN,
	NET_FAILOVER_REASON_STANDBY_REMOVED,
};

/*
 * Folds a lower device's rtnl_link_stats64 into a monotonic sum: @last is
 * the lower's reading at the previous fold (zero for "not attached").
 */
struct net_failover_stats_acc {
	struct rtnl_link_stats64 sum;
	struct rtnl_link_stats64 last[NET_FAILOVER_NR_SLOTS];
};

#if IS_ENABLED(CONFIG_KUNIT)
void net_failover_fold_stats(struct rtnl_link_stats64 *sum,
			     const struct rtnl_link_stats64 *now,
			     const struct rtnl_link_stats64 *last);
void net_failover_acc_attach(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now);
void net_failover_acc_sample(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now);
void net_failover_acc_detach(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now);
bool net_failover_lower_ready(const struct net_device *lower);
struct net_device *net_failover_pick_tx(struct net_device *primary,
					bool primary_active,
					struct net_device *standby,
					enum net_failover_slot *slot);
int net_failover_classify(const struct net_device *master,
			  const struct net_device *lower,
			  bool have_primary, bool have_standby);
#endif

#endif /* _NET_FAILOVER_H */
