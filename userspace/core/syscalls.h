// strace's %network class on this architecture (core/arch.h): numbers,
// names, and the -e trace=LIST parser that selects among them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/arch.h"

namespace socktrace {

// The 18 syscalls of strace's %network class, by number.
std::span<const SyscallInfo> network_syscalls();

// The name of a traced syscall number, or "" when it is not one (no
// allocation: the per-event formatters use it).
std::string_view known_syscall_name(uint32_t nr);
// The name, or "syscall_NNN" as strace writes unknown ones.
std::string syscall_name(uint32_t nr);
std::optional<uint32_t> syscall_nr(std::string_view name);

// Calls whose value-result arguments (addrlen, optlen, msg_namelen...,
// sendfile's offset) the kernel overwrites, so that the trace needs them as
// they were at entry: accept, accept4, getsockname, getpeername, recvfrom,
// getsockopt, recvmsg, recvmmsg, sendfile (the BPF side's needs_entry()
// keeps the same list).
bool overwrites_lengths(uint32_t nr);

inline constexpr uint32_t kMaxSyscallNr = 512;  // size of the kernel's id filter

// -e trace=LIST (strace syntax: comma-separated names, %network / %net,
// "all", a leading '!' negates; the "trace=" prefix is optional; several -e
// accumulate). Returns the selected numbers, sorted; sets *error to one line
// and returns nothing on an unknown name or one outside %network.
std::optional<std::vector<uint32_t>> parse_trace_list(const std::vector<std::string>& exprs,
                                                      std::string* error);

}  // namespace socktrace
