#pragma once

#include "core/cli.h"

namespace socktrace {

// `socktrace states`: returns the exit code.
int run_states(const Options& options);

}  // namespace socktrace
