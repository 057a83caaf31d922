// `check` thresholds, status line, perfdata and exit codes from hand-built
// samples.
#include "core/check.h"

#include <gtest/gtest.h>

#include "core/names.h"

namespace socktrace {
namespace {

Threshold th(const std::string& s) {
  std::string err;
  auto t = parse_threshold(s, &err);
  EXPECT_TRUE(t) << s << ": " << err;
  return t ? *t : Threshold{};
}

TEST(CheckThreshold, Forms) {
  Threshold t = th("CLOSE_WAIT=100");
  EXPECT_EQ(t.kind, Threshold::Kind::kCount);
  EXPECT_EQ(t.state, kTcpCloseWait);
  EXPECT_EQ(t.limit, 100);
  EXPECT_EQ(t.label, "CLOSE_WAIT");
  EXPECT_EQ(th("time-wait=5").state, kTcpTimeWait);  // ss spelling
  EXPECT_EQ(th("tcp:LISTEN=5").state, kTcpListen);
  t = th("ESTABLISHED=2.5/s");
  EXPECT_EQ(t.kind, Threshold::Kind::kRate);
  EXPECT_EQ(t.limit, 2.5);
  EXPECT_EQ(t.label, "ESTABLISHED_per_s");
  t = th("new=100/s");
  EXPECT_EQ(t.kind, Threshold::Kind::kNewRate);
  EXPECT_EQ(t.label, "new_per_s");
  EXPECT_EQ(th("total=1000").kind, Threshold::Kind::kTotal);
  t = th("udp:ESTABLISHED=3");
  EXPECT_EQ(t.kind, Threshold::Kind::kUdpCount);
  EXPECT_EQ(t.label, "udp_ESTABLISHED");
}

TEST(CheckThreshold, BadInputSaysWhy) {
  for (const char* bad : {"", "CLOSE_WAIT", "=5", "CLOSE_WAIT=", "CLOSE_WAIT=-1", "CLOSE_WAIT=abc", "BOGUS=1",
                          "new=5", "total=5/s", "udp:LISTEN=1", "udp:ESTABLISHED=1/s", "NEW_SYN_RECV=1",
                          "CLOSE_WAIT=1e3"}) {
    std::string err;
    EXPECT_FALSE(parse_threshold(bad, &err)) << bad;
    EXPECT_NE(err.find("bad threshold"), std::string::npos) << bad;
  }
}

CheckSample sample() {
  CheckSample s;
  s.tcp[kTcpEstablished] = 40;
  s.tcp[kTcpListen] = 3;
  s.tcp[kTcpCloseWait] = 150;
  s.tcp[kTcpTimeWait] = 7;
  s.udp[kTcpClose] = 2;
  return s;
}

TEST(Check, OkWithPerfdataForEveryState) {
  CheckResult r = evaluate_check(sample(), {th("CLOSE_WAIT=200")}, {th("CLOSE_WAIT=300")});
  EXPECT_EQ(r.exit_code, kCheckOk);
  EXPECT_EQ(r.line,
            "SOCKTRACE OK - 200 TCP sockets (ESTABLISHED=40 LISTEN=3 TIME_WAIT=7 CLOSE_WAIT=150), 2 UDP sockets | "
            "ESTABLISHED=40;;;0; SYN_SENT=0;;;0; SYN_RECV=0;;;0; FIN_WAIT1=0;;;0; FIN_WAIT2=0;;;0; TIME_WAIT=7;;;0; "
            "CLOSE=0;;;0; CLOSE_WAIT=150;200;300;0; LAST_ACK=0;;;0; LISTEN=3;;;0; CLOSING=0;;;0; "
            "udp_ESTABLISHED=0;;;0; udp_CLOSE=2;;;0; total=200;;;0;");
}

TEST(Check, WarningAboveTheLimitNotAtIt) {
  EXPECT_EQ(evaluate_check(sample(), {th("CLOSE_WAIT=150")}, {}).exit_code, kCheckOk);
  CheckResult r = evaluate_check(sample(), {th("CLOSE_WAIT=149")}, {th("CLOSE_WAIT=1000")});
  EXPECT_EQ(r.exit_code, kCheckWarning);
  EXPECT_EQ(r.line.rfind("SOCKTRACE WARNING - CLOSE_WAIT=150 > 149 | ", 0), 0u) << r.line;
  EXPECT_NE(r.line.find("CLOSE_WAIT=150;149;1000;0;"), std::string::npos);
}

TEST(Check, CriticalWinsAndListsEveryBreach) {
  CheckResult r = evaluate_check(sample(), {th("ESTABLISHED=10"), th("udp:CLOSE=1")}, {th("CLOSE_WAIT=100")});
  EXPECT_EQ(r.exit_code, kCheckCritical);
  EXPECT_EQ(r.line.rfind("SOCKTRACE CRITICAL - CLOSE_WAIT=150 > 100, ESTABLISHED=40 > 10, udp_CLOSE=2 > 1 | ", 0), 0u)
      << r.line;
}

TEST(Check, Rates) {
  CheckSample s = sample();
  s.seconds = 2;
  s.new_connections = 300;
  s.entries[kTcpEstablished] = 100;
  CheckResult r = evaluate_check(s, {th("new=100/s")}, {th("ESTABLISHED=60/s")});
  EXPECT_EQ(r.exit_code, kCheckWarning) << r.line;
  EXPECT_EQ(r.line.rfind("SOCKTRACE WARNING - new=150/s > 100 | ", 0), 0u) << r.line;
  EXPECT_NE(r.line.find(" new_per_s=150;100;;0;"), std::string::npos) << r.line;
  EXPECT_NE(r.line.find(" ESTABLISHED_per_s=50;;60;0;"), std::string::npos) << r.line;
}

TEST(CheckThreshold, TroubleRates) {
  Threshold t = th("retrans=50/s");
  EXPECT_EQ(t.kind, Threshold::Kind::kTrouble);
  EXPECT_EQ(t.trouble, Trouble::kRetrans);
  EXPECT_EQ(t.limit, 50);
  EXPECT_EQ(t.label, "retrans_per_s");
  EXPECT_EQ(th("CONNECT_FAILED=10/s").trouble, Trouble::kConnectFailed);
  EXPECT_EQ(th("listen_overflow=1/s").label, "listen_overflow_per_s");
  EXPECT_EQ(th("rst=0.5/s").trouble, Trouble::kRst);
  std::string err;
  EXPECT_FALSE(parse_threshold("retrans=50", &err));
  EXPECT_NE(err.find("retrans is a rate, e.g. retrans=50/s"), std::string::npos) << err;
}

TEST(Check, TroubleRatesNameTheProcess) {
  CheckSample s = sample();
  s.seconds = 2;
  s.trouble[static_cast<std::size_t>(Trouble::kRetrans)] = 120;
  s.trouble_top[static_cast<std::size_t>(Trouble::kRetrans)] = {"curl/4242", 100};
  s.trouble[static_cast<std::size_t>(Trouble::kListenOverflow)] = 4;
  s.trouble_top[static_cast<std::size_t>(Trouble::kListenOverflow)] = {"?", 4};
  CheckResult r = evaluate_check(s, {th("retrans=50/s"), th("listen_overflow=1/s"), th("connect_failed=1/s")},
                                 {th("retrans=100/s")});
  EXPECT_EQ(r.exit_code, kCheckWarning) << r.line;
  EXPECT_EQ(r.line.rfind("SOCKTRACE WARNING - retrans=60/s > 50 (top process curl/4242 with 100), "
                         "listen_overflow=2/s > 1 (most without an owning process: 4) | ",
                         0),
            0u)
      << r.line;
  EXPECT_NE(r.line.find(" retrans_per_s=60;50;100;0; listen_overflow_per_s=2;1;;0; connect_failed_per_s=0;1;;0;"),
            std::string::npos)
      << r.line;
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// STATE:age=SEC, and who is named in the status line (issue 16).
TEST(CheckAge, OldestSocketAndTopProcessAreNamed) {
  std::string err;
  auto age = parse_threshold("close-wait:age=300", &err);
  ASSERT_TRUE(age) << err;
  EXPECT_EQ(age->kind, Threshold::Kind::kAge);
  EXPECT_EQ(age->state, kTcpCloseWait);
  EXPECT_EQ(age->label, "CLOSE_WAIT_age_s");
  for (const char* bad : {"CLOSE_WAIT:age=soon", "BOGUS:age=1", "CLOSE_WAIT:age="}) {
    EXPECT_FALSE(parse_threshold(bad, &err)) << bad;
    EXPECT_NE(err.find("age"), std::string::npos) << err;
  }
  CheckSample s;
  s.tcp[kTcpCloseWait] = 15;
  s.top_owner[kTcpCloseWait] = {"leaky/1234", 12};
  Oldest o;
  o.any = true;
  o.age_ns = 412'500'000'000;
  o.bound = true;
  o.pid = 1234;
  std::string comm = "leaky";
  std::copy(comm.begin(), comm.end(), o.comm.chars.begin());
  s.oldest[kTcpCloseWait] = o;
  CheckResult r = evaluate_check(s, {*parse_threshold("CLOSE_WAIT=10", &err)}, {*age});
  EXPECT_EQ(r.exit_code, kCheckCritical);
  EXPECT_EQ(r.line.rfind("SOCKTRACE CRITICAL - CLOSE_WAIT oldest >=412s > 300 (owner leaky/1234), CLOSE_WAIT=15 > 10 "
                         "(top process leaky/1234 with 12) | ",
                         0),
            0u)
      << r.line;
  EXPECT_NE(r.line.find(" CLOSE_WAIT_age_s=412;;300;0;"), std::string::npos) << r.line;
}

}  // namespace
}  // namespace socktrace
