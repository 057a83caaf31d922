/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP state transitions (sock:inet_sock_set_state), attributed to the
 * process that owns the socket.
 *
 * The tracepoint often fires in softirq or timer context: on loopback the
 * server's child socket is born while the *client* is on the CPU, and a
 * FIN_WAIT2 timeout runs on whatever task the timer interrupts. So the owner
 * is learned where it is certain and remembered per socket:
 *   - CLOSE -> SYN_SENT runs inside connect(), and -> LISTEN inside listen():
 *     the current task is the owner;
 *   - a child socket (LISTEN -> SYN_RECV) belongs to its listener's owner
 *     until a process is seen holding it: at the exit of accept()
 *     (sys_exit_accept*, when the syscall tracepoints are on anyway), or
 *     without syscall tracepoints in an fd table (the name_acceptors task
 *     file iterator, run by userspace while such children exist), at its
 *     release (cgroup/sock_release) or at a close()/shutdown() transition;
 *   - sockets that existed before socktrace started are seeded by userspace
 *     from sock_diag + /proc, or resolved later from their inode.
 */
#include "common.bpf.h"
#include "arch.bpf.h"
#include "fd.bpf.h"

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_NEW_SYN_RECV 12
#define PF_KTHREAD 0x00200000

/* key: socket cookie; value: who owns the socket. Inserted at connect,
 * listen, child birth (from the listener), accept, and by userspace for
 * sockets older than socktrace; deleted at -> CLOSE. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);
	__type(value, struct st_owner);
} owners SEC(".maps");

/* key: (netns, local port) of a listener; value: its owner. Inserted at
 * -> LISTEN, deleted at LISTEN -> CLOSE by the same socket. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct st_listen_key);
	__type(value, struct st_listen_rec);
} listeners SEC(".maps");

/* key: socket cookie; value: unused. A socket that sent or received a RST
 * (tcp:tcp_send_reset, tcp:tcp_receive_reset): its FIN_WAIT2/CLOSING ->
 * CLOSE is a real close, not the swap to a timewait socket. Inserted by the
 * reset programs, deleted at -> CLOSE; LRU because a RST sent by a socket
 * that never closes (a listener answering a stray segment) would stay. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} resets SEC(".maps");

/* key: address of a child socket; value: its LISTEN -> SYN_RECV, held.
 * Before ~6.15 inet_csk_clone_lock() sets the child's state before it
 * copies the request socket's addresses, ports and cookie: at that hit the
 * child still carries its listener's cookie and 0.0.0.0:0 as its peer. Its
 * next transition (-> ESTABLISHED, or -> CLOSE when the handshake fails;
 * both in the same softirq) has them, and emits the held event first, with
 * the child's own cookie and endpoints. Inserted at such a LISTEN ->
 * SYN_RECV, deleted at the child's next transition.
 *
 * Held too on every kernel: a child whose cookie is its request socket's
 * (the kernel copies the request's cookie into each child it clones from
 * it, and a request socket has one once anything asked: a sock_diag dump,
 * a program). Two CPUs handling the same handshake's ACK clone a child
 * each from one request; the one that loses the race for the hash table
 * is closed at once (SYN_RECV -> CLOSE), and both carry the request's
 * cookie, which is the winner's for the rest of its life. Such a child,
 * or one that failed to be created, is shown as a lost clone (see
 * ST_COOKIE_LOST_CLONE), so that its two transitions do not end the
 * winner's connection and owner record. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct st_state_event);
} unborn SEC(".maps");

/* Entries put in `unborn` and not yet taken out. While it is 0 (on kernels
 * that copy before the transition, unless a request socket had a cookie),
 * nothing is looked up there. */
__u64 unborn_live = 0;

/* Entries put in `resets` and not yet deleted (an upper bound: the LRU can
 * drop one without telling). While it is 0, a -> CLOSE looks nothing up
 * there: most connections never see a RST. */
__u64 resets_live = 0;

/* Owner records of child sockets still inherited from their listener
 * (accepted or not, not yet seen in a process): counted by remember_owner()
 * (at LISTEN -> SYN_RECV, or at the child's next transition before ~6.15),
 * taken away when a process is found holding the child or it closes.
 * Userspace runs the name_acceptors iterator while it is above 0.
 * Approximate under races (it only paces that iterator). */
__s64 inherited_live = 0;

/* Set by userspace from the kernel's BTF before load. */
const volatile __u8 send_reset_has_reason = 0; /* tcp_send_reset has its 3rd argument (~6.10) */
const volatile __u8 retransmit_has_err = 0;    /* tcp_retransmit_skb has its 3rd argument */
const volatile __u32 jiffies_hz = 0;           /* CONFIG_HZ; 0: unknown (RTOs shown as unknown) */

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return sk->__sk_common.skc_net.net->ns.inum;
}

/* The socket's inode number, as /proc/PID/fd and sock_diag show it; 0 when
 * the socket is orphaned (closed by its process). Direct loads: a user
 * socket's file points at that inode. A kernel socket has no file; its
 * inode is the one of its socket_alloc, read with helper calls. */
static __always_inline __u64 sk_inode(const struct sock *sk)
{
	struct socket *so = sk->sk_socket;
	struct file *file;

	if (!so)
		return 0;
	file = so->file;
	if (file)
		return file->f_inode->i_ino;
	return BPF_CORE_READ(container_of(so, struct socket_alloc, socket), vfs_inode.i_ino);
}

/*
 * The reads below are direct loads through the tracepoint's BTF pointer, not
 * bpf_probe_read_kernel() calls: the program must be short. While it runs, a
 * softirq on the same CPU that changes another socket's state cannot run it
 * again (the kernel counts a recursion miss), and on loopback that happens
 * all the time.
 */
static __always_inline void fill_endpoints(struct st_state_event *e,
					   const struct sock *sk,
					   const struct tcp_sock *tp)
{
	e->family = sk->__sk_common.skc_family;
	/* inet_sport, as the tracepoint itself reports it. */
	e->sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	e->dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (e->family == AF_INET) {
		__builtin_memcpy(e->saddr, &sk->__sk_common.skc_rcv_saddr, 4);
		__builtin_memcpy(e->daddr, &sk->__sk_common.skc_daddr, 4);
	} else {
		__builtin_memcpy(e->saddr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
		__builtin_memcpy(e->daddr, &sk->__sk_common.skc_v6_daddr, 16);
	}
}

/* Recv-Q / Send-Q as ss computes them (tcp_diag_get_info). A listener's
 * are its accept backlog and limit, at LISTEN -> CLOSE too: tcp_close()
 * changes the state before inet_csk_listen_stop() empties the queue. (A
 * child's LISTEN -> SYN_RECV is the child's own socket, not a listener.) */
static __always_inline void fill_queues(struct st_state_event *e,
					const struct sock *sk,
					const struct tcp_sock *tp, int oldstate,
					int newstate)
{
	if (newstate == TCP_LISTEN || (oldstate == TCP_LISTEN && newstate == TCP_CLOSE)) {
		e->rx_queue = sk->sk_ack_backlog;
		e->tx_queue = sk->sk_max_ack_backlog;
	} else {
		int unread = tp->rcv_nxt - tp->copied_seq;

		e->rx_queue = unread > 0 ? unread : 0;
		e->tx_queue = tp->write_seq - tp->snd_una;
	}
	e->tx_bytes = tp->bytes_acked;
	e->rx_bytes = tp->bytes_received;
	/* bytes_acked counts the SYN of an active open and an acked FIN,
	 * bytes_received the peer's FIN: per-connection totals want payload.
	 * bytes_sent counts payload only (retransmissions too); tcp_fin() sets
	 * SOCK_DONE when the peer's FIN arrives, and nothing else in TCP does. */
	e->tx_payload = tp->bytes_sent - tp->bytes_retrans;
	e->rx_payload = tp->bytes_received;
	if (e->rx_payload && (sk->__sk_common.skc_flags & (1ul << SOCK_DONE)))
		e->rx_payload--;
	e->srtt_us = tp->srtt_us >> 3;
	/* tcp_min_rtt(): ~0U until the first sample. */
	e->min_rtt_us = tp->rtt_min.s[0].v == ~0U ? 0 : tp->rtt_min.s[0].v;
}

/* An inherited record is written only where the socket had none, so each
 * one recorded counts once in inherited_live. */
static __always_inline void remember_owner(__u64 cookie, const struct st_owner *r)
{
	if (bpf_map_update_elem(&owners, &cookie, r, BPF_ANY))
		count_loss(ST_LOSS_OWNER_MAP);
	else if (r->flags & ST_HF_OWNER_INHERITED)
		__sync_fetch_and_add(&inherited_live, 1);
}

/* The owner of `sk`, learning it when this transition reveals it. Returns
 * NULL when nobody is known to own the socket. `fresh`: its cookie was
 * made just now, so no map has it (every key of `owners` is a cookie read
 * from its socket, by a program or by sock_diag, which makes it first). */
static __always_inline const struct st_owner *
owner_of(__u64 cookie, bool fresh, __u32 netns, __u16 lport, int oldstate, int newstate,
	 struct st_owner *scratch)
{
	const struct st_owner *r = fresh ? NULL : bpf_map_lookup_elem(&owners, &cookie);
	struct st_listen_key lk = {};
	struct st_listen_rec *l;

	if (r)
		return r;
	if (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) {
		owner_from_current(scratch);
		remember_owner(cookie, scratch);
		return scratch;
	}
	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		lk.netns = netns;
		lk.port = lport;
		l = bpf_map_lookup_elem(&listeners, &lk);
		if (!l)
			return NULL;
		*scratch = l->owner;
		scratch->flags |= ST_HF_OWNER_INHERITED;
		remember_owner(cookie, scratch);
		return scratch;
	}
	return NULL;
}

static __always_inline void emit_accept(const struct sock *sk, __u64 cookie,
					const struct st_owner *prev,
					const struct st_owner *acceptor);

/* A process holds the child `sk`, whose owner record `cur` is still its
 * listener's: it becomes the owner, and userspace learns who took the
 * child (emit_accept). */
static __always_inline void hand_child(const struct sock *sk, __u64 cookie,
				       const struct st_owner *cur, const struct st_owner *holder)
{
	struct st_owner prev = *cur;

	remember_owner(cookie, holder);
	__sync_fetch_and_sub(&inherited_live, 1);
	emit_accept(sk, cookie, &prev, holder);
}

/*
 * ESTABLISHED/SYN_RECV -> FIN_WAIT1 and CLOSE_WAIT -> LAST_ACK run only in
 * close() or shutdown() (tcp_close_state), in the task that dropped the last
 * reference to the socket's file or called shutdown on it: that task holds
 * the socket now. When it is not the recorded owner the socket changed hands
 * (inherited across fork, passed over a unix socket) and the owner follows.
 * A kernel thread closing a file it was handed (delayed fput) is no owner.
 */
static __always_inline const struct st_owner *
owner_at_close(const struct sock *sk, __u64 cookie, int oldstate, int newstate,
	       const struct st_owner *r, struct st_owner *scratch)
{
	struct task_struct *task;

	if (!((newstate == TCP_FIN_WAIT1 && (oldstate == TCP_ESTABLISHED || oldstate == TCP_SYN_RECV)) ||
	      (newstate == TCP_LAST_ACK && oldstate == TCP_CLOSE_WAIT)))
		return r;
	if (r && !(r->flags & ST_HF_OWNER_INHERITED) &&
	    r->pid == (__u32)(bpf_get_current_pid_tgid() >> 32))
		return r;
	task = bpf_get_current_task_btf();
	if (task->flags & PF_KTHREAD)
		return r;
	owner_from_current(scratch);
	/* A child still inherited: the closing task took it (shutdown(), or a
	 * close() where the release hook is not attached). */
	if (r && (r->flags & ST_HF_OWNER_INHERITED))
		hand_child(sk, cookie, r, scratch);
	else
		remember_owner(cookie, scratch);
	return scratch;
}

static __always_inline void track_listener(__u64 cookie, __u32 netns, __u16 lport,
					   int oldstate, int newstate,
					   const struct st_owner *r)
{
	struct st_listen_key lk = {};
	struct st_listen_rec rec = {}, *cur;

	if (newstate != TCP_LISTEN && oldstate != TCP_LISTEN)
		return;
	lk.netns = netns;
	lk.port = lport;
	if (newstate == TCP_LISTEN) {
		if (!r)
			return;
		rec.owner = *r;
		rec.cookie = cookie;
		bpf_map_update_elem(&listeners, &lk, &rec, BPF_ANY);
		return;
	}
	cur = bpf_map_lookup_elem(&listeners, &lk);
	if (cur && cur->cookie == cookie)
		bpf_map_delete_elem(&listeners, &lk);
}

/*
 * The filters, on the socket rather than on the task on the CPU: -p and
 * --comm on the socket's owner, --cgroup on the cgroup the socket was
 * created in (sk_cgrp_data; a child socket gets its listener's), so a
 * transition the kernel runs in an outside client's context is still kept
 * and an outside socket is never let in. --netns on the socket's namespace.
 * A socket whose owner is unknown passes only filters that do not need one.
 */
static __always_inline bool sock_admitted(const struct sock *sk, __u32 netns,
					  const struct st_owner *r)
{
	if (!netns_admitted(netns))
		return false;
	if (filter_pids && (!r || !pid_admitted(r->pid)))
		return false;
	if (filter_comm && (!r || !comm_admitted(r->comm)))
		return false;
	if (filter_cgroups && !cgroup_in_set(sk->sk_cgrp_data.cgroup))
		return false;
	return true;
}

/* Endpoints from the part every kind of TCP socket has (full, request,
 * timewait): skc_num is the local port in host order while the socket is
 * hashed, which it is wherever these are used. */
static __always_inline void fill_common_endpoints(const struct sock_common *c, __u8 *saddr,
						  __u8 *daddr, __u16 *sport, __u16 *dport,
						  __u16 *family)
{
	*family = c->skc_family;
	*sport = c->skc_num;
	*dport = bpf_ntohs(c->skc_dport);
	if (*family == AF_INET) {
		__builtin_memset(saddr, 0, ST_ADDR_LEN);
		__builtin_memset(daddr, 0, ST_ADDR_LEN);
		__builtin_memcpy(saddr, &c->skc_rcv_saddr, 4);
		__builtin_memcpy(daddr, &c->skc_daddr, 4);
	} else {
		__builtin_memcpy(saddr, &c->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(daddr, &c->skc_v6_daddr, 16);
	}
}

/* A full socket's local port from inet_sport, which stays when the socket
 * is unhashed at -> CLOSE (skc_num is cleared then). */
static __always_inline void full_sock_sport(const struct sock *sk, int state, __u16 *sport)
{
	const struct tcp_sock *tp;

	if (state == TCP_NEW_SYN_RECV || state == TCP_TIME_WAIT)
		return;
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (tp)
		*sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
}

/* The owner of any kind of TCP socket, learning nothing: a full socket's or
 * listener's from `owners`, a request or timewait socket's from its
 * listener's port (a timewait socket has no process any more; its
 * listener's owner is the server that had it). Fills `scratch` with an
 * unknown owner when there is none. */
static __always_inline const struct st_owner *
owner_of_any(const struct sock *sk, __u64 cookie, __u32 netns, int state,
	     struct st_owner *scratch)
{
	struct st_listen_key lk = {};
	struct st_listen_rec *l;
	const struct st_owner *r;

	if (state != TCP_NEW_SYN_RECV && state != TCP_TIME_WAIT) {
		r = bpf_map_lookup_elem(&owners, &cookie);
		if (r)
			return r;
	}
	if (state == TCP_NEW_SYN_RECV) {
		lk.netns = netns;
		lk.port = sk->__sk_common.skc_num;
		l = bpf_map_lookup_elem(&listeners, &lk);
		if (l) {
			*scratch = l->owner;
			scratch->flags |= ST_HF_OWNER_INHERITED;
			return scratch;
		}
	}
	return NULL;
}

/* sock_admitted() for any kind of TCP socket: request and timewait sockets
 * have no cgroup of their own (sk_cgrp_data is a full socket's), so a
 * --cgroup filter does not admit them. */
static __always_inline bool any_sock_admitted(const struct sock *sk, __u32 netns, int state,
					      const struct st_owner *r)
{
	if (state != TCP_NEW_SYN_RECV && state != TCP_TIME_WAIT)
		return sock_admitted(sk, netns, r);
	if (!netns_admitted(netns))
		return false;
	if (filter_pids && (!r || !pid_admitted(r->pid)))
		return false;
	if (filter_comm && (!r || !comm_admitted(r->comm)))
		return false;
	return !filter_cgroups;
}

static __always_inline void fill_state_event(struct st_state_event *e, const struct sock *sk,
					     const struct tcp_sock *tp, __u64 cookie,
					     __u32 netns, int oldstate, int newstate,
					     const struct st_owner *r)
{
	struct st_owner unknown = {};

	fill_header(&e->hdr, ST_EV_STATE, sizeof(*e), r ? r : &unknown);
	e->skaddr = (__u64)sk;
	e->cookie = cookie;
	e->sock_cgroup_id = sk->sk_cgrp_data.cgroup->kn->id;
	e->ino = sk_inode(sk);
	fill_endpoints(e, sk, tp);
	fill_queues(e, sk, tp, oldstate, newstate);
	e->netns = netns;
	e->cpu_pid = bpf_get_current_pid_tgid() >> 32;
	e->protocol = IPPROTO_TCP;
	e->old_state = oldstate;
	e->new_state = newstate;
	e->__pad1 = 0;
	/* Why it closed: tcp_reset(), tcp_write_err() and an ICMP error in
	 * SYN_SENT set sk_err before tcp_done() changes the state. */
	e->sk_err = newstate == TCP_CLOSE ? (__u16)sk->sk_err : 0;
	__builtin_memset(e->__pad, 0, sizeof(e->__pad));
}

/* A child's LISTEN -> SYN_RECV before the child has its own identity (see
 * `unborn`): held, with the listener's owner, until its next transition. */
static __always_inline bool hold_unborn(const struct sock *sk, const struct tcp_sock *tp,
					__u32 netns, __u16 lport)
{
	struct st_listen_key lk = {};
	struct st_listen_rec *l;
	struct st_state_event e;
	__u64 key = (__u64)sk;

	if (sk->__sk_common.skc_dport && !sk->__sk_common.skc_cookie.counter)
		return false;
	lk.netns = netns;
	lk.port = lport;
	l = bpf_map_lookup_elem(&listeners, &lk);
	if (l) {
		struct st_owner o = l->owner;

		o.flags |= ST_HF_OWNER_INHERITED;
		fill_state_event(&e, sk, tp, 0, netns, TCP_LISTEN, TCP_SYN_RECV, &o);
	} else {
		fill_state_event(&e, sk, tp, 0, netns, TCP_LISTEN, TCP_SYN_RECV, NULL);
	}
	if (bpf_map_update_elem(&unborn, &key, &e, BPF_ANY)) {
		count_loss(ST_LOSS_CHILD_MAP);
		return true;
	}
	__sync_fetch_and_add(&unborn_live, 1);
	return true;
}

/* The child's next transition: the held LISTEN -> SYN_RECV goes out first,
 * with the cookie and endpoints the child has now, and the child is owned
 * by its listener's owner until accept(). `lost_clone`: this transition is
 * SYN_RECV -> CLOSE and the cookie is the request socket's: both go out
 * under the lost clone's cookie, and no owner record is made or removed
 * (the cookie's is its sibling's). Returns whether a transition was held. */
static __always_inline bool release_unborn(const struct sock *sk, const struct tcp_sock *tp,
					   __u64 cookie, __u32 netns, bool lost_clone)
{
	__u64 key = (__u64)sk;
	struct st_state_event *held, *e;
	const struct st_owner *r = NULL;
	struct st_owner o;

	held = bpf_map_lookup_elem(&unborn, &key);
	if (!held)
		return false;
	if (lost_clone)
		cookie |= ST_COOKIE_LOST_CLONE;
	if (held->hdr.flags & ST_HF_OWNER_KNOWN) {
		o.flags = held->hdr.flags & (ST_HF_OWNER_KNOWN | ST_HF_OWNER_INHERITED);
		o.__pad = 0;
		o.pid = held->hdr.pid;
		o.tid = held->hdr.tid;
		o.cgroup_id = held->hdr.cgroup_id;
		__builtin_memcpy(o.comm, held->hdr.comm, ST_COMM_LEN);
		if (!lost_clone && !bpf_map_lookup_elem(&owners, &cookie))
			remember_owner(cookie, &o);
		r = &o;
	}
	if (sock_admitted(sk, netns, r)) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			__builtin_memcpy(e, held, sizeof(*e));
			e->cookie = cookie;
			fill_endpoints(e, sk, tp);
			submit_event(e);
		} else {
			count_loss(ST_LOSS_RINGBUF);
		}
		if (lost_clone) {
			e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
			if (e) {
				fill_state_event(e, sk, tp, cookie, netns, TCP_SYN_RECV, TCP_CLOSE, r);
				submit_event(e);
			} else {
				count_loss(ST_LOSS_RINGBUF);
			}
		}
	}
	if (!bpf_map_delete_elem(&unborn, &key))
		__sync_fetch_and_sub(&unborn_live, 1);
	return true;
}

static __always_inline int handle_set_state(const struct sock *sk, int oldstate,
					    int newstate)
{
	struct st_owner scratch = {};
	const struct st_owner *r;
	struct st_state_event *e;
	__u64 cookie;
	__u32 netns;
	__u16 lport;
	bool reset = false, fresh;

	const struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);

	if (!tp)
		return 0;
	/* Not skc_num: at -> CLOSE the socket is already unhashed and its
	 * skc_num cleared; inet_sport stays. */
	lport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	netns = sk_netns(sk);
	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV && hold_unborn(sk, tp, netns, lport))
		return 0;
	/* The cookie is generated once per socket, at its first use: after that
	 * a load, not a helper call. A new socket's first transition makes it
	 * (connect(), listen(), a child whose request socket had none): its
	 * owner is learned, not looked up (a hash lookup that misses costs as
	 * much as one that hits). */
	cookie = sk->__sk_common.skc_cookie.counter;
	fresh = !cookie;
	if (fresh)
		cookie = bpf_get_socket_cookie((void *)sk);
	if (unborn_live && oldstate == TCP_SYN_RECV) {
		/* A held child closing before ESTABLISHED with its request
		 * socket's cookie: both its transitions go out as a lost clone's. */
		bool lost_clone = newstate == TCP_CLOSE && !fresh;

		if (release_unborn(sk, tp, cookie, netns, lost_clone) && lost_clone)
			return 0;
		fresh = false; /* it may have recorded the child's owner */
	}
	r = owner_of(cookie, fresh, netns, lport, oldstate, newstate, &scratch);
	r = owner_at_close(sk, cookie, oldstate, newstate, r, &scratch);
	track_listener(cookie, netns, lport, oldstate, newstate, r);
	if (newstate == TCP_CLOSE && resets_live && !fresh)
		reset = bpf_map_lookup_elem(&resets, &cookie) != NULL;

	if (!sock_admitted(sk, netns, r))
		goto out;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		goto out;
	}
	fill_state_event(e, sk, tp, cookie, netns, oldstate, newstate, r);
	if (reset)
		e->hdr.flags |= ST_HF_RESET;
	submit_event(e);
out:
	if (newstate == TCP_CLOSE) {
		/* At -> CLOSE, r is the map's entry or NULL (nothing is learned). */
		if (r && (r->flags & ST_HF_OWNER_INHERITED))
			__sync_fetch_and_sub(&inherited_live, 1);
		if (r)
			bpf_map_delete_elem(&owners, &cookie);
		if (reset && !bpf_map_delete_elem(&resets, &cookie))
			__sync_fetch_and_sub(&resets_live, 1);
	}
	return 0;
}

/*
 * Nested hits. While a program runs on a CPU the kernel does not run it
 * again there: a nested hit of its tracepoint is skipped and counted in the
 * program's recursion_misses. Under loopback churn that is routine: the
 * program runs in process context (connect(), close(), a socket's backlog),
 * an interrupt lands, the softirqs run on its way out and change other
 * sockets' states. Two parallel churns lost 1 to 7 transitions in 1000.
 *
 * The guard is per program, so a second program on the same tracepoint
 * still runs for such a hit. on_inet_sock_set_state_nested is attached
 * after on_inet_sock_set_state, so the tracepoint calls it right after the
 * first for every hit, and it handles exactly the hits the first was
 * skipped for. It knows them by one note per stack: the first writes its
 * hit in the note of the stack it runs on, the second takes that note.
 * A nested hit comes from a softirq, which runs on the CPU's interrupt
 * stack (x86-64 and arm64 run softirqs there, on an interrupt's way out or
 * at local_bh_enable(); not PREEMPT_RT kernels, which run them in tasks),
 * not on the task's stack (ksoftirqd's softirqs run on its own stack, but
 * nothing of ksoftirqd is below them to nest in). Between the two programs of one hit, only such a nested context
 * runs on the CPU (tracepoints run with preemption off), and it writes the
 * other note: so the second finds its hit in its note when the first ran
 * for it, and something else when it did not (the note of an earlier hit
 * whose second was skipped: a different socket or transition, since one
 * socket cannot make the same transition twice without another between
 * them). Exact wherever the interrupt lands.
 *
 * (An earlier version kept one stack of notes per CPU and searched it:
 * hits nested in the few instructions around the second program's body
 * left notes nobody took out, and a later search could match one of them
 * and take out the note of a hit still in progress, whose second program
 * then showed it again: a transition shown twice, under churn, rarely.
 * The preempt count would name the context, but reading it needs the
 * kernel's per-CPU symbols in kallsyms, which not every kernel has.)
 */
#define ST_STACKS 2 /* the task's, the interrupt stack */

struct st_note {
	__u64 sk;
	__u32 states; /* old << 8 | new */
	__u32 __pad;
};

/* key: 0; value: this CPU's notes, one per stack. Written by
 * on_inet_sock_set_state, taken by on_inet_sock_set_state_nested. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_note[ST_STACKS]);
} noted SEC(".maps");

/* key: 0; value: hits on_inet_sock_set_state_nested handled because
 * on_inet_sock_set_state was skipped for them, per CPU. Read by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} recovered SEC(".maps");

/* This CPU's note for the stack the hit came on. ctx is the tracepoint's
 * argument array, which the kernel builds on the stack of the call (the
 * program's own frame may be a private per-CPU stack, since 6.13); the
 * task's stack runs from its base up to the task's saved user registers. */
static __always_inline struct st_note *stack_note(const void *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 base = (__u64)t->stack;
	__u64 top = (__u64)bpf_task_pt_regs(t);
	struct st_note *notes;
	__u32 zero = 0;
	__u64 fp = (__u64)ctx;

	notes = bpf_map_lookup_elem(&noted, &zero);
	if (!notes)
		return NULL;
	return &notes[fp > base && fp < top ? 0 : 1];
}

static __always_inline __u32 hit_states(int oldstate, int newstate)
{
	return (oldstate & 0xff) << 8 | (newstate & 0xff);
}

/* The first program's note: this hit is being handled. */
static __always_inline void note_hit(const void *ctx, const struct sock *sk, int oldstate,
				     int newstate)
{
	struct st_note *note = stack_note(ctx);

	if (note) {
		note->sk = (__u64)sk;
		note->states = hit_states(oldstate, newstate);
	}
}

/* The second program: whether the first was skipped for this hit (then it
 * is counted as recovered and the second handles it). */
static __always_inline bool first_skipped(const void *ctx, const struct sock *sk, int oldstate,
					  int newstate)
{
	struct st_note *note = stack_note(ctx);
	__u32 zero = 0;
	bool first_ran;
	__u64 *count;

	if (!note)
		return false;
	first_ran = note->sk == (__u64)sk && note->states == hit_states(oldstate, newstate);
	note->sk = 0;
	if (first_ran)
		return false;
	count = bpf_map_lookup_elem(&recovered, &zero);
	if (count)
		*count += 1;
	return true;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	note_hit(ctx, sk, oldstate, newstate);
	return handle_set_state(sk, oldstate, newstate);
}

/* Attached after on_inet_sock_set_state: the hits it was skipped for. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state_nested, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	if (!first_skipped(ctx, sk, oldstate, newstate))
		return 0;
	return handle_set_state(sk, oldstate, newstate);
}

/*
 * The same pair, sharing one handler entered by a tail call, on kernels
 * without private BPF stacks (before 6.13): the verifier then walks
 * handle_set_state once at load instead of once per program, which is most
 * of a start's time under QEMU's TCG (0.7-0.9 s of ~3.5 s on 6.12). A tail
 * call runs its target without a recursion guard of its own, so the handler
 * runs nested in itself as the second program's copy ran nested in the
 * first's: harmless while each run's frame is on the kernel stack it was
 * called on. Since 6.13 a tracing program with a large frame may get one
 * private stack per CPU, which a nested run of the same program would
 * overwrite (seen: transitions shown twice under parallel churns), so there
 * userspace loads the two programs above instead.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} state_handler SEC(".maps");

/* Loaded, never attached: userspace puts it in state_handler before it
 * attaches the two programs that enter it. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_inet_sock_set_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	return handle_set_state(sk, oldstate, newstate);
}

/* The tail call returns only when it could not be made (the slot empty):
 * the transition is counted lost, never dropped silently. */
static __always_inline int dispatch_set_state(unsigned long long *ctx)
{
	bpf_tail_call(ctx, &state_handler, 0);
	count_loss(ST_LOSS_DISPATCH);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state_tc, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	note_hit(ctx, sk, oldstate, newstate);
	return dispatch_set_state(ctx);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_inet_sock_set_state_nested_tc, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	if (!first_skipped(ctx, sk, oldstate, newstate))
		return 0;
	return dispatch_set_state(ctx);
}

/* A full socket that sends or receives a RST closes for real: remember it
 * until its -> CLOSE. Timewait and request sockets are not followed (their
 * end is found by sock_diag). */
static __always_inline void mark_reset(__u64 cookie, int state)
{
	__u8 one = 1;

	/* A socket already in CLOSE (a zero-linger close() sends its RST after
	 * the -> CLOSE) has no -> CLOSE left to mark. */
	if (state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV || state == TCP_LISTEN ||
	    state == TCP_CLOSE)
		return;
	if (!bpf_map_update_elem(&resets, &cookie, &one, BPF_NOEXIST))
		__sync_fetch_and_add(&resets_live, 1);
}

static __always_inline int handle_reset(const struct sock *sk, __u8 dir, __u8 has_reason,
					__u16 reason)
{
	struct st_owner scratch = {};
	const struct st_owner *r;
	struct st_reset_event *e;
	__u64 cookie;
	__u32 netns;
	int state;

	if (!sk)
		return 0;
	state = sk->__sk_common.skc_state;
	cookie = bpf_get_socket_cookie((void *)sk);
	mark_reset(cookie, state);
	netns = sk_netns(sk);
	r = owner_of_any(sk, cookie, netns, state, &scratch);
	/* A RST sent by a socket already in CLOSE comes from tcp_disconnect()
	 * or tcp_close() (SO_LINGER 0, unread data) right after its -> CLOSE
	 * forgot the owner: the task closing it holds it, as at
	 * owner_at_close(), unless a kernel thread does. */
	if (!r && dir == ST_RST_SENT && state == TCP_CLOSE &&
	    !(bpf_get_current_task_btf()->flags & PF_KTHREAD)) {
		owner_from_current(&scratch);
		r = &scratch;
	}
	if (!any_sock_admitted(sk, netns, state, r))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return 0;
	}
	fill_header(&e->hdr, ST_EV_RESET, sizeof(*e), r ? r : &scratch);
	e->skaddr = (__u64)sk;
	e->cookie = cookie;
	e->netns = netns;
	fill_common_endpoints(&sk->__sk_common, e->saddr, e->daddr, &e->sport, &e->dport, &e->family);
	full_sock_sport(sk, state, &e->sport);
	e->reason = reason;
	e->state = state;
	e->dir = dir;
	e->has_reason = has_reason;
	__builtin_memset(e->__pad, 0, sizeof(e->__pad));
	submit_event(e);
	return 0;
}

/* tcp_send_reset: (sk, skb) before ~6.10, (sk, skb, enum sk_rst_reason)
 * since. ctx[2] is read only where it exists: the verifier drops the branch
 * on older kernels (send_reset_has_reason is set from the kernel's BTF). */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(on_tcp_send_reset, const struct sock *sk)
{
	__u16 reason = 0;

	if (send_reset_has_reason)
		reason = (__u16)ctx[2];
	return handle_reset(sk, ST_RST_SENT, send_reset_has_reason, reason);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(on_tcp_receive_reset, struct sock *sk)
{
	return handle_reset(sk, ST_RST_RECEIVED, 0, 0);
}

static __always_inline __u32 jiffies_to_us(__u64 j)
{
	return jiffies_hz ? (__u32)(j * 1000000 / jiffies_hz) : 0;
}

/* tcp_retransmit_skb: (sk, skb) on 6.1, (sk, skb, err) on later kernels,
 * which also fire it for a retransmission that failed (err != 0, not sent;
 * TcpRetransSegs may still count it: the kernel counts before it sends). */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(on_tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb)
{
	struct st_owner scratch = {};
	const struct st_owner *r;
	const struct tcp_sock *tp;
	struct st_retrans_event *e;
	__u16 segs = 1;
	__u64 cookie;
	__u32 netns;
	int state;

	if (retransmit_has_err && (int)ctx[2] != 0)
		return 0;
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (!tp)
		return 0;
	state = sk->__sk_common.skc_state;
	cookie = sk->__sk_common.skc_cookie.counter;
	if (!cookie)
		cookie = bpf_get_socket_cookie((void *)sk);
	netns = sk_netns(sk);
	r = bpf_map_lookup_elem(&owners, &cookie);
	if (!sock_admitted(sk, netns, r))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return 0;
	}
	fill_header(&e->hdr, ST_EV_RETRANS, sizeof(*e), r ? r : &scratch);
	e->skaddr = (__u64)sk;
	e->cookie = cookie;
	e->netns = netns;
	fill_common_endpoints(&sk->__sk_common, e->saddr, e->daddr, &e->sport, &e->dport, &e->family);
	if (skb)
		bpf_probe_read_kernel(&segs, sizeof(segs),
				      (const void *)skb->cb + __builtin_offsetof(struct tcp_skb_cb, tcp_gso_segs));
	e->segs = segs ? segs : 1;
	e->rto_us = jiffies_to_us(tp->inet_conn.icsk_rto);
	e->kernel_count = tp->total_retrans;
	e->srtt_us = tp->srtt_us >> 3;
	e->state = state;
	e->synack = 0;
	__builtin_memset(e->__pad, 0, sizeof(e->__pad));
	submit_event(e);
	return 0;
}

/* A listener retransmitted the SYN-ACK of a pending connection: the request
 * socket has the endpoints, the listener the owner. Fires from the request's
 * timer or when a retransmitted SYN arrives: never in the owner's context. */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(on_tcp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct st_owner scratch = {};
	const struct st_owner *r;
	struct st_retrans_event *e;
	__u64 cookie;
	__u32 netns;

	if (!sk || !req)
		return 0;
	cookie = bpf_get_socket_cookie((void *)sk);
	netns = sk_netns(sk);
	r = owner_of_any(sk, cookie, netns, TCP_LISTEN, &scratch);
	if (!any_sock_admitted(sk, netns, TCP_LISTEN, r))
		return 0;
	/* The request socket is owned through its listener. */
	if (r) {
		scratch = *r;
		scratch.flags |= ST_HF_OWNER_INHERITED;
		r = &scratch;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return 0;
	}
	fill_header(&e->hdr, ST_EV_RETRANS, sizeof(*e), r ? r : &scratch);
	e->skaddr = (__u64)req;
	e->cookie = cookie;
	e->netns = netns;
	fill_common_endpoints(&req->__req_common, e->saddr, e->daddr, &e->sport, &e->dport, &e->family);
	e->segs = 1;
	e->rto_us = bpf_core_field_exists(req->timeout) ? jiffies_to_us(BPF_CORE_READ(req, timeout)) : 0;
	e->kernel_count = (__u32)req->num_retrans + 1;
	e->srtt_us = 0;
	e->state = TCP_SYN_RECV;
	e->synack = 1;
	__builtin_memset(e->__pad, 0, sizeof(e->__pad));
	submit_event(e);
	return 0;
}

/* Tells userspace who accepted a child whose transitions so far went out
 * with its listener's owner (pre-fork servers: the parent listens, workers
 * accept), so that it can give them to the acceptor. Sent when those
 * transitions were admitted, whoever accepts: under -p a worker outside
 * the filter took the child, and userspace drops them. */
static __always_inline void emit_accept(const struct sock *sk, __u64 cookie,
					const struct st_owner *prev,
					const struct st_owner *acceptor)
{
	__u32 netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	struct st_sock_event *e;

	if (!netns_admitted(netns) || (filter_pids && !pid_admitted(prev->pid)) ||
	    (filter_comm && !comm_admitted(prev->comm)) ||
	    (filter_cgroups && !cgroup_in_set(BPF_CORE_READ(sk, sk_cgrp_data.cgroup))))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, ST_EV_SOCK, sizeof(*e), acceptor);
	e->skaddr = (__u64)sk;
	e->cookie = cookie;
	e->netns = netns;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->type = 1; /* SOCK_STREAM */
	e->protocol = IPPROTO_TCP;
	e->op = ST_SOCK_ACCEPT;
	submit_event(e);
}

/* accept() hands a child socket from the listener's owner to the caller.
 * accept() returns a socket: no need to ask. */
static __always_inline int handle_accept_exit(long ret)
{
	struct st_socket_head h;
	struct st_owner rec = {};
	const struct st_owner *cur;
	struct file *file;
	struct sock *sk;
	__u64 cookie;

	if (ret < 0)
		return 0;
	file = fd_file(ret);
	if (!file || !file_socket_head(file, &h))
		return 0;
	sk = h.sk;
	/* Before ~6.15 a worker can accept a child before its SYN_RECV ->
	 * ESTABLISHED ran (the child is queued first, on another CPU): its
	 * LISTEN -> SYN_RECV is still held in `unborn`, and it may have no
	 * cookie yet. The held transition and the owner it will record are
	 * the acceptor's. */
	if (unborn_live) {
		__u64 key = (__u64)sk;
		struct st_state_event *held = bpf_map_lookup_elem(&unborn, &key);

		if (held) {
			owner_from_current(&rec);
			held->hdr.pid = rec.pid;
			held->hdr.tid = rec.tid;
			held->hdr.cgroup_id = rec.cgroup_id;
			__builtin_memcpy(held->hdr.comm, rec.comm, ST_COMM_LEN);
			held->hdr.flags = (held->hdr.flags & ~ST_HF_OWNER_INHERITED) | ST_HF_OWNER_KNOWN;
		}
	}
	cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!cookie)
		return 0;
	cur = bpf_map_lookup_elem(&owners, &cookie);
	owner_from_current(&rec);
	if (cur && (cur->flags & ST_HF_OWNER_INHERITED))
		hand_child(sk, cookie, cur, &rec);
	else
		remember_owner(cookie, &rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int on_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return handle_accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int on_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return handle_accept_exit(ctx->ret);
}

/* The same at the exit of accept()'s function, where the kernel lets
 * fexit programs attach: the socket lives' source then is fexit too, and
 * no syscall tracepoint slows the rest of the host. */
SEC("fexit/" ST_SYSCALL_FN "accept4")
int BPF_PROG(on_fexit_accept4, const struct pt_regs *regs, long ret)
{
	return handle_accept_exit(ret);
}

SEC("fexit/" ST_SYSCALL_FN "accept")
int BPF_PROG(on_fexit_accept, const struct pt_regs *regs, long ret)
{
	return handle_accept_exit(ret);
}

/* Without syscall tracepoints (top, check, states --timeline: nothing
 * else needs them, and enabling any one sends every syscall of the host
 * through the kernel's slow path), accepted children are named by the
 * processes found holding them; beside the fexit programs above too, which
 * do not run at the exit of an accept() already blocked when they
 * attached (a pre-fork worker's, when socktrace starts). Run by userspace (bpf_iter_create + read)
 * while inherited children exist: every file of every process (threads
 * sharing their leader's table are skipped by the kernel); for a TCP
 * socket whose owner is still its listener's, the process holding it
 * takes it, as accept() would have. Its thread is the table's first
 * (the leader's), not necessarily the one that called accept(). */
SEC("iter/task_file")
int name_acceptors(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	const struct st_owner *cur;
	struct st_socket_head h;
	struct st_owner rec = {};
	struct sock *sk;
	__u16 family;
	__u64 cookie;

	if (!task || !file || !file_is_socket(file) || !file_socket_head(file, &h) || h.type != SOCK_STREAM)
		return 0;
	sk = h.sk;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != AF_INET && family != AF_INET6) || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!cookie)
		return 0;
	cur = bpf_map_lookup_elem(&owners, &cookie);
	if (!cur || !(cur->flags & ST_HF_OWNER_INHERITED))
		return 0;
	owner_from_task(task, &rec);
	hand_child(sk, cookie, cur, &rec);
	return 0;
}

/* The release of a child still inherited (its acceptor closed it, or
 * exited, before the iterator ran): the releasing task held it. Runs
 * before the close's own transitions (inet_release() calls it first).
 * `ctx` is the struct sock itself. */
SEC("cgroup/sock_release")
int on_tcp_release(struct bpf_sock *ctx)
{
	const struct sock *sk = (const struct sock *)ctx;
	const struct st_owner *cur;
	struct st_owner rec = {};
	__u64 cookie;

	if (ctx->protocol != IPPROTO_TCP || !inherited_live)
		return 1;
	cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!cookie)
		return 1;
	cur = bpf_map_lookup_elem(&owners, &cookie);
	if (!cur || !(cur->flags & ST_HF_OWNER_INHERITED) ||
	    (bpf_get_current_task_btf()->flags & PF_KTHREAD))
		return 1;
	owner_from_current(&rec);
	hand_child(sk, cookie, cur, &rec);
	return 1;
}

/* Set by userspace from the kernel's BTF before load: which values of its
 * enum skb_drop_reason are TCP's. Indexed by the low byte of a reason, the
 * entry holds that reason when it is a TCP one and ~0 otherwise, so every
 * other drop in the system costs one load and one compare (reasons of other
 * subsystems carry high bits and never match). */
#define ST_DROP_TABLE 256
const volatile __u32 tcp_drop_reasons[ST_DROP_TABLE] = {};
const volatile __u8 kfree_skb_has_rx_sk = 0; /* kfree_skb has its rx_sk argument (~6.11) */

/* The socket a TCP drop is attributed to: the receiving socket the kernel
 * names (rx_sk), else the socket still holding the packet (an skb in a
 * receive or out-of-order queue; on 6.1 the only one known). */
static __always_inline const struct sock *drop_socket(unsigned long long *ctx, const struct sk_buff *skb)
{
	const struct sock *sk = NULL;

	if (kfree_skb_has_rx_sk)
		sk = (const struct sock *)ctx[3];
	if (!sk)
		sk = skb->sk;
	return sk;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(on_kfree_skb, const struct sk_buff *skb, void *location, unsigned int reason)
{
	struct st_owner scratch = {};
	const struct st_owner *r;
	const struct sock *sk;
	struct st_drop_event *e;
	__u64 cookie;
	__u32 netns;
	int state;

	if (tcp_drop_reasons[reason & (ST_DROP_TABLE - 1)] != reason)
		return 0;
	sk = drop_socket(ctx, skb);
	if (!sk || (sk->__sk_common.skc_family != AF_INET && sk->__sk_common.skc_family != AF_INET6))
		return 0;
	state = sk->__sk_common.skc_state;
	/* A load, not bpf_get_socket_cookie(): skb->sk is no trusted pointer.
	 * Every socket socktrace knows an owner of got its cookie at its
	 * transitions; 0 (none yet) is looked up as no owner. */
	cookie = sk->__sk_common.skc_cookie.counter;
	netns = sk_netns(sk);
	r = owner_of_any(sk, cookie, netns, state, &scratch);
	if (!any_sock_admitted(sk, netns, state, r))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_loss(ST_LOSS_RINGBUF);
		return 0;
	}
	fill_header(&e->hdr, ST_EV_DROP, sizeof(*e), r ? r : &scratch);
	e->skaddr = (__u64)sk;
	e->cookie = cookie;
	e->netns = netns;
	/* A socket receiving is hashed: skc_num is its port. */
	fill_common_endpoints(&sk->__sk_common, e->saddr, e->daddr, &e->sport, &e->dport, &e->family);
	e->reason = reason;
	e->len = skb->len;
	e->state = state;
	__builtin_memset(e->__pad, 0, sizeof(e->__pad));
	submit_event(e);
	return 0;
}
