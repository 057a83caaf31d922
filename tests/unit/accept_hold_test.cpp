// AcceptHold: a pre-fork server's child transitions before accept(), held
// until the acceptor is known, from hand-built events.
#include "core/accept_hold.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/names.h"
#include "socktrace/events.h"

namespace socktrace {
namespace {

constexpr uint64_t kMs = 1'000'000;

Header owner(uint32_t pid, const std::string& comm, uint32_t flags) {
  Header h;
  h.pid = h.tid = pid;
  h.flags = flags;
  std::copy(comm.begin(), comm.end(), h.comm.chars.begin());
  return h;
}

StateEvent ev(uint64_t cookie, uint8_t old_state, uint8_t new_state, const Header& h) {
  StateEvent e;
  e.hdr = h;
  e.cookie = cookie;
  e.old_state = old_state;
  e.new_state = new_state;
  return e;
}

class AcceptHoldTest : public ::testing::Test {
 protected:
  std::vector<StateEvent> out;
  AcceptHold hold{[this](const StateEvent& e) { out.push_back(e); }, 2000 * kMs, 4};
  Header master = owner(10, "master", ST_HF_OWNER_KNOWN | ST_HF_OWNER_INHERITED);
  Header worker = owner(11, "worker", ST_HF_OWNER_KNOWN);
};

TEST_F(AcceptHoldTest, HeldUntilAcceptThenTheWorkers) {
  hold.on_state(ev(1, kTcpListen, kTcpSynRecv, master), 0);
  hold.on_state(ev(1, kTcpSynRecv, kTcpEstablished, master), 1);
  hold.on_state(ev(1, kTcpEstablished, kTcpCloseWait, master), 2);  // a fast client's FIN
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(hold.held(), 1u);
  hold.on_accept(1, worker, true);
  hold.on_state(ev(1, kTcpCloseWait, kTcpLastAck, worker), 3);
  ASSERT_EQ(out.size(), 4u);
  for (const StateEvent& e : out) EXPECT_EQ(e.hdr.pid, 11u);
  EXPECT_EQ(out[0].new_state, kTcpSynRecv);
  EXPECT_EQ(out[2].new_state, kTcpCloseWait);
  EXPECT_TRUE(out[0].hdr.flags & ST_HF_OWNER_ACCEPTED);
  EXPECT_FALSE(out[0].hdr.flags & ST_HF_OWNER_INHERITED);
  EXPECT_EQ(out[0].hdr.comm.view(), "worker");
  EXPECT_FALSE(out[3].hdr.flags & ST_HF_OWNER_ACCEPTED);
  EXPECT_EQ(hold.accepted(), 1u);
}

TEST_F(AcceptHoldTest, AFilteredOutAcceptorDropsThem) {
  hold.on_state(ev(1, kTcpListen, kTcpSynRecv, master), 0);
  hold.on_accept(1, worker, false);
  // One that raced with accept() still carries the listener's owner.
  hold.on_state(ev(1, kTcpSynRecv, kTcpEstablished, master), 1);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(hold.dropped(), 2u);
}

TEST_F(AcceptHoldTest, NotAcceptedInTimeGoesOutWithTheListenersOwner) {
  hold.on_state(ev(1, kTcpListen, kTcpSynRecv, master), 0);
  hold.tick(1999 * kMs);
  EXPECT_TRUE(out.empty());
  hold.tick(2000 * kMs);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].hdr.pid, 10u);
  EXPECT_TRUE(out[0].hdr.flags & ST_HF_OWNER_INHERITED);
  EXPECT_EQ(hold.expired(), 1u);
}

// A lost clone's two transitions (ST_COOKIE_LOST_CLONE) go out at once:
// nobody can accept it; its winner, under the same cookie without the bit,
// is held as any child.
TEST_F(AcceptHoldTest, ALostCloneIsNotHeld) {
  const uint64_t winner = 5, lost = winner | ST_COOKIE_LOST_CLONE;
  hold.on_state(ev(winner, kTcpListen, kTcpSynRecv, master), 0);
  hold.on_state(ev(lost, kTcpListen, kTcpSynRecv, master), 0);
  hold.on_state(ev(lost, kTcpSynRecv, kTcpClose, master), 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].cookie, lost);
  EXPECT_EQ(out[1].new_state, kTcpClose);
  EXPECT_EQ(out[1].hdr.pid, 10u);
  EXPECT_EQ(hold.held(), 1u);
  hold.on_accept(winner, worker, true);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].cookie, winner);
  EXPECT_EQ(out[2].hdr.pid, 11u);
  EXPECT_EQ(hold.expired(), 0u);
}

TEST_F(AcceptHoldTest, BoundedInMemoryOldestFirst) {
  for (uint64_t c = 1; c <= 5; ++c) hold.on_state(ev(c, kTcpListen, kTcpSynRecv, master), c);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cookie, 1u);
  EXPECT_EQ(hold.held(), 4u);
  hold.flush();
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(hold.held(), 0u);
}

TEST_F(AcceptHoldTest, AnOwnerLearnedAnotherWayReleasesThem) {
  hold.on_state(ev(1, kTcpListen, kTcpSynRecv, master), 0);
  hold.on_state(ev(1, kTcpEstablished, kTcpFinWait1, worker), 1);  // the accept event was lost
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].hdr.pid, 11u);
  EXPECT_EQ(out[1].hdr.pid, 11u);
}

TEST_F(AcceptHoldTest, OtherSocketsPassStraightThrough) {
  hold.on_state(ev(7, kTcpClose, kTcpSynSent, worker), 0);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(hold.held(), 0u);
}

}  // namespace
}  // namespace socktrace
