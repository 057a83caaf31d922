// TCP state names: the kernel's numbering, bounds-checked both ways.

#include "core/names.h"

#include <climits>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

TEST(TcpStateName, AllKernelStatesByNumber) {
  EXPECT_EQ(tcp_state_name(1), "ESTABLISHED");
  EXPECT_EQ(tcp_state_name(2), "SYN_SENT");
  EXPECT_EQ(tcp_state_name(3), "SYN_RECV");
  EXPECT_EQ(tcp_state_name(4), "FIN_WAIT1");
  EXPECT_EQ(tcp_state_name(5), "FIN_WAIT2");
  EXPECT_EQ(tcp_state_name(6), "TIME_WAIT");
  EXPECT_EQ(tcp_state_name(7), "CLOSE");
  EXPECT_EQ(tcp_state_name(8), "CLOSE_WAIT");
  EXPECT_EQ(tcp_state_name(9), "LAST_ACK");
  EXPECT_EQ(tcp_state_name(10), "LISTEN");
  EXPECT_EQ(tcp_state_name(11), "CLOSING");
  EXPECT_EQ(tcp_state_name(12), "NEW_SYN_RECV");
  // TCP_BOUND_INACTIVE, Linux 6.8.
  EXPECT_EQ(tcp_state_name(13), "BOUND_INACTIVE");
}

TEST(TcpStateName, ConstantsMatchKernelNumbering) {
  EXPECT_EQ(tcp_state_name(kTcpEstablished), "ESTABLISHED");
  EXPECT_EQ(tcp_state_name(kTcpSynSent), "SYN_SENT");
  EXPECT_EQ(tcp_state_name(kTcpSynRecv), "SYN_RECV");
  EXPECT_EQ(tcp_state_name(kTcpFinWait1), "FIN_WAIT1");
  EXPECT_EQ(tcp_state_name(kTcpFinWait2), "FIN_WAIT2");
  EXPECT_EQ(tcp_state_name(kTcpTimeWait), "TIME_WAIT");
  EXPECT_EQ(tcp_state_name(kTcpClose), "CLOSE");
  EXPECT_EQ(tcp_state_name(kTcpCloseWait), "CLOSE_WAIT");
  EXPECT_EQ(tcp_state_name(kTcpLastAck), "LAST_ACK");
  EXPECT_EQ(tcp_state_name(kTcpListen), "LISTEN");
  EXPECT_EQ(tcp_state_name(kTcpClosing), "CLOSING");
  EXPECT_EQ(tcp_state_name(kTcpNewSynRecv), "NEW_SYN_RECV");
}

TEST(TcpStateName, OutsideTableIsUnknown) {
  EXPECT_EQ(tcp_state_name(0), "UNKNOWN");
  EXPECT_EQ(tcp_state_name(14), "UNKNOWN");
  EXPECT_EQ(tcp_state_name(99), "UNKNOWN");
  EXPECT_EQ(tcp_state_name(255), "UNKNOWN");
  EXPECT_EQ(tcp_state_name(UINT_MAX), "UNKNOWN");
}

TEST(TcpStateFromName, AcceptsSsAndKernelSpellings) {
  EXPECT_EQ(tcp_state_from_name("time-wait"), std::optional<uint8_t>(kTcpTimeWait));
  EXPECT_EQ(tcp_state_from_name("TIME_WAIT"), std::optional<uint8_t>(kTcpTimeWait));
  EXPECT_EQ(tcp_state_from_name("Time-Wait"), std::optional<uint8_t>(kTcpTimeWait));
  EXPECT_EQ(tcp_state_from_name("established"), std::optional<uint8_t>(kTcpEstablished));
  EXPECT_EQ(tcp_state_from_name("syn-sent"), std::optional<uint8_t>(kTcpSynSent));
  EXPECT_EQ(tcp_state_from_name("close-wait"), std::optional<uint8_t>(kTcpCloseWait));
  EXPECT_EQ(tcp_state_from_name("listen"), std::optional<uint8_t>(kTcpListen));
}

TEST(TcpStateFromName, RoundTripsEveryState) {
  for (unsigned s = 1; s <= 12; ++s)
    EXPECT_EQ(tcp_state_from_name(tcp_state_name(s)), std::optional<uint8_t>(s)) << tcp_state_name(s);
}

TEST(TcpStateFromName, RejectsOtherNames) {
  EXPECT_EQ(tcp_state_from_name("BOGUS"), std::nullopt);
  EXPECT_EQ(tcp_state_from_name(""), std::nullopt);
  // The placeholder for out-of-range numbers is not a state.
  EXPECT_EQ(tcp_state_from_name("UNKNOWN"), std::nullopt);
  EXPECT_EQ(tcp_state_from_name("ESTABLISHED "), std::nullopt);
  EXPECT_EQ(tcp_state_from_name("ESTAB"), std::nullopt);
  EXPECT_EQ(tcp_state_from_name("TIME WAIT"), std::nullopt);
  EXPECT_EQ(tcp_state_from_name("TIME__WAIT"), std::nullopt);
}

}  // namespace
}  // namespace socktrace
