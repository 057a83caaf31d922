// The live histogram from hand-built snapshots and events: deltas per
// socket, replays that must not count twice, listener children, polled
// request/bound/UDP sockets, filters, reconciliation drift, top tables.
#include "core/histogram.h"

#include <sys/socket.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/names.h"

namespace socktrace {
namespace {

Comm comm_of(const std::string& s) {
  Comm c;
  std::copy(s.begin(), s.end(), c.chars.begin());
  return c;
}

StateEvent ev(uint64_t cookie, uint8_t old_state, uint8_t new_state, uint32_t pid = 100, uint16_t sport = 40000,
              uint16_t dport = 80, const std::string& comm = "client") {
  StateEvent e;
  e.cookie = cookie;
  e.hdr.pid = e.hdr.tid = pid;
  e.hdr.comm = comm_of(pid ? comm : "");
  e.saddr.family = e.daddr.family = AF_INET;
  e.saddr.bytes = {127, 0, 0, 1};
  e.daddr.bytes = {10, 0, 0, static_cast<uint8_t>(dport % 200)};
  e.sport = sport;
  e.dport = dport;
  e.old_state = old_state;
  e.new_state = new_state;
  return e;
}

SockRecord rec(uint64_t cookie, uint8_t state, uint16_t sport = 40000, uint16_t dport = 80, uint32_t pid = 0,
               const std::string& comm = "", uint8_t proto = kProtoTcp) {
  SockRecord r;
  r.cookie = cookie;
  r.proto = proto;
  r.state = state;
  r.saddr.family = r.daddr.family = AF_INET;
  r.sport = sport;
  r.dport = dport;
  r.pid = pid;
  r.comm = comm_of(comm);
  return r;
}

TEST(Histogram, SeedThenDeltasFollowEachSocket) {
  Histogram h;
  h.seed({rec(1, kTcpListen, 80, 0), rec(2, kTcpEstablished), rec(3, kTcpCloseWait), rec(4, kTcpTimeWait)});
  EXPECT_EQ(h.tcp()[kTcpListen], 1u);
  EXPECT_EQ(h.tcp()[kTcpEstablished], 1u);
  EXPECT_EQ(h.tcp_total(), 4u);

  h.apply(ev(10, kTcpClose, kTcpSynSent));
  h.apply(ev(10, kTcpSynSent, kTcpEstablished));
  h.apply(ev(3, kTcpCloseWait, kTcpLastAck));
  h.apply(ev(3, kTcpLastAck, kTcpClose));
  h.apply(ev(4, kTcpTimeWait, kTcpClose, 0));  // derived end of a timewait socket
  StateCounts c = h.tcp();
  EXPECT_EQ(c[kTcpEstablished], 2u);
  EXPECT_EQ(c[kTcpSynSent], 0u);
  EXPECT_EQ(c[kTcpCloseWait], 0u);
  EXPECT_EQ(c[kTcpLastAck], 0u);
  EXPECT_EQ(c[kTcpTimeWait], 0u);
  EXPECT_EQ(h.tcp_total(), 3u);
  EXPECT_EQ(h.transitions_total(), 5u);
  EXPECT_EQ((h.transitions().at({kTcpCloseWait, kTcpLastAck})), 1u);
  EXPECT_EQ(h.new_connections(), 1u);
}

// Events that happened between the attach and the snapshot are in both:
// replaying them must land on the same counts.
TEST(Histogram, ReplayedEventsDoNotCountTwice) {
  Histogram h;
  h.seed({rec(1, kTcpEstablished)});  // the snapshot already shows 1 established
  h.apply(ev(1, kTcpClose, kTcpSynSent));
  h.apply(ev(1, kTcpSynSent, kTcpEstablished));
  EXPECT_EQ(h.tcp()[kTcpEstablished], 1u);
  EXPECT_EQ(h.tcp()[kTcpSynSent], 0u);
  // Closed before the snapshot: not in it, its whole life replayed.
  h.apply(ev(2, kTcpClose, kTcpSynSent));
  h.apply(ev(2, kTcpSynSent, kTcpClose));
  EXPECT_EQ(h.tcp_total(), 1u);
}

// A child socket's first transition is LISTEN -> SYN_RECV (cloned from the
// listener): the listener stays.
TEST(Histogram, ListenerChildDoesNotTakeTheListener) {
  Histogram h;
  h.seed({rec(1, kTcpListen, 80, 0)});
  h.apply(ev(20, kTcpListen, kTcpSynRecv, 7, 80, 40000));
  EXPECT_EQ(h.tcp()[kTcpListen], 1u);
  EXPECT_EQ(h.tcp()[kTcpSynRecv], 1u);
  h.apply(ev(20, kTcpSynRecv, kTcpEstablished, 7, 80, 40000));
  EXPECT_EQ(h.tcp()[kTcpSynRecv], 0u);
  EXPECT_EQ(h.tcp()[kTcpEstablished], 1u);
  EXPECT_EQ(h.new_connections(), 1u);
}

TEST(Histogram, PolledRequestBoundAndUdpSockets) {
  Histogram h;
  h.seed({rec(1, kTcpListen, 80, 0, 42, "nginx"), rec(30, kTcpSynRecv, 80, 5555)});
  EXPECT_EQ(h.tcp()[kTcpSynRecv], 0u);  // a dump's SYN_RECV belongs to the poll
  h.apply(ev(31, kTcpListen, kTcpSynRecv, 42, 80, 6666, "nginx"));
  // The poll sees two request sockets, a bound-only socket (13) and the
  // tracked child (skipped: counted once).
  h.set_polled(kProtoTcp, {rec(30, kTcpSynRecv, 80, 5555), rec(32, kTcpNewSynRecv, 80, 5556), rec(33, 13, 9000, 0),
                           rec(31, kTcpSynRecv, 80, 6666), rec(1, kTcpListen, 80, 0)});
  StateCounts c = h.tcp();
  EXPECT_EQ(c[kTcpSynRecv], 3u);
  EXPECT_EQ(c[kTcpClose], 1u);
  EXPECT_EQ(c[kTcpListen], 1u);
  // Request sockets are their listener's.
  TopTables t = h.top(kTcpSynRecv, 3);
  ASSERT_EQ(t.owners.size(), 1u);
  EXPECT_EQ(t.owners[0].key, "nginx/42");
  EXPECT_EQ(t.owners[0].count, 3u);

  h.set_polled(kProtoUdp, {rec(50, kTcpClose, 53, 0, 0, "", kProtoUdp), rec(51, kTcpEstablished, 4000, 53, 0, "", kProtoUdp)});
  EXPECT_EQ(h.udp()[kTcpClose], 1u);
  EXPECT_EQ(h.udp()[kTcpEstablished], 1u);
  EXPECT_EQ(h.udp_total(), 2u);
  h.set_polled(kProtoUdp, {});
  EXPECT_EQ(h.udp_total(), 0u);
}

TEST(Histogram, FiltersByOwnerAndPort) {
  HistFilter f;
  f.pids = {7};
  Histogram h(f);
  h.seed({rec(1, kTcpEstablished, 40000, 80, 7, "app"), rec(2, kTcpEstablished, 40001, 80, 8, "other"),
          rec(3, kTcpTimeWait, 40002, 80)});
  EXPECT_EQ(h.tcp_total(), 1u);
  // An old socket's event without owner keeps the snapshot's owner.
  h.apply(ev(1, kTcpEstablished, kTcpCloseWait, 0));
  EXPECT_EQ(h.tcp()[kTcpCloseWait], 1u);
  EXPECT_FALSE(h.apply(ev(9, kTcpClose, kTcpSynSent, 8)));
  EXPECT_EQ(h.tcp_total(), 1u);
  EXPECT_EQ(h.transitions_total(), 1u);

  HistFilter p;
  p.ports = {8080};
  Histogram hp(p);
  hp.seed({rec(1, kTcpListen, 8080, 0), rec(2, kTcpEstablished, 40000, 8080), rec(3, kTcpEstablished, 40000, 80)});
  EXPECT_EQ(hp.tcp_total(), 2u);
}

TEST(Histogram, ReconcileCountsAndCorrectsDrift) {
  Histogram h;
  h.seed({rec(1, kTcpEstablished), rec(2, kTcpEstablished), rec(3, kTcpCloseWait)});
  uint64_t mark = h.mark();
  // Truth: 1 gone (a lost -> CLOSE), 2 in CLOSE_WAIT (a lost transition),
  // 4 unknown to us (a lost CLOSE -> SYN_SENT ... ESTABLISHED).
  std::vector<SockRecord> truth = {rec(2, kTcpCloseWait), rec(3, kTcpCloseWait), rec(4, kTcpEstablished)};
  EXPECT_EQ(h.differing(truth, mark).size(), 3u);
  DriftReport d = h.reconcile(truth, mark);
  EXPECT_EQ(d.stale, 1u);
  EXPECT_EQ(d.wrong, 1u);
  EXPECT_EQ(d.missing, 1u);
  EXPECT_EQ(h.tcp()[kTcpCloseWait], 2u);
  EXPECT_EQ(h.tcp()[kTcpEstablished], 1u);
  EXPECT_EQ(h.drift_total().total(), 3u);
  EXPECT_EQ(h.reconciles(), 1u);
  // Agreeing now: no drift.
  mark = h.mark();
  EXPECT_EQ(h.reconcile(truth, mark).total(), 0u);
}

// Sockets that changed while the dump ran are not drift.
TEST(Histogram, ChangesDuringTheDumpAreNotDrift) {
  Histogram h;
  h.seed({rec(1, kTcpEstablished), rec(2, kTcpEstablished)});
  uint64_t mark = h.mark();
  std::vector<SockRecord> truth = {rec(1, kTcpEstablished), rec(2, kTcpEstablished), rec(5, kTcpSynSent)};
  h.apply(ev(1, kTcpEstablished, kTcpFinWait1));  // after the dump saw it established
  h.apply(ev(5, kTcpClose, kTcpSynSent));
  h.apply(ev(5, kTcpSynSent, kTcpClose));  // closed after the dump listed it
  h.apply(ev(6, kTcpClose, kTcpSynSent));  // too new for the dump
  EXPECT_TRUE(h.differing(truth, mark).empty());
  EXPECT_EQ(h.reconcile(truth, mark).total(), 0u);
  EXPECT_EQ(h.tcp()[kTcpFinWait1], 1u);
  EXPECT_EQ(h.tcp()[kTcpSynSent], 1u);
}

TEST(Histogram, TopTablesMakeTheLeakerStandOut) {
  Histogram h;
  std::vector<SockRecord> snap;
  for (uint64_t i = 0; i < 50; ++i) snap.push_back(rec(100 + i, kTcpCloseWait, 8080, 40000 + i, 666, "leaky"));
  snap.push_back(rec(1, kTcpCloseWait, 443, 50000, 7, "nginx"));
  h.seed(snap);
  TopTables t = h.top(kTcpCloseWait, 2);
  ASSERT_EQ(t.owners.size(), 2u);
  EXPECT_EQ(t.owners[0].key, "leaky/666");
  EXPECT_EQ(t.owners[0].count, 50u);
  EXPECT_EQ(t.owners[1].key, "nginx/7");
  EXPECT_EQ(t.lports[0].key, "8080");
  EXPECT_EQ(t.raddrs[0].count, 51u);
}

// --cgroup: sock_diag's sockets by their cgroup id; a server's timewait and
// request sockets (no cgroup of their own) by their listener's in the same
// namespace; a client's timewait socket of no listener stays out.
TEST(Histogram, CgroupFilterHoldsSnapshotsToTheCgroups) {
  auto in = [](SockRecord r, uint32_t netns, uint64_t cgroup) {
    r.netns = netns;
    r.cgroup_id = cgroup;
    return r;
  };
  std::vector<SockRecord> dump = {
      in(rec(1, kTcpListen, 8080, 0), 7, 100),     // X's listener in ns 7
      in(rec(2, kTcpEstablished, 8080), 7, 100),   // its child
      in(rec(3, kTcpTimeWait, 8080), 7, 0),        // its timewait side
      in(rec(4, kTcpTimeWait, 8080), 9, 0),        // same port, another namespace: not X's
      in(rec(5, kTcpTimeWait, 40001, 8080), 7, 0), // a client's: nobody's known
      in(rec(6, kTcpEstablished, 40002), 7, 200),  // Y's
      in(rec(7, kTcpEstablished, 40003), 7, 101),  // a cgroup below X
  };
  inherit_listener_cgroups(dump);
  EXPECT_EQ(dump[2].cgroup_id, 100u);
  EXPECT_EQ(dump[3].cgroup_id, 0u);
  EXPECT_EQ(dump[4].cgroup_id, 0u);
  HistFilter f;
  f.by_cgroup = true;
  f.cgroups = {100, 101};
  Histogram h(f);
  h.seed(dump);
  EXPECT_EQ(h.tcp()[kTcpListen], 1u);
  EXPECT_EQ(h.tcp()[kTcpEstablished], 2u);
  EXPECT_EQ(h.tcp()[kTcpTimeWait], 1u);
  EXPECT_EQ(h.tcp_total(), 4u);
  // A request socket of X's listener (polled) is X's; one of another port is not.
  h.set_polled(kProtoTcp, {in(rec(20, kTcpNewSynRecv, 8080), 7, 0), in(rec(21, kTcpNewSynRecv, 9090), 7, 0)});
  EXPECT_EQ(h.tcp()[kTcpSynRecv], 1u);
  // UDP by its own cgroup.
  h.set_polled(kProtoUdp, {in(rec(30, kTcpClose, 53, 0, 0, "", kProtoUdp), 7, 101),
                           in(rec(31, kTcpClose, 54, 0, 0, "", kProtoUdp), 7, 200)});
  EXPECT_EQ(h.udp()[kTcpClose], 1u);
  // A cgroup made below X later: admitted from then on.
  h.set_cgroups({100, 101, 102});
  uint64_t mark = h.mark();
  dump.push_back(in(rec(8, kTcpEstablished, 40004), 7, 102));
  DriftReport d = h.reconcile(dump, mark);
  EXPECT_EQ(d.missing, 1u);
  EXPECT_EQ(h.tcp()[kTcpEstablished], 3u);
}

}  // namespace
}  // namespace socktrace
