#include "app/session.h"

#include <malloc.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/signals.h"
#include "core/clock.h"

namespace socktrace {

namespace {
constexpr uint64_t kTrimIntervalNs = 30'000'000'000ull;
}

Session::Session(const TracerConfig& config, RingReader::Handler on_event, LossSink on_lost)
    : tracer_(config), reader_(tracer_.ringbuf_fd(), std::move(on_event)), on_lost_(std::move(on_lost)) {
  install_stop_signals();
  // Loading parsed the kernel's BTF (tens of MB, freed since): give the
  // pages back rather than keep them for the life of a long-running log.
  malloc_trim(0);
}

void Session::check_losses() {
  losses_ = tracer_.losses();
  reporter_.update(losses_, on_lost_);
}

bool Session::poll(int timeout_ms) {
  reader_.poll(timeout_ms);
  uint64_t now = monotonic_now_ns();
  tracer_.name_acceptors(now);
  if (now < next_check_ns_) return false;
  check_losses();
  next_check_ns_ = now + 1'000'000'000;
  // What the tracked sockets held is given back as they end: a burst's
  // TIME_WAIT sockets end together 60 s after it, and the free chunks they
  // leave between live ones stay in the process otherwise (glibc returns
  // only the heap's top by itself). Measured: under 1 ms when little is
  // free, 29 ms to give back 85 MB (`log` after 112 000 TIME_WAIT sockets
  // ended); -vv prints each.
  if (now >= next_trim_ns_) {
    if (next_trim_ns_) {
      malloc_trim(0);
      spdlog::debug("heap trimmed in {} us", (monotonic_now_ns() - now) / 1000);
    }
    next_trim_ns_ = now + kTrimIntervalNs;
  }
  return true;
}

void Session::finish() {
  tracer_.name_acceptors(monotonic_now_ns(), true);
  reader_.drain(10'000, true);
  if (reader_.skipped()) {
    fmt::print(stderr, "socktrace: the reader did not catch up within 10 s of the stop: {} events left unread, counted "
                       "as lost (unread)\n",
               reader_.skipped());
    on_lost_(reader_.skipped(), "unread");
  }
  if (reader_.unread_bytes())
    fmt::print(stderr, "socktrace: stopped with {} bytes of events not even counted (the reader fell behind by more "
                       "than it counts in 5 s)\n",
               reader_.unread_bytes());
  check_losses();
}

std::string Session::summary() const {
  const LossCounts& l = losses_;
  std::string s = fmt::format("{} events, {} lost ({} ring buffer full, {} BPF recursion", reader_.events(),
                              l.events() + reader_.skipped(), l.ringbuf, l.recursion);
  if (l.child_map) s += fmt::format(", {} child map full", l.child_map);
  if (l.dispatch) s += fmt::format(", {} not dispatched", l.dispatch);
  if (reader_.skipped()) s += fmt::format(", {} unread at the stop", reader_.skipped());
  if (l.recursion_recovered) s += fmt::format("; {} nested transitions recovered", l.recursion_recovered);
  s += ')';
  if (l.owner_map) s += fmt::format(", {} owners not recorded (owner map full)", l.owner_map);
  if (l.pid_map) s += fmt::format(", {} forks not followed (pid map full)", l.pid_map);
  return s + fmt::format(", {} undecodable", reader_.undecodable());
}

}  // namespace socktrace
