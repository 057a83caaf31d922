#!/bin/bash
# socktrace log under a loopback churn of ROUNDS x 20 000 connections
# (default 5: 100 000 connections, 1 M transitions): events written, loss,
# CPU ticks of socktrace, RSS after each round and what it is (heap vs the
# ring buffer's mapping). Usage (root, after a build):
#   [ROUNDS=50] [BUILD=DIR] tools/bench/log_bench.sh
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
kill -INT $P; wait $P
cat $D/err | tail -1
echo "cpu ticks: $((t1-t0))  (100/s)"
cat $D/l.json* | wc -l
ls $D | wc -l
du -sh $D
rm -rf $D
