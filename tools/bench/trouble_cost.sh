#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks in single quotes: Markdown, not commands
# What `socktrace states` costs in the kernel per connection and per TCP
# drop, program by program (issue 18): with kernel.bpf_stats_enabled=1
# (restored at exit), each BPF program's run_cnt and run_time_ns (CPU time
# spent in it, the statistics' own two clock reads included) are read from
# the tracer's fds before and after
#
#   churn   `workload churn N`: N loopback connections (connect, accept,
#           orderly close; nothing retransmitted, no RST, no TCP drop):
#           how often each program runs per connection and what that costs,
#           as a share of the workload's own time (N / its rate, pinned to
#           one CPU, so its CPU time), and
#   drops   `workload oow N`: N segments outside the receive window of an
#           established loopback connection, each dropped by the kernel
#           with a TCP reason (TCP_INVALID_SEQUENCE) on that socket: the
#           cost of one TCP drop in on_kfree_skb, and that every one of
#           them reached socktrace (`drop` events counted in its --json
#           output).
#
# Prints a Markdown table per phase (medians over the rounds) and the load
# average seen. Workload on CPU 0, tracer on CPU 1, as tools/bench/run.sh.
#
#   tools/bench/trouble_cost.sh [--rounds N]      (as root)
#
# Environment (defaults in brackets):
#   BUILD_DIR [build]   where socktrace and tools/bench/workload were built
#                       (cmake -DSOCKTRACE_BENCH=ON)
#   ROUNDS [3]          rounds of each phase
#   CHURN_N [20000]     connections per churn round
#   DROP_N [200000]     out-of-window segments per drop round
#
# The programs trace the whole host: other processes' connections and drops
# during a round count too (run_cnt per connection above the workload's own
# shows them). run_time_ns is CPU time, so a busy machine changes it less
# than it changes rates.
set -euo pipefail
export LC_ALL=C

die() {
  echo "trouble_cost.sh: $*" >&2
  exit 1
}
note() { echo "$*" >&2; }

while (($#)); do
  case $1 in
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift ;;
    -h | --help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (--rounds N, --help)" ;;
  esac
  shift
done
rounds=${ROUNDS:-3}
churn_n=${CHURN_N:-20000}
drop_n=${DROP_N:-200000}
for v in rounds churn_n drop_n; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done

((EUID == 0)) || die "must run as root (BPF statistics, raw sockets)"
(($(nproc) >= 2)) || die "needs 2 CPUs (workload on CPU 0, tracer on CPU 1)"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-build}
[[ $build == /* ]] || build=$root/$build
socktrace=$build/socktrace
work=$build/tools/bench/workload
for f in "$socktrace" "$work"; do
  [[ -x $f ]] || die "$f is missing: build with BUILD_DIR=${BUILD_DIR:-build} tools/build.sh -DSOCKTRACE_BENCH=ON"
done
for tool in bpftool jq taskset awk; do
  command -v "$tool" >/dev/null || die "$tool is missing (tools/deps.sh installs it)"
done

tmp=$(mktemp -d /tmp/socktrace-trouble.XXXXXX)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
tpid="" cpid=""
cleanup() {
  [[ -z $tpid ]] || kill -INT "$tpid" 2>/dev/null || true
  [[ -z $cpid ]] || kill "$cpid" 2>/dev/null || true
  sysctl -qw kernel.bpf_stats_enabled="$stats_before" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
sysctl -qw kernel.bpf_stats_enabled=1

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
alive() { [[ -e /proc/$1 ]] && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }

# start_tracer ARGS...: socktrace states ARGS on CPU 1, ready; sets tpid.
start_tracer() {
  taskset -c 1 "$socktrace" states "$@" 2>"$tmp/tracer.err" &
  tpid=$!
  local i
  for ((i = 0; i < 1500; ++i)); do
    grep -q "Ctrl-C to stop" "$tmp/tracer.err" && return 0
    alive "$tpid" || die "socktrace states exited: $(tail -3 "$tmp/tracer.err")"
    sleep 0.02
  done
  die "socktrace states was not ready after 30 s"
}

stop_tracer() {
  kill -INT "$tpid"
  wait "$tpid" || die "socktrace states failed: $(tail -3 "$tmp/tracer.err")"
  tpid=""
}

# The tracer's programs: "id name" per line (names from bpftool: the
# kernel keeps 15 characters, BTF the whole name).
programs() {
  local f
  for f in /proc/"$tpid"/fdinfo/*; do
    if grep -q '^prog_type:' "$f" 2>/dev/null; then awk '/^prog_id:/ {print $2}' "$f"; fi
  done | sort -un | while read -r id; do
    bpftool prog show id "$id" -j | jq -r '"\(.id) \(.name)"'
  done
}

# snapshot FILE: "id run_cnt run_time_ns" of every program of the tracer.
snapshot() {
  local f
  for f in /proc/"$tpid"/fdinfo/*; do
    awk '/^prog_type:/ {p = 1} /^prog_id:/ {id = $2} /^run_time_ns:/ {ns = $2} /^run_cnt:/ {cnt = $2}
         END {if (p) print id, cnt, ns}' "$f" 2>/dev/null || true
  done | sort -u >"$1"  # as join wants it
}

# delta BEFORE AFTER: "id runs ns" per program.
delta() { join "$1" "$2" | awk '{print $1, $4 - $2, $5 - $3}'; }

# run_phase NAME MODE N TRACER_ARGS...: ROUNDS rounds of `workload MODE N`
# under one tracer; per round and program, runs and ns into
# $tmp/NAME.ROUND, the workload's rate into rate_of[NAME].
declare -A rate_of
run_phase() {
  local name=$1 mode=$2 n=$3 r rate
  shift 3
  start_tracer "$@"
  programs >"$tmp/$name.names"
  for ((r = 1; r <= rounds; ++r)); do
    snapshot "$tmp/before"
    rate=$(taskset -c 0 "$work" "$mode" "$n") || die "workload $mode $n failed"
    snapshot "$tmp/after"
    delta "$tmp/before" "$tmp/after" >"$tmp/$name.$r"
    rate_of[$name]+="$rate "
    note "  $name round $r/$rounds: $rate/s"
  done
  stop_tracer
}

# report NAME N UNIT: one row per program that ran (or is one of the
# trouble programs): medians over the rounds of runs per unit, ns per run,
# ns per unit and the share of the workload's time (N / rate).
report() {
  local name=$1 n=$2 unit=$3 rate id prog r runs ns
  rate=$(median <<<"${rate_of[$name]}")
  echo "| program | runs per $unit | ns per run | ns per $unit | share of the workload's time |"
  echo "| --- | --- | --- | --- | --- |"
  while read -r id prog; do
    runs="" ns=""
    for ((r = 1; r <= rounds; ++r)); do
      rr="" nn=""
      read -r _ rr nn < <(awk -v id="$id" '$1 == id' "$tmp/$name.$r") || true
      runs+="${rr:-0} " ns+="${nn:-0} "
    done
    awk -v prog="$prog" -v n="$n" -v rate="$rate" -v runs="$(median <<<"$runs")" -v ns="$(median <<<"$ns")" '
      BEGIN {
        trouble = prog ~ /retransmit|reset|kfree_skb/
        if (runs == 0 && !trouble) exit
        wall_ns = n / rate * 1e9
        printf "| `%s` | %.3f | %s | %.1f | %.2f %% |\n", prog, runs / n, (runs ? sprintf("%.0f", ns / runs) : "–"),
          ns / n, 100 * ns / wall_ns
      }'
  done <"$tmp/$name.names"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
note "churn: $rounds rounds of $churn_n connections under socktrace states -o /dev/null"
run_phase churn churn "$churn_n" -o /dev/null
note "drops: $rounds rounds of $drop_n out-of-window segments under socktrace states --json"
# The events go through a FIFO to a counter of the workload's drops (a file
# would hold ~400 bytes per drop).
mkfifo "$tmp/drops.fifo"
taskset -c 1 grep -c '"event":"drop".*"comm":"workload".*"reason":"TCP_INVALID_SEQUENCE"' \
  <"$tmp/drops.fifo" >"$tmp/drops.count" &
cpid=$!
run_phase drops oow "$drop_n" --json -o "$tmp/drops.fifo"
wait "$cpid" || true
cpid=""
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
drops_seen=$(cat "$tmp/drops.count")
lost=$(sed -nE 's/.* ([0-9]+) lost \(.*/\1/p' "$tmp/tracer.err" | tail -1)

echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`tools/bench/trouble_cost.sh\` on $(nproc) CPUs, kernel" \
  "$(uname -r), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'); medians of $rounds rounds;" \
  "load average $load_before before, $load_after after. run_time_ns includes the statistics' own clock reads."
echo
echo "Connection churn, $churn_n connections a round, $(median <<<"${rate_of[churn]}") conn/s under \`socktrace states\`:"
echo
report churn "$churn_n" connection
echo
echo "TCP drops (out of window), $drop_n segments a round, $(median <<<"${rate_of[drops]}") segments/s under" \
  "\`socktrace states --json\`; \`drop\` events written: $drops_seen of $((drop_n * rounds)), ${lost:-?} events lost:"
echo
report drops "$drop_n" drop
