#include "core/listen_drops.h"

#include <gtest/gtest.h>

namespace socktrace {
namespace {

TEST(ListenDrops, AnOldListenersEarlierDropsAreNotCounted) {
  ListenDrops d;
  auto first = d.update(1, 500);
  EXPECT_EQ(first.drops, 0u);
  EXPECT_EQ(first.total, 0u);
  auto next = d.update(1, 503);
  EXPECT_EQ(next.drops, 3u);
  EXPECT_EQ(next.total, 3u);
  next = d.update(1, 503);
  EXPECT_EQ(next.drops, 0u);
  EXPECT_EQ(next.total, 3u);
}

TEST(ListenDrops, AListenerSeenBornCountsFromZero) {
  ListenDrops d;
  d.born(7);
  auto first = d.update(7, 4);
  EXPECT_EQ(first.drops, 4u);
  EXPECT_EQ(first.total, 4u);
  EXPECT_EQ(d.update(7, 6).total, 6u);
}

TEST(ListenDrops, TheCounterWrapsAt32Bits) {
  ListenDrops d;
  d.update(2, 0xfffffffe);
  auto next = d.update(2, 1);
  EXPECT_EQ(next.drops, 3u);
  EXPECT_EQ(next.total, 3u);
}

TEST(ListenDrops, AClosedListenerIsForgotten) {
  ListenDrops d;
  d.born(3);
  d.update(3, 2);
  d.closed(3);
  // The cookie again (never reused by the kernel, but a new look): old.
  EXPECT_EQ(d.update(3, 9).drops, 0u);
}

}  // namespace
}  // namespace socktrace
