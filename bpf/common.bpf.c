/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The one definition of the maps and tunables declared in common.bpf.h. */
#define ST_COMMON_DEFINE
#include "common.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
