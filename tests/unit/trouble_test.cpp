// Trouble counted per process and per port from hand-built events.
#include "core/trouble.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "core/names.h"

namespace socktrace {
namespace {

Header owner(uint32_t pid, const char* comm) {
  Header h;
  h.pid = pid;
  std::memcpy(h.comm.chars.data(), comm, std::strlen(comm));
  return h;
}

RetransEvent retrans(const Header& h, uint16_t sport, uint16_t dport, uint32_t segs, bool synack = false) {
  RetransEvent e;
  e.hdr = h;
  e.sport = sport;
  e.dport = dport;
  e.segs = segs;
  e.synack = synack;
  return e;
}

TEST(TroubleCounts, PerProcessAndPerLocalPort) {
  TroubleCounts t;
  t.on_retrans(retrans(owner(10, "nginx"), 443, 50000, 3));
  t.on_retrans(retrans(owner(10, "nginx"), 443, 50001, 5, true));  // a SYN-ACK counts one
  t.on_retrans(retrans(owner(20, "curl"), 40000, 80, 2));
  ResetEvent r;
  r.hdr = owner(0, "");
  r.sport = 443;
  t.on_reset(r);
  EXPECT_EQ(t.total(Trouble::kRetrans), 6u);
  EXPECT_EQ(t.total(Trouble::kRst), 1u);
  auto procs = t.top_processes(Trouble::kRetrans, 5);
  ASSERT_EQ(procs.size(), 2u);
  EXPECT_EQ(procs[0].key, "nginx/10");
  EXPECT_EQ(procs[0].count, 4u);
  EXPECT_EQ(procs[1].key, "curl/20");
  auto ports = t.top_ports(Trouble::kRetrans, 1);
  ASSERT_EQ(ports.size(), 1u);
  EXPECT_EQ(ports[0].key, "443");
  EXPECT_EQ(t.top_processes(Trouble::kRst, 5).at(0).key, "?");
}

TEST(TroubleCounts, FailedConnectsCountUnderTheRemotePort) {
  TroubleCounts t;
  StateEvent e;
  e.hdr = owner(30, "app");
  e.old_state = kTcpSynSent;
  e.new_state = kTcpClose;
  e.sport = 0;  // unhashed by then
  e.dport = 5432;
  e.sk_err = ECONNREFUSED;
  t.on_state(e);
  e.sk_err = 0;  // closed by its own process before an answer: not a failure
  t.on_state(e);
  e.new_state = kTcpEstablished;
  e.sk_err = 0;
  t.on_state(e);
  EXPECT_EQ(t.total(Trouble::kConnectFailed), 1u);
  EXPECT_EQ(t.top_ports(Trouble::kConnectFailed, 1).at(0).key, "5432");
  EXPECT_EQ(t.top_processes(Trouble::kConnectFailed, 1).at(0).key, "app/30");
}

TEST(TroubleCounts, TheFilterApplies) {
  HistFilter f;
  f.ports = {443};
  TroubleCounts t(f);
  t.on_retrans(retrans(owner(10, "nginx"), 443, 50000, 1));
  t.on_retrans(retrans(owner(20, "curl"), 40000, 80, 1));
  t.on_listen_drops(owner(10, "nginx"), 443, 7);
  t.on_listen_drops(owner(11, "other"), 8080, 7);
  EXPECT_EQ(t.total(Trouble::kRetrans), 1u);
  EXPECT_EQ(t.total(Trouble::kListenOverflow), 7u);
  ASSERT_EQ(t.processes().size(), 1u);
  EXPECT_EQ(t.processes()[0].counts[static_cast<std::size_t>(Trouble::kListenOverflow)], 7u);
}

TEST(TroubleName, RoundTrips) {
  for (auto k : {Trouble::kRetrans, Trouble::kRst, Trouble::kConnectFailed, Trouble::kListenOverflow})
    EXPECT_EQ(trouble_from_name(trouble_name(k)), k);
  EXPECT_FALSE(trouble_from_name("retransmits"));
}

}  // namespace
}  // namespace socktrace
