// `check --perfdata-family`: counts split by protocol family from
// hand-built sock_diag records, and the Linuxfabrik-style perfdata labels.
#include <sys/socket.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/check.h"
#include "core/histogram.h"
#include "core/names.h"

namespace socktrace {
namespace {

SockRecord rec(uint64_t cookie, uint8_t state, uint16_t family, uint8_t proto = kProtoTcp, uint16_t sport = 40000,
               uint32_t pid = 0) {
  SockRecord r;
  r.cookie = cookie;
  r.proto = proto;
  r.state = state;
  r.saddr.family = r.daddr.family = family;
  r.sport = sport;
  r.dport = 80;
  r.pid = pid;
  return r;
}

// What a host with both families looks like: listeners on v4 and v6, a
// request socket (ss's SYN-RECV) on v6, timewait sockets on both.
std::vector<SockRecord> tcp_records() {
  return {rec(1, kTcpListen, AF_INET, kProtoTcp, 80),      rec(2, kTcpListen, AF_INET6, kProtoTcp, 80),
          rec(3, kTcpEstablished, AF_INET),                 rec(4, kTcpEstablished, AF_INET),
          rec(5, kTcpEstablished, AF_INET6),                rec(6, kTcpCloseWait, AF_INET6),
          rec(7, kTcpTimeWait, AF_INET),                    rec(8, kTcpTimeWait, AF_INET6),
          rec(9, kTcpNewSynRecv, AF_INET6, kProtoTcp, 80)};
}
std::vector<SockRecord> udp_records() {
  return {rec(20, kTcpClose, AF_INET, kProtoUdp), rec(21, kTcpEstablished, AF_INET, kProtoUdp),
          rec(22, kTcpClose, AF_INET6, kProtoUdp)};
}

TEST(CheckFamily, CountsSplitByFamilyAddUpToTheHistogramsCounts) {
  FamilyCounts f = count_by_family(tcp_records(), udp_records(), {});
  EXPECT_EQ(f.tcp4[kTcpListen], 1u);
  EXPECT_EQ(f.tcp6[kTcpListen], 1u);
  EXPECT_EQ(f.tcp4[kTcpEstablished], 2u);
  EXPECT_EQ(f.tcp6[kTcpEstablished], 1u);
  EXPECT_EQ(f.tcp6[kTcpCloseWait], 1u);
  EXPECT_EQ(f.tcp4[kTcpCloseWait], 0u);
  EXPECT_EQ(f.tcp6[kTcpSynRecv], 1u);  // the request socket, as ss shows it
  EXPECT_EQ(f.udp4[kTcpClose], 1u);
  EXPECT_EQ(f.udp4[kTcpEstablished], 1u);
  EXPECT_EQ(f.udp6[kTcpClose], 1u);

  Histogram whole;
  whole.seed(tcp_records());
  whole.set_polled(kProtoTcp, tcp_records());
  whole.set_polled(kProtoUdp, udp_records());
  EXPECT_EQ(sum_families(f.tcp4, f.tcp6), whole.tcp());
  EXPECT_EQ(sum_families(f.udp4, f.udp6), whole.udp());
}

TEST(CheckFamily, FilterAppliesToBothFamilies) {
  HistFilter port80;
  port80.ports = {80};
  FamilyCounts f = count_by_family(tcp_records(), udp_records(), port80);
  // Every record has dport 80: the filter admits them all...
  EXPECT_EQ(f.tcp6[kTcpListen], 1u);
  HistFilter port81;
  port81.ports = {81};
  f = count_by_family(tcp_records(), udp_records(), port81);
  // ...and none has port 81.
  EXPECT_EQ(sum_families(f.tcp4, f.tcp6), StateCounts{});
  EXPECT_EQ(sum_families(f.udp4, f.udp6), StateCounts{});
}

TEST(CheckFamily, PerfdataLabelledByFamilyThresholdsOnTheSums) {
  FamilyCounts f = count_by_family(tcp_records(), udp_records(), {});
  CheckSample s;
  s.tcp = sum_families(f.tcp4, f.tcp6);
  s.udp = sum_families(f.udp4, f.udp6);
  s.families = f;
  std::string err;
  auto w = parse_threshold("ESTABLISHED=2", &err);
  ASSERT_TRUE(w) << err;
  CheckResult r = evaluate_check(s, {*w}, {});
  EXPECT_EQ(r.exit_code, kCheckWarning);
  EXPECT_EQ(r.line,
            "SOCKTRACE WARNING - ESTABLISHED=3 > 2 | "
            "tcp_ESTABLISHED=2;;;0; tcp_SYN_SENT=0;;;0; tcp_SYN_RECV=0;;;0; tcp_FIN_WAIT1=0;;;0; "
            "tcp_FIN_WAIT2=0;;;0; tcp_TIME_WAIT=1;;;0; tcp_CLOSE=0;;;0; tcp_CLOSE_WAIT=0;;;0; tcp_LAST_ACK=0;;;0; "
            "tcp_LISTEN=1;;;0; tcp_CLOSING=0;;;0; "
            "tcp6_ESTABLISHED=1;;;0; tcp6_SYN_SENT=0;;;0; tcp6_SYN_RECV=1;;;0; tcp6_FIN_WAIT1=0;;;0; "
            "tcp6_FIN_WAIT2=0;;;0; tcp6_TIME_WAIT=1;;;0; tcp6_CLOSE=0;;;0; tcp6_CLOSE_WAIT=1;;;0; "
            "tcp6_LAST_ACK=0;;;0; tcp6_LISTEN=1;;;0; tcp6_CLOSING=0;;;0; "
            "udp_ESTABLISHED=1;;;0; udp_CLOSE=1;;;0; udp6_ESTABLISHED=0;;;0; udp6_CLOSE=1;;;0; total=9;;;0;");
}

}  // namespace
}  // namespace socktrace
