// SPDX-License-Identifier: GPL-2.0
/*
 * failover_scale: how long pairing a new primary takes with N registered
 * failover instances (bench.sh, metric 6).
 *
 * Test-only knobs in debugfs (no module parameters):
 *
 *   echo "N R" > /sys/kernel/debug/failover_scale/run
 *	grows the set of dummy failover masters to N (netdevs with distinct
 *	permanent MACs 02:fb:xx:xx:xx:xx, failover_register() with trivial
 *	ops), then R times registers a new netdev whose permanent MAC is that
 *	of the most recently registered master (the failover core pairs it from
 *	its NETDEV_REGISTER notifier), and R times one whose MAC no master has,
 *	unregistering each again.  Timed: register_netdev() as a whole, and the
 *	core's notifier handling that netdev (a kretprobe on failover_event).
 *   cat /sys/kernel/debug/failover_scale/result
 *	"instances N reps R paired P ... hit_register_ns MIN MED MAX
 *	 hit_event_ns MIN MED MAX miss_register_ns ... miss_event_ns ..."
 *   echo "N R 1" > /sys/kernel/debug/failover_scale/run
 *	the same with 8 deny rules (none matching) on every master, through
 *	our core's failover_set_rule(), looked up at run time ("rules N" in
 *	the result; "rules unavailable" on the stock core, which has none)
 *   echo 0 > /sys/kernel/debug/failover_scale/run
 *	unregisters every dummy master (also done on module unload).
 */

#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <net/failover.h>

#define FS_MAX_INSTANCES 65536
#define FS_MAX_REPS 1000

struct fs_instance {
	struct net_device *dev;
	struct failover *fo;
};

static DEFINE_MUTEX(fs_lock);
static struct fs_instance *fs_inst;
static unsigned int fs_count;
static struct dentry *fs_dir;
static char fs_result[512] = "none\n";

static u64 fs_t0;
static u64 fs_paired_at;
static bool fs_paired;

/*
 * The failover core's NETDEV_REGISTER handling of the probe device, timed
 * by a kretprobe on its notifier (failover_event, in the stock core and in
 * ours): the lookup by MAC plus, on a hit, the enslavement.  register_netdev()
 * as a whole also grows with the number of netdevs for reasons unrelated to
 * failover (sysfs, sysctl, ...), so it is reported separately.
 */
static struct net_device *fs_probe_dev;
static u64 fs_event_ns;
static bool fs_event_seen;

struct fs_kret_data {
	u64 t;
	bool ours;
};

static int fs_event_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct fs_kret_data *d = (struct fs_kret_data *)ri->data;
	unsigned long event = regs_get_kernel_argument(regs, 1);
	struct netdev_notifier_info *info =
		(struct netdev_notifier_info *)regs_get_kernel_argument(regs, 2);

	d->ours = event == NETDEV_REGISTER && fs_probe_dev &&
		  info && info->dev == fs_probe_dev;
	d->t = ktime_get_ns();
	return 0;
}

static int fs_event_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct fs_kret_data *d = (struct fs_kret_data *)ri->data;

	if (d->ours) {
		fs_event_ns = ktime_get_ns() - d->t;
		fs_event_seen = true;
	}
	return 0;
}

static struct kretprobe fs_kret = {
	.kp.symbol_name = "failover_event",
	.entry_handler = fs_event_entry,
	.handler = fs_event_ret,
	.data_size = sizeof(struct fs_kret_data),
	.maxactive = 4,
};

static bool fs_kret_ok;

/* where growing the set of masters spends its time */
static u64 fs_grow_reg_ns, fs_grow_fo_ns;

static int fs_pre_register(struct net_device *slave, struct net_device *master)
{
	return 0;
}

static int fs_register(struct net_device *slave, struct net_device *master)
{
	fs_paired_at = ktime_get_ns();
	fs_paired = true;
	return 0;
}

static int fs_nop(struct net_device *slave, struct net_device *master)
{
	return 0;
}

static rx_handler_result_t fs_handle_frame(struct sk_buff **pskb)
{
	return RX_HANDLER_PASS;
}

static struct failover_ops fs_ops = {
	.slave_pre_register = fs_pre_register,
	.slave_register = fs_register,
	.slave_pre_unregister = fs_nop,
	.slave_unregister = fs_nop,
	.slave_link_change = fs_nop,
	.slave_name_change = fs_nop,
	.slave_handle_frame = fs_handle_frame,
};

static netdev_tx_t fs_xmit(struct sk_buff *skb, struct net_device *dev)
{
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops fs_netdev_ops = {
	.ndo_start_xmit = fs_xmit,
};

static void fs_mac(u8 *mac, unsigned int i)
{
	mac[0] = 0x02;	/* locally administered, unicast */
	mac[1] = 0xfb;
	mac[2] = i >> 24;
	mac[3] = i >> 16;
	mac[4] = i >> 8;
	mac[5] = i;
}

static struct net_device *fs_alloc(const char *name, const u8 *mac)
{
	struct net_device *dev;

	/* no "%d" in @name: dev_alloc_name() would scan every netdev */
	dev = alloc_netdev(0, name, NET_NAME_USER, ether_setup);
	if (!dev)
		return NULL;
	dev->netdev_ops = &fs_netdev_ops;
	eth_hw_addr_set(dev, mac);	/* register_netdev copies it to perm_addr */
	return dev;
}

static int fs_grow(unsigned int n)
{
	char name[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	int err;
	u64 t;

	while (fs_count < n) {
		struct fs_instance *in = &fs_inst[fs_count];

		fs_mac(mac, fs_count + 1);
		snprintf(name, sizeof(name), "fsm%u", fs_count);
		in->dev = fs_alloc(name, mac);
		if (!in->dev)
			return -ENOMEM;
		t = ktime_get_ns();
		err = register_netdev(in->dev);
		fs_grow_reg_ns += ktime_get_ns() - t;
		if (err) {
			free_netdev(in->dev);
			return err;
		}
		t = ktime_get_ns();
		in->fo = failover_register(in->dev, &fs_ops);
		fs_grow_fo_ns += ktime_get_ns() - t;
		if (IS_ERR(in->fo)) {
			err = PTR_ERR(in->fo);
			unregister_netdev(in->dev);
			free_netdev(in->dev);
			return err;
		}
		fs_count++;
		cond_resched();
	}
	return 0;
}

static void fs_shrink(void)
{
	LIST_HEAD(kill);
	unsigned int i;

	if (!fs_count)
		return;
	rtnl_lock();
	for (i = 0; i < fs_count; i++) {
		failover_unregister(fs_inst[i].fo);
		unregister_netdevice_queue(fs_inst[i].dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
	for (i = 0; i < fs_count; i++)
		free_netdev(fs_inst[i].dev);
	fs_count = 0;
}

static int fs_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void fs_stats(char *buf, size_t len, const char *name, u64 *v,
		     unsigned int n)
{
	sort(v, n, sizeof(*v), fs_cmp, NULL);
	snprintf(buf, len, " %s %llu %llu %llu", name, n ? v[0] : 0,
		 n ? v[n / 2] : 0, n ? v[n - 1] : 0);
}

/*
 * One probe: register a netdev with permanent MAC @mac, time it, unregister
 * it.  Sets *@reg (register_netdev), *@ev (the core's notifier, 0 if the
 * kretprobe is missing) and returns 1 if the core paired it, 0 if not.
 */
static int fs_probe(const u8 *mac, u64 *reg, u64 *ev)
{
	struct net_device *dev = fs_alloc("fsprobe", mac);
	u64 t1;
	int err;

	if (!dev)
		return -ENOMEM;
	fs_paired = false;
	fs_event_seen = false;
	fs_event_ns = 0;
	fs_probe_dev = dev;
	fs_t0 = ktime_get_ns();
	err = register_netdev(dev);
	t1 = ktime_get_ns();
	fs_probe_dev = NULL;
	if (err) {
		free_netdev(dev);
		return err;
	}
	*reg = t1 - fs_t0;
	*ev = fs_event_seen ? fs_event_ns : 0;
	err = fs_paired;
	unregister_netdev(dev);
	free_netdev(dev);
	cond_resched();
	return err;
}

/* our core's failover_set_rule(); not in the stock headers this builds with */
#define FS_RULE_DENY	1
#define FS_DENY_LIST	"0000:99:00.0 0000:99:00.1 0000:99:00.2 0000:99:00.3 " \
			"02:fc:00:00:00:01 02:fc:00:00:00:02 02:fc:00:00:00:03 " \
			"02:fc:00:00:00:04"
typedef int (*fs_set_rule_t)(struct net_device *dev, int rule,
			     const char *list, void *extack);

/* Sets the deny list on every master: how many, or -ENOENT on a stock core. */
static int fs_rules(void)
{
	fs_set_rule_t set_rule = (fs_set_rule_t)__symbol_get("failover_set_rule");
	unsigned int i;
	int err = 0;

	if (!set_rule)
		return -ENOENT;
	rtnl_lock();
	for (i = 0; i < fs_count && !err; i++)
		err = set_rule(fs_inst[i].dev, FS_RULE_DENY, FS_DENY_LIST, NULL);
	rtnl_unlock();
	symbol_put_addr(set_rule);
	return err ? err : i;
}

static int fs_run(unsigned int n, unsigned int reps, bool rules)
{
	u64 *reg, *ev, *mreg, *mev;
	unsigned int r, paired = 0, missed = 0;
	u8 mac[ETH_ALEN], miss[ETH_ALEN];
	u64 g0, grow_ns;
	char a[64], b[64], c[64], d[64], e[32];
	int err;

	if (!n) {
		fs_shrink();
		return 0;
	}
	if (n > FS_MAX_INSTANCES || !reps || reps > FS_MAX_REPS)
		return -EINVAL;
	if (n < fs_count)
		fs_shrink();
	g0 = ktime_get_ns();
	err = fs_grow(n);
	grow_ns = ktime_get_ns() - g0;
	if (err)
		return err;
	e[0] = '\0';
	if (rules) {
		err = fs_rules();
		if (err < 0 && err != -ENOENT)
			return err;
		if (err == -ENOENT)
			snprintf(e, sizeof(e), " rules unavailable");
		else
			snprintf(e, sizeof(e), " rules %d", err);
	}

	reg = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	ev = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	mreg = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	mev = kcalloc(reps, sizeof(u64), GFP_KERNEL);
	if (!reg || !ev || !mreg || !mev) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(mac, fs_inst[fs_count - 1].dev->perm_addr, ETH_ALEN);
	fs_mac(miss, 0xfffffff0);	/* no instance has it */
	for (r = 0; r < reps; r++) {
		err = fs_probe(mac, &reg[r], &ev[r]);
		if (err < 0)
			goto out;
		paired += err;
		err = fs_probe(miss, &mreg[r], &mev[r]);
		if (err < 0)
			goto out;
		missed += !err;
	}
	fs_stats(a, sizeof(a), "hit_register_ns", reg, reps);
	fs_stats(b, sizeof(b), "hit_event_ns", ev, reps);
	fs_stats(c, sizeof(c), "miss_register_ns", mreg, reps);
	fs_stats(d, sizeof(d), "miss_event_ns", mev, reps);
	snprintf(fs_result, sizeof(fs_result),
		 "instances %u reps %u paired %u unpaired_misses %u kretprobe %d grow_ms %llu grow_register_netdev_ms %llu grow_failover_register_ms %llu%s%s%s%s%s\n",
		 fs_count, reps, paired, missed, fs_kret_ok, grow_ns / 1000000,
		 fs_grow_reg_ns / 1000000, fs_grow_fo_ns / 1000000,
		 a, b, c, d, e);
	err = 0;
out:
	kfree(reg);
	kfree(ev);
	kfree(mreg);
	kfree(mev);
	return err;
}

static ssize_t fs_run_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	unsigned int n, reps = 1, rules = 0;
	char buf[32];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%u %u %u", &n, &reps, &rules) < 1)
		return -EINVAL;
	mutex_lock(&fs_lock);
	err = fs_run(n, reps, rules);
	mutex_unlock(&fs_lock);
	return err ? err : len;
}

static ssize_t fs_result_read(struct file *file, char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&fs_lock);
	ret = simple_read_from_buffer(ubuf, len, ppos, fs_result,
				      strlen(fs_result));
	mutex_unlock(&fs_lock);
	return ret;
}

static const struct file_operations fs_run_fops = {
	.owner = THIS_MODULE,
	.write = fs_run_write,
};

static const struct file_operations fs_result_fops = {
	.owner = THIS_MODULE,
	.read = fs_result_read,
};

static int __init fs_init(void)
{
	fs_inst = kvcalloc(FS_MAX_INSTANCES, sizeof(*fs_inst), GFP_KERNEL);
	if (!fs_inst)
		return -ENOMEM;
	fs_kret_ok = register_kretprobe(&fs_kret) == 0;
	if (!fs_kret_ok)
		pr_warn("failover_scale: no kretprobe on failover_event: event times are 0\n");
	fs_dir = debugfs_create_dir("failover_scale", NULL);
	debugfs_create_file("run", 0200, fs_dir, NULL, &fs_run_fops);
	debugfs_create_file("result", 0400, fs_dir, NULL, &fs_result_fops);
	return 0;
}

static void __exit fs_exit(void)
{
	debugfs_remove_recursive(fs_dir);
	if (fs_kret_ok)
		unregister_kretprobe(&fs_kret);
	mutex_lock(&fs_lock);
	fs_shrink();
	mutex_unlock(&fs_lock);
	kvfree(fs_inst);
}

module_init(fs_init);
module_exit(fs_exit);
MODULE_DESCRIPTION("Failover pairing scale benchmark (test only)");
MODULE_LICENSE("GPL");
