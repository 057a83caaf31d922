#!/bin/bash
# socktrace log under a loopback churn of ROUNDS x 20 000 connections
# (default 5: 100 000 connections, 1 M transitions): events written, loss,
# CPU ticks of socktrace, RSS after each round and what it is (heap vs the
# ring buffer's mapping), beside the TIME_WAIT sockets the kernel holds
# then; with SETTLE=1, the RSS again once the churn's TIME_WAIT sockets have
# ended (60 s after the last round, then up to 35 s for the log's periodic
# heap trim). The last line sums it up as key=value pairs (run.sh --scale
# reads them). Usage (root, after a build):
#   [ROUNDS=50] [SETTLE=1] [BUILD=DIR] [BUFFER=16M] tools/bench/log_bench.sh
# (BUFFER: --buffer-size; log's default without it)
set -e
B=${BUILD:-$(dirname "$0")/../../build}; D=$(mktemp -d /tmp/wt6bench.XXXX)
tw() { ss -Htan state time-wait | wc -l; }
# Measured from a host with no TIME_WAIT socket (log adopts those it finds):
# up to 70 s for an earlier churn's to end.
for _ in $(seq 70); do
  (($(tw) == 0)) && break
  sleep 1
done
"$B/socktrace" log -o "$D/l.json" --max-size 100M --max-files 10 ${BUFFER:+--buffer-size "$BUFFER"} 2>"$D/err" & P=$!
sleep 2
kib() { awk -v k="$1" '$1 == k ":" {print $2}' /proc/$P/status; }
idle_anon=$(kib RssAnon) idle_file=$(kib RssFile)
echo "idle: RssAnon $idle_anon kB, RssFile $idle_file kB"
t0=$(awk '{print $14+$15}' /proc/$P/stat)
rss_max=0 tw_max=0
for r in $(seq "${ROUNDS:-5}"); do
  taskset -c 0 "$B/tools/bench/workload" churn 20000 >/dev/null
  rss=$(kib VmRSS) n=$(tw)
  ((rss > rss_max)) && rss_max=$rss
  ((n > tw_max)) && tw_max=$n
  echo "after $((r * 20000)) connections: VmRSS: $rss kB, $n TIME-WAIT sockets"
done
sleep 1
t1=$(awk '{print $14+$15}' /proc/$P/stat)
grep VmRSS /proc/$P/status
# What the RSS is: the process's own memory (RssAnon: the heap) and the
# ring buffer's pages, which the kernel allocated and socktrace maps once
# (in RssFile or RssShmem, by kernel).
grep -E '^Rss(Anon|File|Shmem)' /proc/$P/status | tr -s ' \t' ' ' | paste -sd' '
rss_last=$(kib VmRSS) anon_last=$(kib RssAnon) tw_last=$(tw)
settled_anon="" settled_file=""
if [[ ${SETTLE:-0} == 1 ]]; then
  for _ in $(seq 100); do
    (($(tw) == 0)) && break
    sleep 1
  done
  echo "TIME_WAIT sockets left: $(tw)"
  sleep 35
  echo "settled: $(grep -E '^Rss(Anon|File)' /proc/$P/status | tr -s ' \t' ' ' | paste -sd' ')"
  settled_anon=$(kib RssAnon) settled_file=$(kib RssFile)
fi
kill -INT $P; wait $P
summary=$(grep -E '^socktrace: [0-9]+ events' "$D/err" | tail -1)
echo "$summary"
echo "cpu ticks: $((t1-t0))  (100/s)"
cat "$D"/l.json* | wc -l
ls "$D" | wc -l
du -sh "$D"
rm -rf "$D"
# The kernel's own memory for each TIME_WAIT socket (its slab object).
tw_obj=$(awk '$1 == "tw_sock_TCP" {print $4}' /proc/slabinfo 2>/dev/null)
read -r events lost < <(sed -E 's/^socktrace: ([0-9]+) events, ([0-9]+) lost.*/\1 \2/' <<<"$summary")
echo "log_bench: connections=$((${ROUNDS:-5} * 20000)) events=${events:-} lost=${lost:-} rss_max_kib=$rss_max" \
  "rss_last_kib=$rss_last anon_last_kib=$anon_last idle_anon_kib=$idle_anon idle_file_kib=$idle_file" \
  "tw_max=$tw_max tw_last=$tw_last settled_anon_kib=$settled_anon settled_file_kib=$settled_file" \
  "kernel_tw_bytes=${tw_obj:-} cpu_ticks=$((t1-t0))"
