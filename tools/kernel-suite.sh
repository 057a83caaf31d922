#!/usr/bin/env bash
# tools/kernel-suite.sh [BUILD_DIR]
#
# What CI runs inside each kernel VM (tools/vmtest.sh 6.1 6.12 -- tools/kernel-suite.sh
# build-test): smoke runs of every mode of the built binary, each checked,
# then the integration suite (all of it but the tests whose subject is not
# the kernel, see below). Exits non-zero when anything failed.
# Runs on the host too (as root), against the host's kernel.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
build=${1:-build-test}
bin=$build/socktrace
[[ -x $bin && -x $build/tests/socktrace_integration_tests ]] ||
  { echo "tools/kernel-suite.sh: build $build first (tools/build.sh -DSOCKTRACE_TESTS=ON)" >&2; exit 2; }

# Debian's kernels (the guests') let fexit programs attach to syscalls:
# there the socket lives must come from them, not from syscall tracepoints
# (SockLives.ProtoShowsOnlyThoseProtocols checks).
case $(uname -r) in *-cloud-amd64|*-amd64) export SOCKTRACE_EXPECT_FEXIT=1 ;; esac

failed=0
check() {  # check NAME COMMAND...: the command must succeed
  local name=$1
  shift
  if "$@"; then echo "kernel-suite: ok      $name"; else echo "kernel-suite: FAILED  $name"; failed=1; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "kernel-suite: kernel $(uname -r)"

# A closed port: bash's connect is refused, as strace would print it.
port=$((20000 + RANDOM % 20000))
syscall_trace() {
  "$bin" -o "$tmp/trace" -- bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>"$tmp/trace.err"
  grep -q "^connect(3, {sa_family=AF_INET, sin_port=htons($port), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED (Connection refused)$" "$tmp/trace" ||
    { cat "$tmp/trace" "$tmp/trace.err"; return 1; }
}
check "socktrace -- CMD: a refused connect as strace prints it" syscall_trace

# states: the refused connect's SYN_SENT -> CLOSE, owned by the connecting bash.
states() {
  "$bin" states --json -o "$tmp/states" 2>"$tmp/states.err" &
  local st=$!
  for _ in $(seq 100); do grep -q "tracing" "$tmp/states.err" && break; sleep 0.2; done
  bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
  for _ in $(seq 100); do grep -q "\"dport\":$port" "$tmp/states" 2>/dev/null && break; sleep 0.2; done
  kill -INT "$st"
  wait "$st"
  grep "\"dport\":$port" "$tmp/states" | grep -q '"old":"SYN_SENT","new":"CLOSE"' &&
    grep "\"dport\":$port" "$tmp/states" | grep -q '"comm":"bash"' ||
    { cat "$tmp/states" "$tmp/states.err"; return 1; }
}
check "states --json: SYN_SENT -> CLOSE of the refused connect, owned by bash" states

top_once() {
  "$bin" top --once --json >"$tmp/top" 2>"$tmp/top.err" && grep -q '"event":"hist"' "$tmp/top" ||
    { cat "$tmp/top" "$tmp/top.err"; return 1; }
}
check "top --once --json: one hist object" top_once

check_ok() {
  "$bin" check --warning CLOSE_WAIT=100000 >"$tmp/check" 2>&1 && grep -q "^SOCKTRACE OK - " "$tmp/check" ||
    { cat "$tmp/check"; return 1; }
}
check "check: OK status line, exit 0" check_ok

# Every integration test but those whose subject is not the kernel:
# - argument checks that exit before anything is loaded (*Errors*, BadInput*,
#   *BadUsage*, *BadArguments*, *UsageError*);
# - socktrace's own processing of what the kernel delivered, which the
#   host's run covers: the metrics and /hist endpoints and promtool
#   (PrometheusScrape.*, *Metrics*, *Hist*), check's thresholds and rates
#   (Check.*, TcpCheck.*, *Check*Names*, *CheckSampled*), the trouble
#   table (TcpTop.*), files and pipes (Log.FullFilesystem*, Faults.PipeToHead*);
# - the log's 10 000- and 20 000-connection bursts (the consumer and file
#   rotation; the kernel's side of a burst is States.ChurnDeliversEveryTransition)
#   and the parallel churns (the guests have one CPU).
# Under QEMU without acceleration a BPF load takes seconds (5-6 s for
# `states` on 6.12); these would take half the guests' time.
not_kernel='*Errors.*:BadInput.*:*BadUsage*:*BadArguments*:*UsageError*'
not_kernel+=':PrometheusScrape.*:*Metrics*:*Hist*:Check.*:TcpCheck.*:*Check*Names*:*CheckSampled*:TcpTop.*'
not_kernel+=':Log.FullFilesystem*:Faults.PipeToHead*'
not_kernel+=':Log.BurstAcrossRotatedFilesEveryConnectionOnce:Log.SighupDuringBurstLosesNothing:States.ParallelChurns*'
# One process per test suite (Truth.*, TcpEvents.*...), each bounded
# (SUITE_TIMEOUT seconds): a suite that hangs has its processes' states and
# kernel stacks printed, is killed with the socktrace processes it started
# (its session), and is named with the test it was in; the other suites
# still run (a 6.12 guest once hung in one test until the VM's 1 200 s
# limit killed it, and the tests after it never ran). Per suite rather than
# per test: a process start costs ~1 s under TCG.
per_suite=${SUITE_TIMEOUT:-600}
# hang_report SID: every process of the session, its state and where in
# the kernel each of its threads waits.
hang_report() {
  local p t
  echo "kernel-suite: the hung suite's processes:"
  ps -eo pid,ppid,sid,stat,wchan:32,etime,args | awk -v s="$1" 'NR == 1 || $3 == s'
  for p in $(ps -eo pid=,sid= | awk -v s="$1" '$2 == s {print $1}'); do
    for t in /proc/"$p"/task/*; do
      echo "--- $(cat "$t/comm" 2>/dev/null) (${t#/proc/}) in the kernel:"
      cat "$t/stack" 2>/dev/null
    done
  done
}
suite() {
  local suites s rc start pid watchdog hung tests=0 bad=()
  mapfile -t suites < <("$build/tests/socktrace_integration_tests" --gtest_list_tests --gtest_filter="-$not_kernel" |
    awk '/^[^ ]+\.$/ {sub(/\.$/, ""); print}')
  ((${#suites[@]})) || { echo "kernel-suite: no integration test listed"; return 1; }
  for s in "${suites[@]}"; do
    start=$SECONDS
    # A session of its own (setsid: its pid is the session's id), so that
    # its processes can be found and killed together.
    CI="${CI:-}" setsid "$build/tests/socktrace_integration_tests" \
      --gtest_filter="$s.*-$not_kernel" >"$tmp/suite.out" 2>&1 &
    pid=$!
    # One watchdog per suite (a loop of sleeps would cost a one-CPU TCG
    # guest a process start every tick): at the bound it reports and kills.
    rm -f "$tmp/hang.out"
    (
      sleep "$per_suite" &
      trap 'kill $! 2>/dev/null; exit 0' TERM
      wait $!
      kill -0 "$pid" 2>/dev/null || exit 0
      hang_report "$pid" >"$tmp/hang.out" 2>&1
      pkill -KILL -s "$pid"
    ) >/dev/null 2>&1 &
    watchdog=$!
    wait "$pid" 2>/dev/null  # (not the shell's "Killed" line)
    rc=$?
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    hung=0
    [[ -s $tmp/hang.out ]] && hung=1
    tests=$((tests + $(grep -c '^\[       OK \]' "$tmp/suite.out")))
    if ((rc == 0 && !hung)); then
      echo "kernel-suite:   ok       $s.* ($((SECONDS - start)) s)"
      continue
    fi
    cat "$tmp/suite.out"
    if ((hung)); then
      cat "$tmp/hang.out"
      echo "kernel-suite:   TIMEOUT  $s.*: killed after $per_suite s in $(grep '^\[ RUN      \]' "$tmp/suite.out" | tail -1 | awk '{print $4}')"
    else
      echo "kernel-suite:   FAILED   $s.* ($((SECONDS - start)) s)"
    fi
    bad+=("$s")
  done
  echo "kernel-suite: $tests integration tests passed in ${#suites[@]} suites${bad[*]:+; failed: ${bad[*]}}"
  ((${#bad[@]} == 0))
}
check "integration suite" suite
exit "$failed"
