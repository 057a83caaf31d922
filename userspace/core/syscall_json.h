// The decoded arguments of a traced syscall as the JSON object of the
// --json "syscall" event's `args` field. Keys are the C parameter names;
// constants are strace's symbolic names, buffers strace's escaped text.
#pragma once

#include <fmt/format.h>

#include "core/event.h"

namespace socktrace {

// Appends one JSON object (no newline).
void append_syscall_args_json(const SyscallEvent& e, int string_limit, fmt::memory_buffer& out);

}  // namespace socktrace
