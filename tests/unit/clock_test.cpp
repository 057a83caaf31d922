// Durations as users read them, and monotonic -> wall time.

#include "core/clock.h"

#include <time.h>

#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

TEST(FormatDuration, ExamplesFromTheHeader) {
  EXPECT_EQ(format_duration(850), "850ns");
  EXPECT_EQ(format_duration(12'300), "12.3us");
  EXPECT_EQ(format_duration(1'300'000), "1.30ms");
  EXPECT_EQ(format_duration(2'500'000'000), "2.500s");
  EXPECT_EQ(format_duration(65'000'000'000), "1m05.0s");
}

TEST(FormatDuration, UnitBoundaries) {
  EXPECT_EQ(format_duration(0), "0ns");
  EXPECT_EQ(format_duration(999), "999ns");
  EXPECT_EQ(format_duration(1'000), "1.0us");
  EXPECT_EQ(format_duration(1'000'000), "1.00ms");
  EXPECT_EQ(format_duration(1'000'000'000), "1.000s");
  EXPECT_EQ(format_duration(60'000'000'000), "1m00.0s");
  EXPECT_EQ(format_duration(61'500'000'000), "1m01.5s");
  EXPECT_EQ(format_duration(3'600'000'000'000), "60m00.0s");
}

// Rounding up to the next unit must carry into it. See the report:
// format_duration() in userspace/core/clock.cpp picks the unit before
// rounding. Enable once fixed.
TEST(FormatDuration, RoundingCarriesIntoTheNextUnit) {
  EXPECT_EQ(format_duration(999'999), "1.00ms");        // not "1000.0us"
  EXPECT_EQ(format_duration(999'999'999), "1.000s");    // not "1000.00ms"
  EXPECT_EQ(format_duration(59'999'999'999), "1m00.0s");  // not "60.000s"
  EXPECT_EQ(format_duration(119'960'000'000), "2m00.0s");  // not "1m60.0s"
}

TEST(WallClock, EpochAddsTheOffset) {
  EXPECT_EQ(WallClock(1'000).epoch_ns(5), 1'005u);
  EXPECT_EQ(WallClock(0).epoch_ns(123'456'789), 123'456'789u);
  EXPECT_EQ(WallClock(-100).epoch_ns(1'000), 900u);
  EXPECT_EQ(WallClock(1'700'000'000'000'000'000).epoch_ns(42), 1'700'000'000'000'000'042u);
}

TEST(WallClock, NowMapsMonotonicToRealtime) {
  WallClock clock = WallClock::now();
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t mono = monotonic_now_ns();
  uint64_t real = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
  uint64_t wall = clock.epoch_ns(mono);
  uint64_t diff = wall > real ? wall - real : real - wall;
  EXPECT_LT(diff, 100'000'000u) << "wall " << wall << " realtime " << real;
}

TEST(MonotonicNow, DoesNotGoBackwards) {
  uint64_t a = monotonic_now_ns();
  uint64_t b = monotonic_now_ns();
  EXPECT_GT(a, 0u);
  EXPECT_GE(b, a);
}

// format_clock_time() prints local time; pin the zone for the test.
class UtcTime : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* tz = std::getenv("TZ")) saved_ = tz;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (saved_)
      setenv("TZ", saved_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

 private:
  std::optional<std::string> saved_;
};

TEST_F(UtcTime, FormatClockTimeIsStraceTt) {
  // 1970-01-01 01:02:03.456789123 UTC
  uint64_t ns = (3600u + 2 * 60u + 3u) * 1'000'000'000ull + 456'789'123u;
  EXPECT_EQ(format_clock_time(ns), "01:02:03.456789");
  EXPECT_EQ(format_clock_time(0), "00:00:00.000000");
  // 2023-11-14 22:13:20.000001 UTC
  EXPECT_EQ(format_clock_time(1'700'000'000'000'001'000ull), "22:13:20.000001");
}

TEST(LazyNow, AGivenTimeIsThatTime) {
  LazyNow now(5);
  EXPECT_EQ(now(), 5u);
  EXPECT_EQ(LazyNow(0)(), 0u);  // zero is a time too, not "read the clock"
}

TEST(LazyNow, TheClockIsReadOnceWhenFirstAsked) {
  uint64_t before = monotonic_now_ns();
  LazyNow now;
  uint64_t first = now();
  EXPECT_GE(first, before);
  EXPECT_LE(first, monotonic_now_ns());
  EXPECT_EQ(now(), first);
}

}  // namespace
}  // namespace socktrace
