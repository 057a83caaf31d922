// `socktrace states --timeline`: one line (text) or one JSON `conn` object
// per connection when it ends, and for every connection still open at exit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/cgroups.h"
#include "core/clock.h"
#include "core/event.h"
#include "core/output.h"
#include "core/timeline.h"

namespace socktrace {

class TimelineView {
 public:
  TimelineView(Output& out, bool json, WallClock clock) : out_(out), json_(json), clock_(clock) {}

  // JSON lines name the container of the socket's cgroup through `lookup`.
  void set_containers(ContainerLookup lookup) { containers_ = std::move(lookup); }
  // The running kernel's RST reason names, indexed by value (Tracer::rst_reasons).
  void set_rst_reasons(std::vector<std::string> names) { rst_reasons_ = std::move(names); }

  void header();
  // A transition, kernel or derived: prints the connection it ends.
  void on_state(const StateEvent& e, bool derived);
  // Counted into the open connection they belong to.
  void on_retrans(const RetransEvent& e) { builder_.on_retrans(e); }
  void on_reset(const ResetEvent& e) { builder_.on_reset(e); }
  void on_drop(const DropEvent& e) { builder_.on_drop(e); }
  // A connection older than socktrace (see TimelineBuilder::existing).
  void existing(const StateEvent& tmpl, uint8_t state, uint64_t monotonic_ns) {
    builder_.existing(tmpl, state, monotonic_ns);
  }
  // Prints every connection still open (at exit), marked open.
  void flush(uint64_t monotonic_ns);
  // Prints, flagged, the open connections `alive` says are gone.
  void close_vanished(const std::function<bool(uint64_t cookie, uint32_t netns)>& alive, uint64_t monotonic_ns);
  void on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns);

  void print(const Connection& c);
  const TimelineBuilder& builder() const { return builder_; }
  // Parked connections kept in `parking` (TimelineBuilder::share).
  void share(Parking& parking) { builder_.share(parking); }
  // Connections printed (ended, vanished, or flushed open).
  uint64_t printed() const { return printed_; }

 private:
  void text_line(const Connection& c);
  void json_line(const Connection& c);

  Output& out_;
  bool json_;
  WallClock clock_;
  ContainerLookup containers_;
  TimelineBuilder builder_;
  fmt::memory_buffer buf_;
  uint64_t printed_ = 0;
  std::vector<std::string> rst_reasons_;
};

}  // namespace socktrace
