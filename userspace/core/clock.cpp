#include "core/clock.h"

#include <time.h>

#include <fmt/format.h>

namespace socktrace {

namespace {
int64_t read_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

uint64_t monotonic_now_ns() { return static_cast<uint64_t>(read_ns(CLOCK_MONOTONIC)); }

WallClock WallClock::now() {
  // Bracket the realtime read between two monotonic reads and take the middle.
  int64_t m1 = read_ns(CLOCK_MONOTONIC);
  int64_t r = read_ns(CLOCK_REALTIME);
  int64_t m2 = read_ns(CLOCK_MONOTONIC);
  return WallClock(r - (m1 + (m2 - m1) / 2));
}

std::string format_clock_time(uint64_t epoch_ns) {
  time_t secs = static_cast<time_t>(epoch_ns / 1'000'000'000);
  // localtime_r takes a lock and checks TZ on every call; events come a
  // second at a time.
  thread_local time_t cached_secs = -1;
  thread_local tm local{};
  if (secs != cached_secs) {
    localtime_r(&secs, &local);
    cached_secs = secs;
  }
  return fmt::format("{:02}:{:02}:{:02}.{:06}", local.tm_hour, local.tm_min, local.tm_sec,
                     (epoch_ns % 1'000'000'000) / 1000);
}

std::string format_duration(uint64_t ns) {
  // Thresholds sit where rounding would carry into the next unit.
  if (ns < 1'000) return fmt::format("{}ns", ns);
  if (ns < 999'950) return fmt::format("{:.1f}us", ns / 1e3);
  if (ns < 999'995'000) return fmt::format("{:.2f}ms", ns / 1e6);
  if (ns < 59'999'500'000) return fmt::format("{:.3f}s", ns / 1e9);
  uint64_t tenths = (ns + 50'000'000) / 100'000'000;
  return fmt::format("{}m{:02}.{}s", tenths / 600, tenths % 600 / 10, tenths % 10);
}

}  // namespace socktrace
