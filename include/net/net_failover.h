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

#endif /* _NET_FAILOVER_H */
