// Event timestamps are CLOCK_MONOTONIC (bpf_ktime_get_ns); users want wall
// time. The offset is measured once at start.
#pragma once

#include <cstdint>
#include <string>

namespace socktrace {

class WallClock {
 public:
  // Measures the current CLOCK_REALTIME - CLOCK_MONOTONIC offset.
  static WallClock now();
  explicit WallClock(int64_t offset_ns) : offset_ns_(offset_ns) {}
  // Unix epoch nanoseconds of a monotonic timestamp.
  uint64_t epoch_ns(uint64_t monotonic_ns) const { return monotonic_ns + offset_ns_; }

 private:
  int64_t offset_ns_;
};

uint64_t monotonic_now_ns();

// "Now" for a step that needs the time only on some paths: a given time, or
// CLOCK_MONOTONIC read once, when first asked (the consumer handles most
// events without looking at the clock).
class LazyNow {
 public:
  LazyNow() = default;
  LazyNow(uint64_t ns) : ns_(ns), known_(true) {}  // NOLINT: a given time converts
  uint64_t operator()() {
    if (!known_) ns_ = monotonic_now_ns(), known_ = true;
    return ns_;
  }

 private:
  uint64_t ns_ = 0;
  bool known_ = false;
};

// "HH:MM:SS.uuuuuu" in local time, as strace -tt prints it.
std::string format_clock_time(uint64_t epoch_ns);
// A short human duration: "850ns", "12.3us", "1.30ms", "2.500s", "1m05.0s".
std::string format_duration(uint64_t ns);

}  // namespace socktrace
