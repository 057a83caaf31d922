/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The lives of UDP and unix stream sockets, which have no state tracepoint
 * (sock:inet_sock_set_state is TCP's): created, bound, connected, listened
 * on, accepted, released.
 *
 * Every step but the end runs inside a syscall (socket, socketpair, bind,
 * connect, listen, accept, accept4), read at its exit: by fexit programs on
 * those syscalls' functions where the kernel allows them, else by their
 * syscalls:sys_exit_X tracepoints (the comment above step_socket() says
 * what each costs the rest of the host).
 *
 * The end:
 *   - UDP: cgroup/sock_release on the cgroup v2 root, which inet_release()
 *     runs for every socket whose last file reference goes away, however it
 *     goes (close, dup2, close-on-exec, process exit, a passed fd). It is a
 *     cgroup hook, not a tracepoint; when it cannot be attached, userspace
 *     sets udp_close_by_fd and UDP ends are seen like unix ones.
 *   - unix stream: where the kernel lets fentry programs attach, fentry on
 *     unix_release(), which runs when the last reference goes, however it
 *     goes (close, dup2 over it, close_range, close-on-exec, exit). Else no
 *     tracepoint or cgroup hook runs on their release: close() of the last
 *     reference (syscalls:sys_enter_close, file refcount one) and the exit
 *     of a process that holds such a socket (sched_process_exit, fd table
 *     walked) are seen; dup2 over it, close_range and close-on-exec are not.
 *
 * Programs filter on the socket's family/type/protocol before anything
 * else, and are loaded only for `states`/`log`.
 */
#include "common.bpf.h"
#include "arch.bpf.h"
#include "fd.bpf.h"

#define TCP_CLOSE 7
#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

/* Most fds looked at per exiting process that held a unix stream socket. */
#define ST_EXIT_MAX_FDS 4096

/* 1: no cgroup sock_release hook; UDP ends are seen at close() and exit.
 * Set by userspace after load, once it knows whether the hook attached. */
volatile __u8 udp_close_by_fd = 0;

/* 1: unix stream sockets' ends come from fentry on unix_release(), not from
 * close() and exit. Set by userspace before load, after a probe. */
const volatile __u8 unix_release_hooked = 0;

/* Are this socket's ends seen at close() of its last fd and at exit? */
static __always_inline bool ends_by_fd(__u16 family)
{
	return family == AF_UNIX ? !unix_release_hooked : udp_close_by_fd;
}

/* What is remembered of a socket between its steps. */
struct st_sock_rec {
	struct st_owner owner; /* the last task that did something with it */
	__u8 state;            /* sk_state after the last step */
	__u8 admitted;         /* passes --netns and --cgroup (fixed at birth) */
	__u8 __pad[6];
};

/* key: kernel address of struct sock (UDP or unix stream); value: its
 * record. Inserted at the first step socktrace sees, deleted at release.
 * UDP sockets are SLAB_TYPESAFE_BY_RCU, so an address can come back as a
 * new socket: only after the release that deleted the entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct st_sock_rec);
} sock_recs SEC(".maps");

/* key: tgid; value: unused. Processes that created or accepted a unix
 * stream socket (or any tracked socket, with udp_close_by_fd): only their
 * exit walks the fd table. Inserted at those steps, deleted at exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} sock_holders SEC(".maps");

/* Is this a socket whose life is followed here? `type` is the socket's
 * (struct socket and struct sock keep the same one). */
static __always_inline bool followed(const struct sock *sk, __u16 type, __u16 *family)
{
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (*family == AF_UNIX)
		return type == SOCK_STREAM;
	if (*family == AF_INET || *family == AF_INET6)
		return type == SOCK_DGRAM && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_UDP;
	return false;
}

/* The sock behind `file` and its type; NULL when it is no socket. */
static __always_inline struct sock *file_sock(struct file *file, __u16 *type)
{
	struct st_socket_head h;

	if (!file_is_socket(file) || !file_socket_head(file, &h))
		return NULL;
	*type = h.type;
	return h.sk;
}

static __always_inline struct sock *fd_sock(long fd, __u16 *type)
{
	return file_sock(fd_file(fd), type);
}

/* Before 6.13 a file's references were an atomic_long_t f_count; since,
 * a file_ref_t f_ref. Both spelled out here, so that the program builds
 * against any kernel's vmlinux.h. */
struct file___old {
	atomic_long_t f_count;
} __attribute__((preserve_access_index));

struct file_ref___new {
	atomic_long_t refcnt;
} __attribute__((preserve_access_index));

struct file___new {
	struct file_ref___new f_ref;
} __attribute__((preserve_access_index));

/* References to `file`. Since 6.13 file_ref_t counts from 0 for one
 * reference (FILE_REF_ONEREF). */
static __always_inline __s64 file_refs(struct file *file)
{
	struct file___new *f = (void *)file;

	if (bpf_core_field_exists(f->f_ref))
		return BPF_CORE_READ(f, f_ref.refcnt.counter) + 1;
	return BPF_CORE_READ((struct file___old *)file, f_count.counter);
}

/* Does only one reference to `file` remain (the fd being closed)? */
static __always_inline bool last_ref(struct file *file)
{
	return file_refs(file) == 1;
}

static __always_inline __u32 sock_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* --netns and --cgroup look at the socket: where it lives and the cgroup it
 * was created in. */
static __always_inline bool place_admitted(const struct sock *sk)
{
	if (!netns_admitted(sock_netns(sk)))
		return false;
	return !filter_cgroups || cgroup_in_set(BPF_CORE_READ(sk, sk_cgrp_data.cgroup));
}

static __always_inline bool owner_admitted(const struct st_owner *o)
{
	return pid_admitted(o->pid) && comm_admitted(o->comm);
}

static __always_inline __u64 sock_ino(const struct sock *sk)
{
	struct socket *so = BPF_CORE_READ(sk, sk_socket);
	struct socket_alloc *sa;

	if (!so)
		return 0;
	sa = container_of(so, struct socket_alloc, socket);
	return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

/* A unix socket's bound name; returns its length. */
static __always_inline __u8 unix_name(const struct sock *sk, char *path)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	__s64 len;
	__u64 n;

	if (!addr)
		return 0;
	len = (__s64)BPF_CORE_READ(addr, len) - (__s64)sizeof(__u16);
	n = len > 0 ? len : 0;
	barrier_var(n);
	if (n > 108)
		n = 108;
	bpf_probe_read_kernel(path, n, addr->name[0].sun_path);
	return n;
}

static __always_inline void emit(const struct sock *sk, __u16 family, __u16 type, __u8 op,
				 __u8 old_state, __u8 new_state, const struct st_owner *o)
{
	struct st_sock_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, ST_EV_SOCK, sizeof(*e), o);
	e->skaddr = (__u64)sk;
	e->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	e->ino = sock_ino(sk);
	e->sock_cgroup_id = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
	e->netns = sock_netns(sk);
	e->family = family;
	e->type = type;
	e->op = op;
	e->old_state = old_state;
	e->new_state = new_state;
	if (family == AF_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);

		e->path_len = unix_name(sk, e->path);
		if (peer) {
			e->peer_ino = sock_ino(peer);
			e->peer_path_len = unix_name(peer, e->peer_path);
		}
	} else {
		e->protocol = IPPROTO_UDP;
		e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
		e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET) {
			bpf_core_read(e->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
			bpf_core_read(e->daddr, 4, &sk->__sk_common.skc_daddr);
		} else {
			bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
	}
	submit_event(e);
}

/* A syscall of the current task did `op` to `sk`: remember its new state
 * and owner, and report it. */
static __always_inline void sock_step(const struct sock *sk, __u16 type, __u8 op)
{
	struct st_sock_rec fresh = {}, *r;
	__u64 key = (__u64)sk;
	__u16 family;
	__u8 old_state = 0, new_state;

	if (!sk || !followed(sk, type, &family))
		return;
	new_state = BPF_CORE_READ(sk, __sk_common.skc_state);
	r = bpf_map_lookup_elem(&sock_recs, &key);
	if (r) {
		old_state = r->state;
		fresh.admitted = r->admitted;
	} else {
		fresh.admitted = place_admitted(sk);
	}
	/* The caller holds the socket now (it may have inherited it). */
	owner_from_current(&fresh.owner);
	fresh.state = new_state;
	if (bpf_map_update_elem(&sock_recs, &key, &fresh, BPF_ANY))
		count_loss(ST_LOSS_OWNER_MAP);
	if (ends_by_fd(family)) {
		__u32 tgid = fresh.owner.pid;
		__u8 one = 1;

		bpf_map_update_elem(&sock_holders, &tgid, &one, BPF_ANY);
	}
	if (!fresh.admitted || !owner_admitted(&fresh.owner))
		return;
	emit(sk, family, type, op, old_state, new_state, &fresh.owner);
}

/* `sk` is going away: reported by the task that released it, or by its last
 * known owner when that is a kernel thread (delayed fput). */
static __always_inline void sock_end(const struct sock *sk, __u16 family, __u16 type)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct st_owner cur = {};
	const struct st_owner *o = &cur;
	struct st_sock_rec *r;
	__u64 key = (__u64)sk;
	bool admitted;
	__u8 op;

	r = bpf_map_lookup_elem(&sock_recs, &key);
	admitted = r ? r->admitted : place_admitted(sk);
	if ((task->flags & PF_KTHREAD) && r)
		o = &r->owner;
	else
		owner_from_current(&cur);
	op = (task->flags & PF_EXITING) ? ST_SOCK_EXIT : ST_SOCK_CLOSE;
	if (admitted && owner_admitted(o))
		emit(sk, family, type, op, BPF_CORE_READ(sk, __sk_common.skc_state), TCP_CLOSE, o);
	if (r)
		bpf_map_delete_elem(&sock_recs, &key);
}

/* The current syscall's saved registers (its arguments), at its exit. */
static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* The fd argument of the current syscall, at its exit. */
static __always_inline long arg_fd(void)
{
	return st_syscall_arg1(syscall_regs());
}

/* socket(family, type, protocol) arguments of a socket followed here: TCP
 * sockets, the common case, are let go without a look at the fd table.
 * followed() has the last word. */
static __always_inline bool socket_args_followed(void)
{
	struct pt_regs *regs = syscall_regs();
	long family = st_syscall_arg1(regs), type = st_syscall_arg2(regs) & 0xf, protocol = st_syscall_arg3(regs);

	if (family == AF_UNIX)
		return type == SOCK_STREAM;
	if (family == AF_INET || family == AF_INET6)
		return type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP);
	return false;
}

/*
 * Each step at its syscall's exit, from either of two sources, the same
 * code behind both: fexit programs on the syscalls' kernel functions
 * (__x64_sys_bind...), where the kernel lets tracing programs attach
 * (Debian's kernels do): they run for those calls only, and the rest of the
 * host's syscalls do not notice; or the syscalls:sys_exit_X tracepoints,
 * where it does not (no fentry/fexit on this kernel, e.g. no BPF
 * trampoline): enabling any syscall tracepoint sends every syscall of every
 * process through the kernel's slow path (docs/performance.md). Userspace
 * loads one set, after a probe (probe_fexit() in kernel/tracer.cpp). A
 * fexit program does not run at the exit of a call that entered before it
 * attached (an accept() blocked when socktrace starts).
 */
static __always_inline void step_socket(long ret)
{
	__u16 type = 0;

	if (ret >= 0 && socket_args_followed())
		sock_step(fd_sock(ret, &type), type, ST_SOCK_CREATE);
}

static __always_inline void step_socketpair(long ret)
{
	__u16 type = 0;
	int fds[2];

	if (ret != 0)
		return;
	if (bpf_probe_read_user(fds, sizeof(fds), (void *)st_syscall_arg4(syscall_regs())))
		return;
	sock_step(fd_sock(fds[0], &type), type, ST_SOCK_PAIR);
	sock_step(fd_sock(fds[1], &type), type, ST_SOCK_PAIR);
}

/* bind, connect, listen: a step on the socket of the fd argument. */
static __always_inline void step_fd_arg(long ret, __u8 op)
{
	__u16 type = 0;

	if (ret == 0)
		sock_step(fd_sock(arg_fd(), &type), type, op);
}

static __always_inline void step_accept(long ret)
{
	__u16 type = 0;

	if (ret >= 0)
		sock_step(fd_sock(ret, &type), type, ST_SOCK_ACCEPT);
}

/* close() of the last reference to a unix stream socket (and to a UDP
 * socket without the cgroup hook), before it runs. */
static __always_inline void step_close(long fd)
{
	struct file *file = fd_file(fd);
	__u16 family, type = 0;
	struct sock *sk = file_sock(file, &type);

	if (!sk || !followed(sk, type, &family) || !ends_by_fd(family))
		return;
	if (last_ref(file))
		sock_end(sk, family, type);
}

static __always_inline void step_bind(long ret)
{
	step_fd_arg(ret, ST_SOCK_BIND);
}

static __always_inline void step_connect(long ret)
{
	step_fd_arg(ret, ST_SOCK_CONNECT);
}

static __always_inline void step_listen(long ret)
{
	step_fd_arg(ret, ST_SOCK_LISTEN);
}

/* The two programs of syscall `call`'s step at its exit: on_sock_fexit_CALL
 * (fexit on its function) and on_sock_exit_CALL (its exit tracepoint). */
#define SOCK_STEP_PROGRAMS(call, step)                                             \
	SEC("fexit/" ST_SYSCALL_FN #call)                                          \
	int BPF_PROG(on_sock_fexit_##call, const struct pt_regs *regs, long ret)   \
	{                                                                          \
		step(ret);                                                         \
		return 0;                                                          \
	}                                                                          \
	SEC("tracepoint/syscalls/sys_exit_" #call)                                 \
	int on_sock_exit_##call(struct trace_event_raw_sys_exit *ctx)              \
	{                                                                          \
		step(ctx->ret);                                                    \
		return 0;                                                          \
	}

SOCK_STEP_PROGRAMS(socket, step_socket)
SOCK_STEP_PROGRAMS(socketpair, step_socketpair)
SOCK_STEP_PROGRAMS(bind, step_bind)
SOCK_STEP_PROGRAMS(connect, step_connect)
SOCK_STEP_PROGRAMS(listen, step_listen)
SOCK_STEP_PROGRAMS(accept, step_accept)
SOCK_STEP_PROGRAMS(accept4, step_accept)

/* close(), before it runs: fentry on its function, or its entry tracepoint. */
SEC("fentry/" ST_SYSCALL_FN "close")
int BPF_PROG(on_sock_fentry_close, const struct pt_regs *regs)
{
	step_close(arg_fd());
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int on_sock_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	step_close(ctx->args[0]);
	return 0;
}

struct exit_ref_key {
	__u64 file;
	__u32 tgid;
	__u32 __pad;
};

/* key: (file, exiting tgid); value: references to that file not yet
 * matched by an fd of the table being walked. Inserted at a file's first fd
 * in the walk when it has more references, deleted when its last fd is seen
 * (the process held every reference: the socket goes); left to the LRU
 * when some reference is held elsewhere. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct exit_ref_key);
	__type(value, __s64);
} exit_refs SEC(".maps");

/* Is this fd, in the table of a process that exits, the last of the
 * references to `file` (all of them held by that table)? */
static __always_inline bool exit_last_ref(struct file *file, __u32 tgid)
{
	struct exit_ref_key k = { .file = (__u64)file, .tgid = tgid };
	__s64 refs = file_refs(file), *left;

	if (refs == 1)
		return true;
	left = bpf_map_lookup_elem(&exit_refs, &k);
	if (!left) {
		refs -= 1;
		bpf_map_update_elem(&exit_refs, &k, &refs, BPF_ANY);
		return false;
	}
	if (--*left > 0)
		return false;
	bpf_map_delete_elem(&exit_refs, &k);
	return true;
}

struct exit_walk {
	struct task_struct *task;
	struct file **fds;
	__u32 max_fds;
};

static long exit_walk_fd(__u64 i, struct exit_walk *w)
{
	struct file *file = NULL;
	struct sock *sk;
	__u16 family, type = 0;

	if (i >= w->max_fds)
		return 1;
	if (bpf_probe_read_kernel(&file, sizeof(file), &w->fds[i]) || !file)
		return 0;
	sk = file_sock(file, &type);
	if (!sk || !followed(sk, type, &family) || !ends_by_fd(family))
		return 0;
	if (exit_last_ref(file, w->task->tgid))
		sock_end(sk, family, type);
	return 0;
}

/* The last thread of a process that held unix stream sockets exits: its fd
 * table is still there (exit_files() runs after this tracepoint), and what
 * only it references goes away with it. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_sock_process_exit, struct task_struct *task)
{
	struct exit_walk w = {};
	__u32 tgid = task->tgid;

	if (!bpf_map_lookup_elem(&sock_holders, &tgid))
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	bpf_map_delete_elem(&sock_holders, &tgid);
	/* A files_struct shared with another process (CLONE_FILES) stays. */
	if (BPF_CORE_READ(task, files, count.counter) != 1)
		return 0;
	w.task = task;
	w.fds = BPF_CORE_READ(task, files, fdt, fd);
	w.max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if (!w.fds)
		return 0;
	bpf_loop(ST_EXIT_MAX_FDS, exit_walk_fd, &w, 0);
	return 0;
}

/* UDP: inet_release() of every socket in the cgroup tree, however its last
 * reference went. `ctx` is the struct sock itself. */
SEC("cgroup/sock_release")
int on_udp_release(struct bpf_sock *ctx)
{
	const struct sock *sk;
	__u16 family;

	if (ctx->protocol != IPPROTO_UDP || ctx->type != SOCK_DGRAM)
		return 1;
	sk = (const struct sock *)ctx;
	if (followed(sk, SOCK_DGRAM, &family))
		sock_end(sk, family, SOCK_DGRAM);
	return 1;
}

/* unix stream: the release of the socket, when its last reference goes
 * (where the kernel allows fentry; else close() and exit above). The
 * task that let it go reports it (an exiting one as an exit). */
SEC("fentry/unix_release")
int BPF_PROG(on_unix_release, struct socket *sock)
{
	struct sock *sk = sock->sk;
	__u16 family;

	if (sk && followed(sk, sock->type, &family))
		sock_end(sk, family, sock->type);
	return 0;
}
