// `socktrace check --perfdata-family`: the check's counts from one
// sock_diag snapshot, perfdata split by protocol family.
#pragma once

#include "core/cli.h"

namespace socktrace {

int run_check_by_family(const Options& o);

}  // namespace socktrace
