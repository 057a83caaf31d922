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

static __always_inline __u32 read_user_u32(const void *uptr, __u8 *fault)
{
	__u32 v = 0;

	if (!uptr || bpf_probe_read_user(&v, sizeof(v), uptr))
		*fault = 1;
	return v;
}

static __always_inline void save_inlen(struct st_enter *en, const void *uptr)
{
	__u32 i = en->n_inlens;

	if (i >= ST_INLENS_MAX)
		return;
	en->inlens[i] = read_user_u32(uptr, &en->inlen_fault);
	en->n_inlens = i + 1;
}

static __always_inline void save_msghdr_lens(struct st_enter *en, const struct user_msghdr *um)
{
	save_inlen(en, &um->msg_namelen);
	save_inlen(en, &um->msg_controllen);
}


struct builder {
	struct st_scratch *s;
};

static __always_inline struct st_blob *blob_start(struct builder *b, __u8 role, __u8 msg, __u8 iov)
{
	struct st_blob *h;
	__u64 off = b->s->off;

	if (off >= ST_BLOB_AREA)
		return NULL;
	h = (void *)(b->s->blobs + off);
	h->role = role;
	h->msg = msg;
	h->iov = iov;
	h->flags = 0;
	h->len = 0;
	h->__pad = 0;
	return h;
}

static __always_inline void blob_finish(struct builder *b, struct st_blob *h, __u32 len)
{
	h->len = len;
	b->s->off = (void *)(h + 1) - (void *)b->s->blobs + ((len + 7) & ~7u);
}

/* Reads up to this many bytes through the stack (see put_user_blob). */
#define ST_BOUNCE_WORDS 8

/*
 * Appends `len` (capped) bytes of user memory at `uptr` to the event in `s`
 * as a blob tagged `tag` (role | msg << 8 | iov << 16); a read that faults
 * leaves an empty blob flagged ST_BLOB_FAULT.
 *
 * A global function: the verifier checks it once, on its own, rather than
 * inlined at each of its ~20 call sites down every path of the exit program
 * (which took it 150 000 instructions and ~0.3 s at every start).
 */
__noinline int put_user_blob(struct st_scratch *s, __u32 tag, __u64 uptr, __u64 len)
{
	struct st_blob *h;
	__u64 off, n; /* 64-bit: a 32-bit copy would be bounded, the register used not */
	__u8 *data;

	if (!s)
		return 0;
	off = s->off;
	if (off >= ST_BLOB_AREA)
		return 0;
	h = (void *)(s->blobs + off);
	h->role = tag;
	h->msg = tag >> 8;
	h->iov = tag >> 16;
	h->flags = 0;
	h->__pad = 0;
	n = len > ST_MAX_STRING ? ST_MAX_STRING : len;
	data = (void *)(h + 1);
	barrier_var(n); /* compare and use the same register */
	if (n <= ST_BOUNCE_WORDS * 8) {
		/* Hardened usercopy checks the destination of every user read:
		 * for map memory (vmalloc'ed) a vmap-area lookup, for the stack a
		 * bounds compare. Short reads go through the stack and are copied
		 * on as whole words, zeros after the data included (the padding
		 * must not carry an earlier event's bytes), without a helper. */
		__u64 bounce[ST_BOUNCE_WORDS] = {};
		__u64 *dst = (__u64 *)data;

		if (bpf_probe_read_user(bounce, n, (const void *)uptr))
			goto fault;
#pragma unroll
		for (int i = 0; i < ST_BOUNCE_WORDS; i++)
			dst[i] = bounce[i];
	} else {
		*(__u64 *)(data + (n & ~7u)) = 0;
		if (bpf_probe_read_user(data, n, (const void *)uptr))
			goto fault;
	}
	h->len = n;
	s->off = off + sizeof(*h) + ((n + 7) & ~7u);
	return 0;
fault:
	h->flags = ST_BLOB_FAULT;
	h->len = 0;
	s->off = off + sizeof(*h);
	return 0;
}

static __always_inline void put_user(struct builder *b, __u8 role, __u8 msg, __u8 iov,
				     const void *uptr, __u64 len)
{
	put_user_blob(b->s, role | (__u32)msg << 8 | (__u32)iov << 16, (__u64)uptr, len);
}

#define SOCK_DGRAM 2
#define AF_UNIX 1
#define AF_NETLINK 16
#define IPPROTO_UDP 17
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* The socket behind `fd` of the current task, or NULL. */
static __always_inline struct socket *fd_socket(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file *file = NULL;
	struct file **fds;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

static __always_inline __u64 socket_ino(struct socket *so)
{
	struct socket_alloc *sa = container_of(so, struct socket_alloc, socket);

	return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

/* Fills `fi` for `fd`; fi->family stays 0 when it is not a socket. */
static __always_inline void describe_fd(struct st_fdinfo *fi, long fd)
{
	struct socket *so = fd_socket(fd);
	struct sock *sk;
	__u16 family;

	__builtin_memset(fi, 0, sizeof(*fi));
	if (!so)
		return;
	sk = BPF_CORE_READ(so, sk);
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	fi->ino = socket_ino(so);
	fi->family = family;
	fi->type = BPF_CORE_READ(sk, sk_type);
	fi->protocol = BPF_CORE_READ(sk, sk_protocol);
	fi->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (family == AF_INET || family == AF_INET6) {
		__u16 num = BPF_CORE_READ(sk, __sk_common.skc_num);

		fi->sport = num;
		fi->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET) {
			bpf_core_read(fi->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
			bpf_core_read(fi->daddr, 4, &sk->__sk_common.skc_daddr);
		} else {
			bpf_core_read(fi->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(fi->daddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
		/* What sock_diag (and so strace -yy) lists: any socket with a local
		 * port, bound-but-inactive TCP sockets included (Linux 6.5+). */
		fi->hashed = num != 0;
	} else if (family == AF_UNIX) {
		struct unix_sock *us = (void *)sk;
		struct unix_address *addr = BPF_CORE_READ(us, addr);
		struct sock *peer = BPF_CORE_READ(us, peer);

		if (peer) {
			struct socket *pso = BPF_CORE_READ(peer, sk_socket);

			if (pso)
				fi->peer_ino = socket_ino(pso);
		}
		if (addr) {
			__s64 len = (__s64)BPF_CORE_READ(addr, len) - (__s64)sizeof(__u16);
			__u64 n = len > 0 ? len : 0;

			barrier_var(n);
			if (n > sizeof(fi->path))
				n = sizeof(fi->path);
			fi->path_len = n;
			bpf_probe_read_kernel(fi->path, n, addr->name[0].sun_path);
		}
		fi->hashed = 1;
	} else if (family == AF_NETLINK) {
		struct netlink_sock *nl = (void *)sk;

		fi->nl_portid = BPF_CORE_READ(nl, portid);
		fi->hashed = fi->nl_portid != 0;
	}
}

/*
 * -y on an fd that is not a socket: its path, as readlink(/proc/PID/fd/N)
 * shows it to strace (d_path), assembled from the last component back in a
 * per-CPU buffer by walking dentries and, at each mount's root, the mount
 * it sits on, up to the task's root.
 */
#define ST_PATH_BUF 4096  /* the path ends here; the second half takes the last component's overrun */
#define ST_PATH_DEPTH 256 /* components and mount crossings; a deeper path is left unannotated */

struct st_pathbuf {
	char buf[2 * ST_PATH_BUF];
};

/* key: 0; value: the path being assembled, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_pathbuf);
} path_scratch SEC(".maps");

struct path_walk {
	char *buf;                  /* path_scratch's value */
	struct dentry *dentry;      /* the next component */
	struct mount *mnt;          /* the mount it is in */
	struct dentry *root_dentry; /* the task's root */
	struct vfsmount *root_mnt;
	__u32 pos;                  /* the path so far: buf[pos, ST_PATH_BUF) */
	__u8 done;                  /* reached the root */
};

/* Prepends "/" and the name of `d` (len bytes at `name`); false when the
 * path would grow past ST_MAX_FDPATH or the name cannot be read. */
static __always_inline bool path_prepend(struct path_walk *w, const unsigned char *name, __u32 len, bool slash)
{
	__u32 pos;

	if (!len && !slash) /* a pipe's dentry has no name */
		return true;
	if (len + slash + (ST_PATH_BUF - ST_MAX_FDPATH) > w->pos)
		return false;
	pos = w->pos - len - slash;
	barrier_var(pos);
	pos &= ST_PATH_BUF - 1;
	barrier_var(len);
	len &= ST_PATH_BUF - 1;
	if (slash)
		w->buf[pos] = '/';
	if (len && bpf_probe_read_kernel(w->buf + pos + slash, len, name))
		return false;
	w->pos = pos;
	return true;
}

static long path_step(__u64 i, void *ctx)
{
	struct path_walk *w = ctx;
	/* copies: a CO-RE read through w-> would relocate path_walk itself */
	struct dentry *d = w->dentry, *parent;
	struct mount *mnt = w->mnt;
	struct vfsmount *vfsmnt = &mnt->mnt;

	if (d == w->root_dentry && vfsmnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	if (d == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt) { /* the namespace's root, or an internal mount (memfd) */
			w->done = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		w->done = 1;
		return 1;
	}
	if (!path_prepend(w, BPF_CORE_READ(d, d_name.name), BPF_CORE_READ(d, d_name.len), true))
		return 1;
	w->dentry = parent;
	return 0;
}

/*
 * Appends ST_BLOB_FDPATH for `fd` unless it is a socket or has no file;
 * `tag` is iov | msg << 8. A global function, verified once on its own (as
 * put_user_blob).
 */
__noinline int put_fd_path(struct st_scratch *s, __u32 tag, __s64 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct path_walk w = {};
	struct st_fdpath *fp;
	struct st_blob *h;
	struct dentry *d;
	struct inode *inode;
	struct file *file;
	__u64 off, n;
	__u32 zero = 0;

	if (!s)
		return 0;
	file = fd_file(fd);
	if (!file || file_is_socket(file))
		return 0;
	w.buf = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!w.buf)
		return 0;
	w.pos = ST_PATH_BUF;
	d = BPF_CORE_READ(file, f_path.dentry);
	inode = BPF_CORE_READ(file, f_inode);
	off = s->off;
	if (off >= ST_BLOB_AREA)
		return 0;
	/* re-masked at the use: 6.1's verifier loses the bound of a spilled copy */
	barrier_var(off);
	off &= ST_BLOB_AREA - 1;
	h = (void *)(s->blobs + off);
	fp = (void *)(h + 1);
	__builtin_memset(fp, 0, sizeof(*fp));
	fp->ino = BPF_CORE_READ(inode, i_ino);
	fp->mode = BPF_CORE_READ(inode, i_mode);
	fp->rdev = BPF_CORE_READ(inode, i_rdev);
	fp->magic = BPF_CORE_READ(inode, i_sb, s_magic);
	if (BPF_CORE_READ(d, d_op, d_dname)) {
		/* pipes, anonymous inodes...: the kernel makes up the name */
		fp->flags = ST_FDPATH_DNAME;
		if (!path_prepend(&w, BPF_CORE_READ(d, d_name.name), BPF_CORE_READ(d, d_name.len), false))
			return 0;
	} else {
		w.dentry = d;
		w.mnt = container_of(BPF_CORE_READ(file, f_path.mnt), struct mount, mnt);
		w.root_dentry = BPF_CORE_READ(task, fs, root.dentry);
		w.root_mnt = BPF_CORE_READ(task, fs, root.mnt);
		bpf_loop(ST_PATH_DEPTH, path_step, &w, 0);
		if (!w.done)
			return 0;
		if (w.pos == ST_PATH_BUF && !path_prepend(&w, NULL, 0, true))
			return 0;
		/* d_unlinked(): unhashed and not a root */
		if (!BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d)
			fp->flags = ST_FDPATH_DELETED;
	}
	n = ST_PATH_BUF - w.pos;
	if (n > ST_MAX_FDPATH)
		return 0;
	barrier_var(n);
	n &= ST_PATH_BUF - 1;
	*(__u64 *)((char *)(fp + 1) + (n & ~7u)) = 0; /* no stale bytes in the padding */
	if (n && bpf_probe_read_kernel(fp + 1, n, w.buf + (w.pos & (ST_PATH_BUF - 1))))
		return 0;
	h->role = ST_BLOB_FDPATH;
	h->msg = tag >> 8;
	h->iov = tag;
	h->flags = 0;
	h->__pad = 0;
	h->len = sizeof(*fp) + n;
	s->off = off + sizeof(*h) + ((sizeof(*fp) + n + 7) & ~7u);
	return 0;
}

static __always_inline void put_fdinfo(struct builder *b, __u8 which, const struct st_fdinfo *fi)
{
	struct st_blob *h = blob_start(b, ST_BLOB_FDINFO, 0, which);

	if (!h)
		return;
	bpf_probe_read_kernel(h + 1, sizeof(*fi), fi);
	blob_finish(b, h, sizeof(*fi));
}

/* -y: the fds a syscall returns, described at exit. */
static __always_inline void put_returned_fds(struct builder *b, __u32 nr, struct pt_regs *regs, long ret)
{
	struct st_fdinfo *fi;
	__u32 zero = 0;
	int fds[2];

	fi = bpf_map_lookup_elem(&fdinfo_scratch, &zero);
	if (!fi)
		return;
	if ((nr == NR_SOCKET || nr == NR_ACCEPT || nr == NR_ACCEPT4) && ret >= 0) {
		describe_fd(fi, ret);
		put_fdinfo(b, 1, fi);
	} else if (nr == NR_SOCKETPAIR && ret == 0 &&
		   !bpf_probe_read_user(fds, sizeof(fds), (void *)st_syscall_arg4(regs))) {
		describe_fd(fi, fds[0]);
		put_fdinfo(b, 2, fi);
		describe_fd(fi, fds[1]);
		put_fdinfo(b, 3, fi);
	}
}

/* Appends a kernel-side value (lengths saved at entry, read at exit). */
static __always_inline void put_u32s(struct builder *b, __u8 role, const __u32 *vals, __u32 count, bool fault)
{
	struct st_blob *h = blob_start(b, role, 0, 0);
	__u8 *data;
	__u32 n;

	if (!h)
		return;
	n = count * 4;
	/* The caller's bound is invisible to the verifier after inlining. */
	barrier_var(n);
	n &= 2 * ST_INLENS_MAX * 4 - 1;
	data = (void *)(h + 1);
	*(__u64 *)(data + (n & ~7u)) = 0;
	bpf_probe_read_kernel(data, n, vals);
	if (fault)
		h->flags = ST_BLOB_FAULT;
	blob_finish(b, h, n);
}

/* Appends one kernel-side 64-bit value (read by an earlier program). */
static __always_inline void put_u64(struct builder *b, __u8 role, __u8 msg, __u64 v, bool fault)
{
	struct st_blob *h = blob_start(b, role, msg, 0);

	if (!h)
		return;
	*(__u64 *)(h + 1) = v;
	if (fault)
		h->flags = ST_BLOB_FAULT;
	blob_finish(b, h, fault ? 0 : sizeof(v));
}

static __always_inline __u64 min64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __always_inline void put_addr(struct builder *b, __u8 msg, const void *uptr, __u64 len)
{
	if (uptr && len)
		put_user(b, ST_BLOB_ADDR, msg, 0, uptr, min64(len, ST_MAX_SOCKADDR));
}

/* bpf_loop() callbacks: the verifier checks a callback body once instead of
 * every unrolled path of nested loops (messages x iovecs), which would exceed
 * its instruction budget. */
struct iov_loop {
	struct builder *b;
	const struct iovec *iov; /* user pointer */
	__u64 avail;             /* bytes left to show; (__u64)-1 for a send */
	__u8 msg;
};

static long iov_step(__u64 i, void *ctx)
{
	struct iov_loop *l = ctx;
	struct iovec iov;
	__u64 n;

	if (!l->avail || bpf_probe_read_user(&iov, sizeof(iov), &l->iov[i]))
		return 1;
	n = min64(iov.iov_len, l->avail);
	if (l->avail != (__u64)-1)
		l->avail -= n;
	put_user(l->b, ST_BLOB_DATA, l->msg, i, iov.iov_base, min64(n, string_limit));
	return 0;
}

/*
 * -y: the fds a SCM_RIGHTS control message passes, described at exit (a
 * receiver's are installed by then), in the order strace prints them: the
 * k-th fd of message `msg` is ST_BLOB_FDINFO (and ST_BLOB_FDPATH) with
 * iov = ST_SCM_FD_IOV + k. The cmsg walk is the printer's (cmsg_len rounded
 * up to 8; a header shorter than struct cmsghdr ends it).
 */
#define ST_SCM_CMSGS 4 /* SCM_RIGHTS messages per control buffer whose fds are described */

struct scm_walk {
	__u64 ctl;                 /* user pointer to the control buffer */
	__u64 pos;                 /* current cmsg */
	__u64 left;                /* bytes from pos to the end of what is shown */
	__u64 at[ST_SCM_CMSGS];    /* user pointers to each SCM_RIGHTS int array */
	__u32 count[ST_SCM_CMSGS]; /* and its number of fds */
	__u32 ncmsg;
	__u32 msg;
};

/* key: 0; value: the walk of put_scm_fds, per CPU: in map memory, not on
 * the stack, which the call chain down to put_fd_path's walk would take
 * past 512 bytes (6.1). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scm_walk);
} scm_walks SEC(".maps");

/* What bpf_loop hands the callbacks (its context must be on the stack). */
struct scm_ctx {
	struct st_scratch *s;
	struct scm_walk *w;
};

/* First pass: where the SCM_RIGHTS arrays are. */
static long cmsg_step(__u64 i, void *ctx)
{
	struct scm_walk *w = ((struct scm_ctx *)ctx)->w;
	struct {
		__u64 len;
		__s32 level;
		__s32 type;
	} c;
	__u32 n = w->ncmsg;
	__u64 step;

	if (w->left < sizeof(c) || bpf_probe_read_user(&c, sizeof(c), (void *)(w->ctl + w->pos)))
		return 1;
	if (c.level == 1 /* SOL_SOCKET */ && c.type == 1 /* SCM_RIGHTS */ && c.len > sizeof(c)) {
		if (n >= ST_SCM_CMSGS)
			return 1;
		w->at[n] = w->ctl + w->pos + sizeof(c);
		w->count[n] = (min64(c.len, w->left) - sizeof(c)) / 4;
		w->ncmsg = n + 1;
	}
	if (c.len < sizeof(c))
		return 1;
	step = (c.len + 7) & ~7ull;
	if (step >= w->left)
		return 1;
	w->pos += step;
	w->left -= step;
	return 0;
}

/* Second pass: the k-th fd of them all; the first that goes undescribed
 * ends it, so that the k-th blob is always the k-th fd. */
static long scm_fd_step(__u64 k, void *ctx)
{
	struct scm_ctx *c = ctx;
	struct scm_walk *w = c->w;
	struct builder b = { .s = c->s };
	struct st_fdinfo *fi;
	struct st_blob *h;
	__u64 at = 0, idx = k;
	__u32 zero = 0;
	int fd;

	for (int j = 0; j < ST_SCM_CMSGS; j++) {
		if (j >= w->ncmsg)
			break;
		if (idx < w->count[j]) {
			at = w->at[j] + idx * 4;
			break;
		}
		idx -= w->count[j];
	}
	if (!at)
		return 1;
	fi = bpf_map_lookup_elem(&fdinfo_scratch, &zero);
	h = blob_start(&b, ST_BLOB_FDINFO, w->msg, ST_SCM_FD_IOV + k);
	if (!fi || !h || bpf_probe_read_user(&fd, sizeof(fd), (void *)at))
		return 1;
	describe_fd(fi, fd);
	bpf_probe_read_kernel(h + 1, sizeof(*fi), fi);
	blob_finish(&b, h, sizeof(*fi));
	if (!fi->family)
		put_fd_path(c->s, (ST_SCM_FD_IOV + k) | w->msg << 8, fd);
	return 0;
}

/* A global function, verified once on its own (as put_user_blob): inlined
 * into put_msghdr's callers its loops took the verifier past its budget. */
__noinline int put_scm_fds(struct st_scratch *s, __u32 msg, __u64 ctl, __u64 len)
{
	struct scm_ctx c = { .s = s };
	__u32 zero = 0;

	c.w = bpf_map_lookup_elem(&scm_walks, &zero);
	if (!s || !c.w)
		return 0;
	__builtin_memset(c.w, 0, sizeof(*c.w));
	c.w->ctl = ctl;
	c.w->left = len;
	c.w->msg = msg;
	bpf_loop(ST_MAX_CONTROL / 16, cmsg_step, &c, 0);
	if (c.w->ncmsg)
		bpf_loop(ST_MAX_SCM_FDS, scm_fd_step, &c, 0);
	return 0;
}

/*
 * A message header and what it points to: the name, the iovecs and the
 * first string_limit bytes of each, the control data. `avail` bounds the
 * data shown (received bytes); (__u64)-1 for a send.
 */
static __always_inline void put_msghdr(struct builder *b, __u8 msg, const struct user_msghdr *um, __u64 avail,
				       bool scm_fds)
{
	struct user_msghdr h;
	struct iov_loop l;
	__u64 iovlen;

	if (bpf_probe_read_user(&h, sizeof(h), um)) {
		put_user(b, ST_BLOB_MSGHDR, msg, 0, um, 0);
		return;
	}
	put_user(b, ST_BLOB_MSGHDR, msg, 0, um, sizeof(h));
	put_addr(b, msg, h.msg_name, h.msg_namelen);
	iovlen = min64(h.msg_iovlen, ST_MAX_IOV);
	if (h.msg_iov && iovlen) {
		__u64 n = iovlen * sizeof(struct iovec);
		__u64 room = 4096 - ((__u64)h.msg_iov & 4095);
		char last;

		/* strace reads the array element by element and shows the address
		 * where it stopped: when the array's end cannot be read, keep what
		 * lies before the page boundary. */
		if (n > room && bpf_probe_read_user(&last, 1, (const char *)h.msg_iov + n - 1))
			n = room;
		put_user(b, ST_BLOB_IOVEC, msg, 0, h.msg_iov, n);
		if (string_limit) {
			l.b = b;
			l.iov = h.msg_iov;
			l.avail = avail;
			l.msg = msg;
			bpf_loop(iovlen, iov_step, &l, 0);
		}
	}
	if (h.msg_control && h.msg_controllen) {
		put_user(b, ST_BLOB_CONTROL, msg, 0, h.msg_control, min64(h.msg_controllen, ST_MAX_CONTROL));
		if (annotate_fds && scm_fds)
			put_scm_fds(b->s, msg, (__u64)h.msg_control, min64(h.msg_controllen, ST_MAX_CONTROL));
	}
}

/* key: 0; value: msg_len of each mmsghdr, per CPU: in map memory, as the
 * exit program's stack with the deepest call chain under it must stay
 * within 512 bytes (6.1 counts bpf_loop callbacks in the chain). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32[ST_MAX_MMSG]);
} mmsg_lens SEC(".maps");

struct mmsg_loop {
	struct builder *b;
	struct mmsghdr *vec; /* user pointer */
	__u32 *lens;         /* mmsg_lens' value */
	bool recv;
};

static long mmsg_step(__u64 j, void *ctx)
{
	struct mmsg_loop *l = ctx;
	__u32 len = 0;

	if (j >= ST_MAX_MMSG)
		return 1;
	bpf_probe_read_user(&len, sizeof(len), &l->vec[j].msg_len);
	l->lens[j] = len;
	/* No SCM_RIGHTS fds described here: under a bpf_loop callback the
	 * call chain's stack would pass 6.1's 512 bytes. */
	put_msghdr(l->b, j, &l->vec[j].msg_hdr, l->recv ? len : (__u64)-1, false);
	return 0;
}

static __always_inline void put_mmsg(struct builder *b, struct mmsghdr *vec, __u32 count, bool recv)
{
	struct mmsg_loop l = {};
	__u32 zero = 0;

	if (count > ST_MAX_MMSG)
		count = ST_MAX_MMSG;
	l.lens = bpf_map_lookup_elem(&mmsg_lens, &zero);
	if (!count || !l.lens)
		return;
	l.b = b;
	l.vec = vec;
	l.recv = recv;
	bpf_loop(count, mmsg_step, &l, 0);
	put_u32s(b, ST_BLOB_MMSGLEN, l.lens, count, false);
}

/* Option values: whole structures (ST_MAX_OPTVAL covers every one strace
 * decodes), strings up to the string limit. */
static __always_inline __u64 optval_limit(void)
{
	return string_limit > ST_MAX_OPTVAL ? string_limit : ST_MAX_OPTVAL;
}

static __always_inline void put_inlens(struct builder *b, const struct st_enter *en)
{
	if (en && en->n_inlens)
		put_u32s(b, ST_BLOB_INLENS, en->inlens, en->n_inlens, en->inlen_fault);
}

/* The value-result length at exit, and the blob of it. */
static __always_inline __u32 put_outlen(struct builder *b, const void *uptr)
{
	__u8 fault = 0;
	__u32 v = read_user_u32(uptr, &fault);

	put_u32s(b, ST_BLOB_OUTLENS, &v, 1, fault);
	return fault ? 0 : v;
}

/*
 * sendto/recvfrom on a netlink socket: strace decodes the buffer as netlink
 * messages and reads as much of it as they need, so the data is captured up
 * to ST_MAX_STRING whatever the string limit, and the socket's protocol and
 * port id go along (ST_BLOB_NETLINK). Returns the bytes of data to capture.
 * Stream sockets are never netlink: one read fewer for TCP.
 */
static __always_inline __u64 put_netlink(struct builder *b, long fd, __u64 len)
{
	struct st_socket_head head;
	struct netlink_sock *nlk;
	struct st_netlink *nl;
	struct st_blob *h;
	struct file *file;
	struct sock *sk;

	file = fd_file(fd);
	if (!file_is_socket(file) || !file_socket_head(file, &head) || head.type == 1 /* SOCK_STREAM */)
		return min64(len, string_limit);
	sk = head.sk;
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_NETLINK)
		return min64(len, string_limit);
	h = blob_start(b, ST_BLOB_NETLINK, 0, 0);
	if (h) {
		nl = (void *)(h + 1);
		nlk = container_of(sk, struct netlink_sock, sk);
		nl->portid = BPF_CORE_READ(nlk, portid);
		nl->protocol = BPF_CORE_READ(sk, sk_protocol);
		nl->__pad = 0;
		blob_finish(b, h, sizeof(*nl));
	}
	return min64(len, ST_MAX_STRING);
}

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
	if (bpf_ringbuf_output(&events, e, sizeof(*e) + size, wakeup_flags()))
		count_loss(ST_LOSS_RINGBUF);
	return 0;
}
