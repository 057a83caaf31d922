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

/* uapi constants (macros, which vmlinux.h's BTF does not carry), once. */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

/* Resized by userspace before load (--buffer-size). */
#define ST_RINGBUF_DEFAULT (16 << 20)

/* common.bpf.c defines ST_COMMON_DEFINE and so holds the one definition of
 * each shared map; every other file sees an extern declaration. */
#ifdef ST_COMMON_DEFINE
#define ST_SHARED
#define ST_TUNABLE(decl) decl = 0
#define ST_TUNABLE_ARRAY(decl) decl = {}
#else
#define ST_SHARED extern
#define ST_TUNABLE(decl) extern decl
#define ST_TUNABLE_ARRAY(decl) extern decl
#endif

/* How many cgroup levels above its own a task's or socket's cgroup is
 * checked against the `cgroups` set. Kubernetes puts containers 4-5 levels
 * deep; systemd user sessions about as deep. */
#define ST_CGROUP_DEPTH 32

/* Tunables, set by userspace between open and load. */
ST_TUNABLE(const volatile __u8 filter_pids);    /* 1: only tgids in `pids` */
ST_TUNABLE(const volatile __u8 filter_cgroups); /* 1: only cgroups in `cgroups` and their descendants */
ST_TUNABLE(const volatile __u8 filter_netns);   /* 1: only network namespaces in `netns_set` */
ST_TUNABLE(const volatile __u8 filter_comm);    /* 1: only processes named `comm_filter` */
/* --comm NAME as the kernel keeps it: at most 15 bytes, zero-padded. */
ST_TUNABLE_ARRAY(const volatile char comm_filter[ST_COMM_LEN]);
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

/* Every pid the kernel can hand out (PID_MAX_LIMIT on 64-bit): 4 MiB. */
#define ST_PID_LIMIT (4 << 20)

/* key: tgid; value: 1 when traced. Set by userspace (-p) and by the fork
 * handler (-f); cleared by the exit handler. An array rather than a hash:
 * the lookup, on every syscall of every process while -p traces one, is an
 * inlined index (a hash lookup cost ~50 ns of it). Userspace sizes it to 1
 * entry when no pid filter is asked for. */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ST_PID_LIMIT);
	__type(key, __u32);
	__type(value, __u8);
} pids SEC(".maps");

/* key: cgroup v2 id; value: unused. Inserted by userspace (--cgroup,
 * --container); a cgroup is admitted when it or one of its ancestors is in
 * the set, so cgroups created later below a watched one are covered. */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} cgroups SEC(".maps");

/* key: network namespace inode; value: unused. Inserted by userspace
 * (--netns). */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} netns_set SEC(".maps");

/* key: 0; value: bytes this CPU submitted since it last asked how full the
 * ring buffer is. */
ST_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unasked SEC(".maps");

/* A CPU asks how full the ring buffer is once it has submitted this share
 * of wakeup_bytes since it last asked. */
#define ST_WAKEUP_ASK_SHIFT 4

/*
 * Submits without waking the consumer, which polls on a short timer, unless
 * the buffer is filling. A wake-up per event is an irq_work self-IPI that
 * lands while the program still runs; the softirq run on its way out changes
 * other sockets' states, and the kernel must skip those nested runs
 * (recursion misses, about 1 transition in 100 under loopback churn).
 *
 * How full the buffer is, is asked only after each 1/16 of wakeup_bytes a
 * CPU submits while the buffer is below wakeup_bytes, not at every event:
 * the question reads the consumer's position, a cache line the reader
 * writes from another CPU (~30 ns a call under a syscall trace). Once an
 * answer is above, the CPU asks (and wakes the reader) at every event again
 * until one is below: those wake-ups also slow a burst's producers down to
 * what a reader that cannot keep up can take (`log` rotating through a
 * 20 000-connection burst lost events without them). The reader is woken
 * at most 1/16 of wakeup_bytes per CPU later than it would be (a nested
 * program's count can be lost in a race: that only delays the question),
 * and its poll timer bounds the rest.
 */
static __always_inline __u64 wakeup_flags(__u64 bytes)
{
	__u64 ask = wakeup_bytes >> ST_WAKEUP_ASK_SHIFT;
	__u32 zero = 0;
	__u64 *n;

	if (!wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	n = bpf_map_lookup_elem(&unasked, &zero);
	if (n) {
		*n += bytes;
		if (*n < ask)
			return BPF_RB_NO_WAKEUP;
	}
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP; /* and the next event asks again */
	if (n)
		*n = 0;
	return BPF_RB_NO_WAKEUP;
}

/* `e` starts with its struct st_header. */
static __always_inline void submit_event(void *e)
{
	bpf_ringbuf_submit(e, wakeup_flags(((struct st_header *)e)->size));
}

/* Atomic although per CPU: a program nested in another on this CPU (see
 * on_inet_sock_set_state_nested) can count between its load and store. */
static __always_inline void count_loss(__u32 where)
{
	__u64 *n = bpf_map_lookup_elem(&losses, &where);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline bool pid_admitted(__u32 tgid)
{
	__u8 *traced;

	if (!filter_pids)
		return true;
	traced = bpf_map_lookup_elem(&pids, &tgid);
	return traced && *traced;
}

static __always_inline bool netns_admitted(__u32 netns)
{
	return !filter_netns || bpf_map_lookup_elem(&netns_set, &netns);
}

/* `comm` is zero-padded after its NUL, as current_comm() and the
 * owner records leave it: two 8-byte compares. */
static __always_inline bool comm_admitted(const char *comm)
{
	__u64 a0, a1, b0, b1;

	if (!filter_comm)
		return true;
	__builtin_memcpy(&a0, comm, 8);
	__builtin_memcpy(&a1, comm + 8, 8);
	__builtin_memcpy(&b0, (const char *)comm_filter, 8);
	__builtin_memcpy(&b1, (const char *)comm_filter + 8, 8);
	return a0 == b0 && a1 == b1;
}

/*
 * Is `cg` or one of its ancestors in the `cgroups` set? Walks up through
 * cgroup->self.parent (the css of the parent cgroup, which is its first
 * member) rather than cgroup->ancestors[], which replaced ancestor_ids[] in
 * 5.19: the parent link has the same shape on every kernel with cgroup v2.
 */
static __always_inline bool cgroup_in_set(const struct cgroup *cg)
{
	for (int i = 0; i < ST_CGROUP_DEPTH && cg; i++) {
		__u64 id = BPF_CORE_READ(cg, kn, id);

		if (bpf_map_lookup_elem(&cgroups, &id))
			return true;
		cg = container_of(BPF_CORE_READ(cg, self.parent), struct cgroup, self);
	}
	return false;
}

/* The calling task's cgroup v2 (its css_set's default-hierarchy cgroup). */
static __always_inline bool current_cgroup_admitted(void)
{
	struct task_struct *task;

	if (!filter_cgroups)
		return true;
	task = bpf_get_current_task_btf();
	return cgroup_in_set(BPF_CORE_READ(task, cgroups, dfl_cgrp));
}

/* The network namespace of the calling task; 0 when it has none (exiting). */
static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	/* Direct loads through the BTF pointer (faulting loads read 0): no helper call. */
	return task->nsproxy ? task->nsproxy->net_ns->ns.inum : 0;
}

/*
 * The calling task's name, zero-padded after its NUL as the kernel keeps it
 * in task->comm. Before 6.4 bpf_get_current_comm() copies only up to the
 * NUL and leaves the rest of the buffer as it was, and both the --comm
 * compare and the owner records read all 16 bytes.
 */
static __always_inline void current_comm(char comm[ST_COMM_LEN])
{
	bool ended = false;

	bpf_get_current_comm(comm, ST_COMM_LEN);
#pragma unroll
	for (int i = 0; i < ST_COMM_LEN; i++) {
		if (ended)
			comm[i] = 0;
		else if (!comm[i])
			ended = true;
	}
}

static __always_inline void owner_from_current(struct st_owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();

	o->flags = ST_HF_OWNER_KNOWN;
	o->__pad = 0;
	o->pid = id >> 32;
	o->tid = (__u32)id;
	o->cgroup_id = bpf_get_current_cgroup_id();
	current_comm(o->comm);
}

/* The same for a task that is not the current one (an iterator's). */
static __always_inline void owner_from_task(struct task_struct *task, struct st_owner *o)
{
	o->flags = ST_HF_OWNER_KNOWN;
	o->__pad = 0;
	o->pid = task->tgid;
	o->tid = task->pid;
	o->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	__builtin_memset(o->comm, 0, ST_COMM_LEN);
	bpf_probe_read_kernel_str(o->comm, ST_COMM_LEN, task->comm);
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
