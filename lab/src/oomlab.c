// SPDX-License-Identifier: GPL-2.0
/*
 * oomlab: kernel-side helper of the oomlens lab.
 *
 * It makes allocation patterns no user program can (GFP_ATOMIC high-order
 * bursts that build a highatomic reserve, pinned fragmentation, allocations of
 * a chosen order and GFP flags, an oversized vmalloc, pages parked on one
 * CPU's pcp list), and it records the allocator's true free lists:
 *
 *   /proc/oomlab          read: the free lists now; write: one command
 *   /proc/oomlab_atprint  the free lists as they were when the kernel began
 *                         printing each of the first reports' Mem-Info block
 *                         (a kprobe on __show_mem/show_free_areas)
 *
 * It prints nothing to the kernel log, so reports stay as the kernel wrote them.
 *
 * Commands (one per write):
 *   alloc ORDER FLAGS COUNT|all [LIST]  allocate and hold chunks; FLAGS joins
 *                                       kernel|atomic|nowait|highuser with
 *                                       +noretry +mayfail +nowarn +memalloc
 *                                       +nomemalloc +high +dma32 +movable
 *   free LIST                           free every chunk held on LIST
 *   split LIST [KEEP]                   split chunks to pages, keep one page of every
 *                                       2^KEEP-page group (default: the first), free the rest
 *   freeblocks LIST N|all               free the chunks of N pageblocks that LIST covers
 *                                       whole with chunks of order 4..pageblock_order-1
 *                                       (those skip the pcp lists, so the block merges)
 *   pin ORDER LIST                      rounds of GFP_KERNEL|__GFP_MEMALLOC allocations of
 *                                       ORDER until a round finds no free block of it
 *   frag ORDER LIST                     the same, splitting every chunk held on LIST to
 *                                       one page per 2^ORDER-page group after each round:
 *                                       no free block of ORDER or above is left anywhere
 *   hreserve N PIN H                    N rounds of: free one pageblock held on PIN, fill
 *                                       it with order-4 GFP_ATOMIC chunks held on H
 *   hfirst PIN H                        free pinned pageblocks one at a time until one
 *                                       order-4 GFP_ATOMIC allocation succeeds (held on H)
 *   fillto min|mid|low|belowlow LIST            order-0 GFP_ATOMIC pages onto LIST until the largest
 *                                       zone's free pages are down to that watermark
 *   vmalloc BYTES                       vmalloc(BYTES) and vfree it if it succeeds
 *   churn ORDER PERIOD_US HOLD          kthread: GFP_ATOMIC|__GFP_NOWARN bursts of ORDER,
 *                                       holding the last HOLD chunks
 *   stop                                stop the churn thread
 *   snap                                record the free lists now (tag=pre; read back
 *                                       first in /proc/oomlab_atprint)
 *   sleep MS                            msleep
 *
 * One write may hold several commands separated by ';': they run back to back
 * in the kernel, so nothing in user space (a fork, a page fault) can allocate
 * between, say, a fill, the 'snap' and the failing allocation.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/gfp.h>
#include <linux/vmalloc.h>
#include <linux/proc_fs.h>
#include <linux/fs.h>
#include <linux/uaccess.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/sched/clock.h>
#include <linux/version.h>
#include <linux/nodemask.h>
#include <linux/slab.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("oomlens lab: allocation patterns and true free-list snapshots");

#if defined(NR_PAGE_ORDERS)
#define LAB_ORDERS NR_PAGE_ORDERS
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define LAB_ORDERS MAX_ORDER /* number of orders before 6.4 */
#else
#define LAB_ORDERS (MAX_ORDER + 1)
#endif

static const char *const type_letter[MIGRATE_TYPES] = {
	[MIGRATE_UNMOVABLE] = "U",
	[MIGRATE_MOVABLE] = "M",
	[MIGRATE_RECLAIMABLE] = "E",
	[MIGRATE_HIGHATOMIC] = "H",
#ifdef CONFIG_CMA
	[MIGRATE_CMA] = "C",
#endif
#ifdef CONFIG_MEMORY_ISOLATION
	[MIGRATE_ISOLATE] = "I",
#endif
};

#define NLISTS 8
static struct list_head held[NLISTS];
static unsigned long held_chunks[NLISTS];
static DEFINE_MUTEX(lab_lock);
static char last_result[256] = "none";
static char result_log[1024]; /* every command's result since the last read of the status */
static size_t result_log_len;

static void log_result(const char *cmd, long r, u64 t0)
{
	result_log_len += scnprintf(result_log + result_log_len,
				    sizeof(result_log) - result_log_len, "[%s r=%ld %llums] ",
				    last_result, r, (local_clock() - t0) / 1000000);
}

/* ---- snapshots ------------------------------------------------------- */

#define SNAP_SIZE (48 * 1024)
#define ATPRINT_SLOTS 4
static char *atprint_buf[ATPRINT_SLOTS];
static size_t atprint_len[ATPRINT_SLOTS];
static atomic_t atprint_next = ATOMIC_INIT(0);
static atomic_t snap_seq = ATOMIC_INIT(0);
static char *pre_buf; /* the last 'snap' command's snapshot */
static size_t pre_len;

/* Write the true free lists of every populated zone into buf. */
static size_t snap_emit(char *buf, size_t size, const char *tag)
{
	size_t n = 0;
	int nid, zi, order, mt, cpu;

	n += scnprintf(buf + n, size - n,
		       "@@oomlab tag=%s seq=%d clock_ns=%llu cpu=%d comm=%s pageblock_order=%d orders=%d types=",
		       tag, atomic_inc_return(&snap_seq), (unsigned long long)local_clock(),
		       raw_smp_processor_id(), current->comm, (int)pageblock_order, LAB_ORDERS);
	for (mt = 0; mt < MIGRATE_TYPES; mt++)
		n += scnprintf(buf + n, size - n, "%s", type_letter[mt] ? type_letter[mt] : "?");
	n += scnprintf(buf + n, size - n, "\n");

	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		for (zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *zone = &pgdat->node_zones[zi];
			unsigned long flags, counts[LAB_ORDERS][MIGRATE_TYPES], nr_free[LAB_ORDERS];
			long nfh = -1;

			if (!populated_zone(zone))
				continue;
			spin_lock_irqsave(&zone->lock, flags);
			for (order = 0; order < LAB_ORDERS; order++) {
				struct free_area *area = &zone->free_area[order];

				nr_free[order] = area->nr_free;
				for (mt = 0; mt < MIGRATE_TYPES; mt++) {
					struct list_head *p;
					unsigned long c = 0;

					list_for_each(p, &area->free_list[mt])
						c++;
					counts[order][mt] = c;
				}
			}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
			nfh = zone->nr_free_highatomic;
#endif
			n += scnprintf(buf + n, size - n,
				       "zone node=%d name=%s nr_free_pages=%lu managed=%lu min=%lu low=%lu high=%lu nr_reserved_highatomic=%lu nr_free_highatomic=%ld free_cma=%lu pcp=",
				       nid, zone->name, zone_page_state(zone, NR_FREE_PAGES),
				       zone_managed_pages(zone), min_wmark_pages(zone),
				       low_wmark_pages(zone), high_wmark_pages(zone),
				       zone->nr_reserved_highatomic, nfh,
				       zone_page_state(zone, NR_FREE_CMA_PAGES));
			spin_unlock_irqrestore(&zone->lock, flags);
			for_each_online_cpu(cpu)
				n += scnprintf(buf + n, size - n, "%s%d", cpu ? "," : "",
					       per_cpu_ptr(zone->per_cpu_pageset, cpu)->count);
			n += scnprintf(buf + n, size - n, "\n");
			for (order = 0; order < LAB_ORDERS; order++) {
				n += scnprintf(buf + n, size - n, "order %d nr_free=%lu", order,
					       nr_free[order]);
				for (mt = 0; mt < MIGRATE_TYPES; mt++)
					n += scnprintf(buf + n, size - n, " %s=%lu",
						       type_letter[mt] ? type_letter[mt] : "?",
						       counts[order][mt]);
				n += scnprintf(buf + n, size - n, "\n");
			}
		}
	}
	n += scnprintf(buf + n, size - n, "@@end\n");
	return n;
}

/* The churn thread holds still while a report prints (it would otherwise move
 * pages between the at-print snapshot and the buddy lines): paused from the
 * entry of __show_mem to its return. */
static atomic_t churn_paused = ATOMIC_INIT(0);
static atomic_t churn_ack = ATOMIC_INIT(0);
static struct task_struct *churn_task;

static int atprint_pre(struct kprobe *p, struct pt_regs *regs)
{
	int slot = atomic_inc_return(&atprint_next) - 1;

	if (READ_ONCE(churn_task)) {
		u64 t0 = local_clock();

		atomic_set(&churn_paused, 1);
		while (!atomic_read(&churn_ack) && local_clock() - t0 < 5 * NSEC_PER_MSEC)
			cpu_relax();
	}

	if (slot < ATPRINT_SLOTS && atprint_buf[slot])
		atprint_len[slot] = snap_emit(atprint_buf[slot], SNAP_SIZE, "atprint");
	return 0;
}

static struct kprobe atprint_kp = { .pre_handler = atprint_pre };

static int atprint_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	atomic_set(&churn_paused, 0);
	return 0;
}

static struct kretprobe atprint_krp = { .handler = atprint_ret, .maxactive = 4 };
static bool atprint_krp_on;
static const char *const atprint_syms[] = { "__show_mem", "show_free_areas", "show_mem" };
static const char *atprint_sym;

/* ---- holding allocations --------------------------------------------- */

static unsigned long reserved_total(void)
{
	unsigned long sum = 0;
	int nid, zi;

	for_each_online_node(nid)
		for (zi = 0; zi < MAX_NR_ZONES; zi++)
			sum += NODE_DATA(nid)->node_zones[zi].nr_reserved_highatomic;
	return sum;
}

/* The populated zone with the most managed pages (DMA32 or Normal in a guest). */
static struct zone *main_zone(void)
{
	struct zone *best = NULL;
	int nid, zi;

	for_each_online_node(nid)
		for (zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = &NODE_DATA(nid)->node_zones[zi];

			if (populated_zone(z) && (!best ||
			    zone_managed_pages(z) > zone_managed_pages(best)))
				best = z;
		}
	return best;
}

static gfp_t parse_gfp(const char *s, bool *ok)
{
	gfp_t gfp = 0;
	char tok[32];
	const char *p = s;

	*ok = true;
	while (*p) {
		size_t len = strcspn(p, "+");

		if (len >= sizeof(tok)) {
			*ok = false;
			return 0;
		}
		memcpy(tok, p, len);
		tok[len] = 0;
		if (!strcmp(tok, "kernel"))
			gfp |= GFP_KERNEL;
		else if (!strcmp(tok, "atomic"))
			gfp |= GFP_ATOMIC;
		else if (!strcmp(tok, "nowait"))
			gfp |= GFP_NOWAIT;
		else if (!strcmp(tok, "highuser"))
			gfp |= GFP_HIGHUSER_MOVABLE;
		else if (!strcmp(tok, "noretry"))
			gfp |= __GFP_NORETRY;
		else if (!strcmp(tok, "mayfail"))
			gfp |= __GFP_RETRY_MAYFAIL;
		else if (!strcmp(tok, "nowarn"))
			gfp |= __GFP_NOWARN;
		else if (!strcmp(tok, "memalloc"))
			gfp |= __GFP_MEMALLOC;
		else if (!strcmp(tok, "nomemalloc"))
			gfp |= __GFP_NOMEMALLOC;
		else if (!strcmp(tok, "high"))
			gfp |= __GFP_HIGH;
		else if (!strcmp(tok, "dma32"))
			gfp |= __GFP_DMA32;
		else if (!strcmp(tok, "movable"))
			gfp |= __GFP_MOVABLE;
		else
			*ok = false;
		p += len;
		if (*p == '+')
			p++;
	}
	return gfp;
}

static void free_chunk(struct page *page)
{
	unsigned int order = page_private(page);

	list_del(&page->lru);
	set_page_private(page, 0);
	__free_pages(page, order);
}

static long do_alloc(unsigned int order, gfp_t gfp, long count, int l)
{
	long got = 0;

	while (count < 0 || got < count) {
		struct page *page = alloc_pages(gfp, order);

		if (!page)
			break;
		set_page_private(page, order);
		list_add_tail(&page->lru, &held[l]);
		held_chunks[l]++;
		got++;
		if (!(got & 255))
			cond_resched();
	}
	return got;
}

static long do_free(int l)
{
	long n = 0;

	while (!list_empty(&held[l])) {
		free_chunk(list_first_entry(&held[l], struct page, lru));
		n++;
		if (!(n & 1023))
			cond_resched();
	}
	held_chunks[l] = 0;
	return n;
}

/* Split every chunk into pages and keep one page of each 2^keep-page group
 * (for keep >= the chunk's order: its first page); free the others. */
static long do_split(int l, unsigned int keep)
{
	struct page *page, *tmp;
	long freed = 0;
	LIST_HEAD(kept);

	list_for_each_entry_safe(page, tmp, &held[l], lru) {
		unsigned int order = page_private(page), i;

		list_del(&page->lru);
		set_page_private(page, 0);
		if (order)
			split_page(page, order);
		for (i = 0; i < (1U << order); i++) {
			if (i % (1U << keep) == 0) {
				set_page_private(page + i, 0);
				list_add_tail(&page[i].lru, &kept);
			} else {
				__free_page(page + i);
				freed++;
			}
		}
		if (!(freed & 4095))
			cond_resched();
	}
	held_chunks[l] = 0;
	list_for_each_entry(page, &kept, lru)
		held_chunks[l]++;
	list_splice(&kept, &held[l]);
	return freed;
}

#define PIN_GFP (GFP_KERNEL | __GFP_MEMALLOC | __GFP_NORETRY | __GFP_NOWARN)

/* Rounds of taking every free block of this order until a round finds none:
 * pages coming back from per-CPU lists can complete a block after a round. */
static long do_pin(unsigned int order, int l, bool split, unsigned int *rounds)
{
	long got, total = 0;

	if (split)
		do_split(l, order);
	for (*rounds = 1; *rounds <= 16; (*rounds)++) {
		got = do_alloc(order, PIN_GFP, -1, l);
		if (split)
			do_split(l, order);
		total += got;
		if (!got)
			break;
		msleep(20);
	}
	return total;
}

/* Pages held per pageblock, for freeblocks; allocated at load time because
 * freeblocks runs when every free page is pinned. */
static unsigned long *cover;
static unsigned long cover_blocks;

/* Free every chunk of up to nblocks pageblocks that list l covers entirely. */
static long do_freeblocks(int l, long nblocks)
{
	struct page *page, *tmp;
	long freed_blocks = 0;
	unsigned long b;

	memset(cover, 0, cover_blocks * sizeof(*cover));
	list_for_each_entry(page, &held[l], lru) {
		b = page_to_pfn(page) >> pageblock_order;
		/* only chunks freed straight to the buddy lists (not onto a pcp list)
		 * count, so the freed block merges at once */
		if (b < cover_blocks && page_private(page) > PAGE_ALLOC_COSTLY_ORDER &&
		    page_private(page) != pageblock_order)
			cover[b] += 1UL << page_private(page);
	}
	/* highest blocks first: they sit in the zone's top, away from DMA */
	for (b = cover_blocks; b-- > 0 && (nblocks < 0 || freed_blocks < nblocks);) {
		if (cover[b] != pageblock_nr_pages)
			continue;
		list_for_each_entry_safe(page, tmp, &held[l], lru) {
			if ((page_to_pfn(page) >> pageblock_order) == b) {
				free_chunk(page);
				held_chunks[l]--;
			}
		}
		freed_blocks++;
	}
	return freed_blocks;
}

/* ---- churn thread ---------------------------------------------------- */

static unsigned int churn_order, churn_period_us, churn_hold;

static int churn_fn(void *unused)
{
	struct page **ring = kcalloc(churn_hold ? churn_hold : 1, sizeof(*ring), GFP_KERNEL);
	unsigned int i = 0, hold = churn_hold ? churn_hold : 1;

	if (!ring)
		return -ENOMEM;
	while (!kthread_should_stop()) {
		if (atomic_read(&churn_paused)) {
			atomic_set(&churn_ack, 1);
			usleep_range(100, 200);
			continue;
		}
		atomic_set(&churn_ack, 0);
		if (ring[i])
			__free_pages(ring[i], churn_order);
		ring[i] = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, churn_order);
		i = (i + 1) % hold;
		usleep_range(churn_period_us, churn_period_us + 50);
	}
	for (i = 0; i < hold; i++)
		if (ring[i])
			__free_pages(ring[i], churn_order);
	kfree(ring);
	return 0;
}

/* ---- /proc interface ------------------------------------------------- */

/*
 * Reads allocate nothing: the snapshot is written into a buffer allocated at
 * load time, so reading /proc/oomlab under memory pressure cannot itself be
 * the allocation that fails.
 */
static char *read_buf;
static size_t read_len;
#define READ_SIZE (ATPRINT_SLOTS * SNAP_SIZE + 4096)

static ssize_t lab_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	ssize_t r;
	int l;

	mutex_lock(&lab_lock);
	if (*ppos == 0) {
		size_t n = scnprintf(read_buf, READ_SIZE,
				     "@@status last=%s atprint_symbol=%s held=", result_log,
				     atprint_sym ? atprint_sym : "none");

		for (l = 0; l < NLISTS; l++)
			n += scnprintf(read_buf + n, READ_SIZE - n, "%s%lu", l ? "," : "",
				       held_chunks[l]);
		n += scnprintf(read_buf + n, READ_SIZE - n, "\n");
		n += snap_emit(read_buf + n, READ_SIZE - n, "now");
		read_len = n;
	}
	r = simple_read_from_buffer(ubuf, len, ppos, read_buf, read_len);
	mutex_unlock(&lab_lock);
	return r;
}

static long run_cmd(char *cmd)
{
	char a1[32] = "", a2[64] = "", a3[32] = "", a4[32] = "";
	int n, l;
	long r = 0;

	cmd = skip_spaces(cmd);
	n = sscanf(cmd, "%31s %63s %31s %31s", a1, a2, a3, a4);
	if (n < 1)
		return 0; /* empty command */
	if (!strcmp(a1, "snap")) {
		pre_len = snap_emit(pre_buf, SNAP_SIZE, "pre");
		scnprintf(last_result, sizeof(last_result), "snap");
	} else if (!strcmp(a1, "frag") || !strcmp(a1, "pin")) {
		unsigned int order, rounds;
		long total;

		if (sscanf(a2, "%u", &order) != 1 || kstrtoint(a3, 10, &l) || l < 0 ||
		    l >= NLISTS || order >= LAB_ORDERS)
			return -EINVAL;
		total = do_pin(order, l, a1[0] == 'f', &rounds);
		scnprintf(last_result, sizeof(last_result), "%s:order=%u,chunks=%ld,rounds=%u",
			  a1, order, total, rounds);
	} else if (!strcmp(a1, "hreserve")) {
		/* N rounds of: free one pinned pageblock (the zone sits below its low
		 * watermark), fill it with order-4 GFP_ATOMIC allocations held on HLIST.
		 * The first success in a block below the low watermark makes it
		 * MIGRATE_HIGHATOMIC until the reserve reaches its cap. */
		int rounds, pin, hl, i;
		long got = 0;

		if (sscanf(cmd, "hreserve %d %d %d", &rounds, &pin, &hl) != 3 || pin < 0 ||
		    pin >= NLISTS || hl < 0 || hl >= NLISTS)
			return -EINVAL;
		for (i = 0; i < rounds; i++) {
			if (do_freeblocks(pin, 1) <= 0)
				break;
			got += do_alloc(4, GFP_ATOMIC | __GFP_NOWARN, -1, hl);
		}
		scnprintf(last_result, sizeof(last_result), "hreserve:rounds=%d,chunks=%ld", i, got);
	} else if (!strcmp(a1, "hfirst")) {
		/* Free pinned pageblocks one at a time until one order-4 GFP_ATOMIC
		 * allocation succeeds below the low watermark (a boosted watermark can
		 * refuse the first): exactly one block is then MIGRATE_HIGHATOMIC. */
		int pin, hl, i;
		long got = 0;

		if (sscanf(cmd, "hfirst %d %d", &pin, &hl) != 2 || pin < 0 || pin >= NLISTS ||
		    hl < 0 || hl >= NLISTS)
			return -EINVAL;
		for (i = 0; i < 8 && !got; i++) {
			if (do_freeblocks(pin, 1) <= 0)
				break;
			got = do_alloc(4, GFP_ATOMIC | __GFP_NOWARN, 1, hl);
		}
		scnprintf(last_result, sizeof(last_result), "hfirst:blocks=%d,got=%ld", i, got);
	} else if (!strcmp(a1, "fillto")) {
		/* order-0 GFP_ATOMIC|__GFP_NOWARN pages onto LIST until the largest zone's
		 * free pages are down to its min, low, or halfway between (mid) */
		struct zone *z = main_zone();
		unsigned long target;
		long got = 0;

		if (!z || kstrtoint(a3, 10, &l) || l < 0 || l >= NLISTS)
			return -EINVAL;
		if (!strcmp(a2, "min"))
			target = min_wmark_pages(z);
		else if (!strcmp(a2, "low"))
			target = low_wmark_pages(z);
		else if (!strcmp(a2, "belowlow"))
			target = low_wmark_pages(z) - 8;
		else
			target = (min_wmark_pages(z) + low_wmark_pages(z)) / 2;
		while (zone_page_state(z, NR_FREE_PAGES) > target &&
		       do_alloc(0, GFP_ATOMIC | __GFP_NOWARN, 1, l) == 1)
			got++;
		scnprintf(last_result, sizeof(last_result), "fillto:%s=%lu,free=%lu,got=%ld", a2,
			  target, zone_page_state(z, NR_FREE_PAGES), got);
	} else if (!strcmp(a1, "sleep")) {
		unsigned int ms;

		if (kstrtouint(a2, 10, &ms))
			return -EINVAL;
		msleep(ms);
	} else if (!strcmp(a1, "alloc")) {
		unsigned int order;
		char flags[64] = "", cnt[32] = "";
		bool ok;
		gfp_t gfp;
		long count;

		l = 0;
		if (sscanf(cmd, "alloc %u %63s %31s %d", &order, flags, cnt, &l) < 3 ||
		    l < 0 || l >= NLISTS || order >= LAB_ORDERS) {
			r = -EINVAL;
			goto out;
		}
		gfp = parse_gfp(flags, &ok);
		if (!ok) {
			r = -EINVAL;
			goto out;
		}
		count = strcmp(cnt, "all") ? simple_strtol(cnt, NULL, 10) : -1;
		r = do_alloc(order, gfp, count, l);
		scnprintf(last_result, sizeof(last_result),
			  "alloc:order=%u,gfp=%#x,got=%ld,want=%ld,reserved=%lu", order,
			  (unsigned int)gfp, r, count, reserved_total());
	} else if (!strcmp(a1, "free") || !strcmp(a1, "split") || !strcmp(a1, "freeblocks")) {
		if (kstrtoint(a2, 10, &l) || l < 0 || l >= NLISTS) {
			r = -EINVAL;
			goto out;
		}
		if (a1[0] == 'f' && a1[4] == 0)
			r = do_free(l);
		else if (a1[0] == 's')
			r = do_split(l, n >= 3 ? simple_strtoul(a3, NULL, 10) : 31);
		else
			r = do_freeblocks(l, strcmp(a3, "all") ? simple_strtol(a3, NULL, 10) : -1);
		scnprintf(last_result, sizeof(last_result), "%s:list=%d,n=%ld", a1, l, r);
	} else if (!strcmp(a1, "vmalloc")) {
		unsigned long long bytes;
		void *p;

		if (kstrtoull(a2, 0, &bytes)) {
			r = -EINVAL;
			goto out;
		}
		p = vmalloc(bytes);
		scnprintf(last_result, sizeof(last_result), "vmalloc:bytes=%llu,ok=%d", bytes, !!p);
		vfree(p);
	} else if (!strcmp(a1, "churn")) {
		if (churn_task || sscanf(cmd, "churn %u %u %u", &churn_order, &churn_period_us,
					 &churn_hold) != 3) {
			r = -EINVAL;
			goto out;
		}
		churn_task = kthread_run(churn_fn, NULL, "oomlab_churn");
		if (IS_ERR(churn_task)) {
			r = PTR_ERR(churn_task);
			churn_task = NULL;
		}
		scnprintf(last_result, sizeof(last_result), "churn:order=%u", churn_order);
	} else if (!strcmp(a1, "stop")) {
		if (churn_task)
			kthread_stop(churn_task);
		churn_task = NULL;
	} else {
		r = -EINVAL;
	}
out:
	return r;
}

/* One write may carry several commands separated by ';', run back to back with
 * no return to user space in between (no fork, no page fault of the shell). */
static ssize_t lab_write(struct file *file, const char __user *ubuf, size_t len, loff_t *off)
{
	char *buf, *p, *cmd;
	long r = 0;

	if (len >= 4096)
		return -EINVAL;
	buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (copy_from_user(buf, ubuf, len)) {
		kfree(buf);
		return -EFAULT;
	}
	buf[len] = 0;
	p = buf;
	mutex_lock(&lab_lock);
	result_log_len = 0;
	while ((cmd = strsep(&p, ";\n")) != NULL) {
		u64 t0 = local_clock();

		strscpy(last_result, "?", sizeof(last_result));
		r = run_cmd(cmd);
		log_result(cmd, r, t0);
		if (r < 0)
			break;
	}
	mutex_unlock(&lab_lock);
	kfree(buf);
	return r < 0 ? r : len;
}

static const struct proc_ops lab_ops = {
	.proc_read = lab_read,
	.proc_write = lab_write,
	.proc_lseek = default_llseek,
};

static ssize_t atprint_read(struct file *file, char __user *ubuf, size_t len, loff_t *ppos)
{
	ssize_t r;
	int i;

	mutex_lock(&lab_lock);
	if (*ppos == 0) {
		int n = min(atomic_read(&atprint_next), ATPRINT_SLOTS);

		memcpy(read_buf, pre_buf, pre_len);
		read_len = pre_len;
		for (i = 0; i < n; i++) {
			memcpy(read_buf + read_len, atprint_buf[i], atprint_len[i]);
			read_len += atprint_len[i];
		}
	}
	r = simple_read_from_buffer(ubuf, len, ppos, read_buf, read_len);
	mutex_unlock(&lab_lock);
	return r;
}

static const struct proc_ops atprint_ops = {
	.proc_read = atprint_read,
	.proc_lseek = default_llseek,
};

static int __init oomlab_init(void)
{
	int i;

	for (i = 0; i < NLISTS; i++)
		INIT_LIST_HEAD(&held[i]);
	for (i = 0; i < ATPRINT_SLOTS; i++) {
		atprint_buf[i] = vmalloc(SNAP_SIZE);
		if (!atprint_buf[i])
			return -ENOMEM;
	}
	{
		unsigned long end = 0;
		int nid, zi;

		for_each_online_node(nid)
			for (zi = 0; zi < MAX_NR_ZONES; zi++) {
				struct zone *z = &NODE_DATA(nid)->node_zones[zi];

				if (populated_zone(z))
					end = max(end, zone_end_pfn(z));
			}
		cover_blocks = (end >> pageblock_order) + 1;
		cover = vzalloc(cover_blocks * sizeof(*cover));
		if (!cover)
			return -ENOMEM;
	}
	read_buf = vmalloc(READ_SIZE + SNAP_SIZE);
	pre_buf = vmalloc(SNAP_SIZE);
	if (!read_buf || !pre_buf)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(atprint_syms); i++) {
		memset(&atprint_kp, 0, sizeof(atprint_kp));
		atprint_kp.pre_handler = atprint_pre;
		atprint_kp.symbol_name = atprint_syms[i];
		if (!register_kprobe(&atprint_kp)) {
			atprint_sym = atprint_syms[i];
			atprint_krp.kp.symbol_name = atprint_sym;
			atprint_krp_on = !register_kretprobe(&atprint_krp);
			break;
		}
	}
	proc_create("oomlab", 0600, NULL, &lab_ops);
	proc_create("oomlab_atprint", 0400, NULL, &atprint_ops);
	return 0;
}

static void __exit oomlab_exit(void)
{
	int i;

	if (churn_task)
		kthread_stop(churn_task);
	if (atprint_sym)
		unregister_kprobe(&atprint_kp);
	if (atprint_krp_on)
		unregister_kretprobe(&atprint_krp);
	remove_proc_entry("oomlab", NULL);
	remove_proc_entry("oomlab_atprint", NULL);
	for (i = 0; i < NLISTS; i++)
		do_free(i);
	for (i = 0; i < ATPRINT_SLOTS; i++)
		vfree(atprint_buf[i]);
	vfree(read_buf);
	vfree(pre_buf);
	vfree(cover);
}

module_init(oomlab_init);
module_exit(oomlab_exit);
