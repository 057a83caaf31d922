// Per-connection timelines: the transitions of each socket (by cookie),
// assembled into its whole path with the time spent in each state, its owner,
// endpoints and payload bytes, once it ends.
//
// Transitions can arrive out of order (derived ones carry computed times) or
// not at all (ring buffer full, BPF recursion misses). Steps are ordered by
// time when the connection ends; a step whose old state is not the previous
// step's new state marks a gap (transitions missing), shown with unknown
// durations and counted. A connection is keyed by its socket cookie, which
// the kernel never reuses, so a lost transition cannot leak into another
// connection: at worst its own timeline is flagged, or, when its end was
// lost, closed by close_vanished() once sock_diag no longer lists it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/pack.h"
#include "core/parking.h"
#include "core/recent_keys.h"

namespace socktrace {

struct ConnState {
  uint8_t state = 0;  // kernel TCP_*
  int64_t ns = 0;     // time spent in it; -1: unknown (a gap, or before the first transition seen)
};

struct Connection {
  uint64_t cookie = 0;
  uint32_t netns = 0;
  uint64_t sock_cgroup_id = 0;  // the cgroup the socket was created in
  Address saddr, daddr;
  uint16_t sport = 0, dport = 0;
  Header owner;               // the last known owner (pid 0: never known); ts_ns: the end
  std::vector<ConnState> states;  // in order; finished: ends with CLOSE (ns 0)
  uint64_t start_ns = 0;      // monotonic time of the first transition seen
  uint64_t end_ns = 0;        // of the last one (open: of the flush)
  uint64_t tx_bytes = 0;      // payload bytes (no SYN/FIN, no retransmissions)
  uint64_t rx_bytes = 0;
  bool open = false;          // still open when flushed
  bool start_seen = false;    // the first transition seen starts the socket (CLOSE -> ..., LISTEN -> SYN_RECV)
  int gaps = 0;               // places where transitions are missing
  bool vanished = false;      // its end was not seen; sock_diag no longer lists it
  bool reset = false;         // it sent or received a RST
  bool timewait = false;      // it went through TIME_WAIT (derived)
  uint64_t retrans = 0;       // segments retransmitted (retrans events seen while it was open)
  uint32_t resets = 0;        // RSTs sent or received (reset events seen)
  uint32_t drops = 0;         // packets for it the kernel dropped for a TCP reason (drop events seen)
  uint32_t srtt_us = 0;       // at its last transition; 0: no sample
  uint32_t min_rtt_us = 0;
  // Who ended it first: "local" (sent the first FIN or RST, or gave up: a
  // timeout), "remote" (its FIN or RST came first, a refused connect), or
  // empty while it is open or when neither was seen.
  std::string_view closed_by;
  // Why it ended: "normal" (FINs), "reset_by_peer", "reset_sent" (with
  // reset_reason where the kernel gives one), "timeout", a failed connect's
  // outcome ("refused", "unreachable", "aborted"...), "error"; empty while open.
  std::string_view close_reason;
  std::optional<uint16_t> reset_reason;  // the kernel's sk_rst_reason of the first RST sent
  bool before_start = false;  // it existed before socktrace started (sock_diag listed it)
  bool complete() const { return start_seen && gaps == 0 && !open && !vanished; }
  uint64_t duration_ns() const { return end_ns - start_ns; }
};

class TimelineBuilder {
 public:
  // A transition (kernel or derived). Returns the connection it ended, if
  // any. Listening sockets have no timeline.
  std::optional<Connection> on_transition(const StateEvent& e, bool derived);
  // A retransmission or a RST on an open connection (by cookie). One that
  // comes before its connection's first transition (held until accept()
  // names the process, while the packet events are not) waits for it: a
  // bounded number of such sockets are remembered.
  void on_retrans(const RetransEvent& e);
  void on_reset(const ResetEvent& e);
  // A packet the kernel dropped for a TCP reason, counted on the
  // connection of that socket (by cookie), as on_retrans(); a listener's
  // or a request socket's have no connection.
  void on_drop(const DropEvent& e);
  // A connection that existed before socktrace started, in `state` at
  // monotonic time ts_ns (from a sock_diag dump): `tmpl` carries its cookie,
  // endpoints, netns and owner. Its timeline starts there, marked
  // before_start; it is flushed at exit when nothing ends it.
  void existing(const StateEvent& tmpl, uint8_t state, uint64_t ts_ns);
  // Receives the connections of flush() and close_vanished(), one at a time.
  using ConnectionSink = std::function<void(const Connection&)>;
  // Every connection still open, marked open, timed up to now_ns, by start
  // time; forgets them. One at a time, each forgotten once handed over: a
  // host holds a hundred thousand open connections (one per TIME_WAIT
  // socket), and all of them assembled at once took ~370 bytes each more.
  void flush(uint64_t now_ns, const ConnectionSink& sink);
  // Ends, flagged vanished, the open connections for which `alive` says no
  // (their -> CLOSE was lost).
  void close_vanished(const std::function<bool(uint64_t cookie, uint32_t netns)>& alive, uint64_t now_ns,
                      const ConnectionSink& sink);

  std::size_t open() const { return open_.size() + parking_->count(Parking::kTimeline); }
  // Keeps its parked connections in `parking` (shared with the TIME_WAIT
  // tracker and the states view of the same sockets) instead of its own;
  // before the first event.
  void share(Parking& parking) { parking_ = &parking; }
  // Transitions that arrived after their connection had ended: dropped.
  uint64_t late() const { return late_; }

 private:
  enum class EndSign : uint8_t { kNone, kFinSent, kFinReceived, kRstSent, kRstReceived };
  struct Step {
    uint64_t ts_ns;
    uint8_t old_state, new_state;
  };
  struct Open {
    // Its endpoints as its last transition showed them (a local port once
    // one showed it), not the whole event: a host holds tens of thousands
    // of these (every TIME_WAIT socket's connection is open).
    Address saddr, daddr;
    uint16_t sport = 0, dport = 0;
    uint32_t netns = 0;
    uint64_t sock_cgroup_id = 0;
    std::vector<Step> steps;
    Header owner;  // of the last transition that named a process, else of the last one
    void take(const StateEvent& e) {
      saddr = e.saddr, daddr = e.daddr, dport = e.dport, netns = e.netns, sock_cgroup_id = e.sock_cgroup_id;
      if (e.sport) sport = e.sport;
      if (e.hdr.pid || !owner.pid) owner = e.hdr;
    }
    bool listener = false;
    bool reset = false;
    bool timewait = false;
    bool before_start = false;
    uint8_t existing_state = 0;  // before_start: its state when listed
    // The first sign of its end, by time: a FIN sent or received (the
    // transition into FIN_WAIT1 / CLOSE_WAIT), a RST sent or received; and
    // the first RST by time (kRstSent or kRstReceived). One byte each: a
    // host holds tens of thousands of these.
    EndSign first_end = EndSign::kNone;
    EndSign first_rst = EndSign::kNone;
    uint64_t existing_ns = 0;    // before_start: when it was listed
    uint64_t tx = 0, rx = 0;
    uint64_t retrans = 0;
    uint32_t resets = 0;
    uint32_t drops = 0;
    uint64_t first_end_ns = UINT64_MAX;
    uint64_t first_rst_ns = UINT64_MAX;
    std::optional<uint16_t> reset_reason;
    uint16_t sk_err = 0;  // at -> CLOSE
    uint32_t srtt_us = 0, min_rtt_us = 0;
    void end_sign(uint64_t ts_ns, EndSign what) {
      if (ts_ns < first_end_ns) first_end_ns = ts_ns, first_end = what;
      if ((what == EndSign::kRstSent || what == EndSign::kRstReceived) && ts_ns < first_rst_ns)
        first_rst_ns = ts_ns, first_rst = what;
    }
  };
  static std::string_view sign_name(EndSign sign);
  // When its timeline starts: its first transition's time, or when it was
  // listed (before_start, no transition since).
  static uint64_t start_of(const Open& o);
  Connection assemble(uint64_t cookie, Open& o, uint64_t end_ns, bool finished) const;
  void remember_ended(uint64_t cookie);
  // Where a retrans, reset or drop of `cookie` counts: its open connection,
  // or its waiting record (nullptr: it has ended).
  Open* counting(uint64_t cookie);

  // A connection in TIME_WAIT waits for its timer (60 s) with nothing to
  // learn but its end: it is kept packed (core/pack.h) as its socket's
  // timeline part in parking_ (its endpoints and owner left out when they are
  // the socket's identity), ~80 bytes where its Open and steps took ~380,
  // and unpacked by its next event.
  void park(std::unordered_map<uint64_t, Open>::iterator it);
  // Back into open_ when `cookie` is parked: false when it is not.
  bool unpark(uint64_t cookie);
  // A parked connection as an Open again.
  Open unpack(uint64_t cookie, std::span<const uint8_t> bytes) const;
  // Parks `cookie` again when it is an open connection in TIME_WAIT.
  void repark(uint64_t cookie);

  std::unordered_map<uint64_t, Open> open_;
  Parking own_parking_;
  Parking* parking_ = &own_parking_;
  PackWriter packer_;
  // Recently ended cookies, so a late transition does not open a bogus
  // connection.
  RecentKeys ended_{65536};
  // Retrans, resets and drops of sockets whose first transition has not
  // come yet, the oldest forgotten first.
  std::unordered_map<uint64_t, Open> early_;
  std::deque<uint64_t> early_order_;
  uint64_t late_ = 0;
};

}  // namespace socktrace
