#pragma once

#include "core/cli.h"
#include <memory>
#include <optional>

#include "app/live_histogram.h"
#include "core/cgroups.h"
#include "core/check.h"
#include "core/groups.h"
#include "core/histogram.h"
#include "core/socket_list.h"
#include "core/runtime_names.h"

namespace socktrace {

// `socktrace top`: the live state histogram (and /metrics with --metrics).
int run_top(const Options& o);
// `socktrace check`: a monitoring-plugin check; returns 0/1/2/3.
int run_check(const Options& o);
// Measures `check`'s rates (entries per state, new connections, trouble)
// over a window of `sample` seconds that starts once the BPF programs are
// attached, into `s`; returns the histogram at its end (counts reconciled
// with sock_diag).
Histogram sample_rates(LiveConfig config, double sample, CheckSample& s);
// What top and check count from -p, --comm and --port (--netns chooses the
// namespaces: LiveConfig::netns; --cgroup/--container: LiveConfig's
// cgroup_paths). Throws UsageError, one line, for a filter they do not take
// (-f) or a bad one.
HistFilter live_view_filter(const Options& o);
// The filter, the namespaces and the cgroups of top and check.
LiveConfig live_config(const Options& o);
// --by and --sort (UsageError, one line, for --sort without --by or a bad state).
std::optional<GroupBy> group_by_of(const Options& o);
std::optional<uint8_t> sort_state_of(const Options& o);
// --list, --state and --proto (UsageError, one line, for a bad state, or
// --state/--proto without --list, --list with --by or --metrics).
std::optional<ListQuery> list_query_of(const Options& o);

// The names --by gives groups: containers and cgroup paths from the cgroup
// v2 hierarchy (none where there is none), and the containers' and pods'
// names from the runtimes' state under `host_root` (--host-root).
class GroupNamer {
 public:
  explicit GroupNamer(const std::string& host_root);
  ~GroupNamer();
  GroupNames names();

 private:
  std::unique_ptr<RuntimeNames> runtime_names_;
  std::unique_ptr<CgroupNames> names_;
};

}  // namespace socktrace
