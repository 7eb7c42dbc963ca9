// SPDX-License-Identifier: GPL-2.0
/*
 * Change uevents: each lower device's role and whether it carries transmit,
 * and the master's lower devices, as properties udev rules can match.
 */

#include <linux/jiffies.h>
#include <linux/kobject.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/workqueue.h>

#include "net_failover_priv.h"

/* a carrier storm sends at most one event per device per gap */
#define NET_FAILOVER_UEVENT_GAP		msecs_to_jiffies(1000)

#define NET_FAILOVER_UEVENT_MASTER	BIT(NET_FAILOVER_NR_SLOTS)
#define NET_FAILOVER_UEVENT_ENV_LEN	(IFNAMSIZ + 24)

static void net_failover_uevent_lower(struct net_failover_info *nfo,
				      enum net_failover_slot slot)
{
	struct net_device *lower = net_failover_lower(nfo, slot);
	char master[NET_FAILOVER_UEVENT_ENV_LEN];
	char role[NET_FAILOVER_UEVENT_ENV_LEN];
	char active[NET_FAILOVER_UEVENT_ENV_LEN];
	char *envp[4];

	if (!lower)
		return;
	envp[0] = master;
	envp[1] = role;
	envp[2] = active;
	envp[3] = NULL;
	snprintf(master, sizeof(master), "FAILOVER_MASTER=%s", nfo->dev->name);
	snprintf(role, sizeof(role), "FAILOVER_ROLE=%s",
		 net_failover_slot_names[slot]);
	snprintf(active, sizeof(active), "FAILOVER_ACTIVE=%d",
		 nfo->tx_lower == lower);
	kobject_uevent_env(&lower->dev.kobj, KOBJ_CHANGE, envp);
}

static void net_failover_uevent_master(struct net_failover_info *nfo)
{
	struct net_device *primary = net_failover_lower(nfo, NET_FAILOVER_PRIMARY);
	struct net_device *standby = net_failover_lower(nfo, NET_FAILOVER_STANDBY);
	char pri[NET_FAILOVER_UEVENT_ENV_LEN];
	char sby[NET_FAILOVER_UEVENT_ENV_LEN];
	char active[NET_FAILOVER_UEVENT_ENV_LEN];
	char role[] = "FAILOVER_ROLE=master";
	char *envp[5];

	envp[0] = role;
	envp[1] = pri;
	envp[2] = sby;
	envp[3] = active;
	envp[4] = NULL;
	snprintf(pri, sizeof(pri), "FAILOVER_PRIMARY=%s",
		 primary ? primary->name : "");
	snprintf(sby, sizeof(sby), "FAILOVER_STANDBY=%s",
		 standby ? standby->name : "");
	snprintf(active, sizeof(active), "FAILOVER_ACTIVE_LOWER=%s",
		 nfo->tx_lower ? nfo->tx_lower->name : "");
	kobject_uevent_env(&nfo->dev->dev.kobj, KOBJ_CHANGE, envp);
}

static void net_failover_uevent_flush(struct net_failover_info *nfo)
{
	unsigned long pending = nfo->uevent_pending;
	int slot;

	ASSERT_RTNL();

	nfo->uevent_pending = 0;
	for (slot = 0; slot < NET_FAILOVER_NR_SLOTS; slot++)
		if (pending & BIT(slot))
			net_failover_uevent_lower(nfo, slot);
	if (pending & NET_FAILOVER_UEVENT_MASTER)
		net_failover_uevent_master(nfo);
	nfo->uevent_next = jiffies + NET_FAILOVER_UEVENT_GAP;
}

void net_failover_uevent_work(struct work_struct *work)
{
	struct net_failover_info *nfo = container_of(to_delayed_work(work),
						     struct net_failover_info,
						     uevent_work);

	/* net_failover_destroy() cancels this work without RTNL held */
	rtnl_lock();
	if (!nfo->dying && nfo->uevent_pending)
		net_failover_uevent_flush(nfo);
	rtnl_unlock();
}

static bool net_failover_uevent_add(struct net_failover_info *nfo,
				    enum net_failover_slot slot)
{
	ASSERT_RTNL();

	/* before registration the master's own "add" event comes later */
	if (nfo->dying || nfo->dev->reg_state != NETREG_REGISTERED)
		return false;
	nfo->uevent_pending |= BIT(slot) | NET_FAILOVER_UEVENT_MASTER;
	return true;
}

/* An enslave or release: at once, with whatever else was pending. */
void net_failover_uevent_now(struct net_failover_info *nfo,
			     enum net_failover_slot slot)
{
	if (net_failover_uevent_add(nfo, slot))
		net_failover_uevent_flush(nfo);
}

/*
 * A change of what @slot carries: from the work, within the gap, with the
 * latest state, so events coalesced in a storm lose nothing.
 */
void net_failover_uevent_queue(struct net_failover_info *nfo,
			       enum net_failover_slot slot)
{
	unsigned long delay = 0;

	if (!net_failover_uevent_add(nfo, slot))
		return;
	if (time_before(jiffies, nfo->uevent_next))
		delay = nfo->uevent_next - jiffies;
	schedule_delayed_work(&nfo->uevent_work, delay);
}
