/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscall trace (strace -e trace=network without ptrace).
 *
 * Two programs on the raw syscall tracepoints (tp_btf/sys_enter and
 * tp_btf/sys_exit) rather than 36 on syscalls:sys_{enter,exit}_X: every
 * syscall of the host goes through the same raw tracepoint either way (the
 * per-syscall events are filtered inside it), tp_btf runs the program
 * directly instead of through the perf trace buffer, and one id check against
 * a read-only table is the cheapest possible first filter.
 *
 * Entry keeps only what the kernel will overwrite (the time, and the
 * value-result lengths: addrlen, optlen, msg_namelen...) in task storage.
 * Exit reads the arguments from pt_regs, the user memory they point to, and
 * emits one event: the fixed st_syscall_event followed by st_blob records,
 * built in a per-CPU scratch buffer and copied into the ring buffer at its
 * real size.
 */
#include "common.bpf.h"
#include "fd.bpf.h"
#include "arch.bpf.h"


#define ST_NR_MAX 512

/* Tunables, set by userspace before load. */
const volatile __u8 traced_nr[ST_NR_MAX] = {}; /* 1: trace this syscall number */
const volatile __u32 string_limit = 32;        /* -s: payload bytes per buffer */
const volatile __u32 self_tgid = 0;            /* socktrace itself: never traced */
const volatile __u8 annotate_fds = 0;          /* -y: describe the sockets behind fds */
const volatile __u8 need_entry_time = 1;       /* -T -t -c --json: time calls from entry */
const volatile __u8 full_header = 1;           /* comm and cgroup id in each event (--json) */

/* Blobs start below this offset in the scratch buffer, so that a blob of the
 * largest size always fits behind it. */
#define ST_BLOB_AREA 16384
#define ST_SCRATCH (sizeof(struct st_syscall_event) + ST_BLOB_AREA + 8 + ST_MAX_STRING + 8)

/* The value-result lengths the kernel overwrites, as they were at entry. */
#define ST_INLENS_MAX (2 * ST_MAX_MMSG)

struct st_enter {
	__u64 ts_ns;
	__u32 nr;
	__u32 n_inlens;
	__u32 inlens[ST_INLENS_MAX];
	__u8 inlen_fault;
	__u8 __pad[7];
	struct __kernel_timespec timeout;
	__u8 has_timeout;
	__u8 has_fdinfo;
	__u8 has_offset;          /* sendfile: offset read at entry */
	__u8 offset_fault;        /* ... and the read faulted */
	__u8 has_fdinfo2;
	__u8 __pad2[3];
	__u64 offset;             /* sendfile: *offset at entry */
	struct st_fdinfo fdinfo;  /* -y: the fd argument as it was at entry */
	struct st_fdinfo fdinfo2; /* -y: sendfile's in_fd as it was at entry */
};

/* key: task; value: the syscall it is in. Written at entry, read at exit;
 * freed by the kernel with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct st_enter);
} enters SEC(".maps");

/*
 * The event under construction. `off` (the end of the blobs so far) lives in
 * map memory on purpose: the verifier treats what it loads from there as any
 * value, bounded again at each use, instead of tracking every exact offset
 * down every path, which multiplies its states past its budget.
 */
struct st_scratch {
	__u64 off;
	__u8 event[sizeof(struct st_syscall_event)];
	/* + 32: a path blob (st_fdpath and up to 4095 bytes, as the verifier
	 * of 6.1 can only know it: masked) behind the area's last offset */
	__u8 blobs[ST_BLOB_AREA + 8 + ST_MAX_STRING + 8 + 32];
};

/* key: 0; value: the event being built, per CPU (programs do not nest on a
 * CPU: the kernel's recursion guard skips a nested run). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_scratch);
} scratch SEC(".maps");

/* key: 0; value: room to describe a returned fd at exit, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_fdinfo);
} fdinfo_scratch SEC(".maps");

/* The mask after barrier_var() is not redundant: clang may spill `nr`
 * before the bounds check and reload it for the index, and verifiers before
 * ~6.9 do not carry the bound to the spilled copy (6.1: "math between
 * map_value pointer and register with unbounded min value"). */
static __always_inline bool traced(__u64 nr)
{
	if (nr >= ST_NR_MAX)
		return false;
	barrier_var(nr);
	return traced_nr[nr & (ST_NR_MAX - 1)];
}

/* The filters on the calling task, cheapest first. */
static __always_inline bool admitted_current(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (tgid == self_tgid || !pid_admitted(tgid))
		return false;
	if (filter_comm) {
		char comm[ST_COMM_LEN];

		current_comm(comm);
		if (!comm_admitted(comm))
			return false;
	}
	if (filter_netns && !netns_admitted(current_netns()))
		return false;
	return current_cgroup_admitted();
}

#include "syscall_record.bpf.h"
#include "syscall_fdinfo.bpf.h"
#include "syscall_payload.bpf.h"

static __always_inline void capture(struct builder *b, __u32 nr, struct pt_regs *regs, long ret,
				    const struct st_enter *en)
{
	void *a1 = (void *)st_syscall_arg2(regs);
	__u64 a2 = st_syscall_arg3(regs);

	switch (nr) {
	case NR_SOCKETPAIR:
		if (ret == 0)
			put_user(b, ST_BLOB_FDS, 0, 0, (void *)st_syscall_arg4(regs), 2 * sizeof(int));
		break;
	case NR_BIND:
	case NR_CONNECT:
		put_addr(b, 0, a1, (__u32)a2);
		break;
	case NR_ACCEPT:
	case NR_ACCEPT4:
	case NR_GETSOCKNAME:
	case NR_GETPEERNAME: {
		__u32 out = 0;

		if (a2) {
			put_inlens(b, en);
			out = put_outlen(b, (void *)a2);
		}
		if (ret >= 0 && a1 && a2) {
			__u32 in = en && en->n_inlens ? en->inlens[0] : out;

			put_addr(b, 0, a1, min64(out, in));
		}
		break;
	}
	case NR_SENDTO: {
		__u64 n = put_netlink(b, st_syscall_arg1(regs), a2);

		if (n)
			put_user(b, ST_BLOB_DATA, 0, 0, a1, n);
		put_addr(b, 0, (void *)st_syscall_arg5(regs), (__u32)st_syscall_arg6(regs));
		break;
	}
	case NR_RECVFROM: {
		__u32 out = 0;
		__u64 n = ret > 0 ? put_netlink(b, st_syscall_arg1(regs), min64(ret, a2)) : 0;

		if (n)
			put_user(b, ST_BLOB_DATA, 0, 0, a1, n);
		if (st_syscall_arg6(regs)) {
			put_inlens(b, en);
			out = put_outlen(b, (void *)st_syscall_arg6(regs));
		}
		if (ret >= 0 && st_syscall_arg5(regs) && st_syscall_arg6(regs)) {
			__u32 in = en && en->n_inlens ? en->inlens[0] : out;

			put_addr(b, 0, (void *)st_syscall_arg5(regs), min64(out, in));
		}
		break;
	}
	case NR_SENDMSG:
		if (a1)
			put_msghdr(b, 0, a1, (__u64)-1, true);
		break;
	case NR_RECVMSG:
		put_inlens(b, en);
		if (a1)
			put_msghdr(b, 0, a1, ret > 0 ? ret : 0, true);
		break;
	case NR_SENDMMSG:
		if (a1)
			put_mmsg(b, a1, a2, false); /* strace shows all vlen, msg_len of the sent */
		break;
	case NR_RECVMMSG:
		put_inlens(b, en);
		if (en && en->has_timeout) {
			struct st_blob *h = blob_start(b, ST_BLOB_TIMEOUT, 0, 0);

			if (h) {
				bpf_probe_read_kernel(h + 1, sizeof(en->timeout), &en->timeout);
				blob_finish(b, h, sizeof(en->timeout));
			}
		}
		if (a1 && ret > 0)
			put_mmsg(b, a1, ret, true);
		/* the kernel writes the time left back: strace's "(left {...})" */
		if (st_syscall_arg5(regs) && ret >= 0)
			put_user(b, ST_BLOB_TIMEOUT, 1, 0, (void *)st_syscall_arg5(regs), sizeof(struct __kernel_timespec));
		break;
	case NR_SENDFILE:
		/* strace: "[before] => [after]", the after only when bytes moved;
		 * an offset whose entry was not seen shows its value at exit. */
		if (a2) {
			if (en && en->has_offset)
				put_u64(b, ST_BLOB_OFFSET, 0, en->offset, en->offset_fault);
			if (ret >= 0)
				put_user(b, ST_BLOB_OFFSET, 1, 0, (void *)a2, sizeof(__u64));
		}
		break;
	case NR_SETSOCKOPT:
		if (st_syscall_arg4(regs) && st_syscall_arg5(regs))
			put_user(b, ST_BLOB_OPTVAL, 0, 0, (void *)st_syscall_arg4(regs), min64((__u32)st_syscall_arg5(regs), optval_limit()));
		break;
	case NR_GETSOCKOPT:
		if (st_syscall_arg5(regs)) {
			__u32 out;

			put_inlens(b, en);
			out = put_outlen(b, (void *)st_syscall_arg5(regs));
			if (ret == 0 && st_syscall_arg4(regs))
				put_user(b, ST_BLOB_OPTVAL, 0, 0, (void *)st_syscall_arg4(regs), min64(out, optval_limit()));
		}
		break;
	}
}

/*
 * Does this call need its entry recorded: its time (asked for), the
 * value-result lengths the kernel will overwrite, or the fd as it was? The
 * hot calls of a default trace (send/recv without addresses) do not, and
 * then neither program touches task storage.
 */
static __always_inline bool needs_entry(long id, struct pt_regs *regs)
{
	if (need_entry_time || annotate_fds)
		return true;
	switch (id) {
	case NR_ACCEPT:
	case NR_ACCEPT4:
	case NR_GETSOCKNAME:
	case NR_GETPEERNAME:
		return st_syscall_arg3(regs) != 0;
	case NR_RECVFROM:
		return st_syscall_arg6(regs) != 0;
	case NR_GETSOCKOPT:
		return st_syscall_arg5(regs) != 0;
	case NR_SENDFILE:
		return st_syscall_arg3(regs) != 0;
	case NR_RECVMSG:
	case NR_RECVMMSG:
		return true;
	}
	return false;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	struct st_enter *en;

	if (!traced(id) || !needs_entry(id, regs) || !admitted_current())
		return 0;
	en = bpf_task_storage_get(&enters, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!en)
		return 0;
	en->ts_ns = need_entry_time ? bpf_ktime_get_ns() : 0;
	en->nr = id;
	en->n_inlens = 0;
	en->inlen_fault = 0;
	en->has_timeout = 0;
	en->has_fdinfo = 0;
	en->has_offset = 0;
	en->has_fdinfo2 = 0;
	if (annotate_fds && id != NR_SOCKET && id != NR_SOCKETPAIR) {
		describe_fd(&en->fdinfo, st_syscall_arg1(regs));
		en->has_fdinfo = 1;
	}
	if (annotate_fds && id == NR_SENDFILE) {
		describe_fd(&en->fdinfo2, st_syscall_arg2(regs));
		en->has_fdinfo2 = 1;
	}

	switch (id) {
	case NR_ACCEPT:
	case NR_ACCEPT4:
	case NR_GETSOCKNAME:
	case NR_GETPEERNAME:
		if (st_syscall_arg3(regs))
			save_inlen(en, (void *)st_syscall_arg3(regs));
		break;
	case NR_RECVFROM:
		if (st_syscall_arg6(regs))
			save_inlen(en, (void *)st_syscall_arg6(regs));
		break;
	case NR_GETSOCKOPT:
		if (st_syscall_arg5(regs))
			save_inlen(en, (void *)st_syscall_arg5(regs));
		break;
	case NR_SENDFILE:
		if (st_syscall_arg3(regs)) {
			en->offset_fault = bpf_probe_read_user(&en->offset, sizeof(en->offset),
							       (void *)st_syscall_arg3(regs)) != 0;
			en->has_offset = 1;
		}
		break;
	case NR_RECVMSG:
		if (st_syscall_arg2(regs))
			save_msghdr_lens(en, (void *)st_syscall_arg2(regs));
		break;
	case NR_RECVMMSG: {
		struct mmsghdr *vec = (void *)st_syscall_arg2(regs);
		__u32 vlen = st_syscall_arg3(regs);

		for (__u32 j = 0; j < ST_MAX_MMSG && j < vlen && vec; j++)
			save_msghdr_lens(en, &vec[j].msg_hdr);
		if (st_syscall_arg5(regs) && !bpf_probe_read_user(&en->timeout, sizeof(en->timeout), (void *)st_syscall_arg5(regs)))
			en->has_timeout = 1;
		break;
	}
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 nr = st_syscall_nr(regs);
	struct st_syscall_event *e;
	struct st_enter *en;
	struct builder b;
	__u32 zero = 0;
	__u64 now, size, id;

	if (!traced(nr) || !admitted_current())
		return 0;
	b.s = bpf_map_lookup_elem(&scratch, &zero);
	if (!b.s)
		return 0;
	/* Timestamps are shown only with -t/-T/-c/--json (need_entry_time). */
	now = need_entry_time ? bpf_ktime_get_ns() : 0;
	en = NULL;
	if (needs_entry(nr, regs)) {
		en = bpf_task_storage_get(&enters, bpf_get_current_task_btf(), 0, 0);
		if (en && en->nr != nr)
			en = NULL;
	}

	e = (void *)b.s->event;
	id = bpf_get_current_pid_tgid();
	e->hdr.kind = ST_EV_SYSCALL;
	e->hdr.flags = 0;
	e->hdr.pid = id >> 32;
	e->hdr.tid = (__u32)id;
	if (full_header) {
		e->hdr.cgroup_id = bpf_get_current_cgroup_id();
		current_comm(e->hdr.comm);
	} else {
		/* The strace format shows neither. */
		e->hdr.cgroup_id = 0;
		__builtin_memset(e->hdr.comm, 0, sizeof(e->hdr.comm));
	}
	e->hdr.ts_ns = en ? en->ts_ns : now;
	e->dur_ns = en && now ? now - en->ts_ns : 0;
	e->args[0] = st_syscall_arg1(regs);
	e->args[1] = st_syscall_arg2(regs);
	e->args[2] = st_syscall_arg3(regs);
	e->args[3] = st_syscall_arg4(regs);
	e->args[4] = st_syscall_arg5(regs);
	e->args[5] = st_syscall_arg6(regs);
	e->ret = ret;
	e->nr = nr;
	e->netns = current_netns();
	e->__pad = 0;

	b.s->off = 0;
	if (annotate_fds) {
		if (en && en->has_fdinfo) {
			put_fdinfo(&b, 0, &en->fdinfo);
			if (!en->fdinfo.family)
				put_fd_path(b.s, 0, st_syscall_arg1(regs));
		}
		if (en && en->has_fdinfo2) {
			put_fdinfo(&b, 4, &en->fdinfo2);
			if (!en->fdinfo2.family)
				put_fd_path(b.s, 4, st_syscall_arg2(regs));
		}
		put_returned_fds(&b, nr, regs, ret);
	}
	capture(&b, nr, regs, ret, en);
	if (en)
		en->nr = 0; /* consumed: a later exit without entry must not reuse it */

	size = b.s->off;
	if (size > sizeof(b.s->blobs))
		size = sizeof(b.s->blobs);
	e->data_len = size;
	e->hdr.size = sizeof(*e) + size;
	/* event and blobs are contiguous in the scratch value */
	if (bpf_ringbuf_output(&events, e, sizeof(*e) + size, wakeup_flags(sizeof(*e) + size)))
		count_loss(ST_LOSS_RINGBUF);
	return 0;
}
