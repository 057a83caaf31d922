#include "kernel/proc.h"

#include <algorithm>

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace socktrace {

bool process_exists(int pid) {
  if (pid <= 0) return false;
  return access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0;
}

bool process_alive(int pid) {
  if (pid <= 0) return false;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(f, stat)) return false;
  // "pid (comm) S ...": the comm may hold spaces and parentheses.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  return state != 'Z' && state != 'X';
}

bool threads_all_exited(int pid) {
  std::error_code ec;
  std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::ifstream f(entry.path() / "stat");
    std::string stat;
    if (!std::getline(f, stat)) continue;  // released meanwhile
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) continue;
    char state = stat[close + 2];
    if (state != 'Z' && state != 'X') return false;
  }
  return true;  // a missing directory (ec) is a process gone
}

int thread_count(int pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (!d) return 0;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

std::string process_comm(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
  std::string comm;
  std::getline(f, comm);
  return comm;
}

ProcOrigin process_origin(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(f, stat)) return {};
  // "pid (comm) state ppid ...": the comm may hold spaces and parentheses;
  // ppid is the 2nd field after it, starttime the 20th.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  ProcOrigin o;
  for (int i = 1; i <= 20 && rest >> field; ++i) {
    if (i == 2) o.ppid = std::atoi(field.c_str());
    if (i == 20) o.start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  return o;
}

namespace {
// Did `a` come before `b`? Started earlier; within one clock tick (a
// pre-fork server forks its workers at once), a parent before its child,
// else the lower pid.
bool came_first(const ProcOwner& a, const ProcOwner& b) {
  if (a.origin.start_ticks != b.origin.start_ticks) return a.origin.start_ticks < b.origin.start_ticks;
  if (b.origin.ppid == a.pid) return true;
  if (a.origin.ppid == b.pid) return false;
  return a.pid < b.pid;
}
}  // namespace

namespace {
bool all_digits(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}
}  // namespace

void InodeOwners::rescan() {
  auto is_preferred = [&](int pid) {
    return std::find(preferred_.begin(), preferred_.end(), pid) != preferred_.end();
  };
  owners_.clear();
  DIR* proc = opendir("/proc");
  if (!proc) return;
  while (dirent* pe = readdir(proc)) {
    if (!all_digits(pe->d_name)) continue;
    int pid = std::atoi(pe->d_name);
    bool preferred = is_preferred(pid);
    std::string fd_dir = std::string("/proc/") + pe->d_name + "/fd";
    DIR* fds = opendir(fd_dir.c_str());
    if (!fds) continue;
    std::string comm;
    ProcOrigin origin;
    while (dirent* fe = readdir(fds)) {
      if (!all_digits(fe->d_name)) continue;
      char target[64];
      ssize_t n = readlinkat(dirfd(fds), fe->d_name, target, sizeof(target) - 1);
      if (n <= 8) continue;
      target[n] = '\0';
      if (std::strncmp(target, "socket:[", 8) != 0) continue;
      uint64_t ino = std::strtoull(target + 8, nullptr, 10);
      if (comm.empty()) {
        comm = process_comm(pid);
        origin = process_origin(pid);
      }
      ProcOwner holder{pid, comm, origin};
      auto [it, fresh] = owners_.try_emplace(ino, holder);
      if (fresh) continue;
      // Several hold it (inherited across fork: a pre-fork server's
      // listener): one of -p's processes if one holds it, else the oldest
      // holder (the process that opened it, or the first to inherit it),
      // whatever order wrapped-around pids put them in.
      bool held_by_preferred = is_preferred(it->second.pid);
      if ((preferred && !held_by_preferred) || (preferred == held_by_preferred && came_first(holder, it->second)))
        it->second = holder;
    }
    closedir(fds);
  }
  closedir(proc);
}

const ProcOwner* InodeOwners::lookup(uint64_t ino, uint64_t now_ns) {
  if (ino == 0) return nullptr;
  if (const ProcOwner* o = find(ino)) return o;
  if (scanned_ && now_ns - last_scan_ns_ < min_rescan_ns_) return nullptr;
  rescan();
  scanned_ = true;
  last_scan_ns_ = now_ns;
  return find(ino);
}

bool own_from_proc(InodeOwners& owners, StateEvent& e, uint64_t now_ns) {
  const ProcOwner* owner = e.ino ? owners.lookup(e.ino, now_ns) : nullptr;
  if (!owner) return false;
  e.hdr.pid = e.hdr.tid = static_cast<uint32_t>(owner->pid);
  e.hdr.comm = Comm::of(owner->comm);
  return true;
}

}  // namespace socktrace
