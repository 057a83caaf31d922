// strace -c -w: per-syscall count, errors and total latency, printed as
// strace 6.1's summary table.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/event.h"
#include "core/syscalls.h"

namespace socktrace {

class SyscallSummary {
 public:
  void add(const SyscallEvent& e);
  // The table, sorted by total time (descending) as strace's default.
  std::string table() const;

 private:
  struct Counts {
    uint64_t calls = 0;
    uint64_t errors = 0;
    uint64_t time_ns = 0;
  };
  std::array<Counts, kMaxSyscallNr> counts_{};
};

}  // namespace socktrace
