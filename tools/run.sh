#!/usr/bin/env bash
# Installs what is missing, builds, and runs socktrace. With no arguments:
# `socktrace states`, every TCP state transition on the host (Ctrl-C stops).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/deps.sh"
BUILD_DIR=build "$here/build.sh" -DSOCKTRACE_TESTS=OFF -DSOCKTRACE_BENCH=OFF >/dev/null
if (($# == 0)); then set -- states; fi
exec "$here/../build/socktrace" "$@"
