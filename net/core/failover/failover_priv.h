/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The failover core's own state, shared by its files: main.c pairs lower
 * devices with masters, rules.c holds the operator's rules, legacy.c adapts
 * the stock API.
 */

#ifndef _FAILOVER_PRIV_H
#define _FAILOVER_PRIV_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <net/failover.h>

/* a bus address (the parent device's name: a PCI BDF) or a MAC, with NUL */
#define FAILOVER_RULE_LEN	48
#define FAILOVER_DENY_MAX	8

/* what the operator allows a master to pair with; under RTNL */
struct failover_rules {
	/* the one lower device not on the master's own parent, "" for any */
	char pin[FAILOVER_RULE_LEN];
	/* never these, by bus address or permanent MAC */
	char deny[FAILOVER_DENY_MAX][FAILOVER_RULE_LEN];
	unsigned int ndeny;
};

/* struct failover is ABI: the core's own state goes around it */
struct failover_entry {
	struct failover fo;
	/* permanent MAC of the master when it registered: the hash key */
	u8 key[ETH_ALEN] __aligned(2);
	/* in failover_table (or failover_matchers) and holding fo.dev_tracker */
	bool hashed;
	/* failover_master_register()'s, or the adapter of struct failover_ops */
	const struct failover_master_ops *ops;
	void *priv;
	struct failover_rules rules;
	/* the master's sysfs "failover" group exists */
	bool sysfs;
	struct rcu_head rcu;
};

/* rules.c */
const char *failover_rules_refuse(const struct failover_entry *entry,
				  const struct net_device *failover_dev,
				  const struct net_device *dev, const u8 *addr);
void failover_rules_init(struct failover_entry *entry);
int failover_rules_sysfs_add(struct failover_entry *entry,
			     struct net_device *failover_dev);
void failover_rules_sysfs_del(struct failover_entry *entry,
			      struct net_device *failover_dev);
void failover_rules_ready(void);
void failover_rules_exit(void);

/* main.c */
struct failover_entry *failover_entry_of(const struct net_device *failover_dev);
struct net_device *failover_dev_of(struct failover_entry *entry);
struct failover *failover_add(struct net_device *dev,
			      struct failover_entry *entry);
void failover_pair(struct failover_entry *entry);
void failover_repair_all(void);

#endif /* _FAILOVER_PRIV_H */
