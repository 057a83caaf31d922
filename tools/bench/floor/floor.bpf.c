/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The least a syscall tracer can cost, in three steps:
 *  - floor_enter/floor_exit: programs on the raw syscall tracepoints that
 *    socktrace's syscall trace uses, returning at once. What socktrace
 *    costs a process it does not trace, beyond this, is its filter.
 *  - record_exit: for one process, a record of a syscall event's size
 *    (its header, arguments and a 32-byte payload) handed to the reader
 *    through a ring buffer at each exit, as socktrace -p does: what the
 *    ring buffer itself costs per call.
 *    With record_payload, each send/recv (sendto/recvfrom) record also
 *    carries the first 32 bytes of its buffer, read from user memory, as
 *    strace prints them: what the content strace shows costs at least.
 *  - batch_exit: the same records appended to a per-CPU buffer and handed
 *    over 100 at a time: what batching records per CPU could save; with
 *    record_payload, with the 32 bytes of each send/recv buffer too.
 * And the same for TCP state changes, host-wide (`states`, `top`):
 *  - states_empty: a program on sock:inet_sock_set_state returning at once;
 *  - states_record: a record of a state event's size per transition,
 *    through the ring buffer;
 *  - states_owned: the least that attributing each transition to a process
 *    costs: the owner (pid, tid, comm, cgroup) of each socket remembered at
 *    its birth (CLOSE -> anything, a child's LISTEN -> SYN_RECV) and looked
 *    up at its other transitions, kept in a hash map by socket cookie
 *    (forgotten at -> CLOSE) as socktrace keeps it, or in the socket's own
 *    BPF storage (sk_storage, freed with the socket); with or without the
 *    record. A child takes the task on the CPU, where socktrace looks its
 *    listener up: one hash lookup less than socktrace.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "arch.bpf.h" /* socktrace's: the syscall argument registers */

#define REC_BYTES 160
#define STATE_REC_BYTES 184
#define BATCH_BYTES (REC_BYTES * 100)

const volatile __u32 record_tgid = 0;
const volatile __u8 record_payload = 0;

struct rec {
	__u64 ts_ns;
	__u64 pid_tgid;
	__s64 ret;
	__u64 args[6];
	__u8 rest[REC_BYTES - 9 * 8];
};

struct batch {
	__u32 off;
	__u32 __pad;
	__u8 buf[BATCH_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct batch);
} batches SEC(".maps");

__u64 lost = 0;

static __always_inline void fill(struct rec *r, struct pt_regs *regs, long ret, __u64 id)
{
	r->ts_ns = bpf_ktime_get_ns();
	r->pid_tgid = id;
	r->ret = ret;
	r->args[0] = st_syscall_arg1(regs);
	r->args[1] = st_syscall_arg2(regs);
	r->args[2] = st_syscall_arg3(regs);
	r->args[3] = st_syscall_arg4(regs);
	r->args[4] = st_syscall_arg5(regs);
	r->args[5] = st_syscall_arg6(regs);
	__builtin_memset(r->rest, 0, sizeof(r->rest));
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(record_exit, struct pt_regs *regs, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct rec *r;

	if (id >> 32 != record_tgid)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	fill(r, regs, ret, id);
	if (record_payload && ret > 0 &&
	    (st_syscall_nr(regs) == NR_SENDTO || st_syscall_nr(regs) == NR_RECVFROM))
		bpf_probe_read_user(r->rest, 32, (const void *)st_syscall_arg2(regs));
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(batch_exit, struct pt_regs *regs, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct batch *b;
	__u32 zero = 0, off;

	if (id >> 32 != record_tgid)
		return 0;
	b = bpf_map_lookup_elem(&batches, &zero);
	if (!b)
		return 0;
	off = b->off;
	if (off > BATCH_BYTES - REC_BYTES)
		off = BATCH_BYTES - REC_BYTES;
	fill((struct rec *)&b->buf[off], regs, ret, id);
	if (record_payload && ret > 0 &&
	    (st_syscall_nr(regs) == NR_SENDTO || st_syscall_nr(regs) == NR_RECVFROM))
		bpf_probe_read_user(((struct rec *)&b->buf[off])->rest, 32, (const void *)st_syscall_arg2(regs));
	off += REC_BYTES;
	if (off >= BATCH_BYTES) {
		if (bpf_ringbuf_output(&records, b->buf, BATCH_BYTES, BPF_RB_NO_WAKEUP))
			__sync_fetch_and_add(&lost, BATCH_BYTES / REC_BYTES);
		off = 0;
	}
	b->off = off;
	return 0;
}

struct state_rec {
	__u64 ts_ns;
	__u64 skaddr;
	__u64 cookie;
	__u32 states;
	__u32 netns;
	__u8 rest[STATE_REC_BYTES - 4 * 8];
};

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(states_empty, const struct sock *sk, const int oldstate, const int newstate)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(states_record, const struct sock *sk, const int oldstate, const int newstate)
{
	struct state_rec *r;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	r->ts_ns = bpf_ktime_get_ns();
	r->skaddr = (__u64)sk;
	r->cookie = sk->__sk_common.skc_cookie.counter;
	r->states = (__u32)oldstate << 8 | (__u32)newstate;
	r->netns = sk->__sk_common.skc_net.net->ns.inum;
	__builtin_memset(r->rest, 0, sizeof(r->rest));
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

#define TCP_CLOSE 7
#define TCP_LISTEN 10
#define TCP_SYN_RECV 3

struct owner {
	__u32 pid;
	__u32 tid;
	__u64 cgroup_id;
	char comm[16];
};

const volatile __u8 owners_in_storage = 0; /* 0: the hash map; 1: sk_storage */
const volatile __u8 owned_record = 0;      /* also the record, with the owner */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct owner);
} owner_store SEC(".maps");

static __always_inline void owner_from_current(struct owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();

	o->pid = id >> 32;
	o->tid = (__u32)id;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(states_owned, struct sock *sk, const int oldstate, const int newstate)
{
	bool born = oldstate == TCP_CLOSE || (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV);
	struct owner fresh = {}, *o = NULL;
	struct state_rec *r;
	__u64 cookie;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	cookie = sk->__sk_common.skc_cookie.counter;
	if (!cookie)
		cookie = bpf_get_socket_cookie(sk);
	if (owners_in_storage) {
		o = bpf_sk_storage_get(&owner_store, sk, 0, born ? BPF_SK_STORAGE_GET_F_CREATE : 0);
		if (o && born)
			owner_from_current(o);
	} else if (born) {
		owner_from_current(&fresh);
		bpf_map_update_elem(&owners, &cookie, &fresh, BPF_ANY);
		o = &fresh;
	} else {
		o = bpf_map_lookup_elem(&owners, &cookie);
	}
	if (owned_record) {
		r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
		if (!r) {
			__sync_fetch_and_add(&lost, 1);
		} else {
			r->ts_ns = bpf_ktime_get_ns();
			r->skaddr = (__u64)sk;
			r->cookie = cookie;
			r->states = (__u32)oldstate << 8 | (__u32)newstate;
			r->netns = sk->__sk_common.skc_net.net->ns.inum;
			__builtin_memset(r->rest, 0, sizeof(r->rest));
			if (o)
				__builtin_memcpy(r->rest, o, sizeof(*o));
			bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
		}
	}
	if (newstate == TCP_CLOSE && !owners_in_storage)
		bpf_map_delete_elem(&owners, &cookie);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
