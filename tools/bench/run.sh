#!/usr/bin/env bash
# Overhead of tracing, as ratios measured in one run: each workload untraced,
# then traced, alternating A/B/A/B, medians of ROUNDS runs. Workload pinned
# to CPU 0, tracers to CPU 1 (the steadiest setting on a 2-core machine).
#   tools/bench/run.sh [ROUNDS]        (as root; builds first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
rounds=${1:-5}
"$root/tools/deps.sh"
BUILD_DIR=build "$root/tools/build.sh" -DSOCKTRACE_BENCH=ON >/dev/null
bin="$root/build"
work="$bin/tools/bench/workload"
churn_n=${CHURN_N:-20000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# run_traced NAME CMD...: starts the tracer on CPU 1, waits for it, runs the
# churn workload on CPU 0, stops the tracer; prints the workload's rate.
run_traced() {
  local name=$1; shift
  taskset -c 1 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  local tpid=$!
  for _ in $(seq 100); do
    grep -q "Ctrl-C to stop" "$tmp/$name.err" 2>/dev/null && break
    [[ $name == tcpstates ]] && { sleep 1.5; break; }
    sleep 0.05
  done
  taskset -c 0 "$work" churn "$churn_n"
  kill -INT "$tpid"; wait "$tpid" || true
}

declare -A rates
for r in $(seq "$rounds"); do
  rates[untraced]+="$(taskset -c 0 "$work" churn "$churn_n") "
  rates[states]+="$(run_traced states "$bin/socktrace" states -o /dev/null) "
  grep -h "lost" "$tmp/states.err" | tail -1 >>"$tmp/losses"
  if command -v tcpstates >/dev/null; then
    rates[tcpstates]+="$(run_traced tcpstates tcpstates) "
  fi
done

# Syscall trace: request/response workloads run untraced, under
# `socktrace -o /dev/null --` (every syscall captured and formatted) and under
# strace -f -e trace=network. The tracer has CPU 1, the workload CPU 0.
pp_n=${PINGPONG_N:-200000}
declare -A pp
for r in $(seq "$rounds"); do
  for w in pingpong udp; do
    n=$pp_n
    pp[$w.untraced]+="$(taskset -c 0 "$work" "$w" "$n") "
    pp[$w.socktrace]+="$(taskset -c 1 "$bin/socktrace" -o /dev/null -- taskset -c 0 "$work" "$w" "$n" 2>>"$tmp/pp.err") "
    pp[$w.strace]+="$(taskset -c 1 strace -f -e trace=network -o /dev/null taskset -c 0 "$work" "$w" $((n / 20))) "
  done
done

base=$(echo ${rates[untraced]} | tr ' ' '\n' | median)
printf "connection churn, %d connections, median of %d runs\n" "$churn_n" "$rounds"
printf "%-22s %12s %8s\n" "tracer" "conn/s" "kept"
for t in untraced states tcpstates; do
  [[ -n ${rates[$t]:-} ]] || continue
  m=$(echo ${rates[$t]} | tr ' ' '\n' | median)
  printf "%-22s %12.0f %8.3f\n" "$t" "$m" "$(echo "$m / $base" | bc -l)"
done
echo "socktrace states, per run: $(tr '\n' '|' <"$tmp/losses")"
for w in pingpong udp; do
  printf "\n%s ping-pong, 64 B, %d round trips (strace: %d), median of %d runs\n" "$w" "$pp_n" $((pp_n / 20)) "$rounds"
  printf "%-22s %12s %8s\n" "tracer" "round trips/s" "kept"
  b=$(echo ${pp[$w.untraced]} | tr ' ' '\n' | median)
  for t in untraced socktrace strace; do
    m=$(echo ${pp[$w.$t]} | tr ' ' '\n' | median)
    printf "%-22s %12.0f %8.3f\n" "$t" "$m" "$(echo "$m / $b" | bc -l)"
  done
done
echo "socktrace syscall-trace losses: $(grep -h lost "$tmp/pp.err" | tr '\n' '|' || true)"
"$bin/tools/bench/socktrace_micro_bench" --benchmark_min_time=0.2 2>/dev/null | grep -E "^BM_|items"
