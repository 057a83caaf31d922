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
 *  - batch_exit: the same records appended to a per-CPU buffer and handed
 *    over 100 at a time: what batching records per CPU could save.
 * And the same for TCP state changes, host-wide (`states`, `top`):
 *  - states_empty: a program on sock:inet_sock_set_state returning at once;
 *  - states_record: a record of a state event's size per transition,
 *    through the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "arch.bpf.h" /* socktrace's: the syscall argument registers */

#define REC_BYTES 160
#define STATE_REC_BYTES 184
#define BATCH_BYTES (REC_BYTES * 100)

const volatile __u32 record_tgid = 0;

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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
