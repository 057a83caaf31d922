#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit + integration)
# with ctest. Options:
#   --sanitize   build with ASan+UBSan (into build-sanitize/) and run the tests there
# Integration tests need root and BPF; under CI=true their absence is a failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
build_dir=build-test
cmake_args=(-DSOCKTRACE_TESTS=ON)
for arg in "$@"; do
  case "$arg" in
    --sanitize) build_dir=build-sanitize; cmake_args+=(-DSOCKTRACE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    *) echo "tools/test.sh: unknown option '$arg' (known: --sanitize)" >&2; exit 2 ;;
  esac
done
"$here/deps.sh"
BUILD_DIR=$build_dir "$here/build.sh" "${cmake_args[@]}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
cd "$build_dir"
ctest --output-on-failure --timeout 300
