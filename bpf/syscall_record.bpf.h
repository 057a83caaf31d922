/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The syscall trace's event builder (part of syscalls.bpf.c, included after
 * its tunables and maps): reads of user memory, the value-result lengths
 * saved at entry, and the blob records an event is made of.
 */
#pragma once

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
