/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The newer APIs that the failover core, net_failover and virtio_net use, or
 * their nearest effect, on older kernels. On 6.12 only the fo_*() and FO_*
 * wrappers are left: field and flag writes that a macro named after the API
 * could not redirect.
 */
#ifndef _NET_FO_COMPAT_H
#define _NET_FO_COMPAT_H

/*
 * Hidden from genksyms, which would expand the structs these headers define
 * into the CRCs on 6.1; nothing here changes an exported prototype.
 */
#ifndef __GENKSYMS__
#include <linux/version.h>
#include <linux/netdevice.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#include <linux/netlink.h>

/*
 * IFF_NO_ADDRCONF: 6.2. 6.1's addrconf gives no addresses to, and runs no
 * autoconfiguration on, a device with IFF_SLAVE in dev->flags instead.
 */
#define fo_no_addrconf_set(dev)		((dev)->flags |= IFF_SLAVE)
#define fo_no_addrconf_clear(dev)	((dev)->flags &= ~IFF_SLAVE)
#define fo_no_addrconf(dev)		(!!((dev)->flags & IFF_SLAVE))
#define FO_NO_ADDRCONF_IS_IFF_SLAVE	1

/*
 * Renaming a running netdev: 6.2. 6.1 refuses it unless IFF_LIVE_RENAME_OK
 * is set, and udev renames a VF after the master has already opened it.
 */
#define FO_IFF_FAILOVER_SLAVE	(IFF_FAILOVER_SLAVE | IFF_LIVE_RENAME_OK)
#define FO_IFF_LIVE_RENAME_OK	IFF_LIVE_RENAME_OK

/* dev->netns_immutable: 6.12 as Debian has it; a feature bit before */
#define fo_netns_immutable_set(dev)	((dev)->features |= NETIF_F_NETNS_LOCAL)

/*
 * NL_SET_ERR_MSG_FMT{,_MOD}: 6.2. 6.1's extack only points at a message, so
 * each call site has a static buffer, which the same error of a racing
 * request may overwrite before the reply is built, after RTNL is dropped.
 */
#define NETLINK_MAX_FMTMSG_LEN	80

#define NL_SET_ERR_MSG_FMT(extack, fmt, args...) do {			\
	static char __fo_msg[NETLINK_MAX_FMTMSG_LEN];			\
	struct netlink_ext_ack *__fo_extack = (extack);			\
									\
	if (!__fo_extack)						\
		break;							\
	if (snprintf(__fo_msg, sizeof(__fo_msg), fmt, ##args) >=	\
	    (int)sizeof(__fo_msg))					\
		net_warn_ratelimited("truncated extack: %s\n",		\
				     __fo_msg);				\
	do_trace_netlink_extack(__fo_msg);				\
	__fo_extack->_msg = __fo_msg;					\
} while (0)

#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...)			\
	NL_SET_ERR_MSG_FMT((extack), KBUILD_MODNAME ": " fmt, ##args)
#else
#define fo_no_addrconf_set(dev)		((dev)->priv_flags |= IFF_NO_ADDRCONF)
#define fo_no_addrconf_clear(dev)	((dev)->priv_flags &= ~IFF_NO_ADDRCONF)
#define fo_no_addrconf(dev)		(!!((dev)->priv_flags & IFF_NO_ADDRCONF))
#define FO_NO_ADDRCONF_IS_IFF_SLAVE	0
#define FO_IFF_FAILOVER_SLAVE		IFF_FAILOVER_SLAVE
#define FO_IFF_LIVE_RENAME_OK		0
#define fo_netns_immutable_set(dev)	((dev)->netns_immutable = 1)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#include <linux/ethtool.h>
#include <linux/string.h>

/* ethtool_puts(): 6.8 */
static inline void ethtool_puts(u8 **data, const char *str)
{
	strscpy(*data, str, ETH_GSTRING_LEN);
	*data += ETH_GSTRING_LEN;
}
#endif

/*
 * The one-argument __assign_str(), which takes the source from __string():
 * 6.10. Before it the source is needed again, so fo_assign_str() has it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#define fo_assign_str(dst, src)	__assign_str(dst, src)
#else
#define fo_assign_str(dst, src) do {					\
	(void)sizeof(src);						\
	__assign_str(dst);						\
} while (0)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#include <linux/slab.h>
#include <linux/virtio_config.h>

/* struct virtqueue_info and virtio_find_vqs() taking it: 6.11 */
struct virtqueue_info {
	const char *name;
	vq_callback_t *callback;
	bool ctx;
};

static inline int fo_virtio_find_vqs(struct virtio_device *vdev,
				     unsigned int nvqs,
				     struct virtqueue *vqs[],
				     struct virtqueue_info vqs_info[],
				     struct irq_affinity *desc)
{
	vq_callback_t **callbacks;
	const char **names;
	unsigned int i;
	int err = -ENOMEM;
	bool *ctx;

	callbacks = kmalloc_array(nvqs, sizeof(*callbacks), GFP_KERNEL);
	names = kmalloc_array(nvqs, sizeof(*names), GFP_KERNEL);
	ctx = kmalloc_array(nvqs, sizeof(*ctx), GFP_KERNEL);
	if (callbacks && names && ctx) {
		for (i = 0; i < nvqs; i++) {
			callbacks[i] = vqs_info[i].callback;
			names[i] = vqs_info[i].name;
			ctx[i] = vqs_info[i].ctx;
		}
		err = virtio_find_vqs_ctx(vdev, nvqs, vqs, callbacks, names,
					  ctx, desc);
	}
	kfree(ctx);
	kfree(names);
	kfree(callbacks);
	return err;
}

#define virtio_find_vqs fo_virtio_find_vqs
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <linux/netdev_features.h>
#include <linux/virtio.h>

/*
 * dev->lltx: 6.12. Before it, lockless transmit is NETIF_F_LLTX, a feature
 * no one can turn off, which the master's feature recomputation keeps.
 */
#define fo_set_lltx(dev)	((dev)->features |= NETIF_F_LLTX)

/* netdev_base_features(): 6.13, and 6.12.y */
static inline netdev_features_t netdev_base_features(netdev_features_t features)
{
	features &= ~NETIF_F_ONE_FOR_ALL;
	features |= NETIF_F_ALL_FOR_ALL;
	return features;
}

/*
 * virtqueue_resize()'s recycle_done: 6.13, and 6.12.y. Here it runs once
 * the older call has returned, when every unused buffer has been recycled.
 */
static inline int
fo_virtqueue_resize(struct virtqueue *vq, u32 num,
		    void (*recycle)(struct virtqueue *vq, void *buf),
		    void (*recycle_done)(struct virtqueue *vq))
{
	int err = virtqueue_resize(vq, num, recycle);

	if (recycle_done)
		recycle_done(vq);
	return err;
}

#define virtqueue_resize fo_virtqueue_resize
#else
#define fo_set_lltx(dev)	((dev)->lltx = true)
#endif

#endif /* !__GENKSYMS__ */
#endif /* _NET_FO_COMPAT_H */
