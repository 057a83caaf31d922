#!/usr/bin/env bash
# `socktrace top --once` against `ss -tan`, `ss -tanp` (which names owners,
# as top does) and `ss -s`, and `top --list --once` (one row per socket)
# against `ss -tanp`, with N established loopback TCP connections open (2N
# sockets + a listener), and the RSS of a live `socktrace top` tracking them.
# As root, after tools/build.sh (BUILD_DIR: another build directory).
#   tools/bench/top_scale.sh [N...]     (default: 0 5000 50000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bin=$build/socktrace
ns=("$@")
((${#ns[@]})) || ns=(0 5000 50000)
# Each holder process keeps at most per_proc connections (2 fds each) under
# the hard fd limit (20000 in some containers, which cannot raise it).
ulimit -n "$(ulimit -Hn)"
per_proc=$(( ($(ulimit -n) - 100) / 2 ))
best() {  # best of 5 wall times (ms) of "$@", output discarded
  local b=999999 t0 t1 ms
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 )); ((ms < b)) && b=$ms
  done
  echo "$b"
}
printf '%-8s %-8s %-14s %-11s %-11s %-9s %-20s %-10s %-14s\n' conns sockets "top --once ms" "ss -tan ms" "ss -tanp ms" "ss -s ms" "top --list --once ms" "tcp_total" "top RSS (KiB)"
for n in "${ns[@]}"; do
  pids=()
  left=$n
  while ((left > 0)); do
    k=$((left < per_proc ? left : per_proc)); left=$((left - k))
    fifo=$(mktemp -u); mkfifo "$fifo"
    "$build/tools/bench/workload" hold "$k" >"$fifo" &
    pids+=($!)
    read -r _ <"$fifo"; rm -f "$fifo"
  done
  t_top=$(best "$bin" top --once --json)
  t_ss=$(best ss -tan)
  t_ssp=$(best ss -tanp)
  t_sss=$(best ss -s)
  t_list=$(best "$bin" top --list --once --proto tcp)
  total=$("$bin" top --once --json | grep -o '"tcp_total":[0-9]*' | cut -d: -f2)
  "$bin" top --json --interval 1 >/dev/null 2>&1 &
  top=$!
  sleep 4
  rss=$(awk '/VmRSS/{print $2}' /proc/$top/status)
  kill -INT $top; wait $top || true
  printf '%-8s %-8s %-14s %-11s %-11s %-9s %-20s %-10s %-14s\n' "$n" $((2 * n + 1)) "$t_top" "$t_ss" "$t_ssp" "$t_sss" "$t_list" "$total" "$rss"
  # The same, as key=value pairs (run.sh --scale reads them).
  echo "top_scale: conns=$n sockets=$((2 * n + 1)) top_ms=$t_top ss_tan_ms=$t_ss ss_tanp_ms=$t_ssp ss_s_ms=$t_sss list_ms=$t_list tcp_total=$total top_rss_kib=$rss" >&2
  ((${#pids[@]})) && { kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; }
done
