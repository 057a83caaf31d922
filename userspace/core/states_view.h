// `socktrace states`: one line (text) or one JSON object per TCP state
// transition, with the time the socket spent in its old state.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "core/cgroups.h"
#include "core/clock.h"
#include "core/event.h"
#include "core/output.h"

namespace socktrace {

class StatesView {
 public:
  StatesView(Output& out, bool json, WallClock clock) : out_(out), json_(json), clock_(clock) {}

  // JSON lines name the container of the socket's cgroup through `lookup`.
  void set_containers(ContainerLookup lookup) { containers_ = std::move(lookup); }

  void header();
  // `derived`: socktrace derived this transition (TIME_WAIT entry and end,
  // which no tracepoint reports; see timewait.h).
  void on_state(const StateEvent& e, bool derived = false);
  // `count` more events were lost at `where` since the last report.
  void on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns);

  // Sockets whose last transition is remembered (for the time in the old
  // state); forgotten at -> CLOSE.
  std::size_t tracked() const { return since_.size(); }

 private:
  void text_line(const StateEvent& e, int64_t in_old_ns, bool derived);
  void json_line(const StateEvent& e, int64_t in_old_ns, bool derived);

  Output& out_;
  bool json_;
  WallClock clock_;
  ContainerLookup containers_;
  fmt::memory_buffer buf_;
  struct Seen {
    uint64_t ts_ns;   // of the last transition
    uint16_t sport;   // last non-zero local port
  };
  // By socket cookie. The kernel clears the local port when it unhashes a
  // closing socket, so -> CLOSE shows the port remembered here.
  std::unordered_map<uint64_t, Seen> since_;
};

}  // namespace socktrace
