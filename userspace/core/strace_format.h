// strace 6.1's text for the %network syscalls, line for line as
// `strace -f -o FILE` writes it, made from the arguments and the user memory
// the kernel side captured (include/socktrace/events.h, ST_BLOB_*).
// The pieces: strace_print.h (primitives, quoting), strace_names.h (name
// tables), strace_sockaddr.h, strace_printer.h (each syscall's arguments).
#pragma once

#include <string>

#include "core/clock.h"
#include "core/event.h"

namespace socktrace {

struct StraceOptions {
  int string_limit = 32;   // -s
  bool durations = false;  // -T
  int timestamps = 0;      // 1: -t, 2: -tt, 3: -ttt
  bool pid_prefix = false; // "%-5u " of the tid, as strace -f -o FILE
  bool annotate_fds = false;  // -y: `3<TCP:[127.0.0.1:40000->127.0.0.1:5000]>`
};

// Appends one line, '\n' included.
void format_syscall(const SyscallEvent& e, const StraceOptions& opt, const WallClock& clock,
                    std::string& out);
// "+++ exited with N +++", "+++ killed by SIGKILL +++",
// "+++ killed by SIGSEGV (core dumped) +++".
void format_exit(const ProcEvent& e, const StraceOptions& opt, const WallClock& clock,
                 std::string& out);

}  // namespace socktrace
