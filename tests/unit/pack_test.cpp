// core/pack: what the TIME_WAIT tracker and the timelines keep packed comes
// back field for field.

#include "core/pack.h"

#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

StateEvent every_field(uint16_t family, uint64_t big) {
  StateEvent e;
  e.hdr.flags = 0xffffffffu;
  e.hdr.ts_ns = big;
  e.hdr.pid = 4194304;
  e.hdr.tid = 1;
  e.hdr.cgroup_id = big - 1;
  std::memcpy(e.hdr.comm.chars.data(), "sixteen-chars-xy", 16);  // no NUL: all 16 kept
  e.skaddr = 0xffff888012345678ull;
  e.cookie = big;
  e.sock_cgroup_id = 1;
  e.tx_bytes = big;
  e.rx_bytes = 0;
  e.ino = 123456789;
  e.saddr.family = e.daddr.family = family;
  for (uint8_t i = 0; i < (family == AF_INET ? 4 : 16); ++i)
    e.saddr.bytes[i] = static_cast<uint8_t>(i + 1), e.daddr.bytes[i] = static_cast<uint8_t>(255 - i);
  e.sport = 65535;
  e.dport = 1;
  e.netns = 0xffffffffu;
  e.rx_queue = 7;
  e.tx_queue = 0x80000000u;
  e.cpu_pid = 99;
  e.protocol = 6;
  e.old_state = 5;
  e.new_state = 7;
  e.tx_payload = big;
  e.rx_payload = 127;
  e.sk_err = 104;
  e.srtt_us = 128;
  e.min_rtt_us = 0xffffffffu;
  return e;
}

void expect_same(const StateEvent& a, const StateEvent& b) {
  EXPECT_EQ(std::memcmp(&a.hdr.comm, &b.hdr.comm, sizeof(a.hdr.comm)), 0);
  EXPECT_EQ(a.hdr.flags, b.hdr.flags);
  EXPECT_EQ(a.hdr.ts_ns, b.hdr.ts_ns);
  EXPECT_EQ(a.hdr.pid, b.hdr.pid);
  EXPECT_EQ(a.hdr.tid, b.hdr.tid);
  EXPECT_EQ(a.hdr.cgroup_id, b.hdr.cgroup_id);
  EXPECT_EQ(a.skaddr, b.skaddr);
  EXPECT_EQ(a.cookie, b.cookie);
  EXPECT_EQ(a.sock_cgroup_id, b.sock_cgroup_id);
  EXPECT_EQ(a.tx_bytes, b.tx_bytes);
  EXPECT_EQ(a.rx_bytes, b.rx_bytes);
  EXPECT_EQ(a.ino, b.ino);
  EXPECT_EQ(a.saddr.family, b.saddr.family);
  EXPECT_EQ(a.saddr.bytes, b.saddr.bytes);
  EXPECT_EQ(a.daddr.family, b.daddr.family);
  EXPECT_EQ(a.daddr.bytes, b.daddr.bytes);
  EXPECT_EQ(a.sport, b.sport);
  EXPECT_EQ(a.dport, b.dport);
  EXPECT_EQ(a.netns, b.netns);
  EXPECT_EQ(a.rx_queue, b.rx_queue);
  EXPECT_EQ(a.tx_queue, b.tx_queue);
  EXPECT_EQ(a.cpu_pid, b.cpu_pid);
  EXPECT_EQ(a.protocol, b.protocol);
  EXPECT_EQ(a.old_state, b.old_state);
  EXPECT_EQ(a.new_state, b.new_state);
  EXPECT_EQ(a.tx_payload, b.tx_payload);
  EXPECT_EQ(a.rx_payload, b.rx_payload);
  EXPECT_EQ(a.sk_err, b.sk_err);
  EXPECT_EQ(a.srtt_us, b.srtt_us);
  EXPECT_EQ(a.min_rtt_us, b.min_rtt_us);
}

TEST(Pack, StateEventComesBackFieldForField) {
  for (uint16_t family : {uint16_t{AF_INET}, uint16_t{AF_INET6}})
    for (uint64_t big : {uint64_t{2}, uint64_t{1} << 63, std::numeric_limits<uint64_t>::max()}) {
      SCOPED_TRACE(testing::Message() << "family " << family << ", " << big);
      const StateEvent e = every_field(family, big);
      PackWriter w;
      pack_state_event(w, e);
      const std::size_t size = w.size();
      pack_state_event(w, StateEvent{});  // two records back to back: each reads only its own bytes
      Packed p = w.take();
      EXPECT_EQ(w.size(), 0u);
      PackReader r(p.get());
      expect_same(unpack_state_event(r), e);
      expect_same(unpack_state_event(r), StateEvent{});
      // Even with every field at its widest, an IPv4 event packs smaller.
      if (family == AF_INET) {
        EXPECT_LT(size, sizeof(StateEvent));
      }
    }
}

// Packed beside its socket's identity: what is the same is left out, what
// differs is kept, and the event comes back whole either way.
TEST(Pack, StateEventBesideAnIdentityComesBackFieldForField) {
  const StateEvent e = every_field(AF_INET, 2);
  SocketIdentity same = SocketIdentity::of(e);
  SocketIdentity other_owner = same, other_end = same;
  other_owner.owner.comm = Comm::of("other");
  other_end.daddr.bytes[3] ^= 1;
  PackWriter plain;
  pack_state_event(plain, e);
  for (const SocketIdentity* id : {&same, &other_owner, &other_end}) {
    PackWriter w;
    pack_state_event(w, e, id);
    if (id == &same) {
      EXPECT_LT(w.size() + 30, plain.size());
    }
    Packed p = w.take();
    PackReader r(p.get());
    expect_same(unpack_state_event(r, id), e);
  }
}

TEST(Pack, IntegersAtTheirEdges) {
  PackWriter w;
  const uint64_t us[] = {0, 127, 128, 16383, 16384, uint64_t{1} << 35, std::numeric_limits<uint64_t>::max()};
  const int64_t ss[] = {0, -1, 1, -64, 64, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (uint64_t v : us) w.u(v);
  for (int64_t v : ss) w.s(v);
  const std::size_t size = w.size();
  EXPECT_EQ(size, (1 + 1 + 2 + 2 + 3 + 6 + 10) + (1 + 1 + 1 + 1 + 2 + 10 + 10));
  Packed p = w.take();
  PackReader r(p.get());
  for (uint64_t v : us) EXPECT_EQ(r.u(), v);
  for (int64_t v : ss) EXPECT_EQ(r.s(), v);
}

}  // namespace
}  // namespace socktrace
