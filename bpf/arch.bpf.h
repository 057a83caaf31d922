/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every architecture fact of the BPF side, in one place: where a syscall's
 * number and arguments sit in the task's saved registers, and the numbers
 * of the syscalls socktrace traces. Selected by the -D__TARGET_ARCH_*
 * the build passes (bpf_tracing.h uses the same switch). The userspace
 * side's twin is userspace/core/arch.h.
 *
 * ST_SYSCALL_FN is the prefix of the kernel function each syscall enters
 * by, for fexit programs on syscalls.
 *
 * The argument macros are direct loads through the BTF pointer of the
 * task's struct pt_regs (no helper call). arm64 keeps the first argument in
 * orig_x0: x0 holds the return value once the syscall has run.
 */
#ifndef SOCKTRACE_ARCH_BPF_H
#define SOCKTRACE_ARCH_BPF_H

#if defined(__TARGET_ARCH_x86)
/* The kernel function a syscall enters by, for fentry/fexit programs:
 * ST_SYSCALL_FN "bind" is __x64_sys_bind. */
#define ST_SYSCALL_FN "__x64_sys_"
#define st_syscall_nr(r) ((r)->orig_ax)
#define st_syscall_arg1(r) ((r)->di)
#define st_syscall_arg2(r) ((r)->si)
#define st_syscall_arg3(r) ((r)->dx)
#define st_syscall_arg4(r) ((r)->r10)
#define st_syscall_arg5(r) ((r)->r8)
#define st_syscall_arg6(r) ((r)->r9)
#define NR_SENDFILE 40
#define NR_SOCKET 41
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SENDMSG 46
#define NR_RECVMSG 47
#define NR_SHUTDOWN 48
#define NR_BIND 49
#define NR_LISTEN 50
#define NR_GETSOCKNAME 51
#define NR_GETPEERNAME 52
#define NR_SOCKETPAIR 53
#define NR_SETSOCKOPT 54
#define NR_GETSOCKOPT 55
#define NR_ACCEPT4 288
#define NR_RECVMMSG 299
#define NR_GETPMSG 181 /* STREAMS, never implemented: ENOSYS; strace counts them as network */
#define NR_PUTPMSG 182
#define NR_SENDMMSG 307
#elif defined(__TARGET_ARCH_arm64)
/* The generic syscall table (include/uapi/asm-generic/unistd.h). */
#define ST_SYSCALL_FN "__arm64_sys_"
#define st_syscall_nr(r) ((r)->syscallno)
#define st_syscall_arg1(r) ((r)->orig_x0)
#define st_syscall_arg2(r) ((r)->regs[1])
#define st_syscall_arg3(r) ((r)->regs[2])
#define st_syscall_arg4(r) ((r)->regs[3])
#define st_syscall_arg5(r) ((r)->regs[4])
#define st_syscall_arg6(r) ((r)->regs[5])
#define NR_SENDFILE 71
#define NR_SOCKET 198
#define NR_SOCKETPAIR 199
#define NR_BIND 200
#define NR_LISTEN 201
#define NR_ACCEPT 202
#define NR_CONNECT 203
#define NR_GETSOCKNAME 204
#define NR_GETPEERNAME 205
#define NR_SENDTO 206
#define NR_RECVFROM 207
#define NR_SETSOCKOPT 208
#define NR_GETSOCKOPT 209
#define NR_SHUTDOWN 210
#define NR_SENDMSG 211
#define NR_RECVMSG 212
#define NR_ACCEPT4 242
#define NR_RECVMMSG 243
#define NR_SENDMMSG 269
#else
#error "socktrace's BPF side knows x86 and arm64: add the architecture's facts here"
#endif

#endif /* SOCKTRACE_ARCH_BPF_H */
