// `socktrace states`: one line (text) or one JSON object per TCP state
// transition, with the time the socket spent in its old state.
#pragma once

#include <cstdint>
#include <string_view>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "core/cgroups.h"
#include "core/clock.h"
#include "core/event.h"
#include "core/flat_map.h"
#include "core/output.h"
#include "core/parking.h"

namespace socktrace {

class StatesView {
 public:
  StatesView(Output& out, bool json, WallClock clock) : out_(out), json_(json), clock_(clock) {}

  // JSON lines name the container of the socket's cgroup through `lookup`.
  void set_containers(ContainerLookup lookup) { containers_ = std::move(lookup); }
  // The running kernel's RST reason names, indexed by value (Tracer::rst_reasons).
  void set_rst_reasons(std::vector<std::string> names) { rst_reasons_ = std::move(names); }
  // The running kernel's drop reason names, indexed by value (Tracer::drop_reasons).
  void set_drop_reasons(std::vector<std::string> names) { drop_reasons_ = std::move(names); }

  void header();
  // `derived`: socktrace derived this transition (TIME_WAIT entry and end,
  // which no tracepoint reports; see timewait.h).
  void on_state(const StateEvent& e, bool derived = false);
  // A step in a UDP or unix stream socket's life: a line like a transition's,
  // with ss's state names (UNCONN, ESTAB, LISTEN) and "(udp bind)" after it;
  // in JSON an `event:"state"` object with `proto` "udp" or "unix" and `op`.
  void on_sock(const SockEvent& e);
  // A retransmission: a `retrans` line, with the socket's count so far.
  void on_retrans(const RetransEvent& e);
  // A RST sent or received: a `reset` line.
  void on_reset(const ResetEvent& e);
  // A packet dropped for a TCP reason: a `drop` line with the reason.
  void on_drop(const DropEvent& e);
  // A listener's drops grew: a `listen_overflow` line.
  void on_listen_overflow(const ListenOverflowEvent& e);
  // `count` more events were lost at `where` since the last report.
  void on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns);

  // Sockets whose last transition is remembered (for the time in the old
  // state); forgotten at -> CLOSE.
  std::size_t tracked() const { return since_.size() + (parking_ ? parking_->count(Parking::kView) : 0); }
  // Keeps the last transition's time of sockets in TIME_WAIT in `parking`
  // (shared with the TIME_WAIT tracker and the timeline of the same
  // sockets); before the first event.
  void share(Parking& parking) { parking_ = &parking; }

 private:
  void text_line(const StateEvent& e, int64_t in_old_ns, bool derived);
  void json_line(const StateEvent& e, int64_t in_old_ns, bool derived);
  void sock_text_line(const SockEvent& e, int64_t in_old_ns);
  void sock_json_line(const SockEvent& e, int64_t in_old_ns);
  // After a SYN_SENT -> X transition: how the active open ended.
  void connect_line(const StateEvent& e, int64_t in_syn_sent_ns);
  std::string reset_reason(const ResetEvent& e) const;

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
  FlatMap<Seen> since_;
  Parking* parking_ = nullptr;
  // UDP and unix sockets by kernel address: time of the last step; forgotten
  // at their end.
  std::unordered_map<uint64_t, uint64_t> sock_since_;
  // Segments retransmitted per socket cookie, as seen; forgotten at -> CLOSE.
  std::unordered_map<uint64_t, uint64_t> retrans_;
  std::vector<std::string> rst_reasons_;
  std::vector<std::string> drop_reasons_;
};


}  // namespace socktrace
