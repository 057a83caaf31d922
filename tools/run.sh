#!/usr/bin/env bash
# Installs what is missing, builds, and runs socktrace. With no arguments:
# the syscall trace of every process on the host (strace's %network class, in
# strace's format; Ctrl-C stops). `tools/run.sh -- CMD`, `tools/run.sh -p PID`,
# `tools/run.sh states` ... pass their arguments on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/deps.sh"
BUILD_DIR=build "$here/build.sh" -DSOCKTRACE_TESTS=OFF -DSOCKTRACE_BENCH=OFF >/dev/null
exec "$here/../build/socktrace" "$@"
