// The syscall trace's output: strace's text lines (or JSON lines) for each
// syscall and each traced task's exit, and strace's -c table at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/cgroups.h"
#include "core/clock.h"
#include "core/event.h"
#include "core/output.h"
#include "core/strace_format.h"
#include "core/syscall_summary.h"

namespace socktrace {

struct SyscallViewOptions {
  StraceOptions strace;
  bool json = false;
  bool summary = false;       // -c: the table only, at finish()
  bool auto_pid_prefix = true;  // turn the pid prefix on once a second task shows up
};

class SyscallView {
 public:
  SyscallView(Output& out, const SyscallViewOptions& options, WallClock clock);

  // JSON lines name the container of the caller's cgroup through `lookup`.
  void set_containers(ContainerLookup lookup) { containers_ = std::move(lookup); }

  void on_syscall(const SyscallEvent& e);
  // Exits of traced tasks: "+++ exited with N +++".
  void on_proc(const ProcEvent& e);
  void on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns);
  // Writes the -c table when asked for.
  void finish();

 private:
  void note_task(uint32_t tid);

  Output& out_;
  SyscallViewOptions options_;
  WallClock clock_;
  ContainerLookup containers_;
  std::string line_;
  fmt::memory_buffer buf_;
  SyscallSummary summary_;
  uint32_t first_tid_ = 0;
};

}  // namespace socktrace
