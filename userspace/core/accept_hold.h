// Pre-fork servers (nginx, apache prefork, gunicorn, php-fpm): the parent
// listens and never accepts, workers accept. Until accept() returns, a
// child socket's transitions (the handshake, even a fast client's FIN) go
// out with its listener's owner (ST_HF_OWNER_INHERITED): the parent. The
// BPF side reports who accepted such a child (a TCP SockEvent, op
// ST_SOCK_ACCEPT); this holds each child's inherited transitions until
// then and hands them on with the acceptor as owner (ST_HF_OWNER_ACCEPTED),
// or drops them when a filter excludes the acceptor (-p one worker).
//
// Bounded: a child not accepted within `hold_ns` (a backlog nobody drains,
// a lost accept event), or pushed out by `max_held` younger ones, goes out
// with its listener's owner, as the kernel side saw it. The order of each
// socket's transitions is kept; sockets' transitions may interleave
// differently than they happened.
//
// Pure: the sink gets the events to show, in order per socket.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/event.h"

namespace socktrace {

class AcceptHold {
 public:
  using Sink = std::function<void(const StateEvent& e)>;

  static constexpr uint64_t kDefaultHoldNs = 2'000'000'000ull;
  static constexpr std::size_t kDefaultMaxHeld = 65536;

  explicit AcceptHold(Sink sink, uint64_t hold_ns = kDefaultHoldNs, std::size_t max_held = kDefaultMaxHeld)
      : sink_(std::move(sink)), hold_ns_(hold_ns), max_held_(max_held) {}

  // A kernel transition, seen at monotonic time now.
  void on_state(const StateEvent& e, LazyNow now);
  // `acceptor` accepted the child `cookie`; `admitted`: the filters admit
  // the acceptor (else the child's held transitions are dropped).
  void on_accept(uint64_t cookie, const Header& acceptor, bool admitted);
  // Hands on, with the listener's owner, what waited longer than hold_ns.
  void tick(uint64_t now_ns);
  // Hands on everything held (at exit).
  void flush();

  std::size_t held() const { return held_.size(); }
  uint64_t accepted() const { return accepted_count_; }  // children handed to their acceptor
  uint64_t expired() const { return expired_; }          // went out with the listener's owner
  uint64_t dropped() const { return dropped_; }          // the acceptor was filtered out

 private:
  struct Held {
    std::vector<StateEvent> events;
    uint64_t since_ns = 0;
  };
  struct Acceptor {
    Header hdr;
    bool admitted = true;
  };
  void release(uint64_t cookie, const Acceptor* by);
  void emit(StateEvent e, const Acceptor* by);
  void remember(uint64_t cookie, const Acceptor& a);

  Sink sink_;
  uint64_t hold_ns_;
  std::size_t max_held_;
  std::unordered_map<uint64_t, Held> held_;              // by cookie
  std::deque<std::pair<uint64_t, uint64_t>> order_;      // (since_ns, cookie), oldest first; may hold stale pairs
  std::unordered_map<uint64_t, Acceptor> acceptors_;     // recently accepted children: a late inherited event
  std::deque<uint64_t> acceptors_order_;
  uint64_t accepted_count_ = 0;
  uint64_t expired_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace socktrace
