// Prometheus text exposition format (version 0.0.4) of the histogram, and
// the ADDR:PORT a metrics endpoint listens on.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/histogram.h"
#include "core/trouble.h"

namespace socktrace {

struct ListenAddress {
  std::string host;  // numeric: "127.0.0.1", "::"
  uint16_t port = 0;  // 0: any free port
  int family = 0;     // AF_INET / AF_INET6
};

// "9100" and ":9100" -> 127.0.0.1:9100 (never every interface unless asked);
// "0.0.0.0:9100", "127.0.0.1:9100", "[::1]:9100", "[::]:9100". Nothing on
// bad input (names are not resolved: give an address).
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// Label value escaping of the exposition format: \ " and newline.
std::string escape_label(std::string_view v);

// Which processes and ports have trouble series of their own: the first
// `max_each` to have any, for good (a series that later went into `other`
// would make both counters go back). The rest are summed in an `other`
// series. Kept by the caller across scrapes.
struct TroubleSeries {
  std::size_t max_each = 10;
  std::vector<std::string> processes;  // "comm/pid" keys
  std::vector<std::string> ports;
};

struct MetricsExtras {
  const TroubleCounts* trouble = nullptr;  // top with BPF: the trouble counters
  TroubleSeries* trouble_series = nullptr;
  std::vector<std::pair<std::string, uint64_t>> lost;  // where -> events lost (totals)
  uint64_t timewait_unchecked = 0;  // -> CLOSE shown as is: sock_diag could not be asked
  uint64_t now_ns = 0;  // monotonic time of the sample: the oldest sockets' ages (0: not served)
};

// Every metric, HELP and TYPE lines included. Per-owner gauges only when the
// histogram's filter selects processes (-p, --comm): host-wide they would be
// one series per process.
std::string format_metrics(const Histogram& h, const MetricsExtras& extras);

// What `socktrace log` counts, totals since start.
struct LogMetrics {
  std::map<std::pair<uint8_t, uint8_t>, uint64_t> transitions;  // written, by (old, new)
  std::vector<std::pair<std::string, uint64_t>> lost;  // where -> events (or lines, for "write") lost
  uint64_t timewait_unchecked = 0;
  uint64_t connections = 0;  // conn objects written (ended, vanished, open at exit)
  uint64_t syscalls = 0;     // syscall objects written (--syscalls)
  uint64_t rotations = 0;
  uint64_t bytes_written = 0;
  uint64_t write_errors = 0;
  uint64_t now_ns = 0;  // as MetricsExtras::now_ns
};

// `log --metrics`: with a histogram (--hist-interval) everything `top`
// serves (its transitions, losses and socket gauges) plus the log's own
// counters; without, the transitions and losses from `m`.
std::string format_log_metrics(const LogMetrics& m, const Histogram* h);

}  // namespace socktrace
