// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guest driver for virtio network devices.
 *
 * Every queue pair has an rx and a tx virtqueue, each with its own NAPI
 * context.  Receive buffers are carved out of per-queue page fragments; with
 * VIRTIO_NET_F_MRG_RXBUF a frame may span several of them, otherwise every
 * buffer holds one whole frame.  Transmit completions are reaped by the tx
 * NAPI under the tx queue lock, which also serialises them with xmit.
 *
 * With VIRTIO_NET_F_STANDBY the netdev becomes the standby lower device of
 * a net_failover master that is created just before the netdev registers.
 */

#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <net/fo_compat.h>
#include <net/net_failover.h>
#include <net/sock.h>

/* Frames up to this size are copied out of their buffer; larger ones only
 * have their headers copied, the payload stays in the page fragment.
 */
#define VIRTNET_COPY_LEN		128U

/* Mergeable buffers follow the average frame a queue receives: one standard
 * frame keeps the truesize of small packets low, a page per buffer means
 * fewer buffers to refill and to reap for a GSO stream.
 */
#define VIRTNET_MRG_BUF_MIN	SKB_DATA_ALIGN(sizeof(struct virtio_net_hdr_mrg_rxbuf) + \
					       VLAN_ETH_FRAME_LEN)
#define VIRTNET_MRG_BUF_MAX	PAGE_SIZE
/* the largest page fragment skb_page_frag_refill() hands out */
#define VIRTNET_SMALL_BUF_MAX	(PAGE_SIZE << SKB_FRAG_PAGE_ORDER)
/* weight of a new frame in the average: 1/2^VIRTNET_FRAME_AVG_SHIFT */
#define VIRTNET_FRAME_AVG_SHIFT	3

/* Descriptors one skb may need without indirect descriptors. */
#define VIRTNET_TX_DESC_MAX	(MAX_SKB_FRAGS + 2)
/* smallest ring ethtool -G may ask for: a power of two above the above */
#define VIRTNET_RING_MIN		32U

#define VIRTNET_REFILL_RETRY	(HZ / 2)
#define VIRTNET_TX_TIMEOUT		(5 * HZ)

/* A device that has not answered a control command by then is taken as
 * hung: callers hold RTNL meanwhile.
 */
#define VIRTNET_CTRL_TIMEOUT	(5 * HZ)
/* polls for an answer before sleeping between polls */
#define VIRTNET_CTRL_SPINS		1000

struct virtnet_rq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
	u64_stats_t errors;
	u64_stats_t kicks;
	u64_stats_t alloc_fails;
};

struct virtnet_sq_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t drops;
	u64_stats_t kicks;
	u64_stats_t stops;
	u64_stats_t wakes;
};

struct virtnet_stat_desc {
	char name[ETH_GSTRING_LEN];
	size_t offset;
};

static const struct virtnet_stat_desc virtnet_rq_stat_descs[] = {
	{ "packets",	 offsetof(struct virtnet_rq_stats, packets) },
	{ "bytes",	 offsetof(struct virtnet_rq_stats, bytes) },
	{ "drops",	 offsetof(struct virtnet_rq_stats, drops) },
	{ "errors",	 offsetof(struct virtnet_rq_stats, errors) },
	{ "kicks",	 offsetof(struct virtnet_rq_stats, kicks) },
	{ "alloc_fails", offsetof(struct virtnet_rq_stats, alloc_fails) },
};

static const struct virtnet_stat_desc virtnet_sq_stat_descs[] = {
	{ "packets",	 offsetof(struct virtnet_sq_stats, packets) },
	{ "bytes",	 offsetof(struct virtnet_sq_stats, bytes) },
	{ "drops",	 offsetof(struct virtnet_sq_stats, drops) },
	{ "kicks",	 offsetof(struct virtnet_sq_stats, kicks) },
	{ "stops",	 offsetof(struct virtnet_sq_stats, stops) },
	{ "wakes",	 offsetof(struct virtnet_sq_stats, wakes) },
};

struct virtnet_info;

struct virtnet_rq {
	struct virtnet_info *vi;
	struct virtqueue *vq;
	struct napi_struct napi;
	/* written by the NAPI poll, or by whoever holds the NAPI disabled */
	struct virtnet_rq_stats stats;
	struct page_frag alloc_frag;
	/* running average of received frame lengths, NAPI's like stats */
	unsigned int frame_avg;
	struct scatterlist sg[2];
	char name[16];
};

struct virtnet_sq {
	struct virtnet_info *vi;
	struct virtqueue *vq;
	struct napi_struct napi;
	/* written under the tx queue lock only */
	struct virtnet_sq_stats stats;
	struct scatterlist sg[VIRTNET_TX_DESC_MAX];
	char name[16];
};

/* Header and ack of a control command, kmalloc'ed so they can be mapped;
 * the ack, written by the device, gets a cache line of its own.
 */
struct virtnet_ctrl {
	struct virtio_net_ctrl_hdr hdr;
	virtio_net_ctrl_ack status ____cacheline_aligned;
};

struct virtnet_info {
	struct virtio_device *vdev;
	struct net_device *dev;
	struct virtnet_rq *rq;
	struct virtnet_sq *sq;
	struct virtqueue *cvq;
	struct failover *failover;

	u16 max_pairs;
	u16 curr_pairs;
	unsigned int hdr_len;
	unsigned int rx_buf_len;
	bool mergeable;
	/* the device takes the tx header in the same descriptor as data */
	bool any_layout;

	/* protects cvq, cvq_dead and ctrl */
	struct mutex cvq_lock;
	struct virtnet_ctrl *ctrl;
	/* a command timed out: the device still owns its buffers */
	bool cvq_dead;

	/* protects config_enabled, rx_mode_enabled and refill_enabled */
	spinlock_t work_lock;
	bool config_enabled;
	bool rx_mode_enabled;
	bool refill_enabled;

	struct work_struct config_work;
	struct work_struct rx_mode_work;
	struct delayed_work refill_work;

	/* last VIRTIO_NET_S_LINK_UP seen; config_work only */
	u16 status;
};

/*
 * Test knobs in debugfs. The data path tests only the static key, a patched
 * out jump until a knob is first set, so a production system that never
 * writes them pays nothing per packet.
 */
static DEFINE_STATIC_KEY_FALSE(virtnet_fault_key);
/* fail this many upcoming rx buffer allocations */
static atomic_t virtnet_rx_alloc_fail = ATOMIC_INIT(0);
/* queue but do not notify this many upcoming control commands (a hung device) */
static atomic_t virtnet_ctrl_unanswered = ATOMIC_INIT(0);
static struct dentry *virtnet_debugfs;

static bool virtnet_fault(atomic_t *knob)
{
	return static_branch_unlikely(&virtnet_fault_key) &&
	       atomic_dec_if_positive(knob) >= 0;
}

static bool virtnet_has(const struct virtnet_info *vi, unsigned int fbit)
{
	return virtio_has_feature(vi->vdev, fbit);
}

static unsigned int virtnet_rq_index(const struct virtnet_rq *rq)
{
	return rq - rq->vi->rq;
}

static unsigned int virtnet_sq_index(const struct virtnet_sq *sq)
{
	return sq - sq->vi->sq;
}

static void virtnet_napi_schedule(struct napi_struct *napi,
				  struct virtqueue *vq)
{
	if (napi_schedule_prep(napi)) {
		virtqueue_disable_cb(vq);
		__napi_schedule(napi);
	}
}

/* Poll once after enabling: buffers may have been used while disabled. */
static void virtnet_napi_enable(struct napi_struct *napi)
{
	napi_enable(napi);
	local_bh_disable();
	napi_schedule(napi);
	local_bh_enable();
}

static void virtnet_rx_done(struct virtqueue *vq)
{
	struct virtnet_info *vi = vq->vdev->priv;

	virtnet_napi_schedule(&vi->rq[vq->index / 2].napi, vq);
}

static void virtnet_tx_done(struct virtqueue *vq)
{
	struct virtnet_info *vi = vq->vdev->priv;

	virtnet_napi_schedule(&vi->sq[vq->index / 2].napi, vq);
}

/* Control queue */

static bool virtnet_ctrl_notify(struct virtnet_info *vi)
{
	if (virtnet_fault(&virtnet_ctrl_unanswered))
		return true;
	return virtqueue_kick(vi->cvq);
}

/*
 * Returns 0 if the device acknowledged the command, -ETIMEDOUT if it did
 * not answer in time (@out must then stay allocated: the device may still
 * read it), another negative error otherwise.
 */
static int virtnet_ctrl_cmd_sg(struct virtnet_info *vi, u8 class, u8 cmd,
			       struct scatterlist *out)
{
	struct scatterlist hdr_sg, stat_sg, *sgs[3];
	unsigned int nout = 0, len, spins = 0;
	unsigned long deadline;
	int err = -EIO;

	mutex_lock(&vi->cvq_lock);
	/* none negotiated, or gone while the device sleeps */
	if (!vi->cvq)
		goto unlock;
	if (vi->cvq_dead) {
		err = -ETIMEDOUT;
		goto unlock;
	}
	vi->ctrl->hdr.class = class;
	vi->ctrl->hdr.cmd = cmd;
	vi->ctrl->status = VIRTIO_NET_ERR;

	sg_init_one(&hdr_sg, &vi->ctrl->hdr, sizeof(vi->ctrl->hdr));
	sgs[nout++] = &hdr_sg;
	if (out)
		sgs[nout++] = out;
	sg_init_one(&stat_sg, &vi->ctrl->status, sizeof(vi->ctrl->status));
	sgs[nout] = &stat_sg;

	err = virtqueue_add_sgs(vi->cvq, sgs, nout, 1, vi, GFP_KERNEL);
	if (err) {
		dev_warn(&vi->vdev->dev, "control command %u.%u not queued: %d\n",
			 class, cmd, err);
		goto unlock;
	}
	err = -EIO;
	if (!virtnet_ctrl_notify(vi))
		goto unlock;

	/* callers need the answer before going on, and it comes soon: poll */
	deadline = jiffies + VIRTNET_CTRL_TIMEOUT;
	while (!virtqueue_get_buf(vi->cvq, &len)) {
		if (virtqueue_is_broken(vi->cvq))
			goto unlock;
		if (time_after(jiffies, deadline)) {
			/*
			 * The header, the ack and @out stay the device's until
			 * it is reset: no further command may reuse them.
			 */
			vi->cvq_dead = true;
			dev_err(&vi->vdev->dev,
				"control command %u.%u not answered in %u ms: control queue disabled until the device is reset\n",
				class, cmd,
				jiffies_to_msecs(VIRTNET_CTRL_TIMEOUT));
			err = -ETIMEDOUT;
			goto unlock;
		}
		if (spins++ < VIRTNET_CTRL_SPINS) {
			cond_resched();
			cpu_relax();
		} else {
			usleep_range(100, 200);
		}
	}
	err = vi->ctrl->status == VIRTIO_NET_OK ? 0 : -EIO;
unlock:
	mutex_unlock(&vi->cvq_lock);
	return err;
}

static bool virtnet_ctrl_cmd(struct virtnet_info *vi, u8 class, u8 cmd,
			     const void *data, size_t len)
{
	struct scatterlist sg;
	void *buf;
	int err;

	if (!len)
		return !virtnet_ctrl_cmd_sg(vi, class, cmd, NULL);

	/* callers pass stack data, which must not be DMA mapped */
	buf = kmemdup(data, len, GFP_KERNEL);
	if (!buf)
		return false;
	sg_init_one(&sg, buf, len);
	err = virtnet_ctrl_cmd_sg(vi, class, cmd, &sg);
	/* leaked on a timeout: the device may still read it */
	if (err != -ETIMEDOUT)
		kfree(buf);
	return !err;
}

/* Work item gates */

static void virtnet_schedule_refill(struct virtnet_info *vi,
				    unsigned long delay)
{
	unsigned long flags;

	spin_lock_irqsave(&vi->work_lock, flags);
	if (vi->refill_enabled)
		mod_delayed_work(system_wq, &vi->refill_work, delay);
	spin_unlock_irqrestore(&vi->work_lock, flags);
}

static void virtnet_refill_enable(struct virtnet_info *vi, bool kick)
{
	spin_lock_irq(&vi->work_lock);
	vi->refill_enabled = true;
	if (kick)
		mod_delayed_work(system_wq, &vi->refill_work, 0);
	spin_unlock_irq(&vi->work_lock);
}

static void virtnet_refill_disable(struct virtnet_info *vi)
{
	spin_lock_irq(&vi->work_lock);
	vi->refill_enabled = false;
	spin_unlock_irq(&vi->work_lock);
	cancel_delayed_work_sync(&vi->refill_work);
}

static void virtnet_rx_mode_enable(struct virtnet_info *vi, bool enable)
{
	spin_lock_irq(&vi->work_lock);
	vi->rx_mode_enabled = enable;
	spin_unlock_irq(&vi->work_lock);
	if (!enable)
		cancel_work_sync(&vi->rx_mode_work);
}

static void virtnet_config_enable(struct virtnet_info *vi, bool enable)
{
	spin_lock_irq(&vi->work_lock);
	vi->config_enabled = enable;
	if (enable)
		schedule_work(&vi->config_work);
	spin_unlock_irq(&vi->work_lock);
	if (!enable)
		cancel_work_sync(&vi->config_work);
}

/* Frees what the device has sent; the caller holds the tx queue lock. */
static void virtnet_tx_reclaim(struct virtnet_sq *sq, struct netdev_queue *txq,
			       int budget)
{
	unsigned int len, pkts = 0, bytes = 0;
	struct sk_buff *skb;

	while ((skb = virtqueue_get_buf(sq->vq, &len))) {
		pkts++;
		bytes += skb->len;
		napi_consume_skb(skb, budget);
	}
	if (!pkts)
		return;

	netdev_tx_completed_queue(txq, pkts, bytes);
	u64_stats_update_begin(&sq->stats.syncp);
	u64_stats_add(&sq->stats.packets, pkts);
	u64_stats_add(&sq->stats.bytes, bytes);
	if (netif_tx_queue_stopped(txq) &&
	    sq->vq->num_free >= VIRTNET_TX_DESC_MAX) {
		netif_tx_wake_queue(txq);
		u64_stats_inc(&sq->stats.wakes);
	}
	u64_stats_update_end(&sq->stats.syncp);
}

/* Receive */

static void virtnet_rq_stat_inc(struct virtnet_rq *rq, u64_stats_t *stat)
{
	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_inc(stat);
	u64_stats_update_end(&rq->stats.syncp);
}

static int virtnet_rx_add_buf(struct virtnet_info *vi, struct virtnet_rq *rq,
			      gfp_t gfp)
{
	struct page_frag *pf = &rq->alloc_frag;
	unsigned int len = vi->rx_buf_len;
	unsigned int hole, nsg;
	char *buf;
	int err;

	if (vi->mergeable)
		len = ALIGN(clamp_t(unsigned int, rq->frame_avg,
				    VIRTNET_MRG_BUF_MIN, VIRTNET_MRG_BUF_MAX),
			    SMP_CACHE_BYTES);

	if (virtnet_fault(&virtnet_rx_alloc_fail))
		return -ENOMEM;
	if (unlikely(!skb_page_frag_refill(len, pf, gfp)))
		return -ENOMEM;
	/* A jumbo small-mode buffer may not fit the order-0 fallback page;
	 * drop it so that the next attempt tries a compound page again.
	 */
	if (unlikely(pf->offset + len > pf->size)) {
		put_page(pf->page);
		pf->page = NULL;
		return -ENOMEM;
	}

	buf = (char *)page_address(pf->page) + pf->offset;
	pf->offset += len;
	hole = pf->size - pf->offset;
	if (hole < len) {
		/* too small for another buffer: give it to this one */
		len += hole;
		pf->offset += hole;
	}
	get_page(pf->page);

	if (vi->mergeable) {
		sg_init_one(rq->sg, buf, len);
		nsg = 1;
	} else {
		/* header apart, as legacy devices without ANY_LAYOUT need */
		sg_init_table(rq->sg, 2);
		sg_set_buf(&rq->sg[0], buf, vi->hdr_len);
		sg_set_buf(&rq->sg[1], buf + vi->hdr_len, len - vi->hdr_len);
		nsg = 2;
	}

	err = virtqueue_add_inbuf_ctx(rq->vq, rq->sg, nsg, buf,
				      (void *)(unsigned long)len, gfp);
	if (err < 0)
		put_page(virt_to_head_page(buf));
	return err;
}

/* Returns false if the ring could not be filled for lack of memory. */
static bool virtnet_rx_refill(struct virtnet_info *vi, struct virtnet_rq *rq,
			      gfp_t gfp)
{
	bool oom = false;
	int err;

	while (rq->vq->num_free) {
		err = virtnet_rx_add_buf(vi, rq, gfp);
		if (err) {
			oom = err == -ENOMEM;
			break;
		}
	}
	if (oom)
		virtnet_rq_stat_inc(rq, &rq->stats.alloc_fails);
	if (virtqueue_kick_prepare(rq->vq) && virtqueue_notify(rq->vq))
		virtnet_rq_stat_inc(rq, &rq->stats.kicks);
	return !oom;
}

static void virtnet_refill_work(struct work_struct *work)
{
	struct virtnet_info *vi = container_of(to_delayed_work(work),
					       struct virtnet_info,
					       refill_work);
	bool retry = false;
	unsigned int i;

	for (i = 0; i < vi->curr_pairs; i++) {
		struct virtnet_rq *rq = &vi->rq[i];

		/* the rx virtqueue is NAPI's while it is enabled */
		napi_disable(&rq->napi);
		if (!virtnet_rx_refill(vi, rq, GFP_KERNEL))
			retry = true;
		virtnet_napi_enable(&rq->napi);
	}
	if (retry)
		virtnet_schedule_refill(vi, VIRTNET_REFILL_RETRY);
}

static void virtnet_rx_drop_bufs(struct virtnet_rq *rq, unsigned int num)
{
	unsigned int len;
	void *buf;

	while (num--) {
		buf = virtqueue_get_buf(rq->vq, &len);
		if (!buf)
			break;
		put_page(virt_to_head_page(buf));
	}
}

/* Appends a buffer to a frame, chaining skbs once the frags run out. */
static struct sk_buff *virtnet_rx_add_frag(struct virtnet_rq *rq,
					   struct sk_buff *head,
					   struct sk_buff *curr,
					   struct page *page,
					   unsigned int off, unsigned int len,
					   unsigned int truesize)
{
	int nr = skb_shinfo(curr)->nr_frags;

	if (skb_can_coalesce(curr, nr, page, off)) {
		put_page(page);
		skb_coalesce_rx_frag(curr, nr - 1, len, truesize);
	} else {
		if (nr == MAX_SKB_FRAGS) {
			struct sk_buff *nskb = napi_alloc_skb(&rq->napi, 0);

			if (unlikely(!nskb))
				return NULL;
			if (curr == head)
				skb_shinfo(head)->frag_list = nskb;
			else
				curr->next = nskb;
			curr = nskb;
			nr = 0;
		}
		skb_add_rx_frag(curr, nr, page, off, len, truesize);
	}

	if (curr != head) {
		head->len += len;
		head->data_len += len;
		head->truesize += truesize;
	}
	return curr;
}

struct virtnet_rx_count {
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 errors;
};

static void virtnet_rx_one(struct virtnet_info *vi, struct virtnet_rq *rq,
			   void *buf, unsigned int len, void *ctx,
			   struct virtnet_rx_count *c)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	unsigned int truesize = (unsigned long)ctx;
	struct page *page = virt_to_head_page(buf);
	unsigned int off = (char *)buf - (char *)page_address(page);
	struct sk_buff *skb, *curr;
	unsigned int dlen, copy;
	u16 num_buf = 1;

	if (unlikely(len < vi->hdr_len + ETH_HLEN || len > truesize)) {
		netdev_dbg(vi->dev, "rx: bad buffer length %u\n", len);
		put_page(page);
		c->errors++;
		return;
	}

	memcpy(&hdr, buf, vi->hdr_len);
	if (vi->mergeable) {
		num_buf = virtio16_to_cpu(vi->vdev, hdr.num_buffers);
		if (unlikely(!num_buf)) {
			put_page(page);
			c->errors++;
			return;
		}
	}

	dlen = len - vi->hdr_len;
	off += vi->hdr_len;
	skb = napi_alloc_skb(&rq->napi, VIRTNET_COPY_LEN);
	if (unlikely(!skb)) {
		put_page(page);
		virtnet_rx_drop_bufs(rq, num_buf - 1);
		c->drops++;
		return;
	}
	copy = min(dlen, VIRTNET_COPY_LEN);
	skb_put_data(skb, page_address(page) + off, copy);
	if (dlen > copy)
		skb_add_rx_frag(skb, 0, page, off + copy, dlen - copy, truesize);
	else
		put_page(page);

	curr = skb;
	while (--num_buf) {
		buf = virtqueue_get_buf_ctx(rq->vq, &len, &ctx);
		if (unlikely(!buf)) {
			netdev_dbg(vi->dev, "rx: %u buffers missing\n", num_buf);
			goto err_frame;
		}
		truesize = (unsigned long)ctx;
		page = virt_to_head_page(buf);
		if (unlikely(len > truesize)) {
			put_page(page);
			virtnet_rx_drop_bufs(rq, num_buf - 1);
			goto err_frame;
		}
		if (unlikely(!len)) {
			put_page(page);
			continue;
		}
		off = (char *)buf - (char *)page_address(page);
		curr = virtnet_rx_add_frag(rq, skb, curr, page, off, len,
					   truesize);
		if (unlikely(!curr)) {
			put_page(page);
			virtnet_rx_drop_bufs(rq, num_buf - 1);
			dev_kfree_skb(skb);
			c->drops++;
			return;
		}
		dlen += len;
	}

	if (hdr.hdr.flags & VIRTIO_NET_HDR_F_DATA_VALID)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (unlikely(virtio_net_hdr_to_skb(skb, &hdr.hdr,
					   virtio_is_little_endian(vi->vdev)))) {
		netdev_dbg(vi->dev, "rx: bad virtio header, gso_type %u\n",
			   hdr.hdr.gso_type);
		goto err_frame;
	}

	skb_record_rx_queue(skb, virtnet_rq_index(rq));
	skb->protocol = eth_type_trans(skb, vi->dev);
	c->packets++;
	c->bytes += dlen;
	rq->frame_avg += ((dlen + vi->hdr_len) >> VIRTNET_FRAME_AVG_SHIFT) -
			 (rq->frame_avg >> VIRTNET_FRAME_AVG_SHIFT);
	napi_gro_receive(&rq->napi, skb);
	return;

err_frame:
	dev_kfree_skb(skb);
	c->errors++;
}

/*
 * A TCP sender's ACKs arrive here: freeing its completed skbs now lets it
 * send again without waiting for the (deliberately late) tx interrupt.
 * Whoever holds the tx lock is reaping or about to.
 */
static void virtnet_rx_reap_tx(struct virtnet_rq *rq, int budget)
{
	struct virtnet_info *vi = rq->vi;
	unsigned int qi = virtnet_rq_index(rq);
	struct netdev_queue *txq = netdev_get_tx_queue(vi->dev, qi);

	if (!__netif_tx_trylock(txq))
		return;
	virtnet_tx_reclaim(&vi->sq[qi], txq, budget);
	__netif_tx_unlock(txq);
}

static int virtnet_rx_poll(struct napi_struct *napi, int budget)
{
	struct virtnet_rq *rq = container_of(napi, struct virtnet_rq, napi);
	struct virtnet_info *vi = rq->vi;
	struct virtnet_rx_count c = {};
	unsigned int len, opaque;
	void *buf, *ctx;
	int done = 0;

	virtnet_rx_reap_tx(rq, budget);

	while (done < budget &&
	       (buf = virtqueue_get_buf_ctx(rq->vq, &len, &ctx))) {
		virtnet_rx_one(vi, rq, buf, len, ctx, &c);
		done++;
	}

	if (rq->vq->num_free > virtqueue_get_vring_size(rq->vq) / 2 &&
	    !virtnet_rx_refill(vi, rq, GFP_ATOMIC | __GFP_NOWARN))
		virtnet_schedule_refill(vi, 0);

	u64_stats_update_begin(&rq->stats.syncp);
	u64_stats_add(&rq->stats.packets, c.packets);
	u64_stats_add(&rq->stats.bytes, c.bytes);
	u64_stats_add(&rq->stats.drops, c.drops);
	u64_stats_add(&rq->stats.errors, c.errors);
	u64_stats_update_end(&rq->stats.syncp);

	if (done < budget) {
		opaque = virtqueue_enable_cb_prepare(rq->vq);
		if (napi_complete_done(napi, done) &&
		    unlikely(virtqueue_poll(rq->vq, opaque)))
			virtnet_napi_schedule(napi, rq->vq);
	}
	return done;
}

/* Transmit */

static int virtnet_tx_poll(struct napi_struct *napi, int budget)
{
	struct virtnet_sq *sq = container_of(napi, struct virtnet_sq, napi);
	struct netdev_queue *txq;
	bool done;

	txq = netdev_get_tx_queue(sq->vi->dev, virtnet_sq_index(sq));
	__netif_tx_lock(txq, raw_smp_processor_id());
	virtqueue_disable_cb(sq->vq);
	virtnet_tx_reclaim(sq, txq, budget);
	if (!budget) {
		/* netpoll: NAPI stays scheduled and will run again */
		__netif_tx_unlock(txq);
		return 0;
	}
	done = napi_complete_done(napi, 0);
	/*
	 * Completions are reaped by xmit and by the rx poll as well; an
	 * interrupt is only needed once most of what is in flight is done
	 * (a stopped queue, a socket waiting for its skbs), so ask for one
	 * late.  If that point has already passed, poll again.
	 */
	if (done && unlikely(!virtqueue_enable_cb_delayed(sq->vq)))
		virtnet_napi_schedule(napi, sq->vq);
	__netif_tx_unlock(txq);
	return 0;
}

static int virtnet_tx_add(struct virtnet_info *vi, struct virtnet_sq *sq,
			  struct sk_buff *skb)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	void *hdr_buf;
	int n;

	if (virtio_net_hdr_from_skb(skb, &hdr.hdr,
				    virtio_is_little_endian(vi->vdev),
				    false, 0))
		return -EPROTO;
	hdr.num_buffers = 0;

	/* The header goes in the headroom, just before the data. */
	if (skb_cow_head(skb, vi->hdr_len))
		return -ENOMEM;
	hdr_buf = skb->data - vi->hdr_len;
	memcpy(hdr_buf, &hdr, vi->hdr_len);

	sg_init_table(sq->sg, skb_shinfo(skb)->nr_frags + 2);
	if (vi->any_layout) {
		/*
		 * One descriptor for the header and the linear part: a
		 * linear skb (a pure ACK) then takes a single descriptor
		 * rather than an indirect table allocated for it.
		 */
		__skb_push(skb, vi->hdr_len);
		n = skb_to_sgvec(skb, sq->sg, 0, skb->len);
		__skb_pull(skb, vi->hdr_len);
	} else {
		/* legacy devices want the header in a descriptor alone */
		sg_set_buf(sq->sg, hdr_buf, vi->hdr_len);
		n = skb_to_sgvec(skb, sq->sg + 1, 0, skb->len);
		if (n >= 0)
			n++;
	}
	if (n < 0)
		return n;
	return virtqueue_add_outbuf(sq->vq, sq->sg, n, skb, GFP_ATOMIC);
}

static netdev_tx_t virtnet_start_xmit(struct sk_buff *skb,
				      struct net_device *dev)
{
	struct virtnet_info *vi = netdev_priv(dev);
	unsigned int qi = skb_get_queue_mapping(skb);
	struct netdev_queue *txq = netdev_get_tx_queue(dev, qi);
	struct virtnet_sq *sq = &vi->sq[qi];
	bool more = netdev_xmit_more();
	unsigned int len = skb->len;
	bool kick;
	int err;

	/* cheaper here, under the lock we hold anyway, than in an interrupt */
	virtnet_tx_reclaim(sq, txq, 0);

	skb_tx_timestamp(skb);
	nf_reset_ct(skb);
	err = virtnet_tx_add(vi, sq, skb);
	if (unlikely(err)) {
		net_dbg_ratelimited("%s: tx dropped: %d\n", dev->name, err);
		dev_kfree_skb_any(skb);
		u64_stats_update_begin(&sq->stats.syncp);
		u64_stats_inc(&sq->stats.drops);
		u64_stats_update_end(&sq->stats.syncp);
	}

	/* Stop before BQL accounting, so that a stop forces the kick. */
	if (sq->vq->num_free < VIRTNET_TX_DESC_MAX) {
		netif_tx_stop_queue(txq);
		u64_stats_update_begin(&sq->stats.syncp);
		u64_stats_inc(&sq->stats.stops);
		u64_stats_update_end(&sq->stats.syncp);
	}

	if (err)
		kick = !more || netif_xmit_stopped(txq);
	else
		kick = __netdev_tx_sent_queue(txq, len, more);

	if (kick && virtqueue_kick_prepare(sq->vq) &&
	    virtqueue_notify(sq->vq)) {
		u64_stats_update_begin(&sq->stats.syncp);
		u64_stats_inc(&sq->stats.kicks);
		u64_stats_update_end(&sq->stats.syncp);
	}
	return NETDEV_TX_OK;
}

/* Netdev operations */

static int virtnet_open(struct net_device *dev)
{
	struct virtnet_info *vi = netdev_priv(dev);
	bool retry = false;
	unsigned int i;

	ASSERT_RTNL();
	for (i = 0; i < vi->max_pairs; i++) {
		if (i < vi->curr_pairs &&
		    !virtnet_rx_refill(vi, &vi->rq[i], GFP_KERNEL))
			retry = true;
		virtnet_napi_enable(&vi->rq[i].napi);
		virtnet_napi_enable(&vi->sq[i].napi);
	}
	virtnet_refill_enable(vi, retry);
	netif_tx_start_all_queues(dev);
	return 0;
}

static int virtnet_stop(struct net_device *dev)
{
	struct virtnet_info *vi = netdev_priv(dev);
	unsigned int i;

	ASSERT_RTNL();
	/* the refill work would re-enable NAPI behind our back */
	virtnet_refill_disable(vi);
	netif_tx_disable(dev);
	for (i = 0; i < vi->max_pairs; i++) {
		napi_disable(&vi->rq[i].napi);
		napi_disable(&vi->sq[i].napi);
	}
	return 0;
}

/* A modern device without CTRL_MAC_ADDR cannot be told; the address then
 * works as far as its receive filter lets frames through.
 */
static bool virtnet_push_mac(struct virtnet_info *vi, const u8 *addr)
{
	unsigned int i;

	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_MAC_ADDR))
		return virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_MAC,
					VIRTIO_NET_CTRL_MAC_ADDR_SET,
					addr, ETH_ALEN);
	if (!virtnet_has(vi, VIRTIO_F_VERSION_1)) {
		/* legacy devices take the address through config space */
		for (i = 0; i < ETH_ALEN; i++)
			virtio_cwrite8(vi->vdev,
				       offsetof(struct virtio_net_config, mac) + i,
				       addr[i]);
	}
	return true;
}

static int virtnet_set_mac_address(struct net_device *dev, void *p)
{
	struct virtnet_info *vi = netdev_priv(dev);
	struct sockaddr *sa = p;
	int err;

	ASSERT_RTNL();
	/* net_failover pairs the standby with its primary by MAC */
	if (vi->failover) {
		netdev_warn(dev, "MAC of a failover standby cannot change\n");
		return -EBUSY;
	}

	err = eth_prepare_mac_addr_change(dev, p);
	if (err)
		return err;

	if (!virtnet_push_mac(vi, sa->sa_data))
		return -EIO;
	eth_commit_mac_addr_change(dev, p);
	return 0;
}

static void virtnet_set_rx_mode(struct net_device *dev)
{
	struct virtnet_info *vi = netdev_priv(dev);
	unsigned long flags;

	if (!virtnet_has(vi, VIRTIO_NET_F_CTRL_RX))
		return;

	/* called atomically, and control commands sleep */
	spin_lock_irqsave(&vi->work_lock, flags);
	if (vi->rx_mode_enabled)
		schedule_work(&vi->rx_mode_work);
	spin_unlock_irqrestore(&vi->work_lock, flags);
}

static void virtnet_rx_mode_work(struct work_struct *work)
{
	struct virtnet_info *vi = container_of(work, struct virtnet_info,
					       rx_mode_work);
	struct virtio_device *vdev = vi->vdev;
	struct net_device *dev = vi->dev;
	struct virtio_net_ctrl_mac *uc, *mc;
	unsigned int uc_cnt, mc_cnt, i;
	struct netdev_hw_addr *ha;
	struct scatterlist sg[2];
	size_t uc_len, mc_len;
	u8 promisc, allmulti;
	void *buf;
	int err;

	rtnl_lock();
	promisc = !!(dev->flags & IFF_PROMISC);
	allmulti = !!(dev->flags & IFF_ALLMULTI);

	if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_RX,
			      VIRTIO_NET_CTRL_RX_PROMISC,
			      &promisc, sizeof(promisc)))
		netdev_warn(dev, "failed to %s promiscuous mode\n",
			    promisc ? "enable" : "disable");
	if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_RX,
			      VIRTIO_NET_CTRL_RX_ALLMULTI,
			      &allmulti, sizeof(allmulti)))
		netdev_warn(dev, "failed to %s all-multicast mode\n",
			    allmulti ? "enable" : "disable");

	netif_addr_lock_bh(dev);
	uc_cnt = netdev_uc_count(dev);
	mc_cnt = netdev_mc_count(dev);
	uc_len = struct_size(uc, macs, uc_cnt);
	mc_len = struct_size(mc, macs, mc_cnt);
	buf = kzalloc(uc_len + mc_len, GFP_ATOMIC);
	if (!buf) {
		netif_addr_unlock_bh(dev);
		goto out;
	}
	uc = buf;
	uc->entries = cpu_to_virtio32(vdev, uc_cnt);
	i = 0;
	netdev_for_each_uc_addr(ha, dev)
		ether_addr_copy(uc->macs[i++], ha->addr);
	mc = buf + uc_len;
	mc->entries = cpu_to_virtio32(vdev, mc_cnt);
	i = 0;
	netdev_for_each_mc_addr(ha, dev)
		ether_addr_copy(mc->macs[i++], ha->addr);
	netif_addr_unlock_bh(dev);

	/* one descriptor per table, as legacy devices expect */
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], uc, uc_len);
	sg_set_buf(&sg[1], mc, mc_len);
	err = virtnet_ctrl_cmd_sg(vi, VIRTIO_NET_CTRL_MAC,
				  VIRTIO_NET_CTRL_MAC_TABLE_SET, sg);
	if (err)
		netdev_warn(dev, "failed to set MAC filter (%u uc, %u mc)\n",
			    uc_cnt, mc_cnt);
	/* leaked on a timeout: the device may still read it */
	if (err != -ETIMEDOUT)
		kfree(buf);
out:
	rtnl_unlock();
}

static int virtnet_vlan_rx_add_vid(struct net_device *dev, __be16 proto,
				   u16 vid)
{
	struct virtnet_info *vi = netdev_priv(dev);
	__virtio16 v = cpu_to_virtio16(vi->vdev, vid);

	ASSERT_RTNL();
	if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_VLAN,
			      VIRTIO_NET_CTRL_VLAN_ADD, &v, sizeof(v))) {
		netdev_warn(dev, "failed to add VLAN %u filter\n", vid);
		return -EIO;
	}
	return 0;
}

static int virtnet_vlan_rx_kill_vid(struct net_device *dev, __be16 proto,
				    u16 vid)
{
	struct virtnet_info *vi = netdev_priv(dev);
	__virtio16 v = cpu_to_virtio16(vi->vdev, vid);

	ASSERT_RTNL();
	if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_VLAN,
			      VIRTIO_NET_CTRL_VLAN_DEL, &v, sizeof(v))) {
		netdev_warn(dev, "failed to remove VLAN %u filter\n", vid);
		return -EIO;
	}
	return 0;
}

/* The receive offloads negotiated at probe, as far as @features allow. */
static u64 virtnet_guest_offloads(struct virtnet_info *vi,
				  netdev_features_t features)
{
	/* only bits in virtnet_features: virtio_has_feature() BUGs on others */
	static const unsigned int gso_bits[] = {
		VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
	};
	u64 offloads = 0;
	unsigned int i;

	/* without checksum offload the device may not coalesce either */
	if (!(features & NETIF_F_RXCSUM) ||
	    !virtnet_has(vi, VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	offloads |= BIT_ULL(VIRTIO_NET_F_GUEST_CSUM);
	if (!(features & NETIF_F_GRO_HW))
		return offloads;
	for (i = 0; i < ARRAY_SIZE(gso_bits); i++)
		if (virtnet_has(vi, gso_bits[i]))
			offloads |= BIT_ULL(gso_bits[i]);
	return offloads;
}

static int virtnet_set_guest_offloads(struct virtnet_info *vi,
				      netdev_features_t features)
{
	__virtio64 v = cpu_to_virtio64(vi->vdev,
				       virtnet_guest_offloads(vi, features));

	if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_GUEST_OFFLOADS,
			      VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET,
			      &v, sizeof(v)))
		return -EIO;
	return 0;
}

static int virtnet_set_features(struct net_device *dev,
				netdev_features_t features)
{
	struct virtnet_info *vi = netdev_priv(dev);
	netdev_features_t changed = dev->features ^ features;
	int err;

	ASSERT_RTNL();
	if (!(changed & (NETIF_F_RXCSUM | NETIF_F_GRO_HW)) ||
	    !virtnet_has(vi, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS))
		return 0;
	err = virtnet_set_guest_offloads(vi, features);
	if (err)
		netdev_warn(dev, "device refused receive offloads %#llx\n",
			    virtnet_guest_offloads(vi, features));
	return err;
}

static void virtnet_get_stats64(struct net_device *dev,
				struct rtnl_link_stats64 *tot)
{
	struct virtnet_info *vi = netdev_priv(dev);
	unsigned int i, start;

	for (i = 0; i < vi->max_pairs; i++) {
		struct virtnet_rq_stats *rs = &vi->rq[i].stats;
		struct virtnet_sq_stats *ss = &vi->sq[i].stats;
		u64 rp, rb, rd, re, tp, tb, td;

		do {
			start = u64_stats_fetch_begin(&rs->syncp);
			rp = u64_stats_read(&rs->packets);
			rb = u64_stats_read(&rs->bytes);
			rd = u64_stats_read(&rs->drops);
			re = u64_stats_read(&rs->errors);
		} while (u64_stats_fetch_retry(&rs->syncp, start));

		do {
			start = u64_stats_fetch_begin(&ss->syncp);
			tp = u64_stats_read(&ss->packets);
			tb = u64_stats_read(&ss->bytes);
			td = u64_stats_read(&ss->drops);
		} while (u64_stats_fetch_retry(&ss->syncp, start));

		tot->rx_packets += rp;
		tot->rx_bytes += rb;
		tot->rx_dropped += rd;
		tot->rx_errors += re;
		tot->tx_packets += tp;
		tot->tx_bytes += tb;
		tot->tx_dropped += td;
	}
}

static void virtnet_tx_timeout(struct net_device *dev, unsigned int txqueue)
{
	struct virtnet_info *vi = netdev_priv(dev);

	netdev_warn(dev, "tx queue %u timed out, %u descriptors free\n",
		    txqueue, vi->sq[txqueue].vq->num_free);
}

static int virtnet_get_phys_port_name(struct net_device *dev, char *buf,
				      size_t len)
{
	struct virtnet_info *vi = netdev_priv(dev);

	if (!vi->failover)
		return -EOPNOTSUPP;
	if (snprintf(buf, len, "sby") >= len)
		return -EOPNOTSUPP;
	return 0;
}

static const struct net_device_ops virtnet_netdev_ops = {
	.ndo_open		= virtnet_open,
	.ndo_stop		= virtnet_stop,
	.ndo_start_xmit		= virtnet_start_xmit,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_set_mac_address	= virtnet_set_mac_address,
	.ndo_set_rx_mode	= virtnet_set_rx_mode,
	.ndo_set_features	= virtnet_set_features,
	.ndo_get_stats64	= virtnet_get_stats64,
	.ndo_vlan_rx_add_vid	= virtnet_vlan_rx_add_vid,
	.ndo_vlan_rx_kill_vid	= virtnet_vlan_rx_kill_vid,
	.ndo_tx_timeout		= virtnet_tx_timeout,
	.ndo_get_phys_port_name	= virtnet_get_phys_port_name,
	.ndo_features_check	= passthru_features_check,
};

/* Queue pairs */

static int virtnet_set_pairs(struct virtnet_info *vi, u16 pairs)
{
	struct net_device *dev = vi->dev;
	bool running = netif_running(dev);
	__virtio16 v = cpu_to_virtio16(vi->vdev, pairs);
	u16 old = vi->curr_pairs;
	bool retry = false;
	unsigned int i;
	int err;

	ASSERT_RTNL();
	if (pairs == old)
		return 0;

	/* the refill work walks the active queues */
	if (running)
		virtnet_refill_disable(vi);

	if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_MQ,
			      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &v, sizeof(v))) {
		netdev_warn(dev, "device refused %u queue pairs\n", pairs);
		err = -EIO;
		goto out;
	}
	vi->curr_pairs = pairs;

	err = netif_set_real_num_queues(dev, pairs, pairs);
	if (err) {
		netdev_warn(dev, "failed to use %u queue pairs: %d\n",
			    pairs, err);
		goto out;
	}

	for (i = old; i < pairs; i++) {
		struct netdev_queue *txq = netdev_get_tx_queue(dev, i);

		/* Skbs left on a queue when it was disabled still count in
		 * BQL: have the device look at them again.
		 */
		__netif_tx_lock_bh(txq);
		virtqueue_notify(vi->sq[i].vq);
		__netif_tx_unlock_bh(txq);

		if (!running)
			continue;
		napi_disable(&vi->rq[i].napi);
		if (!virtnet_rx_refill(vi, &vi->rq[i], GFP_KERNEL))
			retry = true;
		virtnet_napi_enable(&vi->rq[i].napi);
	}
out:
	if (running)
		virtnet_refill_enable(vi, retry);
	return err;
}

/* Ethtool */

static void virtnet_get_drvinfo(struct net_device *dev,
				struct ethtool_drvinfo *info)
{
	struct virtnet_info *vi = netdev_priv(dev);

	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, FO_VERSION, sizeof(info->version));
	strscpy(info->bus_info, virtio_bus_name(vi->vdev),
		sizeof(info->bus_info));
}

static void virtnet_get_ringparam(struct net_device *dev,
				  struct ethtool_ringparam *ring,
				  struct kernel_ethtool_ringparam *kring,
				  struct netlink_ext_ack *extack)
{
	struct virtnet_info *vi = netdev_priv(dev);

	ring->rx_max_pending = vi->rq[0].vq->num_max;
	ring->tx_max_pending = vi->sq[0].vq->num_max;
	ring->rx_pending = virtqueue_get_vring_size(vi->rq[0].vq);
	ring->tx_pending = virtqueue_get_vring_size(vi->sq[0].vq);
}

static void virtnet_rx_recycle(struct virtqueue *vq, void *buf)
{
	put_page(virt_to_head_page(buf));
}

static void virtnet_tx_recycle(struct virtqueue *vq, void *buf)
{
	dev_kfree_skb_any(buf);
}

/* The pair's NAPIs and xmit are stopped around it when the netdev runs. */
static int virtnet_resize_pair(struct virtnet_info *vi, unsigned int i, u32 rx,
			       u32 tx, bool running)
{
	struct netdev_queue *txq = netdev_get_tx_queue(vi->dev, i);
	struct virtnet_rq *rq = &vi->rq[i];
	struct virtnet_sq *sq = &vi->sq[i];
	int err = 0, err_tx = 0;

	if (running) {
		/* the rx NAPI reaps tx completions too */
		napi_disable(&rq->napi);
		napi_disable(&sq->napi);
		__netif_tx_lock_bh(txq);
		netif_tx_stop_queue(txq);
		__netif_tx_unlock_bh(txq);
	}

	if (rx != virtqueue_get_vring_size(rq->vq))
		err = virtqueue_resize(rq->vq, rx, virtnet_rx_recycle, NULL);
	if (tx != virtqueue_get_vring_size(sq->vq)) {
		err_tx = virtqueue_resize(sq->vq, tx, virtnet_tx_recycle, NULL);
		/* the recycled skbs never complete */
		netdev_tx_reset_queue(txq);
	}

	if (running) {
		if (i < vi->curr_pairs &&
		    !virtnet_rx_refill(vi, rq, GFP_KERNEL))
			virtnet_schedule_refill(vi, VIRTNET_REFILL_RETRY);
		netif_tx_wake_queue(txq);
		virtnet_napi_enable(&sq->napi);
		virtnet_napi_enable(&rq->napi);
	}
	return err ?: err_tx;
}

static int virtnet_set_ringparam(struct net_device *dev,
				 struct ethtool_ringparam *ring,
				 struct kernel_ethtool_ringparam *kring,
				 struct netlink_ext_ack *extack)
{
	struct virtnet_info *vi = netdev_priv(dev);
	bool running = netif_running(dev);
	u32 rx = ring->rx_pending, tx = ring->tx_pending;
	unsigned int i;
	int err = 0;

	ASSERT_RTNL();
	if (rx == virtqueue_get_vring_size(vi->rq[0].vq) &&
	    tx == virtqueue_get_vring_size(vi->sq[0].vq))
		return 0;
	/* a ring is resized by resetting it alone */
	if (!virtnet_has(vi, VIRTIO_F_RING_RESET)) {
		NL_SET_ERR_MSG_MOD(extack, "device cannot reset a single queue");
		return -EOPNOTSUPP;
	}
	/* split rings come in powers of two; a full tx ring holds one skb */
	if (!is_power_of_2(rx) || !is_power_of_2(tx) ||
	    rx < VIRTNET_RING_MIN || tx < VIRTNET_RING_MIN) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "ring sizes must be powers of two, at least %u",
				       VIRTNET_RING_MIN);
		return -EINVAL;
	}

	/* the refill work would re-enable the rx NAPIs behind our back */
	if (running)
		virtnet_refill_disable(vi);
	/* all pairs, used or not, so that a later ethtool -L finds them alike */
	for (i = 0; i < vi->max_pairs && !err; i++)
		err = virtnet_resize_pair(vi, i, rx, tx, running);
	if (running)
		virtnet_refill_enable(vi, false);
	if (err) {
		netdev_warn(dev, "resizing queue pair %u to %u/%u failed: %d\n",
			    i - 1, rx, tx, err);
		NL_SET_ERR_MSG_MOD(extack, "device refused the ring size");
	}
	return err;
}

static void virtnet_get_channels(struct net_device *dev,
				 struct ethtool_channels *ch)
{
	struct virtnet_info *vi = netdev_priv(dev);

	ch->max_combined = vi->max_pairs;
	ch->combined_count = vi->curr_pairs;
}

static int virtnet_set_channels(struct net_device *dev,
				struct ethtool_channels *ch)
{
	struct virtnet_info *vi = netdev_priv(dev);

	ASSERT_RTNL();
	if (ch->rx_count || ch->tx_count || ch->other_count)
		return -EINVAL;
	if (!ch->combined_count || ch->combined_count > vi->max_pairs)
		return -EINVAL;
	if (ch->combined_count == vi->curr_pairs)
		return 0;
	if (!virtnet_has(vi, VIRTIO_NET_F_MQ))
		return -EOPNOTSUPP;
	return virtnet_set_pairs(vi, ch->combined_count);
}

static int virtnet_get_sset_count(struct net_device *dev, int sset)
{
	struct virtnet_info *vi = netdev_priv(dev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return vi->curr_pairs * (ARRAY_SIZE(virtnet_rq_stat_descs) +
				 ARRAY_SIZE(virtnet_sq_stat_descs));
}

static void virtnet_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	struct virtnet_info *vi = netdev_priv(dev);
	unsigned int i, j;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < vi->curr_pairs; i++) {
		for (j = 0; j < ARRAY_SIZE(virtnet_rq_stat_descs); j++)
			ethtool_sprintf(&data, "rx_queue_%u_%s", i,
					virtnet_rq_stat_descs[j].name);
		for (j = 0; j < ARRAY_SIZE(virtnet_sq_stat_descs); j++)
			ethtool_sprintf(&data, "tx_queue_%u_%s", i,
					virtnet_sq_stat_descs[j].name);
	}
}

static void virtnet_read_stats(const struct u64_stats_sync *syncp,
			       const void *base,
			       const struct virtnet_stat_desc *descs,
			       unsigned int n, u64 *data)
{
	unsigned int start, j;

	do {
		start = u64_stats_fetch_begin(syncp);
		for (j = 0; j < n; j++)
			data[j] = u64_stats_read(base + descs[j].offset);
	} while (u64_stats_fetch_retry(syncp, start));
}

static void virtnet_get_ethtool_stats(struct net_device *dev,
				      struct ethtool_stats *stats, u64 *data)
{
	struct virtnet_info *vi = netdev_priv(dev);
	unsigned int i;

	for (i = 0; i < vi->curr_pairs; i++) {
		virtnet_read_stats(&vi->rq[i].stats.syncp, &vi->rq[i].stats,
				   virtnet_rq_stat_descs,
				   ARRAY_SIZE(virtnet_rq_stat_descs), data);
		data += ARRAY_SIZE(virtnet_rq_stat_descs);
		virtnet_read_stats(&vi->sq[i].stats.syncp, &vi->sq[i].stats,
				   virtnet_sq_stat_descs,
				   ARRAY_SIZE(virtnet_sq_stat_descs), data);
		data += ARRAY_SIZE(virtnet_sq_stat_descs);
	}
}

static int virtnet_get_link_ksettings(struct net_device *dev,
				      struct ethtool_link_ksettings *cmd)
{
	struct virtnet_info *vi = netdev_priv(dev);
	u32 speed;
	u8 duplex;

	cmd->base.speed = SPEED_UNKNOWN;
	cmd->base.duplex = DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	if (!virtnet_has(vi, VIRTIO_NET_F_SPEED_DUPLEX))
		return 0;

	virtio_cread_le(vi->vdev, struct virtio_net_config, speed, &speed);
	if (ethtool_validate_speed(speed))
		cmd->base.speed = speed;
	virtio_cread(vi->vdev, struct virtio_net_config, duplex, &duplex);
	if (ethtool_validate_duplex(duplex))
		cmd->base.duplex = duplex;
	return 0;
}

static const struct ethtool_ops virtnet_ethtool_ops = {
	.get_drvinfo		= virtnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_ringparam		= virtnet_get_ringparam,
	.set_ringparam		= virtnet_set_ringparam,
	.get_channels		= virtnet_get_channels,
	.set_channels		= virtnet_set_channels,
	.get_sset_count		= virtnet_get_sset_count,
	.get_strings		= virtnet_get_strings,
	.get_ethtool_stats	= virtnet_get_ethtool_stats,
	.get_link_ksettings	= virtnet_get_link_ksettings,
	.get_ts_info		= ethtool_op_get_ts_info,
};

/* Config space */

static void virtnet_config_work(struct work_struct *work)
{
	struct virtnet_info *vi = container_of(work, struct virtnet_info,
					       config_work);
	struct net_device *dev = vi->dev;
	u16 v;

	if (virtio_cread_feature(vi->vdev, VIRTIO_NET_F_STATUS,
				 struct virtio_net_config, status, &v) < 0)
		return;

	if ((v & VIRTIO_NET_S_ANNOUNCE) &&
	    virtnet_has(vi, VIRTIO_NET_F_GUEST_ANNOUNCE)) {
		netdev_dbg(dev, "device asks for a link announce\n");
		netdev_notify_peers(dev);
		if (!virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_ANNOUNCE,
				      VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0))
			netdev_warn(dev, "failed to ack link announce\n");
	}

	v &= VIRTIO_NET_S_LINK_UP;
	if (v == vi->status)
		return;
	vi->status = v;
	if (v)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
}

static void virtnet_config_changed(struct virtio_device *vdev)
{
	struct virtnet_info *vi = vdev->priv;
	unsigned long flags;

	spin_lock_irqsave(&vi->work_lock, flags);
	if (vi->config_enabled)
		schedule_work(&vi->config_work);
	spin_unlock_irqrestore(&vi->work_lock, flags);
}

/* Probe and remove */

static void virtnet_init_netdev(struct virtnet_info *vi)
{
	struct virtio_device *vdev = vi->vdev;
	struct net_device *dev = vi->dev;
	unsigned int limit;
	u16 mtu;

	dev->netdev_ops = &virtnet_netdev_ops;
	dev->ethtool_ops = &virtnet_ethtool_ops;
	dev->watchdog_timeo = VIRTNET_TX_TIMEOUT;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_RX))
		dev->priv_flags |= IFF_UNICAST_FLT;
	dev->needed_headroom = vi->hdr_len;

	dev->features = NETIF_F_HIGHDMA;
	if (virtnet_has(vi, VIRTIO_NET_F_CSUM)) {
		dev->hw_features |= NETIF_F_HW_CSUM | NETIF_F_SG;
		if (virtnet_has(vi, VIRTIO_NET_F_HOST_TSO4))
			dev->hw_features |= NETIF_F_TSO;
		if (virtnet_has(vi, VIRTIO_NET_F_HOST_TSO6))
			dev->hw_features |= NETIF_F_TSO6;
		dev->features |= dev->hw_features;
	}
	if (virtnet_has(vi, VIRTIO_NET_F_GUEST_CSUM))
		dev->features |= NETIF_F_RXCSUM;
	/* the device coalesces received TCP segments (GSO frames to us) */
	if (virtnet_has(vi, VIRTIO_NET_F_GUEST_TSO4) ||
	    virtnet_has(vi, VIRTIO_NET_F_GUEST_TSO6))
		dev->features |= NETIF_F_GRO_HW;
	/* what the device does for us on receive, it can be told to stop */
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS))
		dev->hw_features |= dev->features &
				    (NETIF_F_RXCSUM | NETIF_F_GRO_HW);
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_VLAN))
		dev->features |= NETIF_F_HW_VLAN_CTAG_FILTER;
	dev->vlan_features = dev->features & (NETIF_F_HW_CSUM | NETIF_F_SG |
					      NETIF_F_ALL_TSO |
					      NETIF_F_HIGHDMA);

	dev->min_mtu = ETH_MIN_MTU;
	if (virtnet_has(vi, VIRTIO_NET_F_MTU)) {
		/* validated in virtnet_validate(); the device's advice is the
		 * initial MTU as well as the limit
		 */
		virtio_cread(vdev, struct virtio_net_config, mtu, &mtu);
		dev->max_mtu = mtu;
		dev->mtu = mtu;
	} else {
		dev->max_mtu = vi->mergeable ? ETH_MAX_MTU : ETH_DATA_LEN;
	}

	if (vi->mergeable) {
		vi->rx_buf_len = VIRTNET_MRG_BUF_MIN;
		return;
	}
	/* a whole frame per buffer, and buffers come from page fragments */
	limit = VIRTNET_SMALL_BUF_MAX - vi->hdr_len - VLAN_ETH_HLEN;
	if (dev->max_mtu > limit) {
		dev_warn(&vdev->dev,
			 "MTU %u needs mergeable rx buffers; limited to %u\n",
			 dev->max_mtu, limit);
		dev->max_mtu = limit;
		dev->mtu = min(dev->mtu, limit);
	}
	vi->rx_buf_len = vi->hdr_len + VLAN_ETH_HLEN + dev->max_mtu;
}

static void virtnet_init_mac(struct virtnet_info *vi)
{
	struct net_device *dev = vi->dev;
	u8 addr[ETH_ALEN];

	if (virtnet_has(vi, VIRTIO_NET_F_MAC)) {
		virtio_cread_bytes(vi->vdev,
				   offsetof(struct virtio_net_config, mac),
				   addr, ETH_ALEN);
		if (is_valid_ether_addr(addr)) {
			eth_hw_addr_set(dev, addr);
			return;
		}
		dev_warn(&vi->vdev->dev, "invalid MAC %pM, using a random one\n",
			 addr);
	}
	eth_hw_addr_random(dev);
}

static int virtnet_alloc_queues(struct virtnet_info *vi)
{
	unsigned int i;

	vi->rq = kcalloc(vi->max_pairs, sizeof(*vi->rq), GFP_KERNEL);
	if (!vi->rq)
		return -ENOMEM;
	vi->sq = kcalloc(vi->max_pairs, sizeof(*vi->sq), GFP_KERNEL);
	if (!vi->sq) {
		kfree(vi->rq);
		return -ENOMEM;
	}

	for (i = 0; i < vi->max_pairs; i++) {
		struct virtnet_rq *rq = &vi->rq[i];
		struct virtnet_sq *sq = &vi->sq[i];

		rq->vi = vi;
		u64_stats_init(&rq->stats.syncp);
		snprintf(rq->name, sizeof(rq->name), "input.%u", i);
		netif_napi_add(vi->dev, &rq->napi, virtnet_rx_poll);

		sq->vi = vi;
		u64_stats_init(&sq->stats.syncp);
		snprintf(sq->name, sizeof(sq->name), "output.%u", i);
		netif_napi_add_tx(vi->dev, &sq->napi, virtnet_tx_poll);
	}
	return 0;
}

static void virtnet_free_queues(struct virtnet_info *vi)
{
	unsigned int i;

	for (i = 0; i < vi->max_pairs; i++) {
		netif_napi_del(&vi->rq[i].napi);
		netif_napi_del(&vi->sq[i].napi);
	}
	kfree(vi->sq);
	kfree(vi->rq);
}

static int virtnet_find_vqs(struct virtnet_info *vi)
{
	unsigned int i, n = vi->max_pairs * 2;
	struct virtqueue_info *info;
	struct virtqueue **vqs;
	int err = -ENOMEM;

	/* rx and tx of each pair, then the control queue (spec 5.1.2) */
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_VQ))
		n++;
	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	if (!vqs)
		goto err_free_info;

	for (i = 0; i < vi->max_pairs; i++) {
		info[2 * i].name = vi->rq[i].name;
		info[2 * i].callback = virtnet_rx_done;
		/* rx buffers carry their truesize as context */
		info[2 * i].ctx = true;
		info[2 * i + 1].name = vi->sq[i].name;
		info[2 * i + 1].callback = virtnet_tx_done;
	}
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_VQ))
		info[n - 1].name = "control";

	err = virtio_find_vqs(vi->vdev, n, vqs, info, NULL);
	if (err)
		goto err_free_vqs;

	for (i = 0; i < vi->max_pairs; i++) {
		vi->rq[i].vq = vqs[2 * i];
		vi->sq[i].vq = vqs[2 * i + 1];
	}
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_VQ))
		vi->cvq = vqs[n - 1];

err_free_vqs:
	kfree(vqs);
err_free_info:
	kfree(info);
	return err;
}

/* The device must be reset first, so that it lets go of the buffers. */
static void virtnet_del_vqs(struct virtnet_info *vi)
{
	unsigned int i;
	void *buf;

	for (i = 0; i < vi->max_pairs; i++) {
		struct virtnet_rq *rq = &vi->rq[i];

		while ((buf = virtqueue_detach_unused_buf(vi->sq[i].vq)))
			dev_kfree_skb(buf);
		/* those skbs will never complete */
		netdev_tx_reset_queue(netdev_get_tx_queue(vi->dev, i));
		while ((buf = virtqueue_detach_unused_buf(rq->vq)))
			put_page(virt_to_head_page(buf));
		if (rq->alloc_frag.page)
			put_page(rq->alloc_frag.page);
		rq->alloc_frag.page = NULL;
	}
	vi->vdev->config->del_vqs(vi->vdev);
}

static int virtnet_validate(struct virtio_device *vdev)
{
	u16 v;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config access disabled\n");
		return -EINVAL;
	}

	/* net_failover pairs by MAC: a standby needs a fixed one */
	if (!virtio_has_feature(vdev, VIRTIO_NET_F_MAC))
		__virtio_clear_bit(vdev, VIRTIO_NET_F_STANDBY);

	if (!virtio_has_feature(vdev, VIRTIO_NET_F_CTRL_VQ)) {
		__virtio_clear_bit(vdev, VIRTIO_NET_F_CTRL_RX);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_CTRL_VLAN);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_GUEST_ANNOUNCE);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_MQ);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_CTRL_MAC_ADDR);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS);
	}

	/* GSO frames only fit in mergeable buffers: no big-packets mode */
	if (!virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF) ||
	    !virtio_has_feature(vdev, VIRTIO_NET_F_GUEST_CSUM)) {
		__virtio_clear_bit(vdev, VIRTIO_NET_F_GUEST_TSO4);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_GUEST_TSO6);
	}
	if (!virtio_has_feature(vdev, VIRTIO_NET_F_CSUM)) {
		__virtio_clear_bit(vdev, VIRTIO_NET_F_HOST_TSO4);
		__virtio_clear_bit(vdev, VIRTIO_NET_F_HOST_TSO6);
	}

	if (virtio_has_feature(vdev, VIRTIO_NET_F_MTU)) {
		virtio_cread(vdev, struct virtio_net_config, mtu, &v);
		if (v < ETH_MIN_MTU) {
			dev_warn(&vdev->dev, "ignoring MTU %u\n", v);
			__virtio_clear_bit(vdev, VIRTIO_NET_F_MTU);
		}
	}

	if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ)) {
		virtio_cread(vdev, struct virtio_net_config,
			     max_virtqueue_pairs, &v);
		if (v < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN ||
		    v > VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX) {
			dev_warn(&vdev->dev, "ignoring %u queue pairs\n", v);
			__virtio_clear_bit(vdev, VIRTIO_NET_F_MQ);
		}
	}
	return 0;
}

static int virtnet_probe(struct virtio_device *vdev)
{
	struct net_device *dev;
	struct virtnet_info *vi;
	u16 max_pairs = 1;
	int err;

	if (virtio_has_feature(vdev, VIRTIO_NET_F_MQ))
		virtio_cread(vdev, struct virtio_net_config,
			     max_virtqueue_pairs, &max_pairs);

	dev = alloc_etherdev_mq(sizeof(*vi), max_pairs);
	if (!dev)
		return -ENOMEM;

	vi = netdev_priv(dev);
	vi->vdev = vdev;
	vi->dev = dev;
	vi->max_pairs = max_pairs;
	vi->curr_pairs = 1;
	vi->mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	vi->any_layout = virtio_has_feature(vdev, VIRTIO_F_VERSION_1);
	if (vi->mergeable || virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
		vi->hdr_len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	else
		vi->hdr_len = sizeof(struct virtio_net_hdr);
	mutex_init(&vi->cvq_lock);
	spin_lock_init(&vi->work_lock);
	INIT_WORK(&vi->config_work, virtnet_config_work);
	INIT_WORK(&vi->rx_mode_work, virtnet_rx_mode_work);
	INIT_DELAYED_WORK(&vi->refill_work, virtnet_refill_work);
	vdev->priv = vi;

	virtnet_init_netdev(vi);
	SET_NETDEV_DEV(dev, &vdev->dev);
	virtnet_init_mac(vi);
	err = netif_set_real_num_queues(dev, 1, 1);
	if (err)
		goto err_free_dev;

	vi->ctrl = kzalloc(sizeof(*vi->ctrl), GFP_KERNEL);
	if (!vi->ctrl) {
		err = -ENOMEM;
		goto err_free_dev;
	}

	err = virtnet_alloc_queues(vi);
	if (err)
		goto err_free_ctrl;

	err = virtnet_find_vqs(vi);
	if (err)
		goto err_free_queues;

	/* control commands are needed from registration on */
	virtio_device_ready(vdev);

	if (max_pairs > 1) {
		rtnl_lock();
		err = virtnet_set_pairs(vi, min_t(u16, max_pairs,
						  num_online_cpus()));
		rtnl_unlock();
		if (err)
			dev_warn(&vdev->dev, "staying on one queue pair\n");
	}

	if (!virtnet_has(vi, VIRTIO_NET_F_MAC) &&
	    !virtnet_push_mac(vi, dev->dev_addr))
		dev_warn(&vdev->dev, "device refused MAC %pM\n", dev->dev_addr);

	if (virtnet_has(vi, VIRTIO_NET_F_STANDBY)) {
		/* the master must exist when the standby registers */
		vi->failover = net_failover_create(dev);
		if (IS_ERR(vi->failover)) {
			err = PTR_ERR(vi->failover);
			vi->failover = NULL;
			goto err_reset;
		}
		/*
		 * Addresses live on the master, and IPv6 from the standby
		 * would draw the host switch's entry for the shared MAC to
		 * its path: off before registration, whichever failover core
		 * links it.
		 */
		fo_no_addrconf_set(dev);
	}

	if (virtnet_has(vi, VIRTIO_NET_F_STATUS)) {
		netif_carrier_off(dev);
		vi->status = 0;
	} else {
		vi->status = VIRTIO_NET_S_LINK_UP;
	}

	virtnet_rx_mode_enable(vi, true);
	err = register_netdev(dev);
	if (err) {
		dev_err(&vdev->dev, "failed to register netdev: %d\n", err);
		goto err_rx_mode;
	}
	virtnet_config_enable(vi, true);

	netdev_info(dev, "virtio %s, %u/%u queue pairs, %s rx buffers%s\n",
		    virtio_bus_name(vdev), vi->curr_pairs, vi->max_pairs,
		    vi->mergeable ? "mergeable" : "small",
		    vi->failover ? ", failover standby" : "");
	return 0;

err_rx_mode:
	virtnet_rx_mode_enable(vi, false);
	if (vi->failover)
		net_failover_destroy(vi->failover);
err_reset:
	virtio_reset_device(vdev);
	virtnet_del_vqs(vi);
err_free_queues:
	virtnet_free_queues(vi);
err_free_ctrl:
	kfree(vi->ctrl);
err_free_dev:
	free_netdev(dev);
	return err;
}

static void virtnet_remove(struct virtio_device *vdev)
{
	struct virtnet_info *vi = vdev->priv;

	virtnet_config_enable(vi, false);
	unregister_netdev(vi->dev);
	/* also releases a primary that is still linked */
	if (vi->failover)
		net_failover_destroy(vi->failover);
	virtnet_rx_mode_enable(vi, false);

	virtio_reset_device(vdev);
	virtnet_del_vqs(vi);
	virtnet_free_queues(vi);
	kfree(vi->ctrl);
	free_netdev(vi->dev);
}

#ifdef CONFIG_PM_SLEEP
/* vlan_for_each() passes the VLAN device (NULL for vid 0), not ours */
static int virtnet_restore_vid(struct net_device *vlan_dev, int vid, void *arg)
{
	struct virtnet_info *vi = arg;

	return virtnet_vlan_rx_add_vid(vi->dev, htons(ETH_P_8021Q), vid);
}

/* The device is reset across suspend: the netdev stays registered (and
 * linked to its master), only the virtqueues and the device state go.
 */
static int virtnet_freeze(struct virtio_device *vdev)
{
	struct virtnet_info *vi = vdev->priv;
	struct net_device *dev = vi->dev;

	virtnet_config_enable(vi, false);
	virtnet_rx_mode_enable(vi, false);
	rtnl_lock();
	netif_device_detach(dev);
	if (netif_running(dev))
		virtnet_stop(dev);
	rtnl_unlock();

	mutex_lock(&vi->cvq_lock);
	virtio_reset_device(vdev);
	virtnet_del_vqs(vi);
	vi->cvq = NULL;
	mutex_unlock(&vi->cvq_lock);
	return 0;
}

static int virtnet_restore(struct virtio_device *vdev)
{
	struct virtnet_info *vi = vdev->priv;
	struct net_device *dev = vi->dev;
	__virtio16 v = cpu_to_virtio16(vdev, vi->curr_pairs);
	int err;

	mutex_lock(&vi->cvq_lock);
	err = virtnet_find_vqs(vi);
	if (!err) {
		/* the reset took back whatever a dead queue held */
		vi->cvq_dead = false;
		virtio_device_ready(vdev);
	}
	mutex_unlock(&vi->cvq_lock);
	if (err)
		return err;

	rtnl_lock();
	if (vi->curr_pairs > 1 &&
	    !virtnet_ctrl_cmd(vi, VIRTIO_NET_CTRL_MQ,
			      VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, &v, sizeof(v)))
		netdev_warn(dev, "device refused %u queue pairs\n",
			    vi->curr_pairs);
	if (!virtnet_push_mac(vi, dev->dev_addr))
		netdev_warn(dev, "device refused MAC %pM\n", dev->dev_addr);
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_VLAN))
		vlan_for_each(dev, virtnet_restore_vid, vi);
	/* the reset turned every negotiated offload back on */
	if (virtnet_has(vi, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) &&
	    (dev->hw_features & ~dev->features &
	     (NETIF_F_RXCSUM | NETIF_F_GRO_HW)) &&
	    virtnet_set_guest_offloads(vi, dev->features))
		netdev_warn(dev, "device refused receive offloads\n");
	if (netif_running(dev))
		virtnet_open(dev);
	netif_device_attach(dev);
	rtnl_unlock();

	virtnet_rx_mode_enable(vi, true);
	virtnet_set_rx_mode(dev);
	/* picks up a link change that happened while asleep */
	virtnet_config_enable(vi, true);
	return 0;
}
#endif

static const unsigned int virtnet_features[] = {
	VIRTIO_NET_F_CSUM, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_MTU,
	VIRTIO_NET_F_MAC,
	VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
	VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6,
	VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_STATUS,
	VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_VLAN,
	VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_NET_F_MQ,
	VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_SPEED_DUPLEX,
	VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, VIRTIO_NET_F_STANDBY,
};

static const struct virtio_device_id virtnet_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, virtnet_id_table);

static struct virtio_driver virtnet_driver = {
	.driver.name		= KBUILD_MODNAME,
	.id_table		= virtnet_id_table,
	.feature_table		= virtnet_features,
	.feature_table_size	= ARRAY_SIZE(virtnet_features),
	.validate		= virtnet_validate,
	.probe			= virtnet_probe,
	.remove			= virtnet_remove,
	.config_changed		= virtnet_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze			= virtnet_freeze,
	.restore		= virtnet_restore,
#endif
};

/*
 * Test knob: while set, devices are probed as by a driver without failover
 * support. Clearing STANDBY in virtnet_validate() would be too late: the
 * virtio core writes the features once before it, and QEMU plugs the
 * primary on that write. STANDBY is the table's last entry, so the knob
 * only shortens the table, one word: a probe that sees either size, even
 * both in one loop, stays in bounds, and the table is never written.
 */
static int virtnet_refuse_standby_read(void *data, u64 *val)
{
	*val = READ_ONCE(virtnet_driver.feature_table_size) !=
	       ARRAY_SIZE(virtnet_features);
	return 0;
}

static int virtnet_refuse_standby_write(void *data, u64 val)
{
	BUILD_BUG_ON(virtnet_features[ARRAY_SIZE(virtnet_features) - 1] !=
		     VIRTIO_NET_F_STANDBY);
	WRITE_ONCE(virtnet_driver.feature_table_size,
		   ARRAY_SIZE(virtnet_features) - !!val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(virtnet_refuse_standby_fops,
			 virtnet_refuse_standby_read,
			 virtnet_refuse_standby_write, "%llu\n");

/* A count knob: arms the static key the first time it is set. */
static int virtnet_fault_get(void *data, u64 *val)
{
	*val = atomic_read(data);
	return 0;
}

static int virtnet_fault_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(data, val);
	if (val)
		static_branch_enable(&virtnet_fault_key);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(virtnet_fault_fops, virtnet_fault_get,
			 virtnet_fault_set, "%llu\n");

static int __init virtnet_init(void)
{
	int err;

	virtnet_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file_unsafe("refuse_standby", 0600, virtnet_debugfs,
				   NULL, &virtnet_refuse_standby_fops);
	debugfs_create_file_unsafe("rx_alloc_fail", 0600, virtnet_debugfs,
				   &virtnet_rx_alloc_fail, &virtnet_fault_fops);
	debugfs_create_file_unsafe("ctrl_unanswered", 0600, virtnet_debugfs,
				   &virtnet_ctrl_unanswered, &virtnet_fault_fops);

	err = register_virtio_driver(&virtnet_driver);
	if (err)
		debugfs_remove(virtnet_debugfs);
	return err;
}
module_init(virtnet_init);

static void __exit virtnet_exit(void)
{
	unregister_virtio_driver(&virtnet_driver);
	debugfs_remove(virtnet_debugfs);
}
module_exit(virtnet_exit);

MODULE_DESCRIPTION("Virtio network driver");
MODULE_LICENSE("GPL");
MODULE_VERSION(FO_VERSION);
