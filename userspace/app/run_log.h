#pragma once

#include "core/cli.h"

namespace socktrace {

// `socktrace log`: returns the exit code.
int run_log(const Options& options);

}  // namespace socktrace
