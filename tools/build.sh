#!/usr/bin/env bash
# Configures and builds socktrace into build/ (or $BUILD_DIR). Extra
# arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# A new build directory gets Ninja, which compiles a target's sources while
# the libraries it links are still being built (a clean build-test/ here:
# 152 s with Ninja, 165 s with Make); one configured before keeps its own.
generator=()
[[ -f $build_dir/CMakeCache.txt ]] || ! command -v ninja >/dev/null || generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
