#pragma once

#include "core/cli.h"

namespace socktrace {

// `socktrace top`: the live state histogram (and /metrics with --metrics).
int run_top(const Options& o);
// `socktrace check`: a monitoring-plugin check; returns 0/1/2/3.
int run_check(const Options& o);

}  // namespace socktrace
