#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test. With no option (as
# CI runs it), five steps:
#   1. build-test/      the release build (g++): unit + integration tests; the
#      BPF programs also built for arm64 (tools/bpf-arm64.sh)
#   2. the same build's smoke runs and integration suite on Debian's 6.1 and
#      6.12 kernels, booted side by side in QEMU (tools/vmtest.sh,
#      tools/kernel-suite.sh says which tests are not the kernel's and skipped there)
#   3. build-sanitize/  clang with ASan+UBSan: the same unit + integration tests
#   4. the libFuzzer target (built in step 3) over tests/fuzz/corpus for
#      $FUZZ_TIME seconds (default 30)
#   5. packages: the .deb (from build-test/) installed with apt into a clean
#      Debian 12 root (tools/test-deb.sh), and the same objects linked
#      statically, run in a root holding only that binary (tools/test-static.sh)
# Options:
#   --quick            step 1 only
#   --sanitize         steps 3 and 4 only
#   --package          step 5 only (builds build-test/ first if needed)
#   --no-vms           no step 2
#   --kernels "K..."   the kernels of step 2 (default "6.1 6.12"; see tools/vmtest.sh)
#   --fuzz-time SEC    fuzzing time (0: no fuzzing)
# Every step runs even when an earlier one failed; the summary at the end
# says which failed, and the exit status is non-zero if any did.
# Integration tests need root and BPF; under CI=true their absence is a failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
plain=1 sanitize=1 vms=1 package=1
kernels=${KERNELS:-6.1 6.12}
fuzz_time=${FUZZ_TIME:-30}
while (($#)); do
  case "$1" in
    --quick) sanitize=0 vms=0 package=0 ;;
    --sanitize) plain=0 vms=0 package=0 ;;
    --package) plain=0 sanitize=0 vms=0 ;;
    --no-vms) vms=0 ;;
    --kernels)
      [[ -n ${2:-} ]] || { echo "tools/test.sh: --kernels needs a list, e.g. \"6.1 6.12\"" >&2; exit 2; }
      kernels=$2
      shift ;;
    --fuzz-time)
      [[ ${2:-} =~ ^[0-9]+$ ]] || { echo "tools/test.sh: --fuzz-time needs a number of seconds" >&2; exit 2; }
      fuzz_time=$2
      shift ;;
    *) echo "tools/test.sh: unknown option '$1' (known: --quick, --sanitize, --package, --no-vms, --kernels LIST, --fuzz-time SEC)" >&2; exit 2 ;;
  esac
  shift
done
"$here/deps.sh" || exit 1

results=()
failed=0
step() {  # step NAME COMMAND...: runs it, records the outcome and its time
  local name=$1 start=$SECONDS
  shift
  echo "=== tools/test.sh: $name" >&2
  if "$@"; then
    results+=("ok      $name ($((SECONDS - start)) s)")
  else
    results+=("FAILED  $name ($((SECONDS - start)) s)")
    failed=1
  fi
}

# A test that failed while the kernel gave hits of its tracepoints to no
# BPF program (on the sandbox this project is checked in: hits fired while
# a thread of PID 1 is current; tests/integration/main.cpp) runs once more;
# each such rerun is listed in $reruns and printed in the summary.
reruns=$(mktemp /tmp/socktrace-reruns.XXXXXX)
export SOCKTRACE_TEST_RERUNS=$reruns
run_ctest() {  # run_ctest BUILD_DIR [CTEST ARGS...]
  local dir=$1
  shift
  (cd "$dir" && ctest --output-on-failure --timeout 300 -j"$(nproc)" "$@")
}

if ((plain)); then
  step "build (build-test)" env BUILD_DIR=build-test "$here/build.sh" -DSOCKTRACE_TESTS=ON -DSOCKTRACE_UNITY=ON
  step "BPF programs built for arm64 (tools/bpf-arm64.sh)" "$here/bpf-arm64.sh"
  if [[ ${results[-2]} == ok* ]]; then
    step "unit + integration tests (build-test)" run_ctest build-test
    if ((vms)); then
      # The guests side by side, one CPU each: under TCG a guest is one
      # busy core, and two vCPUs on a shared core only wait for each other.
      # shellcheck disable=SC2086 # a list of kernels
      step "smoke runs + integration suite in kernels $kernels (build-test)" \
        env VMTEST_SMP="${VMTEST_SMP:-1}" "$here/vmtest.sh" $kernels -- tools/kernel-suite.sh build-test
    fi
  fi
fi

if ((sanitize)); then
  # clang for both: the fuzzer needs it, and one instrumented build of the
  # core serves the tests and the fuzz target. Line tables are all the
  # sanitizers' stack traces need; full debug info only lengthens the build.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  step "build, ASan+UBSan (build-sanitize)" env BUILD_DIR=build-sanitize BUILD_TYPE=RelWithDebInfo "$here/build.sh" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSOCKTRACE_TESTS=ON -DSOCKTRACE_SANITIZE=ON -DSOCKTRACE_UNITY=ON \
    -DSOCKTRACE_FUZZ=ON -DSOCKTRACE_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG"
  if [[ ${results[-1]} == ok* ]]; then
    # Not the stress tests of the consumer's speed (the log's 10 000- and
    # 20 000-connection bursts, the parallel churns): under the sanitizers
    # they measure the sanitizers, and the release build runs them.
    step "unit + integration tests, ASan+UBSan (build-sanitize)" run_ctest build-sanitize \
      -E '^(Log\.BurstAcrossRotatedFilesEveryConnectionOnce|Log\.SighupDuringBurstLosesNothing|States\.ParallelChurns.*)$'
    if ((fuzz_time > 0)); then
      fuzz() {
        # New inputs go to the first directory (kept between runs); the
        # committed seeds are read only. A crash leaves its input in
        # build-sanitize/fuzz-artifacts/: once fixed, commit it to
        # tests/fuzz/corpus/, where the FuzzCorpus.Replay test keeps it.
        mkdir -p build-sanitize/fuzz-corpus build-sanitize/fuzz-artifacts
        build-sanitize/tests/fuzz/socktrace_decode_fuzz -max_total_time="$fuzz_time" -timeout=20 \
          -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-sanitize/fuzz-artifacts/ \
          build-sanitize/fuzz-corpus tests/fuzz/corpus 2>&1 | grep -v -E '^(#[0-9]+\s+(NEW|REDUCE|pulse)|\s+NEW_FUNC)'
        return "${PIPESTATUS[0]}"
      }
      step "fuzz decoders and views for ${fuzz_time} s (build-sanitize)" fuzz
    fi
  fi
fi

if ((package)); then
  package_deb() {
    local deb
    [[ -f build-test/CMakeCache.txt ]] || env BUILD_DIR=build-test "$here/build.sh" -DSOCKTRACE_TESTS=ON || return 1
    deb=$(BUILD_DIR=build-test "$here/package.sh" | tail -1) && "$here/test-deb.sh" "$deb"
  }
  step ".deb into a clean Debian 12 root (build-test)" package_deb
  package_static() {
    local bin
    bin=$(BUILD_DIR=build-test "$here/package.sh" --static | head -1) && "$here/test-static.sh" "$bin"
  }
  step "static binary in an empty root (build-test, linked statically)" package_static
fi

echo "=== tools/test.sh: summary" >&2
if [[ -s $reruns ]]; then
  echo "tests run again because hits of their tracepoints reached no BPF program while they ran:" >&2
  sed 's/^/  /' "$reruns" >&2
fi
rm -f "$reruns"
printf '  %s\n' "${results[@]}" >&2
exit "$failed"
