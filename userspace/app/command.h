// `socktrace -- CMD ARGS`: the command is forked stopped at a gate, so that
// its pid can join the kernel filter before it runs a single instruction of
// its own; released, it execs.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace socktrace {

// The executable `name` resolves to ($PATH search as execvp does), or
// nothing. Lets a missing command be a usage error before BPF is loaded.
std::optional<std::string> find_executable(const std::string& name);

class GatedCommand {
 public:
  // Forks; the child waits at the gate. Throws UsageError when the command
  // cannot be found, RuntimeError when fork fails.
  explicit GatedCommand(const std::vector<std::string>& argv);
  ~GatedCommand();  // kills a child never released
  GatedCommand(const GatedCommand&) = delete;
  GatedCommand& operator=(const GatedCommand&) = delete;

  pid_t pid() const { return pid_; }
  // Lets the child exec. Throws UsageError when the exec failed.
  void release();
  // Reaps the child if it exited; true once it has.
  bool poll_exit();
  bool exited() const { return status_.has_value(); }
  // socktrace's exit code for the command's wait status, as a shell gives it
  // (code, or 128 + signal).
  int exit_code() const;
  // Sends sig to the child if it still runs.
  void signal(int sig) const;

 private:
  pid_t pid_ = -1;
  int gate_fd_ = -1;   // write end: one byte releases the child
  int error_fd_ = -1;  // read end: the child's exec errno, or EOF on success
  std::optional<int> status_;
  bool released_ = false;
};

}  // namespace socktrace
