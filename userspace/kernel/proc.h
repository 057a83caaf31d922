// What /proc says about processes and the sockets they hold.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event.h"

namespace socktrace {

bool process_exists(int pid);
// Exists and is not a zombie waiting for its parent to reap it.
bool process_alive(int pid);
// Has every thread of process `pid` gone through exit (each one a zombie,
// or released)? True when /proc no longer knows the process.
bool threads_all_exited(int pid);
// Threads of the process (/proc/PID/task), 0 when it is gone.
int thread_count(int pid);
// Command name (/proc/PID/comm) or "".
std::string process_comm(int pid);

// Where a process comes from: its parent and when it started, in clock
// ticks since boot (/proc/PID/stat fields 4 and 22); zeros when it is gone.
struct ProcOrigin {
  int ppid = 0;
  uint64_t start_ticks = 0;
};
ProcOrigin process_origin(int pid);

struct ProcOwner {
  int pid = 0;
  std::string comm;
  ProcOrigin origin;
};

// Socket inode -> the process holding it, for sockets whose owner socktrace
// did not see being set up (they predate it). Scans /proc/*/fd as ss -p
// does, at most once per `min_rescan_ns` for inodes it does not know.
class InodeOwners {
 public:
  explicit InodeOwners(uint64_t min_rescan_ns = 1'000'000'000) : min_rescan_ns_(min_rescan_ns) {}
  // The holder of `ino` (of several: the oldest, or one of prefer()'s pids),
  // rescanning /proc (rate-limited) when it is unknown.
  const ProcOwner* lookup(uint64_t ino, uint64_t now_ns);
  void rescan();
  // A socket several processes hold (a listener inherited by a server's
  // workers) is given to one of `pids` when one holds it.
  void prefer(std::vector<int> pids) { preferred_ = std::move(pids); }
  // What the last scan found, without scanning.
  const ProcOwner* find(uint64_t ino) const {
    auto it = owners_.find(ino);
    return it == owners_.end() ? nullptr : &it->second;
  }
  std::size_t size() const { return owners_.size(); }

 private:
  std::unordered_map<uint64_t, ProcOwner> owners_;
  uint64_t min_rescan_ns_;
  std::vector<int> preferred_;
  uint64_t last_scan_ns_ = 0;
  bool scanned_ = false;
};

// A transition of a socket whose owner the BPF side never learned (it is
// older than socktrace): the owner /proc names, if any, goes into its
// header. Returns false when /proc knows none.
bool own_from_proc(InodeOwners& owners, StateEvent& e, uint64_t now_ns);

}  // namespace socktrace
