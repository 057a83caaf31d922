// TIME_WAIT on tracepoints alone. When TCP enters TIME_WAIT the kernel swaps
// the socket for an inet_timewait_sock and sock:inet_sock_set_state shows
// FIN_WAIT2 -> CLOSE (or CLOSING -> CLOSE); the timewait socket's own end
// has no tracepoint. So, for such a transition of a socket that sent or
// received no RST, the tracker asks sock_diag about the exact 4-tuple and
// cookie (a timewait socket keeps its socket's cookie):
//   - a timewait socket in TIME-WAIT: shown as `FIN_WAIT2 -> TIME_WAIT`;
//   - a timewait socket in FIN-WAIT-2 (an orphan, which ss shows as
//     FIN-WAIT-2): nothing is shown; the socket is still in FIN_WAIT2;
//   - nothing there: a real close (RST, timeout, no timewait bucket): the
//     kernel's transition as it is.
// Then it looks the timewait sockets up again (when their timer is due, and
// every second for FIN-WAIT-2 ones) and shows FIN_WAIT2 -> TIME_WAIT when the
// peer's FIN arrives and `-> CLOSE` when the socket is gone. Those derived
// transitions carry the last known owner of the socket.
//
// A timewait socket can also end early with no tracepoint: connect() with
// tcp_tw_reuse recycles it (TcpExtTWRecycled), and a new SYN to a server's
// one kills it. Either way a new socket takes its 4-tuple, and that socket's
// transitions show it: the first transition of another socket with the same
// 4-tuple in the same netns that proves the tuple taken (not connect()'s
// CLOSE -> SYN_SENT, which comes before the recycling and may fail) ends the
// tracked one (`-> CLOSE` at that transition's time, shown before it).
//
// Pure: the lookup is injected (kernel/sock_diag in the binary, a fake in
// unit tests).
#pragma once

#include <cstdint>
#include <array>
#include <functional>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/event.h"
#include "core/flat_map.h"
#include "core/pack.h"
#include "core/parking.h"

namespace socktrace {

// What sock_diag says about a socket's 4-tuple and cookie.
struct TwLookup {
  enum class Result { kGone, kFound, kUnknown };
  Result result = Result::kUnknown;  // kUnknown: could not look (e.g. its netns is unreachable)
  bool timewait = false;             // an inet_timewait_sock (idiag_timer 3)
  uint8_t state = 0;                 // kernel TCP_*; a timewait socket's substate
  uint32_t expires_ms = 0;           // time left on its timer
};

class TimewaitTracker {
 public:
  // Looks up the 4-tuple and cookie of `e` (netns e.netns).
  using Lookup = std::function<TwLookup(const StateEvent& e)>;
  // Receives every transition to show, kernel or derived, in order.
  using Sink = std::function<void(const StateEvent& e, bool derived)>;

  // TCP_TIMEWAIT_LEN: a timewait socket's timer is armed for this long when
  // it enters TIME-WAIT (include/net/tcp.h, fixed since Linux 2.0; no sysctl
  // changes it).
  static constexpr uint64_t kTimewaitLenNs = 60'000'000'000ull;

  TimewaitTracker(Lookup lookup, Sink sink, uint64_t poll_ns = 1'000'000'000ull)
      : lookup_(std::move(lookup)), sink_(std::move(sink)), poll_ns_(poll_ns) {}

  // Keeps its records in `parking` (shared with the timeline and states
  // views of the same sockets) instead of its own; before the first event.
  void share(Parking& parking) { parking_ = &parking; }

  // A kernel transition, seen at monotonic time now (read only for a swap
  // candidate, after its lookup).
  void on_state(const StateEvent& e, LazyNow now);
  // Looks up the timewait sockets that are due.
  void tick(uint64_t now_ns);
  // Looks up every tracked timewait socket once (at exit): what changed is
  // shown, what remains stays tracked (its connection is still open).
  void finish(uint64_t now_ns);

  // A timewait socket that predates socktrace (from a sock_diag dump):
  // `tmpl` carries its tuple, cookie and netns; `state` is its substate
  // (TIME_WAIT, or FIN_WAIT2 for an orphan). Its end is derived as for the
  // ones seen entering it.
  void adopt(const StateEvent& tmpl, uint8_t state, uint32_t expires_ms, uint64_t now_ns);
  bool tracks(uint64_t cookie) const { return parking_->has(cookie, Parking::kTracker); }
  // Looks `cookie` up now (a reconciliation found it differs), not when due.
  void check_now(uint64_t cookie, uint64_t now_ns);

  // Is `cookie`'s next lookup due by now_ns (its timer has run out)? A
  // reconciliation that finds such a socket gone is not drift.
  bool due(uint64_t cookie, uint64_t now_ns) const;
  // Forgets `cookie` after a reconciliation found it gone and counted it as
  // drift; its `-> CLOSE` is shown at now_ns.
  void gone(uint64_t cookie, uint64_t now_ns);

  std::size_t tracked() const { return parking_->count(Parking::kTracker); }
  // Timewait sockets ended because a new socket took their 4-tuple.
  uint64_t recycled() const { return recycled_; }
  // Transitions to -> CLOSE that could not be checked (kUnknown): shown as
  // the kernel reported them.
  uint64_t unchecked() const { return unchecked_; }

 private:
  // A tracked socket: its part of the socket's record in parking_ is its
  // state, its next check's time, and the kernel's FIN_WAIT2/CLOSING ->
  // CLOSE, the template of derived events, packed (core/pack.h) beside the
  // socket's identity.
  struct Tracked {
    uint8_t state = 0;  // TIME_WAIT or FIN_WAIT2 (as ss shows it)
    uint64_t next_check_ns = 0;
    StateEvent last;
  };
  std::optional<Tracked> find(uint64_t cookie) const;
  // Stores t as cookie's record (t.last.cookie).
  void store(const Tracked& t);
  // netns, family, local and remote address and port.
  struct TupleKey {
    uint32_t netns = 0;
    uint16_t family = 0;
    uint16_t sport = 0, dport = 0;
    std::array<uint8_t, 16> saddr{}, daddr{};
    bool operator==(const TupleKey&) const = default;
  };
  struct TupleHash {
    std::size_t operator()(const TupleKey& k) const;
  };
  static std::optional<TupleKey> tuple_of(const StateEvent& e);
  // Tracks last.cookie, with `last` as its template.
  void track(const StateEvent& last, uint8_t state, uint64_t next_check_ns);
  void untrack(const Tracked& t);
  void end_recycled(const StateEvent& e);
  // Looks t up; stores what changed, or untracks it when it is gone.
  void check(Tracked& t, uint64_t now_ns);
  void derive(const StateEvent& last, uint8_t old_state, uint8_t new_state, uint64_t ts_ns);
  uint64_t next_check(uint8_t state, uint32_t expires_ms, uint64_t now_ns) const;

  Lookup lookup_;
  Sink sink_;
  uint64_t poll_ns_;
  Parking own_parking_;
  Parking* parking_ = &own_parking_;  // by socket cookie
  // The 4-tuple's hash (TupleHash: 64 bits) -> cookie of a tracked one,
  // checked against that socket's own tuple at each use. Two tracked
  // tuples with one hash (odds ~1e-9 with 131 072 tracked) would leave the
  // first one's end to its timer's lookup instead of the new socket that
  // takes its tuple.
  FlatMap<uint64_t> by_tuple_;
  // (next_check_ns, cookie), soonest first; an entry whose time is no
  // longer its socket's next_check_ns is stale and skipped.
  std::priority_queue<std::pair<uint64_t, uint64_t>, std::vector<std::pair<uint64_t, uint64_t>>, std::greater<>> due_;
  uint64_t unchecked_ = 0;
  uint64_t recycled_ = 0;
  PackWriter packer_;
};

}  // namespace socktrace
