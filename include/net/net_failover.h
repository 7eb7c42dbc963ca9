/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_failover: the failover master that a paravirtual driver (virtio_net
 * with VIRTIO_NET_F_STANDBY) creates for its own net_device, the standby,
 * before registering it. The master steers traffic to a passthrough device
 * with the same MAC address whenever that one can carry it.
 */

#ifndef _NET_FAILOVER_H
#define _NET_FAILOVER_H

#include <net/failover.h>

/* the stock module's ABI: their CRCs (which expand struct failover) match */
struct failover *net_failover_create(struct net_device *standby_dev);
void net_failover_destroy(struct failover *failover);

#endif /* _NET_FAILOVER_H */
