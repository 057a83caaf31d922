/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keeps the traced process set current for the syscall trace: -f adds the
 * children of traced processes as they are forked, and the exit of every
 * traced task is reported (strace's "+++ exited with N +++"); a process whose
 * last thread exited leaves the set, so a recycled pid is not traced.
 */
#include "common.bpf.h"

const volatile __u8 follow_forks = 0; /* -f */
const volatile __u8 report_procs = 0; /* emit st_proc_event for traced tasks */

static __always_inline bool tgid_traced(__u32 tgid)
{
	__u8 *traced = bpf_map_lookup_elem(&pids, &tgid);

	return traced && *traced;
}

static __always_inline void emit(struct task_struct *task, __u32 what, struct task_struct *child,
				 __s32 exit_code, __u8 group_dead)
{
	struct st_proc_event *e;
	struct st_owner o = {};

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return;
	}
	o.flags = 0;
	o.pid = task->tgid;
	o.tid = task->pid;
	o.cgroup_id = bpf_get_current_cgroup_id();
	bpf_probe_read_kernel_str(o.comm, sizeof(o.comm), task->comm);
	fill_header(&e->hdr, ST_EV_PROC, sizeof(*e), &o);
	e->what = what;
	e->child_pid = child ? child->tgid : 0;
	e->child_tid = child ? child->pid : 0;
	e->exit_code = exit_code;
	e->group_dead = group_dead;
	__builtin_memset(e->__pad, 0, sizeof(e->__pad));
	/* A traced process gone: the reader learns it now (a trace of -p
	 * ends with it), not at its next timed poll. */
	if (what == ST_PROC_EXIT && group_dead)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	else
		submit_event(e);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_process_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (!filter_pids || !tgid_traced(ptgid))
		return 0;
	if (ctgid != ptgid) {
		if (!follow_forks)
			return 0;
		if (bpf_map_update_elem(&pids, &ctgid, &one, BPF_ANY)) {
			count_loss(ST_LOSS_PID_MAP);
			return 0;
		}
	}
	if (report_procs)
		emit(parent, ST_PROC_FORK, child, 0, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;
	/* do_exit() decremented signal->live before this tracepoint. Every
	 * thread that reaches it after the last decrement reads 0, so in an
	 * exit_group() more than one can: group_dead means "the process is
	 * ending", and a thread that decremented earlier may still come. */
	__u8 group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	/* No other thread left to come: this one is the only one not yet
	 * released. Otherwise userspace takes the pid out once /proc shows
	 * every thread past its exit (the pid cannot be reused before). */
	__u8 last = group_dead && BPF_CORE_READ(task, signal, nr_threads) == 1;

	if (!filter_pids || !tgid_traced(tgid))
		return 0;
	if (report_procs)
		emit(task, ST_PROC_EXIT, NULL, task->exit_code, group_dead);
	if (last) {
		__u8 zero = 0;

		bpf_map_update_elem(&pids, &tgid, &zero, BPF_ANY);
	}
	return 0;
}
