// Every architecture fact of the userspace side, in one place: the syscall
// numbers of strace's %network class on the machine socktrace is built for
// (the kernel side's twin is bpf/arch.bpf.h). Adding an architecture is
// adding its table here and in bpf/arch.bpf.h.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace socktrace {

struct SyscallInfo {
  uint32_t nr;  // this architecture's syscall number
  std::string_view name;
};

#if defined(__x86_64__)
inline constexpr std::string_view kArchName = "x86_64";
// The kernel function a syscall enters by is this prefix and its name
// (__x64_sys_bind): where fexit programs attach (bpf/arch.bpf.h's ST_SYSCALL_FN).
inline constexpr const char* kSyscallFunctionPrefix = "__x64_sys_";
namespace sys {
inline constexpr uint32_t kSendfile = 40;
inline constexpr uint32_t kSocket = 41;
inline constexpr uint32_t kConnect = 42;
inline constexpr uint32_t kAccept = 43;
inline constexpr uint32_t kSendto = 44;
inline constexpr uint32_t kRecvfrom = 45;
inline constexpr uint32_t kSendmsg = 46;
inline constexpr uint32_t kRecvmsg = 47;
inline constexpr uint32_t kShutdown = 48;
inline constexpr uint32_t kBind = 49;
inline constexpr uint32_t kListen = 50;
inline constexpr uint32_t kGetsockname = 51;
inline constexpr uint32_t kGetpeername = 52;
inline constexpr uint32_t kSocketpair = 53;
inline constexpr uint32_t kSetsockopt = 54;
inline constexpr uint32_t kGetsockopt = 55;
inline constexpr uint32_t kAccept4 = 288;
inline constexpr uint32_t kRecvmmsg = 299;
inline constexpr uint32_t kSendmmsg = 307;
// STREAMS calls Linux never implemented (ENOSYS); strace's %network has them.
inline constexpr uint32_t kGetpmsg = 181;
inline constexpr uint32_t kPutpmsg = 182;
}  // namespace sys
#elif defined(__aarch64__)
// The generic syscall table (include/uapi/asm-generic/unistd.h).
inline constexpr std::string_view kArchName = "aarch64";
inline constexpr const char* kSyscallFunctionPrefix = "__arm64_sys_";
namespace sys {
inline constexpr uint32_t kSendfile = 71;
inline constexpr uint32_t kSocket = 198;
inline constexpr uint32_t kConnect = 203;
inline constexpr uint32_t kAccept = 202;
inline constexpr uint32_t kSendto = 206;
inline constexpr uint32_t kRecvfrom = 207;
inline constexpr uint32_t kSendmsg = 211;
inline constexpr uint32_t kRecvmsg = 212;
inline constexpr uint32_t kShutdown = 210;
inline constexpr uint32_t kBind = 200;
inline constexpr uint32_t kListen = 201;
inline constexpr uint32_t kGetsockname = 204;
inline constexpr uint32_t kGetpeername = 205;
inline constexpr uint32_t kSocketpair = 199;
inline constexpr uint32_t kSetsockopt = 208;
inline constexpr uint32_t kGetsockopt = 209;
inline constexpr uint32_t kAccept4 = 242;
inline constexpr uint32_t kRecvmmsg = 243;
inline constexpr uint32_t kSendmmsg = 269;
}  // namespace sys
#else
#error "socktrace knows x86_64 and aarch64: add the architecture's syscall numbers here and in bpf/arch.bpf.h"
#endif

// strace's %network class (strace 6.1, checked by calling every syscall
// number under `strace -f -e trace=network`), by this architecture's numbers.
inline constexpr std::array kNetworkSyscalls{
    SyscallInfo{sys::kSocket, "socket"},           SyscallInfo{sys::kConnect, "connect"},
    SyscallInfo{sys::kAccept, "accept"},           SyscallInfo{sys::kSendto, "sendto"},
    SyscallInfo{sys::kRecvfrom, "recvfrom"},       SyscallInfo{sys::kSendmsg, "sendmsg"},
    SyscallInfo{sys::kRecvmsg, "recvmsg"},         SyscallInfo{sys::kShutdown, "shutdown"},
    SyscallInfo{sys::kBind, "bind"},               SyscallInfo{sys::kListen, "listen"},
    SyscallInfo{sys::kGetsockname, "getsockname"}, SyscallInfo{sys::kGetpeername, "getpeername"},
    SyscallInfo{sys::kSocketpair, "socketpair"},   SyscallInfo{sys::kSetsockopt, "setsockopt"},
    SyscallInfo{sys::kGetsockopt, "getsockopt"},   SyscallInfo{sys::kAccept4, "accept4"},
    SyscallInfo{sys::kRecvmmsg, "recvmmsg"},       SyscallInfo{sys::kSendmmsg, "sendmmsg"},
    SyscallInfo{sys::kSendfile, "sendfile"},
#if defined(__x86_64__)
    SyscallInfo{sys::kGetpmsg, "getpmsg"},         SyscallInfo{sys::kPutpmsg, "putpmsg"},
#endif
};

}  // namespace socktrace
