// Timeline assembly and TIME_WAIT derivation from hand-built transitions:
// in order, out of order, with transitions missing, with a lost end.

#include "core/timeline.h"
#include "core/timeline_view.h"
#include "core/timewait.h"
#include "core/parking.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "core/names.h"
#include "socktrace/events.h"
#include "../support/files.h"

namespace socktrace {
namespace {

constexpr uint64_t kMs = 1'000'000;

StateEvent ev(uint64_t cookie, uint64_t ts, uint8_t old_state, uint8_t new_state, uint32_t pid = 100) {
  StateEvent e;
  e.cookie = cookie;
  e.hdr.ts_ns = ts;
  e.hdr.pid = e.hdr.tid = pid;
  std::string comm = "proc" + std::to_string(pid);
  std::copy(comm.begin(), comm.end(), e.hdr.comm.chars.begin());
  e.saddr.family = e.daddr.family = AF_INET;
  e.saddr.bytes = {127, 0, 0, 1};
  e.daddr.bytes = {127, 0, 0, 1};
  e.sport = 40000;
  e.dport = 80;
  e.old_state = old_state;
  e.new_state = new_state;
  return e;
}

// What flush() and close_vanished() hand over, in order.
std::vector<Connection> flushed(TimelineBuilder& b, uint64_t now_ns) {
  std::vector<Connection> out;
  b.flush(now_ns, [&](const Connection& c) { out.push_back(c); });
  return out;
}

std::vector<Connection> vanished(TimelineBuilder& b, const std::function<bool(uint64_t, uint32_t)>& alive,
                                 uint64_t now_ns) {
  std::vector<Connection> out;
  b.close_vanished(alive, now_ns, [&](const Connection& c) { out.push_back(c); });
  return out;
}

std::string path(const Connection& c) {
  std::string out;
  for (const auto& s : c.states) {
    if (!out.empty()) out += " ";
    out += std::string(tcp_state_name(s.state)) + "=" + (s.ns < 0 ? "?" : std::to_string(s.ns / kMs));
  }
  return out;
}

// A client that closes first, all transitions seen, bytes from the last one.
TEST(TimelineBuilder, WholePathWithTimesBytesAndOwner) {
  TimelineBuilder b;
  EXPECT_FALSE(b.on_transition(ev(1, 1000 * kMs, kTcpClose, kTcpSynSent), false));
  EXPECT_FALSE(b.on_transition(ev(1, 1001 * kMs, kTcpSynSent, kTcpEstablished), false));
  auto fin = ev(1, 1301 * kMs, kTcpEstablished, kTcpFinWait1);
  fin.tx_payload = 1000;
  fin.rx_payload = 500;
  EXPECT_FALSE(b.on_transition(fin, false));
  EXPECT_FALSE(b.on_transition(ev(1, 1302 * kMs, kTcpFinWait1, kTcpFinWait2), false));
  auto tw = ev(1, 1310 * kMs, kTcpFinWait2, kTcpTimeWait, 0);  // derived: owner not on the event
  tw.tx_payload = 1000;
  tw.rx_payload = 500;
  EXPECT_FALSE(b.on_transition(tw, true));
  auto end = b.on_transition(ev(1, 61310 * kMs, kTcpTimeWait, kTcpClose, 0), true);
  ASSERT_TRUE(end);
  EXPECT_EQ(path(*end), "SYN_SENT=1 ESTABLISHED=300 FIN_WAIT1=1 FIN_WAIT2=8 TIME_WAIT=60000 CLOSE=0");
  EXPECT_EQ(end->duration_ns(), 60310 * kMs);
  EXPECT_EQ(end->tx_bytes, 1000u);
  EXPECT_EQ(end->rx_bytes, 500u);
  EXPECT_EQ(end->owner.pid, 100u);  // the last known owner
  EXPECT_EQ(end->owner.comm.view(), "proc100");
  EXPECT_EQ(end->sport, 40000);
  EXPECT_TRUE(end->complete());
  EXPECT_TRUE(end->timewait);
  EXPECT_FALSE(end->open);
  EXPECT_EQ(b.open(), 0u);
}

TEST(TimelineBuilder, OutOfOrderStepsAreOrderedByTime) {
  TimelineBuilder b;
  b.on_transition(ev(1, 10 * kMs, kTcpClose, kTcpSynSent), false);
  b.on_transition(ev(1, 30 * kMs, kTcpEstablished, kTcpFinWait1), false);  // arrives before its predecessor
  b.on_transition(ev(1, 20 * kMs, kTcpSynSent, kTcpEstablished), false);
  b.on_transition(ev(1, 35 * kMs, kTcpFinWait1, kTcpFinWait2), false);
  auto end = b.on_transition(ev(1, 40 * kMs, kTcpFinWait2, kTcpClose), false);
  ASSERT_TRUE(end);
  EXPECT_EQ(path(*end), "SYN_SENT=10 ESTABLISHED=10 FIN_WAIT1=5 FIN_WAIT2=5 CLOSE=0");
  EXPECT_EQ(end->gaps, 0);
  EXPECT_TRUE(end->complete());
}

// ESTABLISHED -> FIN_WAIT1 was lost: the gap is flagged, the times around
// it are unknown, the rest is exact.
TEST(TimelineBuilder, MissingTransitionIsAFlaggedGap) {
  TimelineBuilder b;
  b.on_transition(ev(1, 0, kTcpClose, kTcpSynSent), false);
  b.on_transition(ev(1, 1 * kMs, kTcpSynSent, kTcpEstablished), false);
  b.on_transition(ev(1, 9 * kMs, kTcpFinWait1, kTcpFinWait2), false);
  auto end = b.on_transition(ev(1, 12 * kMs, kTcpFinWait2, kTcpClose), false);
  ASSERT_TRUE(end);
  EXPECT_EQ(path(*end), "SYN_SENT=1 ESTABLISHED=? FIN_WAIT1=? FIN_WAIT2=3 CLOSE=0");
  EXPECT_EQ(end->gaps, 1);
  EXPECT_FALSE(end->complete());
}

// The first transition was lost (or the socket predates the trace).
TEST(TimelineBuilder, UnseenStartIsFlagged) {
  TimelineBuilder b;
  b.on_transition(ev(1, 5 * kMs, kTcpEstablished, kTcpCloseWait), false);
  b.on_transition(ev(1, 7 * kMs, kTcpCloseWait, kTcpLastAck), false);
  auto end = b.on_transition(ev(1, 8 * kMs, kTcpLastAck, kTcpClose), false);
  ASSERT_TRUE(end);
  EXPECT_EQ(path(*end), "ESTABLISHED=? CLOSE_WAIT=2 LAST_ACK=1 CLOSE=0");
  EXPECT_FALSE(end->start_seen);
  EXPECT_FALSE(end->complete());
}

// A lost -> CLOSE leaves its connection open; the connections after it are
// untouched, and close_vanished() ends it, flagged, once sock_diag no longer
// lists it.
TEST(TimelineBuilder, LostEndDoesNotCorruptLaterConnections) {
  TimelineBuilder b;
  b.on_transition(ev(1, 0, kTcpClose, kTcpSynSent), false);
  b.on_transition(ev(1, 1 * kMs, kTcpSynSent, kTcpEstablished), false);
  // ... its -> CLOSE is lost. A later connection:
  b.on_transition(ev(2, 2 * kMs, kTcpClose, kTcpSynSent, 200), false);
  b.on_transition(ev(2, 3 * kMs, kTcpSynSent, kTcpEstablished, 200), false);
  auto second = b.on_transition(ev(2, 4 * kMs, kTcpEstablished, kTcpClose, 200), false);
  ASSERT_TRUE(second);
  EXPECT_EQ(path(*second), "SYN_SENT=1 ESTABLISHED=1 CLOSE=0");
  EXPECT_TRUE(second->complete());
  EXPECT_EQ(second->owner.pid, 200u);
  EXPECT_EQ(b.open(), 1u);

  auto gone = vanished(b, [](uint64_t cookie, uint32_t) { return cookie != 1; }, 50 * kMs);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].cookie, 1u);
  EXPECT_TRUE(gone[0].vanished);
  EXPECT_FALSE(gone[0].complete());
  EXPECT_EQ(path(gone[0]), "SYN_SENT=1 ESTABLISHED=?");
  EXPECT_EQ(b.open(), 0u);
  // A straggler for the vanished socket does not start a bogus connection.
  EXPECT_FALSE(b.on_transition(ev(1, 60 * kMs, kTcpEstablished, kTcpClose), false));
  EXPECT_EQ(b.open(), 0u);
  EXPECT_EQ(b.late(), 1u);
}

TEST(TimelineBuilder, FlushMarksOpenAndTimesTheLastStateUntilNow) {
  TimelineBuilder b;
  b.on_transition(ev(1, 0, kTcpClose, kTcpSynSent), false);
  b.on_transition(ev(1, 2 * kMs, kTcpSynSent, kTcpEstablished), false);
  auto open = flushed(b, 10 * kMs);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_TRUE(open[0].open);
  EXPECT_EQ(path(open[0]), "SYN_SENT=2 ESTABLISHED=8");
  EXPECT_EQ(open[0].duration_ns(), 10 * kMs);
  EXPECT_EQ(b.open(), 0u);
}

// At exit the open connections come out by when they started (one listed
// before start by when it was listed), each forgotten as it goes.
TEST(TimelineBuilder, FlushHandsOverByStartTimeOneAtATime) {
  TimelineBuilder b;
  b.on_transition(ev(7, 5 * kMs, kTcpClose, kTcpSynSent), false);
  b.on_transition(ev(3, 9 * kMs, kTcpClose, kTcpSynSent), false);
  b.existing(ev(9, 0, kTcpEstablished, kTcpEstablished), kTcpEstablished, 2 * kMs);
  // A late step of connection 7 does not move its start.
  b.on_transition(ev(7, 12 * kMs, kTcpSynSent, kTcpEstablished), false);
  std::vector<uint64_t> order;
  std::vector<std::size_t> left;
  b.flush(20 * kMs, [&](const Connection& c) {
    order.push_back(c.cookie);
    left.push_back(b.open());
  });
  EXPECT_EQ(order, (std::vector<uint64_t>{9, 7, 3}));
  EXPECT_EQ(left, (std::vector<std::size_t>{2, 1, 0}));
}

TEST(TimelineBuilder, ListenersHaveNoTimelineButTheirChildrenDo) {
  TimelineBuilder b;
  EXPECT_FALSE(b.on_transition(ev(1, 0, kTcpClose, kTcpListen), false));
  b.on_transition(ev(2, 1 * kMs, kTcpListen, kTcpSynRecv), false);
  b.on_transition(ev(2, 2 * kMs, kTcpSynRecv, kTcpEstablished), false);
  auto child = b.on_transition(ev(2, 3 * kMs, kTcpEstablished, kTcpClose), false);
  ASSERT_TRUE(child);
  EXPECT_TRUE(child->start_seen);
  EXPECT_EQ(path(*child), "SYN_RECV=1 ESTABLISHED=1 CLOSE=0");
  EXPECT_FALSE(b.on_transition(ev(1, 4 * kMs, kTcpListen, kTcpClose), false));
  EXPECT_EQ(b.open(), 0u);
  EXPECT_TRUE(flushed(b, 5 * kMs).empty());
}

TEST(TimelineBuilder, ResetIsRemembered) {
  TimelineBuilder b;
  b.on_transition(ev(1, 0, kTcpClose, kTcpSynSent), false);
  b.on_transition(ev(1, 1 * kMs, kTcpSynSent, kTcpEstablished), false);
  auto rst = ev(1, 2 * kMs, kTcpEstablished, kTcpClose);
  rst.hdr.flags |= ST_HF_RESET;
  auto end = b.on_transition(rst, false);
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->reset);
  EXPECT_FALSE(end->timewait);
}

// ---- TimewaitTracker, with a scripted sock_diag ----

struct Shown {
  uint8_t old_state, new_state;
  uint64_t ts;
  bool derived;
  uint32_t pid;
};

class TimewaitTest : public ::testing::Test {
 protected:
  TimewaitTracker tracker{[this](const StateEvent&) {
                            ++lookups;
                            return answer;
                          },
                          [this](const StateEvent& e, bool derived) {
                            shown.push_back({e.old_state, e.new_state, e.hdr.ts_ns, derived, e.hdr.pid});
                          }};
  TwLookup answer;
  int lookups = 0;
  std::vector<Shown> shown;

  static TwLookup tw(uint8_t state, uint32_t expires_ms) {
    TwLookup r;
    r.result = TwLookup::Result::kFound;
    r.timewait = true;
    r.state = state;
    r.expires_ms = expires_ms;
    return r;
  }
};

TEST_F(TimewaitTest, OtherTransitionsPassThroughWithoutLookup) {
  tracker.on_state(ev(1, 0, kTcpEstablished, kTcpFinWait1), 0);
  tracker.on_state(ev(1, 1, kTcpLastAck, kTcpClose), 1);
  EXPECT_EQ(lookups, 0);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_FALSE(shown[1].derived);
}

TEST_F(TimewaitTest, SwapIntoTimeWaitIsShownAndItsEndFound) {
  answer = tw(kTcpTimeWait, 59990);
  tracker.on_state(ev(1, 1000 * kMs, kTcpFinWait2, kTcpClose), 1010 * kMs);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].new_state, kTcpTimeWait);
  EXPECT_EQ(shown[0].ts, 1000 * kMs);  // entered at the swap
  EXPECT_TRUE(shown[0].derived);
  EXPECT_EQ(shown[0].pid, 100u);
  EXPECT_EQ(tracker.tracked(), 1u);
  // Not due before its timer.
  tracker.tick(2000 * kMs);
  EXPECT_EQ(lookups, 1);
  answer = tw(kTcpTimeWait, 0);
  tracker.tick(61000 * kMs);  // due: still there (the timer runs late)
  EXPECT_EQ(lookups, 2);
  EXPECT_EQ(shown.size(), 1u);
  answer.result = TwLookup::Result::kGone;
  tracker.tick(61300 * kMs);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[1].old_state, kTcpTimeWait);
  EXPECT_EQ(shown[1].new_state, kTcpClose);
  EXPECT_EQ(shown[1].ts, 61300 * kMs);
  EXPECT_TRUE(shown[1].derived);
  EXPECT_EQ(shown[1].pid, 100u);  // the owner, even though it may have exited
  EXPECT_EQ(tracker.tracked(), 0u);
}

// tcp_tw_reuse: a new socket takes the timewait socket's 4-tuple. Its
// connect() transitions (CLOSE -> SYN_SENT, and SYN_SENT -> CLOSE when it
// fails) prove nothing; its SYN_SENT -> ESTABLISHED ends the timewait one,
// shown first, at that time.
TEST_F(TimewaitTest, ANewSocketOnTheSameTupleEndsIt) {
  answer = tw(kTcpTimeWait, 59990);
  tracker.on_state(ev(1, 1000 * kMs, kTcpFinWait2, kTcpClose), 1000 * kMs);
  ASSERT_EQ(tracker.tracked(), 1u);
  tracker.on_state(ev(2, 2000 * kMs, kTcpClose, kTcpSynSent), 2000 * kMs);
  tracker.on_state(ev(2, 2001 * kMs, kTcpSynSent, kTcpClose), 2001 * kMs);  // EADDRNOTAVAIL: too young
  EXPECT_EQ(tracker.tracked(), 1u);
  tracker.on_state(ev(3, 2500 * kMs, kTcpClose, kTcpSynSent), 2500 * kMs);
  tracker.on_state(ev(3, 2501 * kMs, kTcpSynSent, kTcpEstablished), 2501 * kMs);
  EXPECT_EQ(tracker.tracked(), 0u);
  EXPECT_EQ(tracker.recycled(), 1u);
  ASSERT_EQ(shown.size(), 6u);
  EXPECT_EQ(shown[4].old_state, kTcpTimeWait);
  EXPECT_EQ(shown[4].new_state, kTcpClose);
  EXPECT_EQ(shown[4].ts, 2501 * kMs);
  EXPECT_TRUE(shown[4].derived);
  EXPECT_EQ(shown[5].new_state, kTcpEstablished);
  // Another 4-tuple does not: a different remote port.
  tracker.on_state(ev(4, 3000 * kMs, kTcpFinWait2, kTcpClose), 3000 * kMs);
  auto other = ev(5, 3100 * kMs, kTcpSynSent, kTcpEstablished);
  other.dport = static_cast<uint16_t>(other.dport + 1);
  tracker.on_state(other, 3100 * kMs);
  EXPECT_EQ(tracker.tracked(), 1u);
}

// A server's new child on the tuple of its own timewait socket (the
// client reconnected from the same port): LISTEN -> SYN_RECV with the
// remote end (Linux 6.15+), or SYN_RECV -> ESTABLISHED before, ends it. A
// transition later in a socket's life is never the first to hold a tuple.
TEST_F(TimewaitTest, AChildOnTheSameTupleEndsItAtItsFirstTransition) {
  answer = tw(kTcpTimeWait, 59990);
  tracker.on_state(ev(1, 1000 * kMs, kTcpFinWait2, kTcpClose), 1000 * kMs);
  tracker.on_state(ev(2, 1500 * kMs, kTcpEstablished, kTcpFinWait1), 1500 * kMs);
  EXPECT_EQ(tracker.tracked(), 1u);
  tracker.on_state(ev(3, 2000 * kMs, kTcpListen, kTcpSynRecv), 2000 * kMs);
  EXPECT_EQ(tracker.tracked(), 0u);
  EXPECT_EQ(tracker.recycled(), 1u);
  tracker.on_state(ev(4, 3000 * kMs, kTcpFinWait2, kTcpClose), 3000 * kMs);
  auto child = ev(5, 3100 * kMs, kTcpListen, kTcpSynRecv);
  child.dport = 0;  // before 6.15: no remote end yet
  tracker.on_state(child, 3100 * kMs);
  EXPECT_EQ(tracker.tracked(), 1u);
  tracker.on_state(ev(5, 3101 * kMs, kTcpSynRecv, kTcpEstablished), 3101 * kMs);
  EXPECT_EQ(tracker.tracked(), 0u);
  EXPECT_EQ(tracker.recycled(), 2u);
}

// A reconciliation found a timewait socket gone before its timer: gone()
// shows its end and forgets it; due() tells the two cases apart.
TEST_F(TimewaitTest, DueAndGone) {
  answer = tw(kTcpTimeWait, 60000);
  tracker.on_state(ev(1, 0, kTcpFinWait2, kTcpClose), 0);
  EXPECT_FALSE(tracker.due(1, 30000 * kMs));
  EXPECT_TRUE(tracker.due(1, 60000 * kMs));
  tracker.gone(1, 30000 * kMs);
  EXPECT_EQ(tracker.tracked(), 0u);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[1].old_state, kTcpTimeWait);
  EXPECT_EQ(shown[1].ts, 30000 * kMs);
}

TEST_F(TimewaitTest, ResetMeansARealCloseWithoutLookup) {
  auto e = ev(1, 0, kTcpFinWait2, kTcpClose);
  e.hdr.flags |= ST_HF_RESET;
  tracker.on_state(e, 0);
  EXPECT_EQ(lookups, 0);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].new_state, kTcpClose);
  EXPECT_FALSE(shown[0].derived);
}

TEST_F(TimewaitTest, NoTimewaitSocketMeansARealClose) {
  answer.result = TwLookup::Result::kGone;  // e.g. tcp_max_tw_buckets reached
  tracker.on_state(ev(1, 0, kTcpClosing, kTcpClose), 0);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].new_state, kTcpClose);
  EXPECT_FALSE(shown[0].derived);
  EXPECT_EQ(tracker.tracked(), 0u);
}

TEST_F(TimewaitTest, UnknownNamespaceShowsTheKernelTransition) {
  answer.result = TwLookup::Result::kUnknown;
  tracker.on_state(ev(1, 0, kTcpFinWait2, kTcpClose), 0);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].new_state, kTcpClose);
  EXPECT_EQ(tracker.unchecked(), 1u);
}

// An orphan: ss shows FIN-WAIT-2 until the peer's FIN arrives, then
// TIME-WAIT; the entry time comes from the re-armed timer.
TEST_F(TimewaitTest, OrphanFinWait2ThenTimeWait) {
  answer = tw(kTcpFinWait2, 59000);
  tracker.on_state(ev(1, 1000 * kMs, kTcpFinWait2, kTcpClose), 1001 * kMs);
  EXPECT_TRUE(shown.empty());  // still FIN_WAIT2, as ss shows it
  answer = tw(kTcpTimeWait, 59600);
  tracker.tick(2001 * kMs);  // polled within a second
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].old_state, kTcpFinWait2);
  EXPECT_EQ(shown[0].new_state, kTcpTimeWait);
  EXPECT_EQ(shown[0].ts, 1601 * kMs);  // 2001 - (60000 - 59600)
  answer.result = TwLookup::Result::kGone;
  tracker.finish(70000 * kMs);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[1].old_state, kTcpTimeWait);
  EXPECT_EQ(shown[1].new_state, kTcpClose);
}

// FIN_WAIT2 timeout of an orphan (tcp_fin_timeout): FIN_WAIT2 -> CLOSE.
TEST_F(TimewaitTest, OrphanFinWait2TimesOut) {
  answer = tw(kTcpFinWait2, 2000);
  tracker.on_state(ev(1, 0, kTcpFinWait2, kTcpClose), 0);
  answer.result = TwLookup::Result::kGone;
  tracker.tick(1000 * kMs);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].old_state, kTcpFinWait2);
  EXPECT_EQ(shown[0].new_state, kTcpClose);
  EXPECT_TRUE(shown[0].derived);
}

TEST_F(TimewaitTest, FinishKeepsThoseStillThere) {
  answer = tw(kTcpTimeWait, 59990);
  tracker.on_state(ev(1, 0, kTcpFinWait2, kTcpClose), 10 * kMs);
  tracker.finish(20 * kMs);
  EXPECT_EQ(shown.size(), 1u);
  EXPECT_EQ(tracker.tracked(), 1u);
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

RetransEvent retrans_of(uint64_t cookie, uint64_t ts, uint32_t segs) {
  RetransEvent r;
  r.cookie = cookie;
  r.hdr.ts_ns = ts;
  r.segs = segs;
  return r;
}

ResetEvent reset_of(uint64_t cookie, uint64_t ts, ResetEvent::Dir dir, std::optional<uint16_t> reason = {}) {
  ResetEvent r;
  r.cookie = cookie;
  r.hdr.ts_ns = ts;
  r.dir = dir;
  r.reason = reason;
  return r;
}

// Opens connection `cookie` as a client: CLOSE -> SYN_SENT -> ESTABLISHED.
void open_client(TimelineBuilder& b, uint64_t cookie) {
  b.on_transition(ev(cookie, 1 * kMs, kTcpClose, kTcpSynSent), false);
  auto est = ev(cookie, 2 * kMs, kTcpSynSent, kTcpEstablished);
  est.srtt_us = 300;
  est.min_rtt_us = 250;
  b.on_transition(est, false);
}

TEST(TimelineEnd, LocalFinIsANormalCloseByLocalWithRetransAndRtt) {
  TimelineBuilder b;
  open_client(b, 1);
  b.on_retrans(retrans_of(1, 3 * kMs, 1));
  b.on_retrans(retrans_of(1, 4 * kMs, 2));
  b.on_retrans(retrans_of(2, 4 * kMs, 5));  // another socket
  RetransEvent synack = retrans_of(1, 4 * kMs, 1);
  synack.synack = true;  // a listener's, not this connection's
  b.on_retrans(synack);
  auto fin = ev(1, 5 * kMs, kTcpEstablished, kTcpFinWait1);
  fin.srtt_us = 900;
  fin.min_rtt_us = 200;
  b.on_transition(fin, false);
  b.on_transition(ev(1, 6 * kMs, kTcpFinWait1, kTcpFinWait2), false);
  auto c = b.on_transition(ev(1, 7 * kMs, kTcpFinWait2, kTcpClose), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->retrans, 3u);
  EXPECT_EQ(c->resets, 0u);
  EXPECT_EQ(c->srtt_us, 900u);
  EXPECT_EQ(c->min_rtt_us, 200u);
  EXPECT_EQ(c->closed_by, "local");
  EXPECT_EQ(c->close_reason, "normal");
}

TEST(TimelineEnd, RemoteFinIsANormalCloseByRemote) {
  TimelineBuilder b;
  open_client(b, 1);
  b.on_transition(ev(1, 5 * kMs, kTcpEstablished, kTcpCloseWait), false);
  b.on_transition(ev(1, 6 * kMs, kTcpCloseWait, kTcpLastAck), false);
  auto c = b.on_transition(ev(1, 7 * kMs, kTcpLastAck, kTcpClose), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->closed_by, "remote");
  EXPECT_EQ(c->close_reason, "normal");
  EXPECT_EQ(c->srtt_us, 300u);  // the last kernel values
}

TEST(TimelineEnd, ResetReceivedIsResetByPeer) {
  TimelineBuilder b;
  open_client(b, 1);
  b.on_reset(reset_of(1, 5 * kMs, ResetEvent::Dir::kReceived));
  auto close = ev(1, 5 * kMs, kTcpEstablished, kTcpClose);
  close.sk_err = ECONNRESET;
  auto c = b.on_transition(close, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->resets, 1u);
  EXPECT_TRUE(c->reset);
  EXPECT_EQ(c->closed_by, "remote");
  EXPECT_EQ(c->close_reason, "reset_by_peer");
  EXPECT_FALSE(c->reset_reason);
}

TEST(TimelineEnd, ResetSentWhileOpenKeepsTheKernelsReason) {
  TimelineBuilder b;
  open_client(b, 1);
  b.on_transition(ev(1, 5 * kMs, kTcpEstablished, kTcpFinWait1), false);
  b.on_reset(reset_of(1, 6 * kMs, ResetEvent::Dir::kSent, 16));
  b.on_reset(reset_of(1, 6 * kMs, ResetEvent::Dir::kSent, 3));  // the first one's reason stays
  auto c = b.on_transition(ev(1, 6 * kMs, kTcpFinWait1, kTcpClose), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->resets, 2u);
  EXPECT_EQ(c->closed_by, "local");  // its FIN came first
  EXPECT_EQ(c->close_reason, "reset_sent");
  EXPECT_EQ(c->reset_reason, std::optional<uint16_t>(16));
}

TEST(TimelineEnd, AbortiveCloseIsResetSentByLocal) {
  // close() with SO_LINGER 0 or unread data: ESTABLISHED -> CLOSE with no
  // error; the RST follows the transition.
  TimelineBuilder b;
  open_client(b, 1);
  auto c = b.on_transition(ev(1, 5 * kMs, kTcpEstablished, kTcpClose), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->closed_by, "local");
  EXPECT_EQ(c->close_reason, "reset_sent");
  b.on_reset(reset_of(1, 5 * kMs, ResetEvent::Dir::kSent, 1));  // after the end: ignored
  EXPECT_EQ(b.open(), 0u);
}

TEST(TimelineEnd, UserTimeoutAndFailedConnects) {
  TimelineBuilder b;
  open_client(b, 1);
  auto timeout = ev(1, 9 * kMs, kTcpEstablished, kTcpClose);
  timeout.sk_err = ETIMEDOUT;
  auto c = b.on_transition(timeout, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->closed_by, "local");
  EXPECT_EQ(c->close_reason, "timeout");

  for (auto [err, reason, by] : {std::tuple{ECONNREFUSED, "refused", "remote"},
                                 std::tuple{ETIMEDOUT, "timeout", "local"},
                                 std::tuple{EHOSTUNREACH, "unreachable", "remote"},
                                 std::tuple{0, "aborted", "local"}}) {
    TimelineBuilder f;
    f.on_transition(ev(2, 1 * kMs, kTcpClose, kTcpSynSent), false);
    auto fail = ev(2, 2 * kMs, kTcpSynSent, kTcpClose);
    fail.sk_err = static_cast<uint16_t>(err);
    auto d = f.on_transition(fail, false);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->close_reason, reason) << err;
    EXPECT_EQ(d->closed_by, by) << err;
  }
}

TEST(TimelineEnd, OpenConnectionHasNoEnd) {
  TimelineBuilder b;
  open_client(b, 1);
  b.on_retrans(retrans_of(1, 3 * kMs, 1));
  auto open = flushed(b, 10 * kMs);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].retrans, 1u);
  EXPECT_EQ(open[0].closed_by, "");
  EXPECT_EQ(open[0].close_reason, "");
}

DropEvent drop_of(uint64_t cookie, uint64_t ts) {
  DropEvent d;
  d.cookie = cookie;
  d.hdr.ts_ns = ts;
  return d;
}

// Drops are counted on the open connection of their socket's cookie; those
// of other sockets (a listener's, one whose start was not seen) and after
// the end are not.
TEST(TimelineEnd, DropsCountedPerConnectionWhileOpen) {
  TimelineBuilder b;
  open_client(b, 1);
  open_client(b, 2);
  b.on_drop(drop_of(1, 3 * kMs));
  b.on_drop(drop_of(1, 4 * kMs));
  b.on_drop(drop_of(2, 4 * kMs));
  b.on_drop(drop_of(3, 4 * kMs));  // no connection of its own
  auto c = b.on_transition(ev(1, 6 * kMs, kTcpEstablished, kTcpClose), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->drops, 2u);
  EXPECT_EQ(c->retrans, 0u);
  b.on_drop(drop_of(1, 7 * kMs));  // after its end: ignored, not a new connection
  EXPECT_EQ(b.open(), 1u);
  auto open = flushed(b, 10 * kMs);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].cookie, 2u);
  EXPECT_EQ(open[0].drops, 1u);
}

// A server's accepted connection: its transitions are held until accept()
// names the process, its packets' events are not, so a drop or a
// retransmission can come first; the connection counts them when it opens.
TEST(TimelineEnd, PacketEventsBeforeTheFirstTransitionCountWhenItComes) {
  TimelineBuilder b;
  b.on_drop(drop_of(7, 1 * kMs));
  b.on_retrans(retrans_of(7, 1 * kMs, 2));
  b.on_reset(reset_of(7, 9 * kMs, ResetEvent::Dir::kReceived));
  EXPECT_EQ(b.open(), 0u);  // nothing opened by them
  b.on_transition(ev(7, 0, kTcpListen, kTcpSynRecv), false);
  b.on_transition(ev(7, 1 * kMs, kTcpSynRecv, kTcpEstablished), false);
  auto c = b.on_transition(ev(7, 9 * kMs, kTcpEstablished, kTcpClose), false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->drops, 1u);
  EXPECT_EQ(c->retrans, 2u);
  EXPECT_EQ(c->resets, 1u);
  EXPECT_EQ(c->close_reason, "reset_by_peer");
  // After its end they are nobody's.
  b.on_drop(drop_of(7, 10 * kMs));
  EXPECT_EQ(b.open(), 0u);
  EXPECT_TRUE(flushed(b, 11 * kMs).empty());
}

// A connection in TIME_WAIT is kept packed until its end (core/pack.h):
// every field it had comes back, whether it ends, is flushed open or
// vanishes, and what comes while it waits (a drop, a RST) still counts.
TEST(TimelineEnd, TimeWaitConnectionKeptPackedLosesNothing) {
  auto client = [](uint64_t cookie, uint64_t ts, uint8_t old_state, uint8_t new_state) {
    StateEvent e = ev(cookie, ts, old_state, new_state, 4242);
    e.saddr.family = e.daddr.family = AF_INET6;
    for (uint8_t i = 0; i < 16; ++i) e.saddr.bytes[i] = i, e.daddr.bytes[i] = static_cast<uint8_t>(0xf0 | i);
    e.sport = 65535;
    e.dport = 443;
    e.netns = 4026531840u;
    e.sock_cgroup_id = 0x123456789abcull;
    e.hdr.cgroup_id = 77;
    e.hdr.tid = 4243;
    e.hdr.flags = ST_HF_OWNER_KNOWN;
    e.hdr.comm = Comm::of("fifteen-chars-x");
    e.tx_payload = 1ull << 40;
    e.rx_payload = 12345;
    return e;
  };
  auto feed = [&](TimelineBuilder& b, uint64_t cookie) {
    b.on_transition(client(cookie, 1000 * kMs, kTcpClose, kTcpSynSent), false);
    auto est = client(cookie, 1001 * kMs, kTcpSynSent, kTcpEstablished);
    est.srtt_us = 900;
    est.min_rtt_us = 250;
    b.on_transition(est, false);
    b.on_retrans(retrans_of(cookie, 1002 * kMs, 3));
    b.on_reset(reset_of(cookie, 1003 * kMs, ResetEvent::Dir::kSent, 7));
    // Out of order: FIN_WAIT2 -> TIME_WAIT (derived, its time computed) before FIN_WAIT1 -> FIN_WAIT2.
    b.on_transition(client(cookie, 1005 * kMs, kTcpEstablished, kTcpFinWait1), false);
    b.on_transition(client(cookie, 1007 * kMs, kTcpFinWait2, kTcpTimeWait), true);
    b.on_transition(client(cookie, 1006 * kMs, kTcpFinWait1, kTcpFinWait2), false);
    b.on_transition(client(cookie, 1008 * kMs, kTcpFinWait2, kTcpTimeWait), true);
    b.on_drop(drop_of(cookie, 1009 * kMs));  // waiting in TIME_WAIT
  };
  auto expect_whole = [](const Connection& c, uint64_t cookie) {
    EXPECT_EQ(c.cookie, cookie);
    EXPECT_EQ(c.saddr.family, AF_INET6);
    EXPECT_EQ(c.saddr.bytes[15], 15);
    EXPECT_EQ(c.daddr.bytes[0], 0xf0);
    EXPECT_EQ(c.daddr.bytes[15], 0xff);
    EXPECT_EQ(c.sport, 65535);
    EXPECT_EQ(c.dport, 443);
    EXPECT_EQ(c.netns, 4026531840u);
    EXPECT_EQ(c.sock_cgroup_id, 0x123456789abcull);
    EXPECT_EQ(c.owner.pid, 4242u);
    EXPECT_EQ(c.owner.tid, 4243u);
    EXPECT_EQ(c.owner.cgroup_id, 77u);
    EXPECT_EQ(c.owner.flags, ST_HF_OWNER_KNOWN);
    EXPECT_EQ(c.owner.comm.view(), "fifteen-chars-x");
    EXPECT_EQ(c.tx_bytes, 1ull << 40);
    EXPECT_EQ(c.rx_bytes, 12345u);
    EXPECT_EQ(c.retrans, 3u);
    EXPECT_EQ(c.resets, 1u);
    EXPECT_EQ(c.drops, 1u);
    EXPECT_EQ(c.reset_reason, std::optional<uint16_t>(7));
    EXPECT_EQ(c.srtt_us, 900u);
    EXPECT_EQ(c.min_rtt_us, 250u);
    EXPECT_TRUE(c.reset);
    EXPECT_TRUE(c.timewait);
    EXPECT_TRUE(c.start_seen);
    EXPECT_EQ(c.start_ns, 1000 * kMs);
  };

  // Parked in the builder's own records; in records shared with the
  // TIME_WAIT tracker (core/parking.h) whose socket identity is the
  // connection's own; and in shared ones whose identity differs (the
  // tracker stored another owner and endpoints first): whole each time.
  for (int sharing : {0, 1, 2}) {
    SCOPED_TRACE(::testing::Message() << "sharing " << sharing);
    Parking parking;
    auto seed = [&](TimelineBuilder& b, uint64_t cookie) {
      if (sharing == 0) return;
      b.share(parking);
      SocketIdentity id = SocketIdentity::of(client(cookie, 0, kTcpFinWait2, kTcpClose));
      if (sharing == 2) {
        id.owner.pid = 1;
        id.owner.comm = Comm::of("other");
        id.sport = 1;
        id.netns = 1;
      }
      parking.identity(cookie, id);
      parking.put(cookie, Parking::kTracker, std::vector<uint8_t>{1, 2, 3});
    };
    TimelineBuilder ends;
    seed(ends, 1);
    feed(ends, 1);
    EXPECT_EQ(ends.open(), 1u);
    auto end = ends.on_transition(client(1, 61008 * kMs, kTcpTimeWait, kTcpClose), true);
    ASSERT_TRUE(end);
    expect_whole(*end, 1);
    // Two TIME_WAIT entries (the second a later lookup's), sorted by time.
    EXPECT_EQ(path(*end),
              "SYN_SENT=1 ESTABLISHED=4 FIN_WAIT1=1 FIN_WAIT2=1 TIME_WAIT=? FIN_WAIT2=? TIME_WAIT=60000 CLOSE=0");
    EXPECT_EQ(end->close_reason, "reset_sent");  // the RST sent came before the FIN
    EXPECT_EQ(end->closed_by, "local");
    EXPECT_EQ(ends.open(), 0u);

    TimelineBuilder flushes;
    seed(flushes, 2);
    feed(flushes, 2);
    auto open = flushed(flushes, 2000 * kMs);
    ASSERT_EQ(open.size(), 1u);
    expect_whole(open[0], 2);
    EXPECT_TRUE(open[0].open);
    EXPECT_EQ(open[0].end_ns, 2000 * kMs);
    EXPECT_EQ(flushes.open(), 0u);

    TimelineBuilder vanishes;
    seed(vanishes, 3);
    seed(vanishes, 4);
    feed(vanishes, 3);
    feed(vanishes, 4);
    uint32_t asked_netns = 0;
    auto gone = vanished(
        vanishes,
        [&](uint64_t cookie, uint32_t netns) {
          asked_netns = netns;
          return cookie == 4;
        },
        2000 * kMs);
    ASSERT_EQ(gone.size(), 1u);
    expect_whole(gone[0], 3);
    EXPECT_TRUE(gone[0].vanished);
    EXPECT_EQ(asked_netns, 4026531840u);
    EXPECT_EQ(vanishes.open(), 1u);
    // The one still there ends as the first did; the vanished one's late end is not a new connection.
    auto still = vanishes.on_transition(client(4, 61008 * kMs, kTcpTimeWait, kTcpClose), true);
    ASSERT_TRUE(still);
    expect_whole(*still, 4);
    EXPECT_FALSE(vanishes.on_transition(client(3, 61008 * kMs, kTcpTimeWait, kTcpClose), true));
    EXPECT_EQ(vanishes.late(), 1u);

    if (sharing) {
      EXPECT_EQ(parking.count(Parking::kTimeline), 0u);
    }
  }
}

// A TIME_WAIT socket older than socktrace (from sock_diag) waits packed too.
TEST(TimelineEnd, ListedTimeWaitSocketEndsWithItsListing) {
  TimelineBuilder b;
  StateEvent tmpl = ev(5, 0, kTcpTimeWait, kTcpTimeWait, 0);
  tmpl.netns = 9;
  b.existing(tmpl, kTcpTimeWait, 40 * kMs);
  b.existing(tmpl, kTcpTimeWait, 41 * kMs);  // listed again: no second one
  EXPECT_EQ(b.open(), 1u);
  StateEvent close = ev(5, 100 * kMs, kTcpTimeWait, kTcpClose, 0);
  close.netns = 9;
  auto end = b.on_transition(close, true);
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->before_start);
  EXPECT_FALSE(end->start_seen);
  EXPECT_EQ(end->netns, 9u);
  EXPECT_EQ(end->start_ns, 100 * kMs);
  EXPECT_EQ(path(*end), "TIME_WAIT=? CLOSE=0");

  TimelineBuilder exits;  // flushed while it waits
  exits.existing(tmpl, kTcpTimeWait, 40 * kMs);
  auto open = flushed(exits, 50 * kMs);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_TRUE(open[0].before_start);
  EXPECT_TRUE(open[0].open);
  EXPECT_EQ(open[0].netns, 9u);
  EXPECT_EQ(open[0].start_ns, 40 * kMs);
  EXPECT_EQ(open[0].end_ns, 50 * kMs);
  EXPECT_EQ(path(open[0]), "TIME_WAIT=?");
}

// What a user reads: `[2 drops]` on the text line, `"drops":2` in the JSON
// object (0 when there were none), after every field that was there before.
TEST(TimelineEnd, DropsInTheTextLineAndTheJsonObject) {
  testing::TempDir dir;
  auto run = [&](bool json) {
    std::string file = dir.path(json ? "out.json" : "out.txt");
    {
      Output out(file);
      TimelineView view(out, json, WallClock(0));
      for (uint64_t cookie : {1, 2}) {
        view.on_state(ev(cookie, 1 * kMs, kTcpClose, kTcpSynSent), false);
        view.on_state(ev(cookie, 2 * kMs, kTcpSynSent, kTcpEstablished), false);
      }
      view.on_drop(drop_of(1, 3 * kMs));
      view.on_drop(drop_of(1, 4 * kMs));
      view.on_state(ev(1, 5 * kMs, kTcpEstablished, kTcpClose), false);
      view.on_drop(drop_of(2, 5 * kMs));
      view.on_state(ev(2, 6 * kMs, kTcpEstablished, kTcpClose), false);
      view.on_state(ev(3, 6 * kMs, kTcpClose, kTcpSynSent), false);
      view.on_state(ev(3, 7 * kMs, kTcpSynSent, kTcpEstablished), false);
      view.on_state(ev(3, 8 * kMs, kTcpEstablished, kTcpClose), false);
    }
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#' && line.find("TIME") != 0) lines.push_back(line);
    unlink(file.c_str());
    return lines;
  };
  auto text = run(false);
  ASSERT_EQ(text.size(), 3u);
  EXPECT_NE(text[0].find(" -> CLOSE [2 drops] [reset_sent]"), std::string::npos) << text[0];
  EXPECT_NE(text[1].find(" -> CLOSE [1 drop] [reset_sent]"), std::string::npos) << text[1];
  EXPECT_EQ(text[2].find(" drop"), std::string::npos) << text[2];
  auto json = run(true);
  ASSERT_EQ(json.size(), 3u);
  EXPECT_NE(json[0].find(",\"resets\":0,"), std::string::npos) << json[0];
  EXPECT_NE(json[0].find(",\"reset_reason\":null,\"drops\":2}"), std::string::npos) << json[0];
  EXPECT_NE(json[1].find(",\"drops\":1}"), std::string::npos) << json[1];
  EXPECT_NE(json[2].find(",\"drops\":0}"), std::string::npos) << json[2];
}

}  // namespace
}  // namespace socktrace
