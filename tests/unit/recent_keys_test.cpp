#include "core/recent_keys.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <unordered_set>

namespace socktrace {
namespace {

TEST(RecentKeys, RemembersTheLastNDistinctKeys) {
  RecentKeys keys(4);
  EXPECT_FALSE(keys.contains(7));
  EXPECT_TRUE(keys.insert(7));
  EXPECT_FALSE(keys.insert(7));  // already there: its age does not change
  for (uint64_t k : {8, 9, 10}) EXPECT_TRUE(keys.insert(k));
  EXPECT_EQ(keys.size(), 4u);
  EXPECT_TRUE(keys.insert(11));  // 7, the oldest, goes
  EXPECT_FALSE(keys.contains(7));
  for (uint64_t k : {8, 9, 10, 11}) EXPECT_TRUE(keys.contains(k)) << k;
  EXPECT_EQ(keys.size(), 4u);
}

TEST(RecentKeys, KeyZeroIsAKeyLikeAnyOther) {
  RecentKeys keys(2);
  EXPECT_FALSE(keys.contains(0));
  EXPECT_TRUE(keys.insert(0));
  EXPECT_TRUE(keys.contains(0));
  keys.insert(1);
  keys.insert(2);
  EXPECT_FALSE(keys.contains(0));
  EXPECT_TRUE(keys.contains(1));
  EXPECT_TRUE(keys.contains(2));
}

// Against a reference (a set and a FIFO) over keys that collide in the
// table: nearly sequential, as cookies are, and random ones.
TEST(RecentKeys, AgreesWithAReferenceOverManyInsertions) {
  for (bool sequential : {true, false}) {
    RecentKeys keys(64);
    std::unordered_set<uint64_t> set;
    std::deque<uint64_t> fifo;
    std::mt19937_64 rng(42);
    uint64_t next = 1000;
    for (int i = 0; i < 200000; ++i) {
      uint64_t k = sequential ? next + rng() % 80 : rng() % 500;
      if (sequential && rng() % 2) ++next;
      bool fresh = set.insert(k).second;
      if (fresh) {
        fifo.push_back(k);
        if (fifo.size() > 64) {
          set.erase(fifo.front());
          fifo.pop_front();
        }
      }
      ASSERT_EQ(keys.insert(k), fresh) << i;
      uint64_t probe = sequential ? next + rng() % 80 : rng() % 500;
      ASSERT_EQ(keys.contains(probe), set.count(probe) > 0) << i;
    }
    EXPECT_EQ(keys.size(), fifo.size());
    for (uint64_t k : fifo) EXPECT_TRUE(keys.contains(k));
  }
}

}  // namespace
}  // namespace socktrace
