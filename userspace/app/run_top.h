#pragma once

#include "core/cli.h"
#include "core/check.h"
#include "core/histogram.h"

namespace socktrace {

// `socktrace top`: the live state histogram (and /metrics with --metrics).
int run_top(const Options& o);
// `socktrace check`: a monitoring-plugin check; returns 0/1/2/3.
int run_check(const Options& o);
// Measures `check`'s rates (entries per state, new connections, trouble)
// over a window of `sample` seconds that starts once the BPF programs are
// attached, into `s`; returns the histogram at its end (counts reconciled
// with sock_diag).
Histogram sample_rates(const Options& o, const HistFilter& filter, double sample, CheckSample& s);
// What top and check count from -p, --comm and --port (--netns chooses the
// namespaces: LiveConfig::netns). Throws UsageError, one line, for a filter
// they do not take (-f, --cgroup, --container) or a bad one.
HistFilter live_view_filter(const Options& o);

}  // namespace socktrace
