// The arguments of one %network syscall as strace prints them: msghdr,
// cmsg, mmsghdr and socket option values among them, from the captured
// user memory.
#pragma once

#include <string>
#include <string_view>

#include "core/event.h"
#include "core/strace_format.h"

namespace socktrace::strace {

// Appends the arguments (without the parentheses) to `out`; returns the text
// strace adds after the return value, if any ("Timeout", "left {...}"),
// which may live in `aux`.
std::string_view append_args(const SyscallEvent& e, const StraceOptions& opt, std::string& out, std::string& aux);

}  // namespace socktrace::strace
