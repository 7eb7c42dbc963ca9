/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * net_failover's netlink attributes: IFLA_INFO_DATA of a master (kind
 * "net_failover") and IFLA_INFO_SLAVE_DATA of its lower devices (slave kind
 * "net_failover"), in RTM_NEWLINK. Read-only: the master has no settings.
 */
#ifndef _UAPI_LINUX_IF_NET_FAILOVER_H
#define _UAPI_LINUX_IF_NET_FAILOVER_H

/* IFLA_INFO_DATA of a master */
enum {
	IFLA_NET_FAILOVER_UNSPEC,
	IFLA_NET_FAILOVER_PRIMARY,	/* u32: ifindex, absent if none */
	IFLA_NET_FAILOVER_STANDBY,	/* u32: ifindex, absent if none */
	IFLA_NET_FAILOVER_ACTIVE,	/* u32: ifindex of the lower device
					 * carrying transmit, absent if none
					 */
	IFLA_NET_FAILOVER_SWITCHES,	/* u64: moves of transmit so far */
	IFLA_NET_FAILOVER_PAD,
	__IFLA_NET_FAILOVER_MAX,
};

#define IFLA_NET_FAILOVER_MAX	(__IFLA_NET_FAILOVER_MAX - 1)

/* IFLA_NET_FAILOVER_SLAVE_ROLE */
enum {
	NET_FAILOVER_ROLE_PRIMARY = 1,	/* the passthrough device (VF) */
	NET_FAILOVER_ROLE_STANDBY = 2,	/* the paravirtual device */
};

/* IFLA_INFO_SLAVE_DATA of a lower device */
enum {
	IFLA_NET_FAILOVER_SLAVE_UNSPEC,
	IFLA_NET_FAILOVER_SLAVE_ROLE,	/* u8: NET_FAILOVER_ROLE_* */
	IFLA_NET_FAILOVER_SLAVE_ACTIVE,	/* u8: 1 if it carries transmit */
	IFLA_NET_FAILOVER_SLAVE_LINK,	/* u8: 1 if up with carrier, as the
					 * master last saw it
					 */
	__IFLA_NET_FAILOVER_SLAVE_MAX,
};

#define IFLA_NET_FAILOVER_SLAVE_MAX	(__IFLA_NET_FAILOVER_SLAVE_MAX - 1)

#endif /* _UAPI_LINUX_IF_NET_FAILOVER_H */
