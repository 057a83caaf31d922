#include "core/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include "core/names.h"

namespace socktrace {

namespace {

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

// The TCP states ss shows, in kernel order: request sockets count as
// SYN_RECV, bound-only sockets as CLOSE (ss: UNCONN).
constexpr uint8_t kShownTcp[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
// A UDP socket is TCP_ESTABLISHED (connected; ss: ESTAB) or TCP_CLOSE (ss: UNCONN).
constexpr uint8_t kShownUdp[] = {1, 7};

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress a;
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    a.family = AF_INET6;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      port = text;
    } else {
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
      if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6: needs brackets
    }
    a.family = AF_INET;
  }
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  a.port = *p;
  a.host = host.empty() ? "127.0.0.1" : std::string(host);
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(a.family, a.host.c_str(), buf) != 1) return std::nullopt;
  return a;
}

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_metrics(const Histogram& h, const MetricsExtras& extras) {
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);
  auto head = [&](std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(out, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };

  head("socktrace_sockets", "gauge",
       "Sockets by protocol and state, as ss -tan / ss -uan count them (SYN_RECV includes request sockets; "
       "CLOSE is ss's UNCONN).");
  StateCounts tcp = h.tcp();
  for (uint8_t s : kShownTcp)
    fmt::format_to(out, "socktrace_sockets{{proto=\"tcp\",state=\"{}\"}} {}\n", tcp_state_name(s), tcp[s]);
  for (uint8_t s : kShownUdp)
    fmt::format_to(out, "socktrace_sockets{{proto=\"udp\",state=\"{}\"}} {}\n", tcp_state_name(s), h.udp()[s]);

  if (extras.now_ns) {
    head("socktrace_oldest_socket_age_seconds", "gauge",
         "Per TCP state, how long its oldest socket has been in it, and its owner (bound=\"true\": at least this "
         "long; the socket is older than what socktrace saw).");
    OldestByState oldest = h.oldest(extras.now_ns);
    for (uint8_t s : kShownTcp) {
      const Oldest& o = oldest[s];
      if (!o.any) continue;
      fmt::format_to(out, "socktrace_oldest_socket_age_seconds{{state=\"{}\",pid=\"{}\",comm=\"{}\",bound=\"{}\"}} {:.3f}\n",
                     tcp_state_name(s), o.pid, escape_label(o.comm.view()), o.bound ? "true" : "false",
                     static_cast<double>(o.age_ns) / 1e9);
    }
  }

  head("socktrace_tcp_transitions_total", "counter",
       "TCP state transitions seen, by old and new state (TIME_WAIT entry and end derived from sock_diag).");
  for (const auto& [k, n] : h.transitions())
    fmt::format_to(out, "socktrace_tcp_transitions_total{{old=\"{}\",new=\"{}\"}} {}\n", tcp_state_name(k.first),
                   tcp_state_name(k.second), n);

  head("socktrace_tcp_connections_opened_total", "counter",
       "TCP connections started: active opens (CLOSE -> SYN_SENT) and children of listeners (LISTEN -> SYN_RECV).");
  fmt::format_to(out, "socktrace_tcp_connections_opened_total {}\n", h.new_connections());

  head("socktrace_events_lost_total", "counter", "State events that never reached socktrace, by cause.");
  for (const auto& [where, n] : extras.lost)
    fmt::format_to(out, "socktrace_events_lost_total{{where=\"{}\"}} {}\n", escape_label(where), n);

  head("socktrace_timewait_unchecked_total", "counter",
       "FIN_WAIT2/CLOSING -> CLOSE transitions counted as closes because sock_diag could not be asked.");
  fmt::format_to(out, "socktrace_timewait_unchecked_total {}\n", extras.timewait_unchecked);

  head("socktrace_drift_sockets_total", "counter",
       "Sockets the live histogram had wrong, found by reconciling with sock_diag: stale (gone), missing, "
       "wrong (other state).");
  const DriftReport& d = h.drift_total();
  fmt::format_to(out, "socktrace_drift_sockets_total{{kind=\"stale\"}} {}\n", d.stale);
  fmt::format_to(out, "socktrace_drift_sockets_total{{kind=\"missing\"}} {}\n", d.missing);
  fmt::format_to(out, "socktrace_drift_sockets_total{{kind=\"wrong\"}} {}\n", d.wrong);

  head("socktrace_reconciles_total", "counter", "Reconciliations of the live histogram with a sock_diag dump.");
  fmt::format_to(out, "socktrace_reconciles_total {}\n", h.reconciles());

  if (h.filter().by_owner()) {
    head("socktrace_process_sockets", "gauge", "Sockets by owner process, protocol and state (filtered processes).");
    for (const auto& o : h.by_owner())
      fmt::format_to(out, "socktrace_process_sockets{{pid=\"{}\",comm=\"{}\",proto=\"{}\",state=\"{}\"}} {}\n", o.pid,
                     escape_label(o.comm), o.proto == kProtoUdp ? "udp" : "tcp", tcp_state_name(o.state), o.count);
  }
  if (extras.trouble && extras.trouble_series) {
    const TroubleCounts& t = *extras.trouble;
    TroubleSeries& named = *extras.trouble_series;
    auto own = [&](std::vector<std::string>& list, const std::string& key) {
      if (std::find(list.begin(), list.end(), key) != list.end()) return true;
      if (list.size() >= named.max_each) return false;
      list.push_back(key);
      return true;
    };
    head("socktrace_tcp_trouble_total", "counter",
         "TCP trouble by kind: segments retransmitted (retrans), RSTs sent or received (rst), active opens that "
         "failed (connect_failed), packets dropped by listeners (listen_overflow).");
    for (std::size_t k = 0; k < kTroubleKinds; ++k)
      fmt::format_to(out, "socktrace_tcp_trouble_total{{kind=\"{}\"}} {}\n", trouble_name(static_cast<Trouble>(k)),
                     t.totals()[k]);
    head("socktrace_tcp_trouble_by_process_total", "counter",
         "TCP trouble by kind and owning process: the first processes to have any get their own series, the rest "
         "are summed in comm=\"other\" (pid \"\").");
    TroubleArray other{};
    std::vector<TroubleCounts::Row> shown;
    for (const auto& r : t.processes()) {
      if (own(named.processes, r.key))
        shown.push_back(r);
      else
        for (std::size_t k = 0; k < kTroubleKinds; ++k) other[k] += r.counts[k];
    }
    for (std::size_t k = 0; k < kTroubleKinds; ++k) {
      for (const auto& r : shown)
        fmt::format_to(out, "socktrace_tcp_trouble_by_process_total{{kind=\"{}\",pid=\"{}\",comm=\"{}\"}} {}\n",
                       trouble_name(static_cast<Trouble>(k)), r.pid ? std::to_string(r.pid) : std::string(),
                       escape_label(r.pid ? r.comm : std::string("?")), r.counts[k]);
      fmt::format_to(out, "socktrace_tcp_trouble_by_process_total{{kind=\"{}\",pid=\"\",comm=\"other\"}} {}\n",
                     trouble_name(static_cast<Trouble>(k)), other[k]);
    }
    head("socktrace_tcp_trouble_by_port_total", "counter",
         "TCP trouble by kind and local port (a failed connect: the port it tried to reach): the first ports to "
         "have any get their own series, the rest are summed in port=\"other\".");
    other = {};
    shown.clear();
    for (const auto& r : t.ports()) {
      if (own(named.ports, r.key))
        shown.push_back(r);
      else
        for (std::size_t k = 0; k < kTroubleKinds; ++k) other[k] += r.counts[k];
    }
    for (std::size_t k = 0; k < kTroubleKinds; ++k) {
      for (const auto& r : shown)
        fmt::format_to(out, "socktrace_tcp_trouble_by_port_total{{kind=\"{}\",port=\"{}\"}} {}\n",
                       trouble_name(static_cast<Trouble>(k)), r.port, r.counts[k]);
      fmt::format_to(out, "socktrace_tcp_trouble_by_port_total{{kind=\"{}\",port=\"other\"}} {}\n",
                     trouble_name(static_cast<Trouble>(k)), other[k]);
    }
  }
  return fmt::to_string(b);
}

std::string format_log_metrics(const LogMetrics& m, const Histogram* h) {
  fmt::memory_buffer b;
  auto out = std::back_inserter(b);
  auto head = [&](std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(out, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  if (h) {
    MetricsExtras x;
    x.lost = m.lost;
    x.timewait_unchecked = m.timewait_unchecked;
    x.now_ns = m.now_ns;
    std::string common = format_metrics(*h, x);
    b.append(common.data(), common.data() + common.size());
  } else {
    head("socktrace_tcp_transitions_total", "counter",
         "TCP state transitions logged, by old and new state (TIME_WAIT entry and end derived from sock_diag).");
    for (const auto& [k, n] : m.transitions)
      fmt::format_to(out, "socktrace_tcp_transitions_total{{old=\"{}\",new=\"{}\"}} {}\n", tcp_state_name(k.first),
                     tcp_state_name(k.second), n);
    head("socktrace_events_lost_total", "counter",
         "Events that never reached the log, by cause (write: lines a failed write dropped).");
    for (const auto& [where, n] : m.lost)
      fmt::format_to(out, "socktrace_events_lost_total{{where=\"{}\"}} {}\n", escape_label(where), n);
    head("socktrace_timewait_unchecked_total", "counter",
         "FIN_WAIT2/CLOSING -> CLOSE transitions logged as closes because sock_diag could not be asked.");
    fmt::format_to(out, "socktrace_timewait_unchecked_total {}\n", m.timewait_unchecked);
  }
  head("socktrace_log_connections_total", "counter", "Finished (or, at exit, open) connections written as conn objects.");
  fmt::format_to(out, "socktrace_log_connections_total {}\n", m.connections);
  head("socktrace_log_syscalls_total", "counter", "Syscalls written as syscall objects (--syscalls).");
  fmt::format_to(out, "socktrace_log_syscalls_total {}\n", m.syscalls);
  head("socktrace_log_rotations_total", "counter", "Log file rotations (--max-size).");
  fmt::format_to(out, "socktrace_log_rotations_total {}\n", m.rotations);
  head("socktrace_log_bytes_written_total", "counter", "Bytes written to the log file(s).");
  fmt::format_to(out, "socktrace_log_bytes_written_total {}\n", m.bytes_written);
  head("socktrace_log_write_errors_total", "counter", "Failed writes to the log file (disk full, I/O error).");
  fmt::format_to(out, "socktrace_log_write_errors_total {}\n", m.write_errors);
  return fmt::to_string(b);
}

}  // namespace socktrace
