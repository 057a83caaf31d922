#include "kernel/filters.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/cgroups.h"
#include "core/error.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {

std::string read_file(const char* path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool on_cgroup2(const std::string& path) {
  struct statfs sfs{};
  return statfs(path.c_str(), &sfs) == 0 && static_cast<unsigned long>(sfs.f_type) == CGROUP2_SUPER_MAGIC;
}

bool is_dir(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string require_cgroup2_root(const char* option, const std::string& arg) {
  auto root = find_cgroup2_root();
  if (!root)
    throw UsageError(fmt::format("{} {}: this host has no cgroup v2 hierarchy mounted (no cgroup2 line in "
                                 "/proc/mounts); mount one with 'mount -t cgroup2 none /sys/fs/cgroup/unified'",
                                 option, arg));
  return *root;
}

// --cgroup PATH: a directory of the v2 hierarchy, given as a file system
// path or as /proc/PID/cgroup shows it (relative to the hierarchy's root).
std::string resolve_cgroup_path(const std::string& arg) {
  std::string root = require_cgroup2_root("--cgroup", arg);
  std::string path = arg;
  if (!is_dir(path)) {
    std::string inside = root + (arg.starts_with("/") ? "" : "/") + arg;
    if (!arg.empty() && is_dir(inside))
      path = inside;
    else
      throw UsageError(fmt::format("--cgroup {}: no such cgroup directory (neither {} nor {} exists); the cgroup v2 "
                                   "hierarchy is at {}",
                                   arg, arg, inside, root));
  }
  if (!on_cgroup2(path))
    throw UsageError(fmt::format("--cgroup {}: not a cgroup v2 directory; give one below {}, where the v2 hierarchy "
                                 "is mounted",
                                 arg, root));
  return path;
}

uint64_t cgroup_id(const std::string& path) {
  // The id of a v2 cgroup is the inode number of its directory.
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) throw UsageError(errno_message("--cgroup " + path, errno));
  return st.st_ino;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

CgroupTree scan_cgroup_tree(const std::vector<std::string>& paths) {
  CgroupTree t;
  auto visit = [&](const std::filesystem::path& dir) {
    struct stat st{};
    if (stat(dir.c_str(), &st) != 0) return;
    t.ids.push_back(st.st_ino);
    std::ifstream procs(dir / "cgroup.procs");
    for (int pid; procs >> pid;) t.pids.push_back(pid);
  };
  for (const std::string& p : paths) {
    visit(p);
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec); !ec && it != std::filesystem::end(it);
         it.increment(ec))
      if (it->is_directory(ec)) visit(it->path());
  }
  std::sort(t.ids.begin(), t.ids.end());
  t.ids.erase(std::unique(t.ids.begin(), t.ids.end()), t.ids.end());
  return t;
}

std::optional<std::string> find_cgroup2_root() { return cgroup2_mount(read_file("/proc/mounts")); }

uint32_t resolve_netns(const std::string& arg) {
  const std::string hint = "give /run/netns/NAME, /proc/PID/ns/net, a name from 'ip netns list' or the inode number";
  if (all_digits(arg)) {
    unsigned long long ino = 0;
    try {
      ino = std::stoull(arg);
    } catch (const std::exception&) {
    }
    if (ino == 0 || ino > UINT32_MAX) throw UsageError(fmt::format("--netns {}: not a namespace inode; {}", arg, hint));
    return static_cast<uint32_t>(ino);
  }
  std::string path = arg;
  if (arg.find('/') == std::string::npos && access(arg.c_str(), F_OK) != 0) path = "/run/netns/" + arg;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError(fmt::format("--netns {}: {}; {}", arg, std::strerror(errno), hint));
  struct stat st{};
  struct statfs sfs{};
  bool ok = fstat(fd, &st) == 0 && fstatfs(fd, &sfs) == 0 && static_cast<unsigned long>(sfs.f_type) == NSFS_MAGIC &&
            ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
  close(fd);
  if (!ok) throw UsageError(fmt::format("--netns {}: not a network namespace; {}", arg, hint));
  return static_cast<uint32_t>(st.st_ino);
}

int open_netns(const std::string& arg, uint32_t* inode) {
  uint32_t ino = resolve_netns(arg);
  if (inode) *inode = ino;
  auto try_open = [ino](const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st{};
    if (fstat(fd, &st) == 0 && st.st_ino == ino && ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET) return fd;
    close(fd);
    return -1;
  };
  if (!all_digits(arg)) {
    std::string path = arg;
    if (arg.find('/') == std::string::npos && access(arg.c_str(), F_OK) != 0) path = "/run/netns/" + arg;
    int fd = try_open(path);
    if (fd >= 0) return fd;
  }
  // An inode: a namespace file that has it, named (ip netns) or held by a process.
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    int fd = try_open(e.path().string());
    if (fd >= 0) return fd;
  }
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = e.path().filename().string();
    if (!all_digits(name)) continue;
    int fd = try_open("/proc/" + name + "/ns/net");
    if (fd >= 0) return fd;
  }
  throw UsageError(fmt::format("--netns {}: no process and no /run/netns entry holds network namespace {}; give "
                               "/run/netns/NAME or /proc/PID/ns/net",
                               arg, ino));
}

ResolvedFilters resolve_filters(const Filters& filters) {
  ResolvedFilters r;
  auto add_cgroup = [&](const std::string& path) {
    uint64_t id = cgroup_id(path);
    if (std::find(r.cgroup_ids.begin(), r.cgroup_ids.end(), id) != r.cgroup_ids.end()) return;
    r.cgroup_ids.push_back(id);
    r.cgroup_paths.push_back(path);
  };
  for (const std::string& arg : filters.cgroups) add_cgroup(resolve_cgroup_path(arg));
  for (const std::string& id : filters.container) {
    std::string root = require_cgroup2_root("--container", id);
    for (const ContainerCgroup& c : resolve_container(root, id)) add_cgroup(c.path);
  }
  for (const std::string& arg : filters.netns) {
    uint32_t ino = resolve_netns(arg);
    if (std::find(r.netns_inos.begin(), r.netns_inos.end(), ino) == r.netns_inos.end()) r.netns_inos.push_back(ino);
  }
  if (!filters.comm.empty()) {
    if (filters.comm.size() >= ST_COMM_LEN)
      throw UsageError(fmt::format("--comm {}: the kernel keeps at most {} bytes of a command name; give '{}'",
                                   filters.comm, ST_COMM_LEN - 1, filters.comm.substr(0, ST_COMM_LEN - 1)));
    r.comm = filters.comm;
  }
  return r;
}

std::string ResolvedFilters::describe() const {
  std::string out;
  auto add = [&](const std::string& what) { out += (out.empty() ? " in " : ", ") + what; };
  for (const auto& p : cgroup_paths) add("cgroup " + p);
  for (uint32_t ino : netns_inos) add(fmt::format("netns {}", ino));
  if (!comm.empty()) add("comm " + comm);
  return out;
}

void ResolvedFilters::apply(TracerConfig& config) const {
  config.cgroup_ids = cgroup_ids;
  config.netns_inos = netns_inos;
  config.comm = comm;
}

}  // namespace socktrace
