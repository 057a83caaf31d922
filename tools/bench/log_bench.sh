#!/bin/bash
# socktrace log under a loopback churn of ROUNDS x 20 000 connections
# (default 5: 100 000 connections, 1 M transitions): events written, loss,
# CPU ticks of socktrace, RSS after each round and what it is (heap vs the
# ring buffer's mapping); with SETTLE=1, the RSS again once the churn's
# TIME_WAIT sockets have ended (60 s after the last round, then up to 35 s
# for the log's periodic heap trim). Usage (root, after a build):
#   [ROUNDS=50] [SETTLE=1] [BUILD=DIR] tools/bench/log_bench.sh
set -e
B=${BUILD:-$(dirname "$0")/../../build}; D=$(mktemp -d /tmp/wt6bench.XXXX)
$B/socktrace log -o $D/l.json --max-size 100M --max-files 10 2>$D/err & P=$!
sleep 2
t0=$(awk '{print $14+$15}' /proc/$P/stat)
for r in $(seq "${ROUNDS:-5}"); do
  taskset -c 0 $B/tools/bench/workload churn 20000 >/dev/null
  echo "after $((r * 20000)) connections: $(grep VmRSS /proc/$P/status)"
done
sleep 1
t1=$(awk '{print $14+$15}' /proc/$P/stat)
grep VmRSS /proc/$P/status
# What the RSS is: the process's own memory (RssAnon: the heap) and the
# ring buffer's pages, which the kernel allocated and maps twice (in
# RssFile or RssShmem, by kernel).
grep -E '^Rss(Anon|File|Shmem)' /proc/$P/status | tr -s ' \t' ' ' | paste -sd' '
if [[ ${SETTLE:-0} == 1 ]]; then
  for _ in $(seq 100); do
    (($(ss -Htan state time-wait | wc -l) == 0)) && break
    sleep 1
  done
  echo "TIME_WAIT sockets left: $(ss -Htan state time-wait | wc -l)"
  sleep 35
  echo "settled: $(grep -E '^Rss(Anon|File)' /proc/$P/status | tr -s ' \t' ' ' | paste -sd' ')"
fi
kill -INT $P; wait $P
cat $D/err | tail -1
echo "cpu ticks: $((t1-t0))  (100/s)"
cat $D/l.json* | wc -l
ls $D | wc -l
du -sh $D
rm -rf $D
