/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM net_failover

#if !defined(_TRACE_NET_FAILOVER_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_NET_FAILOVER_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>
#include <net/fo_compat.h>
#include "../../../drivers/net/net_failover/net_failover_priv.h"

/* so that user space can decode the reason field */
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_PRIMARY_UP);
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_PRIMARY_DOWN);
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_PRIMARY_REMOVED);
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_CARRIER_LOSS);
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_STANDBY_UP);
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_STANDBY_DOWN);
TRACE_DEFINE_ENUM(NET_FAILOVER_REASON_STANDBY_REMOVED);

/* transmit moved between lower devices; "none" is a NULL @from or @to */
TRACE_EVENT(net_failover_switch,
	    TP_PROTO(const struct net_device *dev,
		     const struct net_device *from,
		     const struct net_device *to, int reason),
	    TP_ARGS(dev, from, to, reason),
	    TP_STRUCT__entry(__field(int, ifindex)
			     __string(dev, dev->name)
			     __string(from, from ? from->name : "none")
			     __string(to, to ? to->name : "none")
			     __field(int, reason)),
	    TP_fast_assign(__entry->ifindex = dev->ifindex;
			   fo_assign_str(dev, dev->name);
			   fo_assign_str(from, from ? from->name : "none");
			   fo_assign_str(to, to ? to->name : "none");
			   __entry->reason = reason;),
	    TP_printk("dev=%s ifindex=%d from=%s to=%s reason=%s",
		      __get_str(dev), __entry->ifindex, __get_str(from),
		      __get_str(to),
		      __print_symbolic(__entry->reason,
				       { NET_FAILOVER_REASON_PRIMARY_UP, "primary_up" },
				       { NET_FAILOVER_REASON_PRIMARY_DOWN, "primary_down" },
				       { NET_FAILOVER_REASON_PRIMARY_REMOVED, "primary_removed" },
				       { NET_FAILOVER_REASON_CARRIER_LOSS, "carrier_loss" },
				       { NET_FAILOVER_REASON_STANDBY_UP, "standby_up" },
				       { NET_FAILOVER_REASON_STANDBY_DOWN, "standby_down" },
				       { NET_FAILOVER_REASON_STANDBY_REMOVED, "standby_removed" }))
);

#endif /* _TRACE_NET_FAILOVER_H */

/*
 * No TRACE_INCLUDE_PATH: <trace/events/net_failover.h> is this file in tree
 * and out of tree, where our include/ comes before the kernel's.
 */
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE net_failover

#include <trace/define_trace.h>
