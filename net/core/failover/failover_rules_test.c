// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the failover core's second API (failover_master_register()
 * with a match callback and forwarded events) and the operator's rules
 * (pin, deny). Real net devices, some with a parent device standing in for
 * a PCI function; only the exported API, so the core may be a module.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/etherdevice.h>
#include <linux/init.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/failover.h>
#include <linux/user_namespace.h>
#include <net/fo_compat.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#define FOR_MAX_DEVS	8
#define FOR_MAGIC	0xf0a11e12

/* a master of the second API: what its callbacks saw */
struct for_master {
	/* FOR_MAGIC: the callbacks got failover_master_register()'s cookie */
	u32 magic;
	struct net_device *dev;
	/* match() takes this device, whatever its MAC */
	struct net_device *take;
	int pre_register;
	int registered;
	int unregistered;
	/* events by code, of any lower device */
	int events[64];
	/* NETDEV_PRE_CHANGEADDR is refused with this */
	int veto_addr;
	bool bad_priv;
};

struct for_ctx {
	struct net_device *devs[FOR_MAX_DEVS];
	unsigned int ndevs;
	struct failover *failovers[2];
	unsigned int nfailovers;
	struct net *net;
};

static atomic_t for_names = ATOMIC_INIT(0);

static struct for_master *for_priv(void *priv)
{
	struct for_master *m = priv;

	if (m->magic != FOR_MAGIC)
		m->bad_priv = true;
	return m;
}

static bool for_match(void *priv, const struct net_device *dev)
{
	return dev == for_priv(priv)->take;
}

static int for_pre_register(void *priv, struct net_device *dev)
{
	ASSERT_RTNL();
	for_priv(priv)->pre_register++;
	return 0;
}

static int for_register(void *priv, struct net_device *dev)
{
	ASSERT_RTNL();
	for_priv(priv)->registered++;
	return 0;
}

static void for_unregister(void *priv, struct net_device *dev)
{
	ASSERT_RTNL();
	for_priv(priv)->unregistered++;
}

static int for_event(void *priv, struct net_device *dev, unsigned long event,
		     struct netdev_notifier_info *info)
{
	struct for_master *m = for_priv(priv);

	ASSERT_RTNL();
	if (event < ARRAY_SIZE(m->events))
		m->events[event]++;
	if (event == NETDEV_PRE_CHANGEADDR && m->veto_addr) {
		NL_SET_ERR_MSG_MOD(netdev_notifier_info_to_extack(info),
				   "test master refuses");
		return m->veto_addr;
	}
	return 0;
}

static rx_handler_result_t for_handle_frame(struct sk_buff **pskb)
{
	return RX_HANDLER_PASS;
}

static const struct failover_master_ops for_mac_ops = {
	.pre_register	= for_pre_register,
	.register_lower	= for_register,
	.unregister_lower = for_unregister,
	.event		= for_event,
	.handle_frame	= for_handle_frame,
};

static const struct failover_master_ops for_match_ops = {
	.match		= for_match,
	.pre_register	= for_pre_register,
	.register_lower	= for_register,
	.unregister_lower = for_unregister,
	.event		= for_event,
	.handle_frame	= for_handle_frame,
};

static netdev_tx_t for_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops for_netdev_ops = {
	.ndo_start_xmit = for_xmit,
};

static int for_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct for_ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, test->priv);
	return 0;
}

/* devices, then masters, then (kunit actions) the parent devices */
static void for_exit(struct kunit *test)
{
	struct for_ctx *ctx = test->priv;
	LIST_HEAD(kill);
	unsigned int i;

	rtnl_lock();
	for (i = 0; i < ctx->ndevs; i++)
		if (ctx->devs[i]->reg_state == NETREG_REGISTERED)
			unregister_netdevice_queue(ctx->devs[i], &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();
	for (i = 0; i < ctx->nfailovers; i++)
		failover_unregister(ctx->failovers[i]);
	for (i = 0; i < ctx->ndevs; i++)
		free_netdev(ctx->devs[i]);
	if (ctx->net)
		put_net(ctx->net);
}

static void for_root_device_unregister(void *dev)
{
	root_device_unregister(dev);
}

/* A parent device named @bus, as a PCI function would be. */
static struct device *for_parent(struct kunit *test, const char *bus)
{
	struct device *parent = root_device_register(bus);
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);
	err = kunit_add_action_or_reset(test, for_root_device_unregister,
					parent);
	KUNIT_ASSERT_EQ(test, err, 0);
	return parent;
}

/* An Ethernet device with MAC 02:fa:12:00:00:@mac_id under @parent, in @net. */
static struct net_device *for_dev_in(struct kunit *test, unsigned int mac_id,
				     struct device *parent, struct net *net)
{
	struct for_ctx *ctx = test->priv;
	u8 mac[ETH_ALEN] = { 0x02, 0xfa, 0x12, 0, 0, mac_id };
	char name[IFNAMSIZ];
	struct net_device *dev;
	int err;

	KUNIT_ASSERT_LT(test, ctx->ndevs, FOR_MAX_DEVS);
	snprintf(name, sizeof(name), "forl%u", atomic_inc_return(&for_names));
	dev = alloc_netdev(sizeof(struct for_master), name, NET_NAME_USER,
			   ether_setup);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->netdev_ops = &for_netdev_ops;
	eth_hw_addr_set(dev, mac);
	SET_NETDEV_DEV(dev, parent);
	if (net)
		dev_net_set(dev, net);
	err = register_netdev(dev);
	if (err)
		free_netdev(dev);
	KUNIT_ASSERT_EQ(test, err, 0);
	ctx->devs[ctx->ndevs++] = dev;
	return dev;
}

static struct net_device *for_dev(struct kunit *test, unsigned int mac_id,
				  struct device *parent)
{
	return for_dev_in(test, mac_id, parent, NULL);
}

static struct for_master *for_master_new(struct kunit *test,
					 unsigned int mac_id,
					 struct device *parent,
					 const struct failover_master_ops *ops)
{
	struct for_ctx *ctx = test->priv;
	struct net_device *dev = for_dev(test, mac_id, parent);
	struct for_master *m = netdev_priv(dev);
	struct failover *failover;

	m->magic = FOR_MAGIC;
	m->dev = dev;
	KUNIT_ASSERT_LT(test, ctx->nfailovers, ARRAY_SIZE(ctx->failovers));
	failover = failover_master_register(dev, ops, m);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	ctx->failovers[ctx->nfailovers++] = failover;
	return m;
}

static struct net_device *for_upper(struct net_device *dev)
{
	struct net_device *upper;

	rtnl_lock();
	upper = netdev_master_upper_dev_get(dev);
	rtnl_unlock();
	return upper;
}

static int for_rule(struct net_device *master, enum failover_rule rule,
		    const char *list, struct netlink_ext_ack *extack)
{
	int err;

	rtnl_lock();
	err = failover_set_rule(master, rule, list, extack);
	rtnl_unlock();
	return err;
}

/* Pinned: only the device at that bus address, whatever came first. */
static void for_test_pin(struct kunit *test)
{
	struct device *pa = for_parent(test, "fortest-pin-a");
	struct device *pb = for_parent(test, "fortest-pin-b");
	struct for_master *m = for_master_new(test, 1, NULL, &for_mac_ops);
	struct net_device *a, *b;

	KUNIT_ASSERT_EQ(test, for_rule(m->dev, FAILOVER_RULE_PIN,
				       "fortest-pin-b\n", NULL), 0);
	a = for_dev(test, 1, pa);
	b = for_dev(test, 1, pb);
	KUNIT_EXPECT_NULL(test, for_upper(a));
	KUNIT_EXPECT_PTR_EQ(test, for_upper(b), m->dev);
	KUNIT_EXPECT_FALSE(test, a->flags & IFF_SLAVE);
	KUNIT_EXPECT_EQ(test, m->pre_register, 1);

	/* another pin: b goes, a comes */
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_PIN,
				       "fortest-pin-a", NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, for_upper(a), m->dev);
	KUNIT_EXPECT_NULL(test, for_upper(b));
	KUNIT_EXPECT_EQ(test, m->unregistered, 1);

	/* no pin: both belong (this master takes any number) */
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_PIN, "", NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, for_upper(a), m->dev);
	KUNIT_EXPECT_PTR_EQ(test, for_upper(b), m->dev);
	KUNIT_EXPECT_FALSE(test, m->bad_priv);
}

/* Denied by bus address or MAC: an independent NIC; the master's own stays. */
static void for_test_deny(struct kunit *test)
{
	struct device *own = for_parent(test, "fortest-deny-own");
	struct device *pa = for_parent(test, "fortest-deny-a");
	struct for_master *m = for_master_new(test, 2, own, &for_mac_ops);
	struct net_device *standby = for_dev(test, 2, own);
	struct net_device *a;

	KUNIT_ASSERT_EQ(test, for_rule(m->dev, FAILOVER_RULE_DENY,
				       "fortest-deny-a", NULL), 0);
	a = for_dev(test, 2, pa);
	KUNIT_EXPECT_NULL(test, for_upper(a));
	KUNIT_EXPECT_FALSE(test, a->flags & IFF_SLAVE);
	KUNIT_EXPECT_PTR_EQ(test, for_upper(standby), m->dev);

	/* lifted: paired at once */
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_DENY, "", NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, for_upper(a), m->dev);

	/* by MAC, with another entry: a is released, the standby is not */
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_DENY,
				       "0000:99:00.0, 02:FA:12:00:00:02", NULL), 0);
	KUNIT_EXPECT_NULL(test, for_upper(a));
	KUNIT_EXPECT_PTR_EQ(test, for_upper(standby), m->dev);
	KUNIT_EXPECT_EQ(test, m->unregistered, 1);
}

/* Bad rules are refused with a reason and change nothing. */
static void for_test_rule_errors(struct kunit *test)
{
	struct device *pa = for_parent(test, "fortest-err-a");
	struct for_master *m = for_master_new(test, 3, NULL, &for_mac_ops);
	struct net_device *a = for_dev(test, 3, pa);
	struct netlink_ext_ack extack = {};
	char longer[64];

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	KUNIT_EXPECT_PTR_EQ(test, for_upper(a), m->dev);

	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_PIN,
				       "fortest-x fortest-y", &extack), -E2BIG);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	extack._msg = NULL;
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_DENY,
				       "a b c d e f g h i", &extack), -E2BIG);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	extack._msg = NULL;
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, FAILOVER_RULE_DENY, longer,
				       &extack), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, for_rule(m->dev, 7, "", NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, for_rule(a, FAILOVER_RULE_PIN, "", NULL), -ENODEV);
	/* nothing changed: a is still paired */
	KUNIT_EXPECT_PTR_EQ(test, for_upper(a), m->dev);
	KUNIT_EXPECT_EQ(test, m->unregistered, 0);
}

/* match(): pairs by the driver's rule, not by MAC; the cookie comes back. */
static void for_test_match(struct kunit *test)
{
	struct for_ctx *ctx = test->priv;
	struct net_device *same_mac, *other;
	struct for_master *m;

	/* a master that matches nothing yet */
	m = for_master_new(test, 4, NULL, &for_match_ops);
	same_mac = for_dev(test, 4, NULL);
	other = for_dev(test, 5, NULL);
	KUNIT_EXPECT_NULL(test, for_upper(same_mac));
	KUNIT_EXPECT_NULL(test, for_upper(other));

	m->take = other;
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, failover_repair(m->dev), 0);
	KUNIT_EXPECT_EQ(test, failover_repair(same_mac), -ENODEV);
	rtnl_unlock();
	KUNIT_EXPECT_PTR_EQ(test, for_upper(other), m->dev);
	KUNIT_EXPECT_NULL(test, for_upper(same_mac));
	KUNIT_EXPECT_EQ(test, m->registered, 1);
	KUNIT_EXPECT_FALSE(test, m->bad_priv);
	KUNIT_EXPECT_EQ(test, ctx->nfailovers, 1);
}

/* The events a master needs reach it, and it can refuse a MAC change. */
static void for_test_events(struct kunit *test)
{
	struct for_master *m = for_master_new(test, 6, NULL, &for_mac_ops);
	struct net_device *lower = for_dev(test, 6, NULL);
	struct netlink_ext_ack extack = {};
	u8 addr[ETH_ALEN] = { 0x02, 0xfa, 0x12, 0, 1, 6 };
	int err;

	KUNIT_ASSERT_PTR_EQ(test, for_upper(lower), m->dev);
	rtnl_lock();
	KUNIT_EXPECT_EQ(test, dev_set_mtu(lower, 1400), 0);
	netdev_features_change(lower);
	call_netdevice_notifiers(NETDEV_NOTIFY_PEERS, lower);
	KUNIT_EXPECT_EQ(test, dev_pre_changeaddr_notify(lower, addr, &extack), 0);
	m->veto_addr = -EBUSY;
	err = dev_pre_changeaddr_notify(lower, addr, &extack);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, err, -EBUSY);
	KUNIT_EXPECT_NOT_NULL(test, extack._msg);
	KUNIT_EXPECT_EQ(test, m->events[NETDEV_CHANGEMTU], 1);
	KUNIT_EXPECT_EQ(test, m->events[NETDEV_FEAT_CHANGE], 1);
	KUNIT_EXPECT_EQ(test, m->events[NETDEV_NOTIFY_PEERS], 1);
	KUNIT_EXPECT_EQ(test, m->events[NETDEV_PRE_CHANGEADDR], 2);
	KUNIT_EXPECT_FALSE(test, m->bad_priv);
}

/* Registration errors: nothing to pair by, no ops. */
static void for_test_register_errors(struct kunit *test)
{
	struct net_device *dev = for_dev(test, 7, NULL);
	struct failover *failover;
	u8 perm[ETH_ALEN];

	KUNIT_EXPECT_EQ(test, PTR_ERR(failover_master_register(dev, NULL, NULL)),
			-EINVAL);
	memcpy(perm, dev->perm_addr, ETH_ALEN);
	eth_zero_addr(dev->perm_addr);
	failover = failover_master_register(dev, &for_mac_ops, NULL);
	memcpy(dev->perm_addr, perm, ETH_ALEN);
	KUNIT_EXPECT_EQ(test, PTR_ERR(failover), -EINVAL);
	KUNIT_EXPECT_FALSE(test, netif_is_failover(dev));
}

/* A master that moves into a namespace pairs with the device waiting there. */
static void for_test_master_netns(struct kunit *test)
{
	struct for_ctx *ctx = test->priv;
	struct net_device *here, *there;
	struct for_master *m;
	struct net *net;
	int err;

	/* copy_net_ns() is not exported: a modular test cannot make a netns */
	net = ERR_PTR(-EOPNOTSUPP);
	if (IS_BUILTIN(CONFIG_FAILOVER_KUNIT_TEST))
		net = copy_net_ns(CLONE_NEWNET, &init_user_ns, &init_net);
	if (IS_ERR(net))
		kunit_skip(test, "cannot create a netns: %ld", PTR_ERR(net));
	ctx->net = net;

	m = for_master_new(test, 8, NULL, &for_mac_ops);
	here = for_dev(test, 8, NULL);
	there = for_dev_in(test, 8, NULL, net);
	KUNIT_EXPECT_PTR_EQ(test, for_upper(here), m->dev);
	KUNIT_EXPECT_NULL(test, for_upper(there));

	rtnl_lock();
	err = dev_change_net_namespace(m->dev, net, "form%d");
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_NULL(test, for_upper(here));
	KUNIT_EXPECT_PTR_EQ(test, for_upper(there), m->dev);
	KUNIT_EXPECT_EQ(test, m->registered, 2);
	KUNIT_EXPECT_EQ(test, m->unregistered, 1);
}

/*
 * The module parameters, from the kernel command line (scripts/kunit.sh):
 * failover.pin=02:fa:12:00:00:09=fortest-boot-b, failover.deny=02:fa:12:00:00:0a.
 */
static void for_test_boot_params(struct kunit *test)
{
	struct device *pa, *pb;
	struct net_device *a, *b, *d;
	struct for_master *m, *m2;

	if (!IS_BUILTIN(CONFIG_FAILOVER) ||
	    !strstr(saved_command_line, "failover.pin=02:fa:12:00:00:09=fortest-boot-b"))
		kunit_skip(test, "no failover.pin on the command line");
	pa = for_parent(test, "fortest-boot-a");
	pb = for_parent(test, "fortest-boot-b");
	m = for_master_new(test, 9, NULL, &for_mac_ops);
	a = for_dev(test, 9, pa);
	b = for_dev(test, 9, pb);
	KUNIT_EXPECT_NULL(test, for_upper(a));
	KUNIT_EXPECT_PTR_EQ(test, for_upper(b), m->dev);

	m2 = for_master_new(test, 10, NULL, &for_mac_ops);
	d = for_dev(test, 10, NULL);
	KUNIT_EXPECT_NULL(test, for_upper(d));
	KUNIT_EXPECT_EQ(test, m2->pre_register, 0);
}

static struct kunit_case for_cases[] = {
	KUNIT_CASE(for_test_pin),
	KUNIT_CASE(for_test_deny),
	KUNIT_CASE(for_test_rule_errors),
	KUNIT_CASE(for_test_match),
	KUNIT_CASE(for_test_events),
	KUNIT_CASE(for_test_register_errors),
	KUNIT_CASE(for_test_master_netns),
	KUNIT_CASE(for_test_boot_params),
	{}
};

static struct kunit_suite for_suite = {
	.name = "failover_rules",
	.init = for_init,
	.exit = for_exit,
	.test_cases = for_cases,
};

kunit_test_suites(&for_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the failover core's rules and second API");
