// SPDX-License-Identifier: GPL-2.0
/*
 * The master and its lower devices in RTM_NEWLINK, as bonding describes its
 * slaves: kind "net_failover", attributes in <uapi/linux/if_net_failover.h>.
 * A master is made by its paravirtual driver, so "ip link add" is refused.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <uapi/linux/if_net_failover.h>

#include "net_failover_priv.h"

/* under RTNL or RCU: an ifinfo dump may hold either */
static struct net_device *
net_failover_lower_rcu(const struct net_failover_info *nfo,
		       enum net_failover_slot slot)
{
	return rcu_dereference_rtnl(nfo->lower[slot]);
}

static size_t net_failover_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) * 3 +
	       nla_total_size_64bit(sizeof(u64));
}

static int net_failover_put_ifindex(struct sk_buff *skb, int attr,
				    const struct net_device *lower)
{
	return lower ? nla_put_u32(skb, attr, lower->ifindex) : 0;
}

/* tx_lower is only compared: it may be stale without RTNL */
static struct net_device *
net_failover_active_rcu(const struct net_failover_info *nfo,
			struct net_device *primary, struct net_device *standby)
{
	struct net_device *tx = READ_ONCE(nfo->tx_lower);

	if (tx && tx == primary)
		return primary;
	if (tx && tx == standby)
		return standby;
	return NULL;
}

static int net_failover_fill_info(struct sk_buff *skb,
				  const struct net_device *dev)
{
	const struct net_failover_info *nfo = netdev_priv(dev);
	struct net_device *primary, *standby;

	primary = net_failover_lower_rcu(nfo, NET_FAILOVER_PRIMARY);
	standby = net_failover_lower_rcu(nfo, NET_FAILOVER_STANDBY);
	if (net_failover_put_ifindex(skb, IFLA_NET_FAILOVER_PRIMARY, primary) ||
	    net_failover_put_ifindex(skb, IFLA_NET_FAILOVER_STANDBY, standby) ||
	    net_failover_put_ifindex(skb, IFLA_NET_FAILOVER_ACTIVE,
				     net_failover_active_rcu(nfo, primary,
							     standby)) ||
	    nla_put_u64_64bit(skb, IFLA_NET_FAILOVER_SWITCHES,
			      READ_ONCE(nfo->switches), IFLA_NET_FAILOVER_PAD))
		return -EMSGSIZE;
	return 0;
}

static size_t net_failover_get_slave_size(const struct net_device *dev,
					  const struct net_device *lower)
{
	return nla_total_size(sizeof(u8)) * 3;
}

static int net_failover_fill_slave_info(struct sk_buff *skb,
					const struct net_device *dev,
					const struct net_device *lower)
{
	const struct net_failover_info *nfo = netdev_priv(dev);
	enum net_failover_slot slot;
	u8 state, role;

	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++)
		if (net_failover_lower_rcu(nfo, slot) == lower)
			break;
	/* linked by the core, not yet or no longer taken by the master */
	if (slot == NET_FAILOVER_NR_SLOTS)
		return 0;

	role = slot == NET_FAILOVER_PRIMARY ? NET_FAILOVER_ROLE_PRIMARY :
					      NET_FAILOVER_ROLE_STANDBY;
	state = READ_ONCE(nfo->lower_state[slot]);
	if (state & NET_FAILOVER_LS_UNKNOWN)
		state = 0;
	if (nla_put_u8(skb, IFLA_NET_FAILOVER_SLAVE_ROLE, role) ||
	    nla_put_u8(skb, IFLA_NET_FAILOVER_SLAVE_ACTIVE,
		       READ_ONCE(nfo->tx_lower) == lower) ||
	    nla_put_u8(skb, IFLA_NET_FAILOVER_SLAVE_LINK,
		       !!(state & NET_FAILOVER_LS_LINK)))
		return -EMSGSIZE;
	return 0;
}

/* also "ip link set X type net_failover": the master has no settings */
static int net_failover_validate(struct nlattr *tb[], struct nlattr *data[],
				 struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_MOD(extack,
			   "a failover master is made by its paravirtual driver (virtio_net with STANDBY) and has no settings");
	return -EOPNOTSUPP;
}

struct rtnl_link_ops net_failover_link_ops __read_mostly = {
	.kind			= "net_failover",
	.validate		= net_failover_validate,
	.get_size		= net_failover_get_size,
	.fill_info		= net_failover_fill_info,
	.get_slave_size		= net_failover_get_slave_size,
	.fill_slave_info	= net_failover_fill_slave_info,
};
