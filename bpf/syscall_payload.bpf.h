/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The arguments' user memory (part of syscalls.bpf.c, after
 * syscall_fdinfo.bpf.h): kernel-side values, socket addresses, iovecs,
 * message headers with their control messages and passed fds, mmsghdr
 * arrays, option values and netlink payloads, each as blob records.
 */
#pragma once

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
