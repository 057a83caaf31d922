/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every socktrace BPF program shares: the ring buffer, the loss
 * counters, the process filter, the common header. The maps and tunables
 * are defined once in common.bpf.c; every other .bpf.c sees them through
 * the extern declarations below and `bpftool gen object` links them into
 * one object, so there is one ring buffer and one skeleton.
 */
#ifndef SOCKTRACE_COMMON_BPF_H
#define SOCKTRACE_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "socktrace/events.h"

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

/* Resized by userspace before load (--buffer-size). */
#define ST_RINGBUF_DEFAULT (16 << 20)

/* common.bpf.c defines ST_COMMON_DEFINE and so holds the one definition of
 * each shared map; every other file sees an extern declaration. */
#ifdef ST_COMMON_DEFINE
#define ST_SHARED
#define ST_TUNABLE(decl) decl = 0
#else
#define ST_SHARED extern
#define ST_TUNABLE(decl) extern decl
#endif

/* Tunables, set by userspace between open and load. */
ST_TUNABLE(const volatile __u8 filter_pids);    /* 1: only tgids in `pids` */
ST_TUNABLE(const volatile __u8 filter_cgroups); /* 1: only cgroups in `cgroups` */
/* Wake the consumer only once this many bytes wait in the ring buffer; 0:
 * wake it for every event. */
ST_TUNABLE(const volatile __u64 wakeup_bytes);

/* key: nothing; the one ring buffer every event goes through.
 * Reserved by every program, consumed by userspace. */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ST_RINGBUF_DEFAULT);
} events SEC(".maps");

/* key: enum st_loss_where; value: events lost there, per CPU.
 * Incremented by the programs, read (never reset) by userspace. */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} losses SEC(".maps");

/* key: tgid; value: unused. Inserted by userspace (-p) and by the fork
 * handler (-f); deleted by the exit handler. */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

/* key: cgroup v2 id; value: unused. Inserted by userspace (--cgroup). */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} cgroups SEC(".maps");

/*
 * Submits without waking the consumer, which polls on a short timer, unless
 * the buffer is filling. A wake-up per event is an irq_work self-IPI that
 * lands while the program still runs; the softirq run on its way out changes
 * other sockets' states, and the kernel must skip those nested runs
 * (recursion misses, about 1 transition in 100 under loopback churn).
 */
static __always_inline __u64 wakeup_flags(void)
{
	if (!wakeup_bytes || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void submit_event(void *e)
{
	bpf_ringbuf_submit(e, wakeup_flags());
}

static __always_inline void count_loss(__u32 where)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &where);

	if (n)
		*n += 1;
}

/* Does the pid/cgroup filter admit this process? */
static __always_inline bool admitted(__u32 tgid, __u64 cgroup_id)
{
	if (filter_pids && !bpf_map_lookup_elem(&pids, &tgid))
		return false;
	if (filter_cgroups && !bpf_map_lookup_elem(&cgroups, &cgroup_id))
		return false;
	return true;
}

static __always_inline void owner_from_current(struct st_owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();

	o->flags = ST_HF_OWNER_KNOWN;
	o->__pad = 0;
	o->pid = id >> 32;
	o->tid = (__u32)id;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

static __always_inline void fill_header(struct st_header *h, __u16 kind,
					__u16 size, const struct st_owner *o)
{
	h->kind = kind;
	h->size = size;
	h->flags = o->flags;
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = o->pid;
	h->tid = o->tid;
	h->cgroup_id = o->cgroup_id;
	__builtin_memcpy(h->comm, o->comm, ST_COMM_LEN);
}

#endif /* SOCKTRACE_COMMON_BPF_H */
