/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * From a file descriptor of the current task to its socket, in the
 * syscall tracepoint programs of states.bpf.c and sockets.bpf.c, with few
 * helper calls: they run for every accept(), connect(), close()... on the
 * host, and a bpf_probe_read_kernel() is a real call (tens of ns here).
 *   - task -> files -> fdt -> fd array: direct loads through the trusted
 *     task pointer;
 *   - the fd's slot in that array: one read (a variable index into a BTF
 *     pointer is not allowed);
 *   - is it a socket: its f_op against the socket file operations, once
 *     known; they are learned from the first file whose inode says socket
 *     (socket_file_ops is not in kallsyms without CONFIG_KALLSYMS_ALL);
 *   - the socket's type and sock: one read of the start of struct socket.
 * What comes from a read is a plain number to the verifier, so every
 * further field of it is a read too.
 */
#ifndef SOCKTRACE_FD_BPF_H
#define SOCKTRACE_FD_BPF_H

#include "common.bpf.h"

#define ST_S_IFMT 00170000
#define ST_S_IFSOCK 0140000

/* f_op of socket files; 0 until learned. Each object that includes this
 * learns its own copy. */
static volatile __u64 socket_fops;

/* The file at `fd` in the current task's table; NULL when there is none. */
static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fdt->fd[fd]);
	return file;
}

/* Is `file` a socket? One read once socket_fops is known, two (the inode's
 * mode) until then, and the answer teaches socket_fops. */
static __always_inline bool file_is_socket(struct file *file)
{
	const void *fops = BPF_CORE_READ(file, f_op);
	__u64 known = socket_fops;

	if (!file)
		return false;
	if (known)
		return (__u64)fops == known;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & ST_S_IFMT) != ST_S_IFSOCK)
		return false;
	socket_fops = (__u64)fops;
	return true;
}

/* The part of struct socket read in one go: its type and its sock. */
struct st_socket_head {
	short type;
	struct sock *sk;
};

/* `file`'s socket (file must be a socket): type and sock in one read when
 * both fall in its first 64 bytes, as they do in every kernel since 2.6. */
static __always_inline bool file_socket_head(struct file *file, struct st_socket_head *h)
{
	struct socket *so = BPF_CORE_READ(file, private_data);
	__u32 type_off = bpf_core_field_offset(struct socket, type);
	__u32 sk_off = bpf_core_field_offset(struct socket, sk);
	__u8 buf[64];

	if (!so)
		return false;
	if (type_off + 2 <= sizeof(buf) && sk_off + 8 <= sizeof(buf)) {
		if (bpf_probe_read_kernel(buf, sizeof(buf), so))
			return false;
		h->type = *(short *)(buf + (type_off & 63));
		h->sk = *(struct sock **)(buf + (sk_off & 63));
	} else {
		h->type = BPF_CORE_READ(so, type);
		h->sk = BPF_CORE_READ(so, sk);
	}
	return h->sk != NULL;
}

#endif /* SOCKTRACE_FD_BPF_H */
