#pragma once

#include "core/cli.h"

namespace socktrace {

// `socktrace [-p PID | -- CMD]`: the strace-like syscall trace; returns the
// exit code (the command's own with -- CMD).
int run_syscalls(const Options& options);

}  // namespace socktrace
