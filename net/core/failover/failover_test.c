// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the failover core. They use real net devices and only the
 * exported API, so they also run with the core built as a module.
 */

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/user_namespace.h>
#include <net/failover.h>
#include <net/fo_compat.h>
#include <net/net_namespace.h>

#define FAILOVER_TEST_SCALE	4096

/* netdev_priv() of every test device; only a master's is used */
struct failover_test_master {
	int pre_register;
	int registered;
	int pre_unregister;
	int unregistered;
	int link_change;
	int name_change;
	/* returned by the callbacks of the same name */
	int veto_register;
	int fail_register;
	int veto_unregister;
	/* slave_pre_register refuses this one device */
	struct net_device *refuse;
	/* slave_register calls in which the device was kept from addrconf */
	int no_addrconf_at_register;
	/* NETDEV_JOIN events of this device, and those before its rx handler */
	int joins;
	int joins_before_handler;
	/* its NETDEV_POST_INIT, after the core's: what user space sees first */
	int post_inits;
	bool slave_at_post_init;
	bool no_addrconf_at_post_init;
};

struct failover_test_ctx {
	struct net_device **devs;
	unsigned int ndevs;
	unsigned int max_devs;
	struct failover **failovers;
	unsigned int nfailovers;
	unsigned int max_failovers;
	struct net *net;
};

static atomic_t failover_test_names = ATOMIC_INIT(0);

static struct failover_test_master *failover_test_priv(struct net_device *dev)
{
	return netdev_priv(dev);
}

static int failover_test_pre_register(struct net_device *lower_dev,
				      struct net_device *failover_dev)
{
	struct failover_test_master *m = failover_test_priv(failover_dev);

	ASSERT_RTNL();
	m->pre_register++;
	if (lower_dev == m->refuse)
		return -EBUSY;
	return m->veto_register;
}

static int failover_test_register(struct net_device *lower_dev,
				  struct net_device *failover_dev)
{
	struct failover_test_master *m = failover_test_priv(failover_dev);

	ASSERT_RTNL();
	m->registered++;
	if (fo_no_addrconf(lower_dev))
		m->no_addrconf_at_register++;
	return m->fail_register;
}

static int failover_test_pre_unregister(struct net_device *lower_dev,
					struct net_device *failover_dev)
{
	struct failover_test_master *m = failover_test_priv(failover_dev);

	ASSERT_RTNL();
	m->pre_unregister++;
	return m->veto_unregister;
}

static int failover_test_unregister(struct net_device *lower_dev,
				    struct net_device *failover_dev)
{
	ASSERT_RTNL();
	failover_test_priv(failover_dev)->unregistered++;
	return 0;
}

static int failover_test_link_change(struct net_device *lower_dev,
				     struct net_device *failover_dev)
{
	ASSERT_RTNL();
	failover_test_priv(failover_dev)->link_change++;
	return 0;
}

static int failover_test_name_change(struct net_device *lower_dev,
				     struct net_device *failover_dev)
{
	ASSERT_RTNL();
	failover_test_priv(failover_dev)->name_change++;
	return 0;
}

static rx_handler_result_t failover_test_handle_frame(struct sk_buff **pskb)
{
	return RX_HANDLER_PASS;
}

static struct failover_ops failover_test_ops = {
	.slave_pre_register	= failover_test_pre_register,
	.slave_register		= failover_test_register,
	.slave_pre_unregister	= failover_test_pre_unregister,
	.slave_unregister	= failover_test_unregister,
	.slave_link_change	= failover_test_link_change,
	.slave_name_change	= failover_test_name_change,
	.slave_handle_frame	= failover_test_handle_frame,
};

static netdev_tx_t failover_test_xmit(struct sk_buff *skb,
				      struct net_device *dev)
{
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops failover_test_netdev_ops = {
	.ndo_start_xmit = failover_test_xmit,
};

static int failover_test_init(struct kunit *test)
{
	struct failover_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->max_devs = 16;
	ctx->max_failovers = 4;
	ctx->devs = kunit_kcalloc(test, ctx->max_devs, sizeof(*ctx->devs),
				  GFP_KERNEL);
	ctx->failovers = kunit_kcalloc(test, ctx->max_failovers,
				       sizeof(*ctx->failovers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->devs);
	KUNIT_ASSERT_NOT_NULL(test, ctx->failovers);
	test->priv = ctx;
	return 0;
}

/*
 * Devices first (the core releases lower devices as their master goes), then
 * failover_unregister() of the unregistered masters, without RTNL.
 */
static void failover_test_exit(struct kunit *test)
{
	struct failover_test_ctx *ctx = test->priv;
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

static void failover_test_grow(struct kunit *test, unsigned int devs,
			       unsigned int failovers)
{
	struct failover_test_ctx *ctx = test->priv;

	ctx->devs = kunit_kcalloc(test, devs, sizeof(*ctx->devs), GFP_KERNEL);
	ctx->failovers = kunit_kcalloc(test, failovers,
				       sizeof(*ctx->failovers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->devs);
	KUNIT_ASSERT_NOT_NULL(test, ctx->failovers);
	ctx->max_devs = devs;
	ctx->max_failovers = failovers;
}

static void failover_test_mac(u8 *mac, unsigned int n)
{
	mac[0] = 0x02;	/* locally administered unicast */
	mac[1] = 0xfa;
	mac[2] = 0x11;
	mac[3] = n >> 16;
	mac[4] = n >> 8;
	mac[5] = n;
}

/* Registers an Ethernet device (unless @type says otherwise) in @net. */
static struct net_device *failover_test_dev_in(struct kunit *test,
					       unsigned int mac_id,
					       unsigned short type,
					       struct net *net)
{
	struct failover_test_ctx *ctx = test->priv;
	char name[IFNAMSIZ];
	struct net_device *dev;
	u8 mac[ETH_ALEN];
	int err;

	KUNIT_ASSERT_LT(test, ctx->ndevs, ctx->max_devs);

	/* explicit names: "%d" makes each registration walk every device */
	snprintf(name, sizeof(name), "fot%u",
		 atomic_inc_return(&failover_test_names));
	dev = alloc_netdev(sizeof(struct failover_test_master), name,
			   NET_NAME_USER, ether_setup);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->netdev_ops = &failover_test_netdev_ops;
	dev->type = type;
	failover_test_mac(mac, mac_id);
	eth_hw_addr_set(dev, mac);
	if (net)
		dev_net_set(dev, net);

	err = register_netdev(dev);
	if (err)
		free_netdev(dev);
	KUNIT_ASSERT_EQ(test, err, 0);
	/* NET_ADDR_PERM: registration copied dev_addr to perm_addr */
	KUNIT_ASSERT_TRUE(test, ether_addr_equal(dev->perm_addr, mac));

	ctx->devs[ctx->ndevs++] = dev;
	return dev;
}

static struct net_device *failover_test_dev(struct kunit *test,
					    unsigned int mac_id)
{
	return failover_test_dev_in(test, mac_id, ARPHRD_ETHER, NULL);
}

static struct failover *failover_test_register_master(struct kunit *test,
						      struct net_device *dev)
{
	struct failover_test_ctx *ctx = test->priv;
	struct failover *failover;

	KUNIT_ASSERT_LT(test, ctx->nfailovers, ctx->max_failovers);
	failover = failover_register(dev, &failover_test_ops);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, failover);
	ctx->failovers[ctx->nfailovers++] = failover;
	return failover;
}

static struct net_device *failover_test_master(struct kunit *test,
					       unsigned int mac_id)
{
	struct net_device *dev = failover_test_dev(test, mac_id);

	failover_test_register_master(test, dev);
	return dev;
}

/* Unregisters a failover early; the exit handler skips NULL entries. */
static void failover_test_unregister_master(struct kunit *test,
					    struct failover *failover)
{
	struct failover_test_ctx *ctx = test->priv;
	unsigned int i;

	for (i = 0; i < ctx->nfailovers; i++)
		if (ctx->failovers[i] == failover)
			ctx->failovers[i] = NULL;
	failover_unregister(failover);
}

static void failover_test_expect_paired(struct kunit *test,
					struct net_device *lower,
					struct net_device *master)
{
	rtnl_lock();
	KUNIT_EXPECT_PTR_EQ(test, netdev_master_upper_dev_get(lower), master);
	KUNIT_EXPECT_PTR_EQ(test, rtnl_dereference(lower->rx_handler_data),
			    (void *)master);
	KUNIT_EXPECT_TRUE(test, netif_is_failover_slave(lower));
	KUNIT_EXPECT_TRUE(test, fo_no_addrconf(lower));
	KUNIT_EXPECT_TRUE(test, lower->flags & IFF_SLAVE);
	rtnl_unlock();
}

/* @dev is exactly as it was before the core saw it. */
static void failover_test_expect_free(struct kunit *test,
				      struct net_device *dev)
{
	rtnl_lock();
	KUNIT_EXPECT_NULL(test, netdev_master_upper_dev_get(dev));
	KUNIT_EXPECT_FALSE(test, netdev_is_rx_handler_busy(dev));
	KUNIT_EXPECT_FALSE(test, netif_is_failover_slave(dev));
	KUNIT_EXPECT_FALSE(test, fo_no_addrconf(dev));
	KUNIT_EXPECT_FALSE(test, dev->flags & IFF_SLAVE);
	rtnl_unlock();
}

static bool failover_test_has_lower(struct net_device *dev)
{
	ASSERT_RTNL();
	return !list_empty(&dev->adj_list.lower);
}

static void failover_test_unregister_dev(struct net_device *dev)
{
	unregister_netdev(dev);
}

/* A device that appears after its master, like a VF hot-plugged later. */
static void failover_test_pair_later(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 1);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *standby, *primary;

	KUNIT_EXPECT_TRUE(test, netif_is_failover(master));

	standby = failover_test_dev(test, 1);
	failover_test_expect_paired(test, standby, master);
	KUNIT_EXPECT_EQ(test, m->pre_register, 1);
	KUNIT_EXPECT_EQ(test, m->registered, 1);

	primary = failover_test_dev(test, 1);
	failover_test_expect_paired(test, primary, master);
	KUNIT_EXPECT_EQ(test, m->pre_register, 2);
	KUNIT_EXPECT_EQ(test, m->registered, 2);
	/* the driver may open it: addrconf must be off by then */
	KUNIT_EXPECT_EQ(test, m->no_addrconf_at_register, 2);
}

static int failover_test_netdev_event(struct notifier_block *nb,
				      unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct failover_test_master *m;

	if (dev->netdev_ops != &failover_test_netdev_ops)
		return NOTIFY_DONE;
	m = failover_test_priv(dev);
	if (event == NETDEV_POST_INIT) {
		m->post_inits++;
		m->slave_at_post_init = dev->flags & IFF_SLAVE;
		m->no_addrconf_at_post_init = fo_no_addrconf(dev);
	} else if (event == NETDEV_JOIN) {
		m->joins++;
		if (!netdev_is_rx_handler_busy(dev))
			m->joins_before_handler++;
	}
	return NOTIFY_DONE;
}

/* after the core's notifier */
static struct notifier_block failover_test_notifier = {
	.notifier_call = failover_test_netdev_event,
	.priority = -1,
};

static void failover_test_notifier_unregister(void *unused)
{
	unregister_netdevice_notifier(&failover_test_notifier);
}

static void failover_test_notifier_register(struct kunit *test)
{
	int err;

	err = register_netdevice_notifier(&failover_test_notifier);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kunit_add_action_or_reset(test, failover_test_notifier_unregister,
					NULL);
	KUNIT_ASSERT_EQ(test, err, 0);
}

/* A new lower device gets NETDEV_JOIN (netconsole stops on it) first. */
static void failover_test_join(struct kunit *test)
{
	struct net_device *master, *lower, *other;

	failover_test_notifier_register(test);
	master = failover_test_master(test, 1);
	lower = failover_test_dev(test, 1);
	other = failover_test_dev(test, 2);
	failover_test_expect_paired(test, lower, master);
	KUNIT_EXPECT_EQ(test, failover_test_priv(lower)->joins, 1);
	KUNIT_EXPECT_EQ(test, failover_test_priv(lower)->joins_before_handler, 1);
	KUNIT_EXPECT_EQ(test, failover_test_priv(other)->joins, 0);
	KUNIT_EXPECT_EQ(test, failover_test_priv(master)->joins, 0);
}

/*
 * A device with a master's MAC is flagged at NETDEV_POST_INIT, before its
 * sysfs entry and "add" uevent exist; perm_addr is not yet filled in then.
 */
static void failover_test_premark(struct kunit *test)
{
	struct net_device *master, *lower, *other;
	struct failover_test_master *l, *o;

	failover_test_notifier_register(test);
	master = failover_test_master(test, 20);
	lower = failover_test_dev(test, 20);
	other = failover_test_dev(test, 21);
	l = failover_test_priv(lower);
	o = failover_test_priv(other);

	KUNIT_EXPECT_EQ(test, l->post_inits, 1);
	KUNIT_EXPECT_TRUE(test, l->slave_at_post_init);
	KUNIT_EXPECT_TRUE(test, l->no_addrconf_at_post_init);
	failover_test_expect_paired(test, lower, master);

	KUNIT_EXPECT_EQ(test, o->post_inits, 1);
	KUNIT_EXPECT_FALSE(test, o->slave_at_post_init);
	KUNIT_EXPECT_FALSE(test, o->no_addrconf_at_post_init);
	failover_test_expect_free(test, other);
}

/* Flagged at NETDEV_POST_INIT, then declined: nothing of the flags stays. */
static void failover_test_premark_declined(struct kunit *test)
{
	struct net_device *master, *lower;

	failover_test_notifier_register(test);
	master = failover_test_master(test, 22);
	failover_test_priv(master)->veto_register = -EBUSY;
	lower = failover_test_dev(test, 22);

	KUNIT_EXPECT_TRUE(test, failover_test_priv(lower)->slave_at_post_init);
	failover_test_expect_free(test, lower);

	/* and a failing slave_register the same */
	failover_test_priv(master)->veto_register = 0;
	failover_test_priv(master)->fail_register = -EIO;
	lower = failover_test_dev(test, 22);
	KUNIT_EXPECT_TRUE(test, failover_test_priv(lower)->slave_at_post_init);
	failover_test_expect_free(test, lower);
}

/* Devices that exist before failover_register(), like a VF present at boot. */
static void failover_test_pair_existing(struct kunit *test)
{
	struct net_device *primary = failover_test_dev(test, 2);
	struct net_device *master = failover_test_dev(test, 2);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *standby;

	failover_test_register_master(test, master);
	failover_test_expect_paired(test, primary, master);
	KUNIT_EXPECT_EQ(test, m->registered, 1);
	KUNIT_EXPECT_EQ(test, m->no_addrconf_at_register, 1);

	standby = failover_test_dev(test, 2);
	failover_test_expect_paired(test, standby, master);
	KUNIT_EXPECT_EQ(test, m->registered, 2);
}

static void failover_test_other_mac_ignored(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 3);
	struct net_device *other = failover_test_dev(test, 4);

	failover_test_expect_free(test, other);
	KUNIT_EXPECT_EQ(test, failover_test_priv(master)->pre_register, 0);
}

static void failover_test_veto(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 5);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *lower;

	m->veto_register = -EBUSY;
	lower = failover_test_dev(test, 5);
	failover_test_expect_free(test, lower);
	KUNIT_EXPECT_EQ(test, m->pre_register, 1);
	KUNIT_EXPECT_EQ(test, m->registered, 0);
}

static void failover_test_register_fails(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 6);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *lower;

	m->fail_register = -EIO;
	lower = failover_test_dev(test, 6);
	KUNIT_EXPECT_EQ(test, m->registered, 1);
	KUNIT_EXPECT_EQ(test, m->no_addrconf_at_register, 1);
	failover_test_expect_free(test, lower);
	rtnl_lock();
	KUNIT_EXPECT_FALSE(test, netdev_has_any_upper_dev(master));
	KUNIT_EXPECT_FALSE(test, failover_test_has_lower(master));
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, m->unregistered, 0);

	/* nothing is left behind that would stop a later pairing */
	m->fail_register = 0;
	lower = failover_test_dev(test, 6);
	failover_test_expect_paired(test, lower, master);
}

static void failover_test_non_ether_ignored(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 7);
	struct net_device *other;

	other = failover_test_dev_in(test, 7, ARPHRD_NONE, NULL);
	failover_test_expect_free(test, other);
	KUNIT_EXPECT_EQ(test, failover_test_priv(master)->pre_register, 0);
}

static void failover_test_other_netns_ignored(struct kunit *test)
{
	struct failover_test_ctx *ctx = test->priv;
	struct net_device *master, *other;
	struct net *net;

	/* copy_net_ns() is not exported: a modular test cannot make a netns */
	net = ERR_PTR(-EOPNOTSUPP);
	if (IS_BUILTIN(CONFIG_FAILOVER_KUNIT_TEST))
		net = copy_net_ns(CLONE_NEWNET, &init_user_ns, &init_net);
	if (IS_ERR(net))
		kunit_skip(test, "cannot create a netns: %ld", PTR_ERR(net));
	ctx->net = net;

	master = failover_test_master(test, 8);
	other = failover_test_dev_in(test, 8, ARPHRD_ETHER, net);
	failover_test_expect_free(test, other);
	KUNIT_EXPECT_EQ(test, failover_test_priv(master)->pre_register, 0);
}

static rx_handler_result_t failover_test_other_handler(struct sk_buff **pskb)
{
	return RX_HANDLER_PASS;
}

static void failover_test_taken_ignored(struct kunit *test)
{
	struct net_device *busy = failover_test_dev(test, 9);
	struct net_device *linked = failover_test_dev(test, 9);
	struct net_device *upper = failover_test_dev(test, 10);
	struct net_device *master = failover_test_dev(test, 9);
	struct failover_test_master *m = failover_test_priv(master);
	int err;

	rtnl_lock();
	err = netdev_rx_handler_register(busy, failover_test_other_handler,
					 NULL);
	if (!err)
		err = netdev_master_upper_dev_link(linked, upper, NULL, NULL,
						   NULL);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);

	failover_test_register_master(test, master);
	KUNIT_EXPECT_EQ(test, m->pre_register, 0);
	rtnl_lock();
	KUNIT_EXPECT_PTR_EQ(test, netdev_master_upper_dev_get(linked), upper);
	KUNIT_EXPECT_TRUE(test, rtnl_dereference(busy->rx_handler) ==
				failover_test_other_handler);
	KUNIT_EXPECT_FALSE(test, netif_is_failover_slave(busy));
	KUNIT_EXPECT_FALSE(test, netif_is_failover_slave(linked));
	netdev_rx_handler_unregister(busy);
	netdev_upper_dev_unlink(linked, upper);
	rtnl_unlock();
}

/*
 * A second master with the same MAC does not take the first one's lower
 * device. Both exist before either registers, or the first would link the
 * second, a plain device until it registers.
 */
static void failover_test_second_master(struct kunit *test)
{
	struct net_device *master = failover_test_dev(test, 19);
	struct net_device *master2 = failover_test_dev(test, 19);
	struct net_device *lower = failover_test_dev(test, 19);

	failover_test_priv(master)->refuse = master2;
	failover_test_register_master(test, master);
	failover_test_expect_paired(test, lower, master);
	failover_test_expect_free(test, master2);

	failover_test_register_master(test, master2);
	failover_test_expect_paired(test, lower, master);
	KUNIT_EXPECT_EQ(test, failover_test_priv(master2)->pre_register, 0);
}

static void failover_test_register_errors(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 11);
	struct net_device *other;
	struct failover *failover;

	failover = failover_register(master, &failover_test_ops);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(failover), -EBUSY);

	other = failover_test_dev_in(test, 12, ARPHRD_NONE, NULL);
	failover = failover_register(other, &failover_test_ops);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(failover), -EINVAL);
	KUNIT_EXPECT_FALSE(test, netif_is_failover(other));

	rtnl_lock();
	KUNIT_EXPECT_EQ(test, failover_slave_unregister(other), -ENODEV);
	rtnl_unlock();
}

static void failover_test_lower_goes(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 13);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *lower = failover_test_dev(test, 13);

	failover_test_unregister_dev(lower);
	KUNIT_EXPECT_EQ(test, m->pre_unregister, 1);
	KUNIT_EXPECT_EQ(test, m->unregistered, 1);
	rtnl_lock();
	KUNIT_EXPECT_FALSE(test, failover_test_has_lower(master));
	rtnl_unlock();

	/* the master keeps pairing */
	lower = failover_test_dev(test, 13);
	failover_test_expect_paired(test, lower, master);
}

/* The master is unregistered first and failover_unregister() comes later. */
static void failover_test_master_goes(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 14);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *lower = failover_test_dev(test, 14);

	failover_test_unregister_dev(master);
	KUNIT_EXPECT_EQ(test, m->unregistered, 1);
	failover_test_expect_free(test, lower);

	/* no longer paired with anything */
	lower = failover_test_dev(test, 14);
	failover_test_expect_free(test, lower);
	KUNIT_EXPECT_EQ(test, m->pre_register, 1);
}

/* Explicit release and failover_unregister() under RTNL, before the master. */
static void failover_test_explicit_release(struct kunit *test)
{
	struct net_device *master = failover_test_dev(test, 15);
	struct failover_test_master *m = failover_test_priv(master);
	struct failover *failover = failover_test_register_master(test, master);
	struct net_device *lower = failover_test_dev(test, 15);
	int err;

	m->veto_unregister = -EPERM;
	rtnl_lock();
	err = failover_slave_unregister(lower);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, err, -EPERM);
	failover_test_expect_paired(test, lower, master);
	KUNIT_EXPECT_EQ(test, m->unregistered, 0);

	m->veto_unregister = 0;
	rtnl_lock();
	err = failover_slave_unregister(lower);
	if (!err)
		failover_test_unregister_master(test, failover);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, m->unregistered, 1);
	failover_test_expect_free(test, lower);
	KUNIT_EXPECT_FALSE(test, netif_is_failover(master));

	lower = failover_test_dev(test, 15);
	failover_test_expect_free(test, lower);
	KUNIT_EXPECT_EQ(test, m->pre_register, 1);
}

/* A device going away is released even if the driver refuses. */
static void failover_test_refused_but_gone(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 16);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *lower = failover_test_dev(test, 16);

	m->veto_unregister = -EPERM;
	failover_test_unregister_dev(lower);
	KUNIT_EXPECT_EQ(test, m->pre_unregister, 1);
	KUNIT_EXPECT_EQ(test, m->unregistered, 0);
	rtnl_lock();
	KUNIT_EXPECT_FALSE(test, failover_test_has_lower(master));
	rtnl_unlock();
}

static void failover_test_link_and_name(struct kunit *test)
{
	struct net_device *master = failover_test_master(test, 17);
	struct failover_test_master *m = failover_test_priv(master);
	struct net_device *lower = failover_test_dev(test, 17);
	struct net_device *bystander = failover_test_dev(test, 18);
	int err, seen;

	rtnl_lock();
	err = dev_open(lower, NULL);
	if (!err)
		err = dev_open(bystander, NULL);
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	/* at least NETDEV_UP; link_change is allowed to repeat */
	KUNIT_EXPECT_GE(test, m->link_change, 1);

	seen = m->link_change;
	rtnl_lock();
	netdev_state_change(lower);
	rtnl_unlock();
	KUNIT_EXPECT_GE(test, m->link_change, seen + 1);

	seen = m->link_change;
	rtnl_lock();
	dev_close(lower);
	rtnl_unlock();
	/* NETDEV_GOING_DOWN and NETDEV_DOWN */
	KUNIT_EXPECT_GE(test, m->link_change, seen + 2);

	/*
	 * dev_change_name() is private to net/core; the core only consumes
	 * the event, so raise it the way a rename does.
	 */
	rtnl_lock();
	err = notifier_to_errno(call_netdevice_notifiers(NETDEV_CHANGENAME,
							 lower));
	rtnl_unlock();
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, m->name_change, 1);

	/* events on devices that are not lower devices are not delivered */
	seen = m->link_change;
	rtnl_lock();
	netdev_state_change(bystander);
	dev_close(bystander);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, m->link_change, seen);
}

static void failover_test_scale(struct kunit *test)
{
	struct failover_test_ctx *ctx = test->priv;
	struct net_device **masters, **lowers;
	ktime_t start, first, last;
	unsigned int i, bad = 0;
	LIST_HEAD(kill);

	failover_test_grow(test, 2 * FAILOVER_TEST_SCALE, FAILOVER_TEST_SCALE);
	masters = ctx->devs;
	lowers = ctx->devs + FAILOVER_TEST_SCALE;

	for (i = 0; i < FAILOVER_TEST_SCALE; i++) {
		failover_test_master(test, 0x10000 + i);
		cond_resched();
	}

	/* in reverse, so that no device finds its master first in a walk */
	for (i = 0; i < FAILOVER_TEST_SCALE; i++) {
		start = ktime_get();
		failover_test_dev(test, 0x10000 + FAILOVER_TEST_SCALE - 1 - i);
		if (i == 0)
			first = ktime_sub(ktime_get(), start);
		last = ktime_sub(ktime_get(), start);
		cond_resched();
	}
	kunit_info(test, "lower registration: first %lld ns, last %lld ns\n",
		   ktime_to_ns(first), ktime_to_ns(last));

	rtnl_lock();
	for (i = 0; i < FAILOVER_TEST_SCALE; i++)
		if (netdev_master_upper_dev_get(lowers[i]) !=
		    masters[FAILOVER_TEST_SCALE - 1 - i])
			bad++;
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, bad, 0);

	bad = 0;
	for (i = 0; i < FAILOVER_TEST_SCALE; i++)
		if (failover_test_priv(masters[i])->registered != 1)
			bad++;
	KUNIT_EXPECT_EQ(test, bad, 0);

	rtnl_lock();
	for (i = 0; i < FAILOVER_TEST_SCALE; i++)
		unregister_netdevice_queue(lowers[i], &kill);
	unregister_netdevice_many(&kill);
	bad = 0;
	for (i = 0; i < FAILOVER_TEST_SCALE; i++)
		if (failover_test_priv(masters[i])->unregistered != 1 ||
		    failover_test_has_lower(masters[i]))
			bad++;
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static struct kunit_case failover_test_pairing_cases[] = {
	KUNIT_CASE(failover_test_pair_later),
	KUNIT_CASE(failover_test_pair_existing),
	KUNIT_CASE(failover_test_other_mac_ignored),
	KUNIT_CASE(failover_test_veto),
	KUNIT_CASE(failover_test_register_fails),
	KUNIT_CASE(failover_test_non_ether_ignored),
	KUNIT_CASE(failover_test_other_netns_ignored),
	KUNIT_CASE(failover_test_taken_ignored),
	KUNIT_CASE(failover_test_second_master),
	KUNIT_CASE(failover_test_register_errors),
	KUNIT_CASE(failover_test_join),
	KUNIT_CASE(failover_test_premark),
	KUNIT_CASE(failover_test_premark_declined),
	{}
};

static struct kunit_suite failover_test_pairing_suite = {
	.name = "failover_pairing",
	.init = failover_test_init,
	.exit = failover_test_exit,
	.test_cases = failover_test_pairing_cases,
};

static struct kunit_case failover_test_release_cases[] = {
	KUNIT_CASE(failover_test_lower_goes),
	KUNIT_CASE(failover_test_master_goes),
	KUNIT_CASE(failover_test_explicit_release),
	KUNIT_CASE(failover_test_refused_but_gone),
	KUNIT_CASE(failover_test_link_and_name),
	{}
};

static struct kunit_suite failover_test_release_suite = {
	.name = "failover_release",
	.init = failover_test_init,
	.exit = failover_test_exit,
	.test_cases = failover_test_release_cases,
};

static struct kunit_case failover_test_scale_cases[] = {
	KUNIT_CASE_SLOW(failover_test_scale),
	{}
};

static struct kunit_suite failover_test_scale_suite = {
	.name = "failover_scale",
	.init = failover_test_init,
	.exit = failover_test_exit,
	.test_cases = failover_test_scale_cases,
};

kunit_test_suites(&failover_test_pairing_suite, &failover_test_release_suite,
		  &failover_test_scale_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for the failover core");
