// The filters beyond -p, resolved from the command line into what the
// kernel side compares: cgroup ids, network namespace inodes, a command
// name. Every mode resolves them the same way, before anything is loaded, so
// a bad --cgroup/--container/--netns/--comm is one line on stderr and exit 2
// with nothing attached:
//
//   ResolvedFilters f = resolve_filters(options.filters);   // throws UsageError
//   TracerConfig config;
//   f.apply(config);
//   Tracer tracer(config);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cli.h"
#include "kernel/tracer.h"

namespace socktrace {

struct ResolvedFilters {
  std::vector<uint64_t> cgroup_ids;      // --cgroup and --container, as cgroup v2 ids
  std::vector<std::string> cgroup_paths; // the same, as directories (for messages)
  std::vector<uint32_t> netns_inos;      // --netns
  std::string comm;                      // --comm
  // Anything beyond -p to filter on.
  bool any() const { return !cgroup_ids.empty() || !netns_inos.empty() || !comm.empty(); }
  // " in cgroup /sys/fs/cgroup/x, netns 4026532, comm nginx" (empty without filters).
  std::string describe() const;
  void apply(TracerConfig& config) const;
};

// Throws UsageError with what to fix when a path is missing, not on cgroup
// v2, a container id matches none or several, a namespace is not one.
ResolvedFilters resolve_filters(const Filters& filters);

// The cgroups below (and including) `paths` as they are now: their ids
// (sorted, no duplicates) and the processes in them (cgroup.procs). A
// cgroup removed while it is read is skipped.
struct CgroupTree {
  std::vector<uint64_t> ids;
  std::vector<int> pids;
};
CgroupTree scan_cgroup_tree(const std::vector<std::string>& paths);

// Where the cgroup v2 hierarchy is mounted (/proc/mounts), if anywhere.
std::optional<std::string> find_cgroup2_root();

// The network namespace --netns names: an inode number, a path to a
// namespace file (/run/netns/NAME, /proc/PID/ns/net) or an `ip netns` name.
uint32_t resolve_netns(const std::string& arg);
// The same namespace opened (O_RDONLY | O_CLOEXEC; the caller closes it),
// its inode in *inode: an inode number is looked for in /run/netns and
// /proc/*/ns/net. Throws UsageError, one line, when none holds it.
int open_netns(const std::string& arg, uint32_t* inode);

}  // namespace socktrace
