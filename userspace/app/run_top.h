#pragma once

#include "core/cli.h"
#include "app/live_histogram.h"
#include "core/histogram.h"

namespace socktrace {

// `socktrace top`: the live state histogram (and /metrics with --metrics).
int run_top(const Options& o);
// `socktrace check`: a monitoring-plugin check; returns 0/1/2/3.
int run_check(const Options& o);
// What top and check count from -p, --comm and --port (--netns chooses the
// namespaces: LiveConfig::netns; --cgroup/--container: LiveConfig's
// cgroup_paths). Throws UsageError, one line, for a filter they do not take
// (-f) or a bad one.
HistFilter live_view_filter(const Options& o);
// The filter, the namespaces and the cgroups of top and check.
LiveConfig live_config(const Options& o);

}  // namespace socktrace
