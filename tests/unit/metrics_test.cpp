// Prometheus text from a hand-built histogram, and --metrics ADDR:PORT.
#include "core/metrics.h"

#include <sys/socket.h>

#include <cstring>

#include <gtest/gtest.h>

#include "core/names.h"

namespace socktrace {
namespace {

TEST(ListenAddress, DefaultsToLoopback) {
  auto a = parse_listen_address("9464");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  EXPECT_EQ(a->family, AF_INET);
  a = parse_listen_address(":0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  a = parse_listen_address("0.0.0.0:9100");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "0.0.0.0");
  a = parse_listen_address("[::1]:9100");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->family, AF_INET6);
}

TEST(ListenAddress, RejectsBadInput) {
  for (const char* bad : {"", "localhost:9100", "1.2.3:80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "::1:9100", "[::1]9100", "[::1]:", "abc", "127.0.0.1:80x"})
    EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

TEST(Metrics, ExpositionText) {
  Histogram h;
  SockRecord r;
  r.cookie = 1;
  r.state = kTcpEstablished;
  h.seed({r});
  StateEvent e;
  e.cookie = 2;
  e.old_state = kTcpClose;
  e.new_state = kTcpSynSent;
  h.apply(e);
  MetricsExtras x;
  x.lost = {{"ringbuf", 3}, {"recursion", 0}};
  std::string t = format_metrics(h, x);
  EXPECT_NE(t.find("# TYPE socktrace_sockets gauge\n"), std::string::npos);
  EXPECT_NE(t.find("socktrace_sockets{proto=\"tcp\",state=\"ESTABLISHED\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("socktrace_sockets{proto=\"tcp\",state=\"SYN_SENT\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("socktrace_sockets{proto=\"udp\",state=\"CLOSE\"} 0\n"), std::string::npos);
  EXPECT_NE(t.find("# TYPE socktrace_tcp_transitions_total counter\n"), std::string::npos);
  EXPECT_NE(t.find("socktrace_tcp_transitions_total{old=\"CLOSE\",new=\"SYN_SENT\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("socktrace_events_lost_total{where=\"ringbuf\"} 3\n"), std::string::npos);
  EXPECT_NE(t.find("socktrace_drift_sockets_total{kind=\"stale\"} 0\n"), std::string::npos);
  EXPECT_EQ(t.find("socktrace_process_sockets"), std::string::npos);  // host-wide: no per-process series
  EXPECT_EQ(t.back(), '\n');
}

TEST(Metrics, PerProcessSeriesWhenFilteredAndLabelsEscaped) {
  HistFilter f;
  f.comm = "a\"b\\c";
  Histogram h(f);
  SockRecord r;
  r.cookie = 1;
  r.state = kTcpListen;
  r.pid = 9;
  std::string comm = "a\"b\\c";
  std::copy(comm.begin(), comm.end(), r.comm.chars.begin());
  h.seed({r});
  std::string t = format_metrics(h, {});
  EXPECT_NE(t.find("socktrace_process_sockets{pid=\"9\",comm=\"a\\\"b\\\\c\",proto=\"tcp\",state=\"LISTEN\"} 1\n"),
            std::string::npos)
      << t;
  EXPECT_EQ(escape_label("x\ny"), "x\\ny");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

TEST(LogMetrics, CountersAndLossesWithoutHistogram) {
  LogMetrics m;
  m.transitions[{1, 4}] = 7;
  m.lost = {{"ringbuf", 0}, {"write", 12}};
  m.connections = 3;
  m.rotations = 2;
  m.bytes_written = 4096;
  m.write_errors = 1;
  std::string text = format_log_metrics(m, nullptr);
  EXPECT_NE(text.find("socktrace_tcp_transitions_total{old=\"ESTABLISHED\",new=\"FIN_WAIT1\"} 7\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("socktrace_events_lost_total{where=\"write\"} 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("socktrace_log_connections_total 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("socktrace_log_rotations_total 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("socktrace_log_bytes_written_total 4096\n"), std::string::npos) << text;
  EXPECT_NE(text.find("socktrace_log_write_errors_total 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("socktrace_sockets{"), std::string::npos) << "no gauges without a histogram";
}

TEST(LogMetrics, WithHistogramEachSeriesOnce) {
  Histogram h;
  LogMetrics m;
  m.lost = {{"write", 5}};
  std::string text = format_log_metrics(m, &h);
  EXPECT_NE(text.find("socktrace_sockets{proto=\"tcp\",state=\"ESTABLISHED\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("socktrace_events_lost_total{where=\"write\"} 5\n"), std::string::npos) << text;
  for (const char* name : {"# TYPE socktrace_tcp_transitions_total", "# TYPE socktrace_events_lost_total",
                           "# TYPE socktrace_log_connections_total"}) {
    auto first = text.find(name);
    ASSERT_NE(first, std::string::npos) << name;
    EXPECT_EQ(text.find(name, first + 1), std::string::npos) << name << " twice";
  }
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

RetransEvent retrans_by(uint32_t pid, const char* comm, uint16_t sport) {
  RetransEvent e;
  e.hdr.pid = pid;
  std::memcpy(e.hdr.comm.chars.data(), comm, std::strlen(comm));
  e.sport = sport;
  e.segs = 1;
  return e;
}

// The first processes / ports to have trouble keep their series; later ones
// go to `other`, so no counter ever goes back.
TEST(Metrics, TroubleSeriesAreBoundedAndStayCounters) {
  Histogram h{HistFilter{}};
  TroubleCounts t;
  TroubleSeries series;
  series.max_each = 2;
  MetricsExtras x;
  x.trouble = &t;
  x.trouble_series = &series;
  t.on_retrans(retrans_by(1, "a", 80));
  t.on_retrans(retrans_by(2, "b", 81));
  std::string first = format_metrics(h, x);
  EXPECT_NE(first.find("socktrace_tcp_trouble_by_process_total{kind=\"retrans\",pid=\"1\",comm=\"a\"} 1\n"),
            std::string::npos)
      << first;
  for (int i = 0; i < 5; ++i) t.on_retrans(retrans_by(3, "c", 82));  // more than the others, but late
  std::string text = format_metrics(h, x);
  EXPECT_NE(text.find("socktrace_tcp_trouble_by_process_total{kind=\"retrans\",pid=\"2\",comm=\"b\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(text.find("pid=\"3\""), std::string::npos) << text;
  EXPECT_NE(text.find("socktrace_tcp_trouble_by_process_total{kind=\"retrans\",pid=\"\",comm=\"other\"} 5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("socktrace_tcp_trouble_by_port_total{kind=\"retrans\",port=\"other\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("socktrace_tcp_trouble_total{kind=\"retrans\"} 7\n"), std::string::npos);
  // Without trouble (top --once, log): no such series.
  EXPECT_EQ(format_metrics(h, MetricsExtras{}).find("trouble"), std::string::npos);
}

}  // namespace
}  // namespace socktrace
