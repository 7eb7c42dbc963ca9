/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_failover internals, shared by its parts, its tracepoint and its KUnit
 * suite. Other modules have <net/net_failover.h>.
 */

#ifndef _NET_FAILOVER_PRIV_H
#define _NET_FAILOVER_PRIV_H

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/fo_compat.h>
#include <net/net_failover.h>

#define NET_FAILOVER_VLAN_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_SG | \
					 NETIF_F_FRAGLIST | NETIF_F_ALL_TSO | \
					 NETIF_F_HIGHDMA | NETIF_F_LRO)

#define NET_FAILOVER_ENC_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_SG | \
					 NETIF_F_RXCSUM | NETIF_F_ALL_TSO)

/* lower state last reported with netdev_lower_state_changed() */
#define NET_FAILOVER_LS_LINK	BIT(0)
#define NET_FAILOVER_LS_TX	BIT(1)
#define NET_FAILOVER_LS_UNKNOWN	BIT(7)

/* also the index of the per-path counters */
enum net_failover_slot {
	NET_FAILOVER_PRIMARY,
	NET_FAILOVER_STANDBY,
	NET_FAILOVER_NR_SLOTS,
};

/* why the transmit path moved, for the tracepoint and the log */
enum net_failover_reason {
	NET_FAILOVER_REASON_PRIMARY_UP,
	NET_FAILOVER_REASON_PRIMARY_DOWN,
	NET_FAILOVER_REASON_PRIMARY_REMOVED,
	NET_FAILOVER_REASON_CARRIER_LOSS,
	NET_FAILOVER_REASON_STANDBY_UP,
	NET_FAILOVER_REASON_STANDBY_DOWN,
	NET_FAILOVER_REASON_STANDBY_REMOVED,
};

/* @last: each lower device's counters at its previous fold, zero if none */
struct net_failover_stats_acc {
	struct rtnl_link_stats64 sum;
	struct rtnl_link_stats64 last[NET_FAILOVER_NR_SLOTS];
};

/* per-CPU, for ethtool -S; the per-slot blocks come first */
enum net_failover_ctr {
	NET_FAILOVER_CTR_TX_PACKETS,
	NET_FAILOVER_CTR_TX_BYTES,
	NET_FAILOVER_CTR_RX_PACKETS,
	NET_FAILOVER_CTR_RX_BYTES,
	NET_FAILOVER_CTR_PER_SLOT,
	NET_FAILOVER_CTR_TX_NO_LOWER =
		NET_FAILOVER_CTR_PER_SLOT * NET_FAILOVER_NR_SLOTS,
	NET_FAILOVER_CTR_RX_FILTERED,
	NET_FAILOVER_NR_CTRS,
};

struct net_failover_pcpu_stats {
	u64_stats_t ctr[NET_FAILOVER_NR_CTRS];
	struct u64_stats_sync syncp;
};

/* netdev_priv() of a master */
struct net_failover_info {
	struct net_device *dev;
	/* in net_failover_list: written under RTNL, walked under RCU too */
	struct list_head node;
	/* in the bus notifier's list of masters to drain */
	struct list_head drain_node;

	/* written under RTNL and stats_lock */
	struct net_device __rcu *lower[NET_FAILOVER_NR_SLOTS];
	netdevice_tracker lower_tracker[NET_FAILOVER_NR_SLOTS];

	/* RTNL only; tx_lower is NULL or one of lower[], held by its tracker */
	struct net_device *tx_lower;
	enum net_failover_slot tx_slot;
	u8 lower_state[NET_FAILOVER_NR_SLOTS];
	/* the primary is between NETDEV_GOING_DOWN and NETDEV_UP */
	bool primary_closing;
	/* lower[] slots whose last dev_open() by the master failed */
	unsigned long open_failed;
	/* RTNL: held parents of lower devices to open once their probe is over */
	struct device *open_parent[NET_FAILOVER_NR_SLOTS];
	struct work_struct open_work;
	/* net_failover_destroy() has started */
	bool dying;
	/* the master is changing the lower devices' MAC address */
	bool setting_mac;
	/* registered with failover_master_register(): the core forwards events */
	bool forwarded;
	/* for ndo_set_mac_address, from the NETDEV_PRE_CHANGEADDR before it */
	struct netlink_ext_ack *mac_extack;
	/* primary's carrier_down_count when transmit last moved to it */
	unsigned int primary_downs;
	u64 switches;
	unsigned int notify_left;
	struct delayed_work notify_work;
	/* RTNL: lower slots and the master with a change uevent due */
	unsigned long uevent_pending;
	unsigned long uevent_next;
	struct delayed_work uevent_work;

	/* each lower device's own netpoll while the master has netpoll */
	struct netpoll __rcu *np[NET_FAILOVER_NR_SLOTS];

	/* read by the datapath; set once moved and announced, carrier aside */
	bool primary_active;
	bool primary_rx_seen;
	unsigned long standby_rx_until;

	struct net_failover_pcpu_stats __percpu *pcpu_stats;

	/* protects acc, and orders it against changes of lower[] */
	spinlock_t stats_lock;
	struct net_failover_stats_acc acc;
};

int net_failover_lower_open(struct net_failover_info *nfo, int slot,
			    struct net_device *lower);

static inline struct net_device *
net_failover_lower(struct net_failover_info *nfo, enum net_failover_slot slot)
{
	return rtnl_dereference(nfo->lower[slot]);
}

/* main.c */
extern struct list_head net_failover_list;
extern const struct net_device_ops net_failover_netdev_ops;

/* stats.c */
void net_failover_acc_attach(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now);
void net_failover_acc_detach(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now);
u64 net_failover_read_ctr(struct net_failover_info *nfo,
			  enum net_failover_ctr ctr);
void net_failover_sample(struct net_failover_info *nfo,
			 enum net_failover_slot slot,
			 struct net_device *lower);
void net_failover_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *stats);
int net_failover_get_sset_count(struct net_device *dev, int sset);
void net_failover_get_strings(struct net_device *dev, u32 sset, u8 *data);
void net_failover_get_ethtool_stats(struct net_device *dev,
				    struct ethtool_stats *estats, u64 *data);

/* datapath.c */
/*
 * Transmit runs inside dev_queue_xmit()'s rcu_read_lock_bh(), or netpoll's
 * section with interrupts off: both keep a lower device that is being
 * released (synchronize_net()) alive.
 */
#define net_failover_xmit_deref(p)					\
	rcu_dereference_check(p, rcu_read_lock_bh_held() ||		\
			      rcu_read_lock_sched_held())

/**
 * net_failover_lower_ready - can @lower carry traffic right now
 * @lower: a lower device or NULL
 *
 * Return: true if @lower is running and has carrier.
 */
static inline bool net_failover_lower_ready(const struct net_device *lower)
{
	return lower && netif_running(lower) && netif_carrier_ok(lower);
}

/**
 * net_failover_pick_tx - choose the lower device to transmit on
 * @primary: the primary or NULL
 * @primary_active: transmit has been moved to the primary
 * @standby: the standby or NULL
 * @slot: set to the returned device's slot, NET_FAILOVER_NR_SLOTS for none
 *
 * Return: the lower device, or NULL if none is ready.
 */
static inline struct net_device *
net_failover_pick_tx(struct net_device *primary, bool primary_active,
		     struct net_device *standby, enum net_failover_slot *slot)
{
	if (primary_active && net_failover_lower_ready(primary)) {
		*slot = NET_FAILOVER_PRIMARY;
		return primary;
	}
	if (net_failover_lower_ready(standby)) {
		*slot = NET_FAILOVER_STANDBY;
		return standby;
	}
	if (net_failover_lower_ready(primary)) {
		*slot = NET_FAILOVER_PRIMARY;
		return primary;
	}
	*slot = NET_FAILOVER_NR_SLOTS;
	return NULL;
}

netdev_tx_t net_failover_start_xmit(struct sk_buff *skb,
				    struct net_device *dev);
u16 net_failover_select_queue(struct net_device *dev, struct sk_buff *skb,
			      struct net_device *sb_dev);
rx_handler_result_t net_failover_handle_frame(struct sk_buff **pskb);

/* path.c */
int net_failover_slot_of(struct net_failover_info *nfo,
			 const struct net_device *lower);
void net_failover_set_path(struct net_failover_info *nfo,
			   const struct net_device *leaving);
bool net_failover_primary_closing(struct net_failover_info *nfo);
void net_failover_drain_primary(struct net_failover_info *nfo);

/* lower.c */
extern const char * const net_failover_slot_names[NET_FAILOVER_NR_SLOTS];
extern struct failover_ops net_failover_ops;
extern const struct failover_master_ops net_failover_master_ops;
void net_failover_update_mtu_limits(struct net_failover_info *nfo);
void net_failover_compute_features(struct net_failover_info *nfo);
void net_failover_cancel_open(struct net_failover_info *nfo, int slot);
void net_failover_open_work(struct work_struct *work);

/* events.c */
extern struct notifier_block net_failover_notifier;
int net_failover_lower_notify(struct net_failover_info *nfo,
			      struct net_device *lower, int slot,
			      unsigned long event,
			      struct netdev_notifier_info *info);
void net_failover_notify_work(struct work_struct *work);
int net_failover_bus_notifier_register(void);
void net_failover_bus_notifier_unregister(void);

/* netlink.c; only declared here, as main.c's exports see it (CRCs) */
struct rtnl_link_ops;
extern struct rtnl_link_ops net_failover_link_ops;

/* uevent.c */
void net_failover_uevent_work(struct work_struct *work);
void net_failover_uevent_now(struct net_failover_info *nfo,
			     enum net_failover_slot slot);
void net_failover_uevent_queue(struct net_failover_info *nfo,
			       enum net_failover_slot slot);

/* netpoll.c */
#ifdef CONFIG_NET_POLL_CONTROLLER
int net_failover_lower_netpoll_enable(struct net_failover_info *nfo,
				      enum net_failover_slot slot,
				      struct net_device *lower);
void net_failover_lower_netpoll_disable(struct net_failover_info *nfo,
					enum net_failover_slot slot);
netdev_tx_t net_failover_netpoll_xmit(struct net_failover_info *nfo,
				      enum net_failover_slot slot,
				      struct sk_buff *skb);
int net_failover_netpoll_setup(struct net_device *dev, struct netpoll_info *ni);
void net_failover_netpoll_cleanup(struct net_device *dev);
void net_failover_poll_controller(struct net_device *dev);
#else
static inline int
net_failover_lower_netpoll_enable(struct net_failover_info *nfo,
				  enum net_failover_slot slot,
				  struct net_device *lower)
{
	return 0;
}

static inline void
net_failover_lower_netpoll_disable(struct net_failover_info *nfo,
				   enum net_failover_slot slot)
{
}

/* netpoll_tx_running() is false: never called */
static inline netdev_tx_t
net_failover_netpoll_xmit(struct net_failover_info *nfo,
			  enum net_failover_slot slot, struct sk_buff *skb)
{
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}
#endif

/* static unless KUnit tests them */
#if IS_ENABLED(CONFIG_KUNIT)
void net_failover_fold_stats(struct rtnl_link_stats64 *sum,
			     const struct rtnl_link_stats64 *now,
			     const struct rtnl_link_stats64 *last);
void net_failover_acc_sample(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now);
int net_failover_classify(const struct net_device *master,
			  const struct net_device *lower,
			  bool have_primary, bool have_standby);
#endif

#endif /* _NET_FAILOVER_PRIV_H */
