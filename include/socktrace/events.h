/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The only contract between socktrace's BPF programs and its userspace.
 *
 * Plain C, fixed-width fields, explicit padding. Every event starts with
 * struct st_header; `kind` values are appended and never renumbered. Sizes
 * and key offsets are checked with static asserts here (both sides include
 * this file) and again by the decoder's unit tests.
 *
 * Kernel pointers travel as __u64 to deter anyone from dereferencing them.
 * Ports are in host byte order; addresses are 16-byte arrays with the family
 * beside them (IPv4 in the first 4 bytes).
 */
#ifndef SOCKTRACE_EVENTS_H
#define SOCKTRACE_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define ST_COMM_LEN 16
#define ST_ADDR_LEN 16

enum st_event_kind {
	ST_EV_STATE = 1,   /* struct st_state_event: one TCP state transition */
	ST_EV_SYSCALL = 2, /* struct st_syscall_event + st_blob records */
	ST_EV_PROC = 3,    /* struct st_proc_event: a traced task forked or exited */
	ST_EV_SOCK = 4,    /* struct st_sock_event: a step in a UDP or unix stream socket's life */
	ST_EV_RETRANS = 5, /* struct st_retrans_event: a TCP segment or SYN-ACK retransmitted */
	ST_EV_RESET = 6,   /* struct st_reset_event: a TCP RST sent or received */
	ST_EV_DROP = 7,    /* struct st_drop_event: the kernel dropped a packet of a TCP socket */
};

/* Common header of every event. pid/tid/comm/cgroup_id name the process the
 * event is attributed to: for a syscall the caller, for a state transition
 * the socket's owner (which is often not the task on the CPU). */
struct st_header {
	__u16 kind;
	__u16 size;      /* bytes of the whole event, header included */
	__u32 flags;     /* ST_HF_* */
	__u64 ts_ns;     /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 pid;       /* tgid; 0 when the owner is not known */
	__u32 tid;
	__u64 cgroup_id; /* cgroup v2 id of that process */
	char comm[ST_COMM_LEN];
};

/* st_header.flags */
#define ST_HF_OWNER_KNOWN (1u << 0)   /* pid/tid/comm come from a recorded owner */
#define ST_HF_OWNER_INHERITED (1u << 1) /* owner copied from the listener (child not yet accepted) */
#define ST_HF_RESET (1u << 2)         /* state events: the socket sent or received a RST (tcp_send_reset /
				       * tcp_receive_reset) before this -> CLOSE */
#define ST_HF_OWNER_ACCEPTED (1u << 3) /* set by userspace, never by BPF: a child's transition from before
					* accept(), held and given to the process that accepted it */

/* Set in the cookie of a lost clone's two transitions (LISTEN -> SYN_RECV,
 * SYN_RECV -> CLOSE): a child closed before ESTABLISHED whose cookie is its
 * request socket's, and so also the cookie of the child that won the
 * request (two CPUs handled the handshake's ACK) or of the next one cloned
 * from it. Kernel cookies are a counter from 1: this bit is never theirs. */
#define ST_COOKIE_LOST_CLONE (1ull << 63)

/* A TCP socket changed state (sock:inet_sock_set_state). */
struct st_state_event {
	struct st_header hdr;
	__u64 skaddr;        /* kernel address of struct sock: an opaque id */
	__u64 cookie;        /* socket cookie, as sock_diag reports it */
	__u64 sock_cgroup_id; /* cgroup the socket was created in */
	__u64 tx_bytes;      /* tcp_sock.bytes_acked */
	__u64 rx_bytes;      /* tcp_sock.bytes_received */
	__u64 ino;           /* inode of the socket file; 0 when orphaned */
	__u8 saddr[ST_ADDR_LEN];
	__u8 daddr[ST_ADDR_LEN];
	__u32 netns;         /* inode of the socket's network namespace */
	__u32 rx_queue;      /* as ss: unread bytes; LISTEN: accept backlog */
	__u32 tx_queue;      /* as ss: unacked bytes; LISTEN: backlog limit */
	__u32 cpu_pid;       /* tgid on the CPU when the tracepoint fired */
	__u16 sport;
	__u16 dport;
	__u16 family;        /* AF_INET or AF_INET6 */
	__u8 protocol;       /* IPPROTO_TCP */
	__u8 old_state;      /* kernel TCP_* numbering */
	__u8 new_state;
	__u8 __pad1;
	__u16 sk_err;        /* -> CLOSE: sk->sk_err (ECONNREFUSED, ETIMEDOUT...), else 0 */
	__u8 __pad[4];
	/* Appended for per-connection timelines. */
	__u64 tx_payload;    /* bytes_sent - bytes_retrans: payload sent once; no SYN, no FIN */
	__u64 rx_payload;    /* bytes_received less the peer's FIN (SOCK_DONE) */
	/* Appended for the timelines' RTT at close. */
	__u32 srtt_us;       /* smoothed RTT (tcp_sock.srtt_us >> 3); 0: no sample yet */
	__u32 min_rtt_us;    /* minimum RTT of the last window (tcp_min_rtt); 0: no sample */
};

/* A TCP segment was retransmitted (tcp:tcp_retransmit_skb), or a listener
 * retransmitted the SYN-ACK of a pending connection
 * (tcp:tcp_retransmit_synack). Both fire in softirq or timer context: the
 * header names the socket's recorded owner (the listener's for a SYN-ACK),
 * never the task on the CPU. */
struct st_retrans_event {
	struct st_header hdr;
	__u64 skaddr;        /* the socket (SYN-ACK: the request socket) */
	__u64 cookie;        /* its cookie (SYN-ACK: the listener's) */
	__u8 saddr[ST_ADDR_LEN];
	__u8 daddr[ST_ADDR_LEN];
	__u32 netns;
	__u32 rto_us;        /* icsk_rto (SYN-ACK: the request's timeout): for a timer
			      * retransmission the timeout that expired; 0: unknown */
	__u32 kernel_count;  /* SYN-ACK: the request's num_retrans + 1 (this one
			      * included); else tcp_sock.total_retrans as read at the
			      * hit, which includes this one or not depending on the
			      * kernel and the path (TLP): userspace counts itself */
	__u32 segs;          /* segments in this retransmission (TSO) */
	__u32 srtt_us;       /* smoothed RTT (0 for a SYN-ACK or before any sample) */
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 state;          /* sk_state (SYN-ACK: TCP_SYN_RECV) */
	__u8 synack;         /* 1: tcp_retransmit_synack */
	__u8 __pad[4];
};

/* st_reset_event.dir */
#define ST_RST_SENT 1
#define ST_RST_RECEIVED 2

/* A RST sent (tcp:tcp_send_reset) or received (tcp:tcp_receive_reset) by a
 * socket: a full socket, a listener, a request or a timewait socket. Resets
 * the kernel sends with no socket at all (a SYN to a closed port) have no
 * owner and are not reported. */
struct st_reset_event {
	struct st_header hdr;
	__u64 skaddr;
	__u64 cookie;
	__u8 saddr[ST_ADDR_LEN];
	__u8 daddr[ST_ADDR_LEN];
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 reason;        /* sent: enum sk_rst_reason, when has_reason */
	__u8 state;          /* skc_state when it happened */
	__u8 dir;            /* ST_RST_SENT or ST_RST_RECEIVED */
	__u8 has_reason;     /* 1: the kernel's tracepoint gives a reason (~6.10 and later) */
	__u8 __pad[9];
};

/* The kernel dropped a packet for a TCP reason (skb:kfree_skb with an
 * enum skb_drop_reason value of the TCP family: bad checksum, PAWS, out of
 * window, listen overflow...) and named the socket it was for: the
 * receiving socket (the tracepoint's rx_sk, ~6.11 and later) or the socket
 * that still held the packet. A listener, request or timewait socket is
 * owned through its listener. Drops with no socket (NO_SOCKET: nothing
 * listens on the port) have no owner and are not reported. */
struct st_drop_event {
	struct st_header hdr;
	__u64 skaddr;
	__u64 cookie;
	__u8 saddr[ST_ADDR_LEN];
	__u8 daddr[ST_ADDR_LEN];
	__u32 netns;
	__u32 reason;        /* the running kernel's enum skb_drop_reason: names from its BTF */
	__u32 len;           /* skb->len when dropped (receive path: TCP header and payload) */
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 state;          /* skc_state of the socket */
	__u8 __pad[5];
};

/* What happened to a UDP or unix stream socket (st_sock_event.op). UDP and
 * unix sockets have no state tracepoint: their lives are read at the exits
 * of the syscalls that change them and at their release. */
enum st_sock_op {
	ST_SOCK_CREATE = 1,  /* socket() returned it */
	ST_SOCK_BIND = 2,    /* bind() succeeded */
	ST_SOCK_CONNECT = 3, /* connect() succeeded (AF_UNSPEC on UDP: disconnected) */
	ST_SOCK_LISTEN = 4,  /* listen() succeeded (unix stream) */
	ST_SOCK_ACCEPT = 5,  /* accept()/accept4() returned it (unix stream; TCP: a child whose
			      * transitions went out with its listener's owner, protocol
			      * IPPROTO_TCP, only cookie/netns/family set) */
	ST_SOCK_CLOSE = 6,   /* released: the last reference to its file dropped */
	ST_SOCK_EXIT = 7,    /* released by the exit of the process that held it */
	ST_SOCK_PAIR = 8,    /* socketpair() returned it (unix stream), connected */
};

/*
 * A UDP (IPv4/IPv6) or unix stream socket was created, bound, connected,
 * listened on, accepted or released. States use the kernel's TCP_*
 * numbering as sk_state does for these sockets: UDP is TCP_CLOSE (ss:
 * UNCONN) or TCP_ESTABLISHED (connected); unix stream adds TCP_LISTEN.
 * old_state is 0 when socktrace did not see the socket before (created
 * before it started); for CREATE/ACCEPT/PAIR the socket did not exist, for
 * CLOSE/EXIT new_state is TCP_CLOSE and the socket no longer exists.
 */
struct st_sock_event {
	struct st_header hdr;  /* who did it: the caller of the syscall, the task that
				* released the socket (its recorded owner when a
				* kernel thread did) */
	__u64 skaddr;          /* kernel address of struct sock: an opaque id */
	__u64 cookie;          /* socket cookie; 0 when none was generated yet */
	__u64 ino;             /* inode of the socket file; 0 when unknown */
	__u64 peer_ino;        /* unix: the peer's inode, 0 if none */
	__u64 sock_cgroup_id;  /* cgroup the socket was created in; 0 when unknown */
	__u8 saddr[ST_ADDR_LEN];
	__u8 daddr[ST_ADDR_LEN];
	__u32 netns;           /* inode of the socket's network namespace */
	__u16 sport;
	__u16 dport;
	__u16 family;          /* AF_INET, AF_INET6 or AF_UNIX */
	__u16 type;            /* SOCK_DGRAM (UDP), SOCK_STREAM (unix) */
	__u8 protocol;         /* IPPROTO_UDP; 0 for unix */
	__u8 op;               /* enum st_sock_op */
	__u8 old_state;        /* TCP_* numbering; 0: not known */
	__u8 new_state;
	__u8 path_len;         /* unix: bytes of path; abstract names start with \0 */
	__u8 peer_path_len;
	__u8 __pad[6];
	char path[108];        /* unix: the socket's own name */
	char peer_path[108];   /* unix: the peer's name */
};

/* Who owns a socket: the value of the BPF `owners` map (key: socket
 * cookie). Userspace writes it too, for sockets older than socktrace. */
struct st_owner {
	__u32 pid;
	__u32 tid;
	__u64 cgroup_id;
	char comm[ST_COMM_LEN];
	__u32 flags;         /* ST_HF_* to put in the header of its events */
	__u32 __pad;
};

/* Key and value of the BPF `listeners` map: the owner of each listening
 * socket, which its not-yet-accepted children inherit. Userspace seeds it
 * for listeners older than socktrace. */
struct st_listen_key {
	__u32 netns;
	__u16 port;          /* host order */
	__u16 __pad;
};

struct st_listen_rec {
	struct st_owner owner;
	__u64 cookie;        /* the listener itself, so only it deletes its entry */
};

/*
 * One syscall of strace's %network class, emitted once, at its exit.
 *
 * The fixed part carries the raw arguments and the result; the user memory
 * the arguments point to follows as st_blob records (data_len bytes in all),
 * each read when its content is meaningful: inputs (sockaddrs, message
 * headers, iovecs, option values, sent data) and outputs (accepted or
 * received addresses, received data) alike are read at exit, when the
 * kernel is done with them; the value-result lengths the kernel overwrites
 * (addrlen, optlen, msg_namelen...) are saved at entry and travel as
 * ST_BLOB_INLENS.
 */
struct st_syscall_event {
	struct st_header hdr;   /* ts_ns: entry time when the entry was seen, else exit */
	__u64 args[6];          /* rdi rsi rdx r10 r8 r9 */
	__s64 ret;              /* rax at exit: >= 0, or -errno */
	__u64 dur_ns;           /* exit - entry; 0 when the entry was not seen */
	__u32 nr;               /* x86-64 syscall number */
	__u32 data_len;         /* bytes of st_blob records after this struct */
	/* Appended for the namespace filter. */
	__u32 netns;            /* inode of the caller's network namespace */
	__u32 __pad;
};

/* What a blob holds (st_blob.role). */
enum st_blob_role {
	ST_BLOB_ADDR = 1,    /* a sockaddr (for mmsg: msg = message index) */
	ST_BLOB_DATA = 2,    /* bytes of a buffer or of iovec `iov` of message `msg`,
			      * at most the string limit */
	ST_BLOB_MSGHDR = 3,  /* struct user_msghdr as read at exit (msg = index) */
	ST_BLOB_IOVEC = 4,   /* struct iovec[] of message `msg`, as many as captured */
	ST_BLOB_INLENS = 5,  /* __u32[]: value-result lengths at entry; see below */
	ST_BLOB_OUTLENS = 6, /* __u32[]: the same lengths at exit */
	ST_BLOB_OPTVAL = 7,  /* setsockopt/getsockopt option value */
	ST_BLOB_FDS = 8,     /* socketpair's int[2] */
	ST_BLOB_MMSGLEN = 9, /* __u32[]: msg_len of each mmsghdr at exit */
	ST_BLOB_TIMEOUT = 10, /* recvmmsg's struct __kernel_timespec: msg=0 at entry,
			       * msg=1 at exit (the time left) */
	ST_BLOB_CONTROL = 11, /* msg_control bytes of message `msg` */
	ST_BLOB_FDINFO = 12, /* struct st_fdinfo (-y): iov=0 the fd argument at entry,
			      * iov=1 the returned fd, iov=2/3 socketpair's fds,
			      * iov=4 the second fd argument (sendfile's in_fd) at entry,
			      * iov=ST_SCM_FD_IOV+k the k-th fd SCM_RIGHTS passes in
			      * message `msg`, at exit */
	ST_BLOB_NETLINK = 13, /* struct st_netlink: sendto/recvfrom on a netlink socket */
	ST_BLOB_OFFSET = 14, /* sendfile's __u64 *offset: msg=0 at entry, msg=1 at exit */
	ST_BLOB_FDPATH = 15, /* struct st_fdpath + path (-y): the fd argument `iov` (as
			      * ST_BLOB_FDINFO) is not a socket; read at exit */
};

/*
 * ST_BLOB_NETLINK: the fd of a sendto/recvfrom is a netlink socket, whose
 * buffer strace decodes as netlink messages, reading as much of it as the
 * messages need: ST_BLOB_DATA then holds up to ST_MAX_STRING bytes whatever
 * the string limit. strace names the message types of the socket's protocol
 * only when sock_diag lists the socket, i.e. once it has a port id.
 */
struct st_netlink {
	__u32 portid;   /* at exit; 0: not bound */
	__u16 protocol; /* sk_protocol: NETLINK_ROUTE, NETLINK_SOCK_DIAG... */
	__u16 __pad;
};

/* What a socket fd is, for strace -yy style annotations (`3<TCP:[...]>`). */
struct st_fdinfo {
	__u64 ino;           /* inode of the socket */
	__u64 peer_ino;      /* AF_UNIX: the peer's inode, 0 if none */
	__u8 saddr[ST_ADDR_LEN];
	__u8 daddr[ST_ADDR_LEN];
	__u32 nl_portid;     /* AF_NETLINK: bound port id */
	__u16 family;        /* sk_family; 0: the fd is not a socket */
	__u16 type;          /* SOCK_STREAM, SOCK_DGRAM... */
	__u16 protocol;      /* sk_protocol */
	__u16 sport;
	__u16 dport;
	__u8 state;          /* sk_state */
	__u8 hashed;         /* found by sock_diag: bound (UDP) / not CLOSE (TCP) */
	__u8 path_len;       /* AF_UNIX: bytes of sun_path; abstract names start with \0 */
	__u8 __pad[7];
	char path[108];      /* AF_UNIX: the bound name, or the listener's for an accepted socket */
	__u8 __pad2[4];
};

/*
 * What a non-socket fd is, for strace -yy style annotations
 * (`5</tmp/data>`, `0</dev/null<char 1:3>>`, `3<pipe:[2933364]>`): the
 * header, then the path as d_path() would give it, without the
 * " (deleted)" suffix; for a file of a filesystem that names its files
 * itself (pipes, anonymous inodes: ST_FDPATH_DNAME), the dentry's name.
 */
struct st_fdpath {
	__u64 ino;
	__u32 mode;          /* i_mode */
	__u32 rdev;          /* i_rdev, the kernel's encoding: major << 20 | minor */
	__u32 magic;         /* the filesystem's s_magic (low 32 bits) */
	__u8 flags;          /* ST_FDPATH_* */
	__u8 __pad[3];
};

#define ST_FDPATH_DELETED (1u << 0) /* unlinked: strace appends "(deleted)" */
#define ST_FDPATH_DNAME (1u << 1)   /* the name is the dentry's, not a path */
/* -y: fds passed in SCM_RIGHTS described per message, and their blobs' iov. */
#define ST_MAX_SCM_FDS 16
#define ST_SCM_FD_IOV 16
/* Longest path captured; a longer one leaves the fd unannotated. */
#define ST_MAX_FDPATH 4064

/*
 * ST_BLOB_INLENS / OUTLENS contents, by syscall:
 *   accept, accept4, getsockname, getpeername, recvfrom: [*addrlen]
 *   getsockopt: [*optlen]
 *   recvmsg: [msg_namelen, msg_controllen]
 *   recvmmsg: [msg_namelen, msg_controllen] per captured message
 */

/* st_blob.flags */
#define ST_BLOB_FAULT (1u << 0)  /* the user memory could not be read */

/* Header of each blob; `len` data bytes follow, then zero padding to a
 * multiple of 8. */
struct st_blob {
	__u8 role;   /* enum st_blob_role */
	__u8 msg;    /* message index (sendmmsg/recvmmsg), else 0 */
	__u8 iov;    /* iovec index, else 0 */
	__u8 flags;  /* ST_BLOB_* */
	__u16 len;   /* data bytes that follow */
	__u16 __pad;
};

/* Most messages / iovecs whose contents are captured per syscall. */
#define ST_MAX_MMSG 32
#define ST_MAX_IOV 32
#define ST_MAX_SOCKADDR 128 /* sizeof(struct sockaddr_storage) */
#define ST_MAX_OPTVAL 64
#define ST_MAX_CONTROL 1024
/* Largest string limit (-s) the kernel side honours. */
#define ST_MAX_STRING 4096

enum st_proc_what {
	ST_PROC_FORK = 1, /* hdr: the parent; child_pid/child_tid: the new task */
	ST_PROC_EXIT = 2, /* hdr: the task that exited */
};

/* A traced task forked (followed with -f) or exited. */
struct st_proc_event {
	struct st_header hdr;
	__u32 what;          /* enum st_proc_what */
	__u32 child_pid;     /* FORK: tgid of the new task */
	__u32 child_tid;     /* FORK: its tid */
	__s32 exit_code;     /* EXIT: task->exit_code (wait status: code << 8 | signal) */
	__u8 group_dead;     /* EXIT: the last thread of the process */
	__u8 __pad[7];
};

/* Per-CPU loss counters, indexed by where the loss happened. */
enum st_loss_where {
	ST_LOSS_RINGBUF = 0, /* bpf_ringbuf_reserve failed: ring buffer full */
	ST_LOSS_OWNER_MAP = 1, /* owner map full: owner of a socket not recorded */
	ST_LOSS_PID_MAP = 2, /* a forked child could not be added to the pids map: not followed */
	ST_LOSS_CHILD_MAP = 3, /* a child socket's LISTEN -> SYN_RECV could not be held (map full): lost */
	ST_LOSS_DISPATCH = 4, /* a TCP transition whose handler could not be entered (tail call failed): lost */
	ST_LOSS_MAX = 5,
};

#ifdef __cplusplus
#define ST_STATIC_ASSERT static_assert
#else
#define ST_STATIC_ASSERT _Static_assert
#endif

ST_STATIC_ASSERT(sizeof(struct st_header) == 48, "st_header layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_header, ts_ns) == 8, "st_header.ts_ns");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_header, comm) == 32, "st_header.comm");
ST_STATIC_ASSERT(sizeof(struct st_owner) == 40, "st_owner layout");
ST_STATIC_ASSERT(sizeof(struct st_listen_key) == 8, "st_listen_key layout");
ST_STATIC_ASSERT(sizeof(struct st_listen_rec) == 48, "st_listen_rec layout");
ST_STATIC_ASSERT(sizeof(struct st_state_event) == 184, "st_state_event layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_state_event, saddr) == 96, "st_state_event.saddr");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_state_event, sport) == 144, "st_state_event.sport");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_state_event, old_state) == 151, "st_state_event.old_state");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_state_event, tx_payload) == 160, "st_state_event.tx_payload");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_state_event, srtt_us) == 176, "st_state_event.srtt_us");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_state_event, sk_err) == 154, "st_state_event.sk_err");
ST_STATIC_ASSERT(sizeof(struct st_retrans_event) == 128, "st_retrans_event layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_retrans_event, rto_us) == 100, "st_retrans_event.rto_us");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_retrans_event, state) == 122, "st_retrans_event.state");
ST_STATIC_ASSERT(sizeof(struct st_reset_event) == 120, "st_reset_event layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_reset_event, reason) == 106, "st_reset_event.reason");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_reset_event, dir) == 109, "st_reset_event.dir");
ST_STATIC_ASSERT(sizeof(struct st_drop_event) == 120, "st_drop_event layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_drop_event, reason) == 100, "st_drop_event.reason");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_drop_event, state) == 114, "st_drop_event.state");
ST_STATIC_ASSERT(sizeof(struct st_syscall_event) == 128, "st_syscall_event layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_syscall_event, ret) == 96, "st_syscall_event.ret");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_syscall_event, nr) == 112, "st_syscall_event.nr");
ST_STATIC_ASSERT(sizeof(struct st_blob) == 8, "st_blob layout");
ST_STATIC_ASSERT(sizeof(struct st_fdinfo) == 184, "st_fdinfo layout");
ST_STATIC_ASSERT(sizeof(struct st_netlink) == 8, "st_netlink layout");
ST_STATIC_ASSERT(sizeof(struct st_fdpath) == 24, "st_fdpath layout");
ST_STATIC_ASSERT(sizeof(struct st_proc_event) == 72, "st_proc_event layout");
ST_STATIC_ASSERT(sizeof(struct st_sock_event) == 360, "st_sock_event layout");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_sock_event, saddr) == 88, "st_sock_event.saddr");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_sock_event, op) == 133, "st_sock_event.op");
ST_STATIC_ASSERT(__builtin_offsetof(struct st_sock_event, path) == 144, "st_sock_event.path");

#endif /* SOCKTRACE_EVENTS_H */
