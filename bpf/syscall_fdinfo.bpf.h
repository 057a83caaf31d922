/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * -y (part of syscalls.bpf.c, after syscall_record.bpf.h): what an fd is,
 * the socket behind it (family, type, addresses, inode) or, for a file,
 * its path walked up to the task's root across mounts.
 */
#pragma once

/* The socket behind `fd` of the current task, or NULL (fd.bpf.h's walk). */
static __always_inline struct socket *fd_socket(long fd)
{
	struct file *file = fd_file(fd);

	if (!file || !file_is_socket(file))
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
