// `top --list`: the dump's sockets joined with the histogram (ages, owners,
// earlier owners), the filter and --state/--proto, the order, and both views.
#include "core/socket_list.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/json_line.h"
#include "core/names.h"
#include "../support/files.h"

namespace socktrace {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

// A file for one view's output, removed at the end.
class ListOutput {
 public:
  std::string path() const { return dir_.path("out"); }
  std::string read() const { return testing::slurp(path()); }

 private:
  testing::TempDir dir_;
};

// A socket of a dump (or a seed): 127.0.0.1:sport -> 127.0.0.2:dport.
SockRecord listed(uint64_t cookie, uint8_t state, uint16_t sport, uint16_t dport, uint32_t pid = 0,
                  std::string_view comm = "", uint8_t proto = kProtoTcp) {
  SockRecord r;
  r.cookie = cookie;
  r.proto = proto;
  r.state = state;
  r.saddr.family = r.daddr.family = AF_INET;
  r.saddr.bytes = {127, 0, 0, 1};
  r.daddr.bytes = {127, 0, 0, 2};
  r.sport = sport;
  r.dport = dport;
  r.pid = pid;
  r.comm = Comm::of(comm);
  return r;
}

// The transition `old -> now` of socket `cookie` at `ts`, owned by pid.
StateEvent moved(uint64_t cookie, uint8_t old_state, uint8_t new_state, uint64_t ts, uint16_t sport, uint16_t dport,
                 uint32_t pid, std::string_view comm) {
  SockRecord r = listed(cookie, new_state, sport, dport);
  StateEvent e;
  e.cookie = cookie;
  e.saddr = r.saddr;
  e.daddr = r.daddr;
  e.sport = sport;
  e.dport = dport;
  e.old_state = old_state;
  e.new_state = new_state;
  e.hdr.ts_ns = ts;
  e.hdr.pid = e.hdr.tid = pid;
  e.hdr.comm = Comm::of(comm);
  return e;
}

TEST(SocketList, AgesAndOwnersComeFromTheEvents) {
  Histogram h;
  SockRecord lst = listed(1, kTcpListen, 80, 0, 100, "nginx");
  lst.since_ns = 1 * kSec;  // older than socktrace: a bound
  h.seed({lst});
  // A child of the listener (the master's), accepted by a worker.
  h.apply(moved(2, kTcpListen, kTcpSynRecv, 10 * kSec, 80, 5000, 100, "nginx"));
  h.apply(moved(2, kTcpSynRecv, kTcpEstablished, 10 * kSec, 80, 5000, 100, "nginx"));
  h.reown(2, 101, Comm::of("nginx"));
  h.apply(moved(2, kTcpEstablished, kTcpCloseWait, 12 * kSec, 80, 5000, 0, ""));

  SockRecord child = listed(2, kTcpCloseWait, 80, 5000);
  child.rx_queue = 7;
  child.tx_bytes = 1;
  child.rx_bytes = 300;
  std::vector<SocketRow> rows = list_sockets(h, {listed(1, kTcpListen, 80, 0), child}, {}, 20 * kSec, {});
  ASSERT_EQ(rows.size(), 2u);
  const SocketRow& listener = rows[1];  // kernel order: CLOSE_WAIT (8) before LISTEN (10)
  EXPECT_EQ(rows[0].sock.state, kTcpCloseWait);
  EXPECT_EQ(rows[1].sock.state, kTcpListen);
  EXPECT_EQ(rows[0].sock.pid, 101u);
  EXPECT_EQ(rows[0].age_ns, 8 * kSec);
  EXPECT_FALSE(rows[0].age_bound);
  ASSERT_EQ(rows[0].owners_before.size(), 1u);
  EXPECT_EQ(rows[0].owners_before[0].pid, 100u);
  EXPECT_EQ(rows[0].sock.rx_queue, 7u);
  EXPECT_EQ(rows[0].sock.rx_bytes, 300);
  EXPECT_EQ(listener.sock.pid, 100u);  // the listener
  EXPECT_EQ(listener.age_ns, 19 * kSec);
  EXPECT_TRUE(listener.age_bound);
  EXPECT_TRUE(listener.owners_before.empty());
}

TEST(SocketList, ADumpNewerThanTheEventsKeepsItsOwnState) {
  Histogram h;
  h.apply(moved(3, kTcpSynSent, kTcpEstablished, 5 * kSec, 40000, 80, 200, "curl"));
  // The dump already shows CLOSE_WAIT; the event is on its way.
  SockRecord d = listed(3, kTcpCloseWait, 40000, 80);
  d.since_ns = 9 * kSec;
  std::vector<SocketRow> rows = list_sockets(h, {d}, {}, 10 * kSec, {});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sock.state, kTcpCloseWait);
  EXPECT_EQ(rows[0].sock.pid, 200u);  // the owner is still the events'
  EXPECT_EQ(rows[0].age_ns, 1 * kSec);
  EXPECT_TRUE(rows[0].age_bound);
}

TEST(SocketList, FilterStatesProtocolsAndOrder) {
  HistFilter f;
  f.ports = {80};
  Histogram h(f);
  std::vector<SockRecord> tcp = {listed(1, kTcpEstablished, 40000, 80, 7, "a"), listed(2, kTcpEstablished, 40001, 81, 7, "a"),
                                 listed(3, kTcpNewSynRecv, 80, 40002), listed(4, 13 /* bound only */, 80, 0),
                                 listed(5, kTcpEstablished, 40003, 80, 7, "a")};
  tcp[0].since_ns = 5 * kSec;
  tcp[4].since_ns = 2 * kSec;  // older: first among the ESTABLISHED
  std::vector<SockRecord> udp = {listed(6, kTcpClose, 80, 0, 8, "dns", kProtoUdp)};
  std::vector<SocketRow> rows = list_sockets(h, tcp, udp, 10 * kSec, {});
  std::vector<uint64_t> cookies;
  for (const SocketRow& r : rows) cookies.push_back(r.sock.cookie);
  EXPECT_EQ(cookies, (std::vector<uint64_t>{5, 1, 3, 4, 6}));  // port 81 filtered out
  EXPECT_EQ(rows[2].sock.state, kTcpSynRecv);  // a request socket, as ss names it
  EXPECT_EQ(rows[3].sock.state, kTcpClose);    // UNCONN

  ListQuery q;
  q.states = 1u << kTcpClose;
  q.tcp = false;
  rows = list_sockets(h, tcp, udp, 10 * kSec, q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].sock.cookie, 6u);
}

TEST(SocketList, StatesAsSsOrSocktraceNameThem) {
  EXPECT_EQ(parse_list_state("close-wait"), kTcpCloseWait);
  EXPECT_EQ(parse_list_state("CLOSE_WAIT"), kTcpCloseWait);
  EXPECT_EQ(parse_list_state("estab"), kTcpEstablished);
  EXPECT_EQ(parse_list_state("unconn"), kTcpClose);
  EXPECT_EQ(parse_list_state("fin-wait-1"), kTcpFinWait1);
  EXPECT_EQ(parse_list_state("syn-recv"), kTcpSynRecv);
  EXPECT_EQ(parse_list_state("NEW_SYN_RECV"), std::nullopt);
  EXPECT_EQ(parse_list_state("bogus"), std::nullopt);
  EXPECT_EQ(parse_list_state(""), std::nullopt);
}

std::vector<SocketRow> sample_rows() {
  SocketRow a;
  a.sock = listed(2, kTcpCloseWait, 80, 5000, 101, "ng\x1binx");
  a.sock.daddr.family = AF_INET6;
  a.sock.saddr.family = AF_INET6;
  a.sock.saddr.bytes = {};
  a.sock.saddr.bytes[15] = 1;
  a.sock.daddr.bytes = a.sock.saddr.bytes;
  a.sock.tx_bytes = 1;
  a.sock.rx_bytes = 300;
  a.age_ns = 8 * kSec;
  a.age_bound = false;
  a.owners_before = {{100, Comm::of("nginx")}};
  SocketRow b;
  b.sock = listed(1, kTcpListen, 80, 0, 0, "");
  b.sock.tx_queue = 128;
  b.age_ns = 19 * kSec;
  return {a, b};
}

TEST(SocketList, TextIsSsColumnsPlusAgeBytesAndEarlierOwners) {
  ListOutput t;
  {
    Output out(t.path());
    SocketListView v(out, false, false);
    v.refresh(sample_rows(), {0, 3});
    out.flush();
  }
  std::string text = t.read();
  EXPECT_NE(text.find("sockets 2  lost 3"), std::string::npos) << text;
  EXPECT_NE(text.find("Netid State      Recv-Q Send-Q Local Address:Port"), std::string::npos) << text;
  // The comm's escape byte never reaches the terminal.
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("tcp   CLOSE-WAIT      0      0 [::1]:80"), std::string::npos) << text;
  EXPECT_NE(text.find("[::1]:5000"), std::string::npos) << text;
  EXPECT_NE(text.find("ng?inx/101 8.000s"), std::string::npos) << text;
  EXPECT_NE(text.find("nginx/100"), std::string::npos) << text;
  EXPECT_NE(text.find("127.0.0.2:*"), std::string::npos) << text;  // a listener's peer, as ss
  EXPECT_NE(text.find(">=19.000s"), std::string::npos) << text;
}

TEST(SocketList, JsonIsOneValidSocketsObject) {
  ListOutput t;
  {
    Output out(t.path());
    SocketListView v(out, true, false, [](uint64_t) -> const ContainerInfo* { return nullptr; });
    v.refresh(sample_rows(), {1'000'000'000'000'000'000ull, 0});
    out.flush();
  }
  std::string line = t.read();
  ASSERT_FALSE(line.empty());
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_TRUE(testing::is_json_object_line(line)) << line;
  EXPECT_EQ(line.find("{\"event\":\"sockets\",\"ts_ns\":1000000000000000000,\"pid\":0,\"tid\":0,\"comm\":\"\","
                      "\"count\":2,\"lost\":0,\"sockets\":[{\"proto\":\"tcp\",\"family\":6,\"state\":\"CLOSE_WAIT\","
                      "\"saddr\":\"::1\",\"sport\":80,\"daddr\":\"::1\",\"dport\":5000,\"rx_queue\":0,\"tx_queue\":0,"
                      "\"pid\":101,\"comm\":\"ng\\u001binx\",\"in_state_ns\":8000000000,\"in_state_bound\":false,"
                      "\"tx_bytes\":1,\"rx_bytes\":300,\"owners_before\":[{\"pid\":100,\"comm\":\"nginx\"}]"),
            0u)
      << line;
  EXPECT_NE(line.find("\"tx_bytes\":null,\"rx_bytes\":null,\"owners_before\":[]"), std::string::npos) << line;
}

}  // namespace
}  // namespace socktrace
