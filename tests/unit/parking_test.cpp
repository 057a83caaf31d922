// FlatMap against std::unordered_map under random operations; Parking's
// parts, kept apart in one record per socket, with the identity they share.

#include "core/flat_map.h"
#include "core/parking.h"

#include <sys/socket.h>

#include <random>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

TEST(FlatMap, SameAsUnorderedMapUnderRandomInsertsAndErases) {
  FlatMap<uint32_t> flat;
  std::unordered_map<uint64_t, uint32_t> ref;
  std::mt19937_64 rng(7);
  // Keys from a small range collide in probing chains; growth and shrinking
  // both happen (the population rises to ~3 000 and falls back to 0).
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 20'000; ++i) {
      uint64_t key = rng() % 4096;
      if (round % 2 == 0 ? rng() % 3 != 0 : rng() % 3 == 0) {
        uint32_t v = static_cast<uint32_t>(rng());
        flat[key] = v;
        ref[key] = v;
      } else {
        EXPECT_EQ(flat.erase(key), ref.erase(key) == 1) << key;
      }
    }
    ASSERT_EQ(flat.size(), ref.size());
    for (uint64_t key = 0; key < 4096; ++key) {
      const uint32_t* v = flat.find(key);
      auto it = ref.find(key);
      ASSERT_EQ(v != nullptr, it != ref.end()) << key;
      if (v) {
        EXPECT_EQ(*v, it->second);
      }
    }
    std::size_t seen = 0;
    flat.for_each([&](uint64_t key, uint32_t v) {
      ++seen;
      EXPECT_EQ(ref.at(key), v);
    });
    EXPECT_EQ(seen, ref.size());
  }
  for (auto& [key, v] : ref) EXPECT_TRUE(flat.erase(key));
  EXPECT_TRUE(flat.empty());
  // Keys a multiplicative hash maps alike (multiples of a power of two) and
  // the largest valid key.
  for (uint64_t i = 0; i < 1000; ++i) flat[i << 32] = static_cast<uint32_t>(i);
  flat[FlatMap<uint32_t>::kEmpty - 1] = 9;
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_EQ(*flat.find(i << 32), i);
  EXPECT_EQ(*flat.find(FlatMap<uint32_t>::kEmpty - 1), 9u);
}

std::vector<uint8_t> bytes(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

TEST(Parking, PartsAreKeptApartInOneRecord) {
  Parking p;
  const std::vector<uint8_t> a{1, 2, 3}, b(300, 7), c{};
  p.put(42, Parking::kTimeline, b);
  p.put(42, Parking::kTracker, a);
  p.put(42, Parking::kView, c);  // an empty part is still a part
  EXPECT_EQ(bytes(p.get(42, Parking::kTracker)), a);
  EXPECT_EQ(bytes(p.get(42, Parking::kTimeline)), b);
  EXPECT_TRUE(p.has(42, Parking::kView));
  EXPECT_FALSE(p.has(43, Parking::kView));
  EXPECT_EQ(p.count(Parking::kTracker), 1u);
  // Replacing one part leaves the others as they were.
  p.put(42, Parking::kTracker, b);
  EXPECT_EQ(bytes(p.get(42, Parking::kTracker)), b);
  EXPECT_EQ(bytes(p.get(42, Parking::kTimeline)), b);
  EXPECT_EQ(p.count(Parking::kTracker), 1u);
  p.erase(42, Parking::kTimeline);
  EXPECT_FALSE(p.has(42, Parking::kTimeline));
  EXPECT_EQ(bytes(p.get(42, Parking::kTracker)), b);
  EXPECT_EQ(p.count(Parking::kTimeline), 0u);
  std::vector<uint64_t> with_tracker;
  p.for_each(Parking::kTracker, [&](uint64_t cookie, std::span<const uint8_t> s) {
    with_tracker.push_back(cookie);
    EXPECT_EQ(bytes(s), b);
  });
  EXPECT_EQ(with_tracker, std::vector<uint64_t>{42});
  p.erase(42, Parking::kTracker);
  p.erase(42, Parking::kView);
  EXPECT_FALSE(p.has(42, Parking::kTracker));
  EXPECT_FALSE(p.identity(42));
}

TEST(Parking, TheFirstIdentityStaysUntilTheLastPartGoes) {
  Parking p;
  SocketIdentity first;
  first.netns = 4026531840u;
  first.saddr.family = first.daddr.family = AF_INET;
  first.saddr.bytes = {10, 0, 0, 1};
  first.sport = 5000;
  first.owner.pid = 77;
  first.owner.comm = Comm::of("nginx");
  SocketIdentity second = first;
  second.owner.pid = 78;
  EXPECT_EQ(p.identity(9, first).owner.pid, 77u);
  p.put(9, Parking::kTracker, std::vector<uint8_t>{1});
  // Another part asks with other values: it gets the record's.
  SocketIdentity got = p.identity(9, second);
  EXPECT_EQ(got.owner.pid, 77u);
  EXPECT_TRUE(got.same_owner(first.owner));
  EXPECT_FALSE(got.same_owner(second.owner));
  EXPECT_TRUE(got.same_endpoints(first.netns, first.saddr, first.daddr, first.sport, first.dport, 0));
  p.put(9, Parking::kTimeline, std::vector<uint8_t>{2});
  p.erase(9, Parking::kTracker);
  EXPECT_EQ(p.identity(9)->owner.comm.view(), "nginx");
  EXPECT_EQ(p.count(Parking::kTracker), 0u);
  p.erase(9, Parking::kTimeline);
  EXPECT_FALSE(p.identity(9));  // the record went with its last part
  EXPECT_EQ(p.identity(9, second).owner.pid, 78u);
  p.put(9, Parking::kView, std::vector<uint8_t>{});
}

}  // namespace
}  // namespace socktrace
