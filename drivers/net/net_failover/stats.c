// SPDX-License-Identifier: GPL-2.0
/* net_failover counters: the lower devices' folded, and the master's own */

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <kunit/visibility.h>

#include "net_failover_priv.h"

static const char net_failover_ctr_names[][ETH_GSTRING_LEN] = {
	"primary_tx_packets",
	"primary_tx_bytes",
	"primary_rx_packets",
	"primary_rx_bytes",
	"standby_tx_packets",
	"standby_tx_bytes",
	"standby_rx_packets",
	"standby_rx_bytes",
	"tx_dropped_no_lower",
	"rx_filtered",
	/* not a per-CPU counter: kept last */
	"datapath_switches",
};

static_assert(ARRAY_SIZE(net_failover_ctr_names) == NET_FAILOVER_NR_CTRS + 1);

/**
 * net_failover_fold_stats - add the growth of a lower device's counters
 * @sum: running totals
 * @now: the lower device's counters now
 * @last: its counters at the previous fold
 *
 * A counter that fits in 32 bits may be a 32-bit one that wrapped; one that
 * went backwards (a reset) adds nothing, so @sum never decreases.
 */
VISIBLE_IF_KUNIT void net_failover_fold_stats(struct rtnl_link_stats64 *sum,
					      const struct rtnl_link_stats64 *now,
					      const struct rtnl_link_stats64 *last)
{
	const u64 *n = (const u64 *)now;
	const u64 *l = (const u64 *)last;
	u64 *s = (u64 *)sum;
	size_t i;

	BUILD_BUG_ON(sizeof(*sum) % sizeof(u64));

	for (i = 0; i < sizeof(*sum) / sizeof(u64); i++) {
		s64 delta = n[i] - l[i];

		if (!((n[i] | l[i]) >> 32))
			delta = (s32)((u32)n[i] - (u32)l[i]);
		if (delta > 0)
			s[i] += delta;
	}
}
EXPORT_SYMBOL_IF_KUNIT(net_failover_fold_stats);

/**
 * net_failover_acc_attach - start accounting a lower device
 * @acc: accumulator
 * @slot: the lower device's slot
 * @now: its counters now; what it counted before joining is not ours
 */
void net_failover_acc_attach(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now)
{
	acc->last[slot] = *now;
}
EXPORT_SYMBOL_IF_KUNIT(net_failover_acc_attach);

/**
 * net_failover_acc_sample - fold a lower device's current counters
 * @acc: accumulator
 * @slot: the lower device's slot
 * @now: its counters now
 */
VISIBLE_IF_KUNIT void net_failover_acc_sample(struct net_failover_stats_acc *acc,
					      enum net_failover_slot slot,
					      const struct rtnl_link_stats64 *now)
{
	net_failover_fold_stats(&acc->sum, now, &acc->last[slot]);
	acc->last[slot] = *now;
}
EXPORT_SYMBOL_IF_KUNIT(net_failover_acc_sample);

/**
 * net_failover_acc_detach - final fold of a lower device that leaves
 * @acc: accumulator
 * @slot: the lower device's slot
 * @now: its counters now
 */
void net_failover_acc_detach(struct net_failover_stats_acc *acc,
			     enum net_failover_slot slot,
			     const struct rtnl_link_stats64 *now)
{
	net_failover_acc_sample(acc, slot, now);
	memset(&acc->last[slot], 0, sizeof(acc->last[slot]));
}
EXPORT_SYMBOL_IF_KUNIT(net_failover_acc_detach);

u64 net_failover_read_ctr(struct net_failover_info *nfo,
			  enum net_failover_ctr ctr)
{
	const struct net_failover_pcpu_stats *s;
	unsigned int start;
	u64 sum = 0, v;
	int cpu;

	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(nfo->pcpu_stats, cpu);
		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v = u64_stats_read(&s->ctr[ctr]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum += v;
	}
	return sum;
}

void net_failover_sample(struct net_failover_info *nfo,
			 enum net_failover_slot slot,
			 struct net_device *lower)
{
	struct rtnl_link_stats64 now;

	spin_lock(&nfo->stats_lock);
	dev_get_stats(lower, &now);
	net_failover_acc_sample(&nfo->acc, slot, &now);
	spin_unlock(&nfo->stats_lock);
}

void net_failover_get_stats64(struct net_device *dev,
			      struct rtnl_link_stats64 *stats)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	struct rtnl_link_stats64 now;
	enum net_failover_slot slot;
	struct net_device *lower;

	spin_lock(&nfo->stats_lock);
	rcu_read_lock();
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++) {
		lower = rcu_dereference(nfo->lower[slot]);
		if (!lower)
			continue;
		dev_get_stats(lower, &now);
		net_failover_acc_sample(&nfo->acc, slot, &now);
	}
	rcu_read_unlock();
	*stats = nfo->acc.sum;
	spin_unlock(&nfo->stats_lock);
}

int net_failover_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(net_failover_ctr_names);
}

void net_failover_get_strings(struct net_device *dev, u32 sset,
			      u8 *data)
{
	size_t i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(net_failover_ctr_names); i++)
		ethtool_puts(&data, net_failover_ctr_names[i]);
}

void net_failover_get_ethtool_stats(struct net_device *dev,
				    struct ethtool_stats *estats,
				    u64 *data)
{
	struct net_failover_info *nfo = netdev_priv(dev);
	const struct net_failover_pcpu_stats *s;
	u64 vals[NET_FAILOVER_NR_CTRS];
	unsigned int start;
	int cpu, i;

	memset(data, 0, sizeof(*data) * NET_FAILOVER_NR_CTRS);
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(nfo->pcpu_stats, cpu);
		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < NET_FAILOVER_NR_CTRS; i++)
				vals[i] = u64_stats_read(&s->ctr[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < NET_FAILOVER_NR_CTRS; i++)
			data[i] += vals[i];
	}
	data[NET_FAILOVER_NR_CTRS] = READ_ONCE(nfo->switches);
}
