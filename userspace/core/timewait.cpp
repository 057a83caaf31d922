#include "core/timewait.h"

#include <algorithm>
#include <cstring>

#include "core/names.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {
constexpr uint64_t kMs = 1'000'000;
// expires_ms is truncated to milliseconds and the timer runs on jiffies:
// an entry computed from it is this close to the truth.
constexpr uint64_t kEntrySlackNs = 5 * kMs;
// A timer that is due may run a little late (timer wheel granularity).
constexpr uint64_t kRecheckNs = 250 * kMs;

// Monotonic time the timewait socket entered TIME-WAIT: its timer was armed
// for TCP_TIMEWAIT_LEN then and has expires_ms left now.
uint64_t timewait_entry(uint64_t now_ns, uint32_t expires_ms) {
  uint64_t left = uint64_t{expires_ms} * kMs;
  uint64_t elapsed = left >= TimewaitTracker::kTimewaitLenNs ? 0 : TimewaitTracker::kTimewaitLenNs - left;
  return now_ns > elapsed ? now_ns - elapsed : 0;
}
}  // namespace

uint64_t TimewaitTracker::next_check(uint8_t state, uint32_t expires_ms, uint64_t now_ns) const {
  uint64_t left = std::max<uint64_t>(uint64_t{expires_ms} * kMs, kRecheckNs);
  // A FIN-WAIT-2 timewait socket moves to TIME-WAIT whenever the peer's FIN
  // arrives: look often enough to see it.
  if (state == kTcpFinWait2) left = std::min(left, poll_ns_);
  return now_ns + left;
}

std::optional<TimewaitTracker::Tracked> TimewaitTracker::find(uint64_t cookie) const {
  std::span<const uint8_t> bytes = parking_->get(cookie, Parking::kTracker);
  if (bytes.empty()) return std::nullopt;
  const std::optional<SocketIdentity> id = parking_->identity(cookie);  // stored with the part
  PackReader r(bytes.data());
  Tracked t;
  t.state = r.byte();
  const int64_t next = r.s();
  t.last = unpack_state_event(r, &*id);
  t.last.cookie = cookie;
  t.next_check_ns = t.last.hdr.ts_ns + static_cast<uint64_t>(next);
  return t;
}

void TimewaitTracker::store(const Tracked& t) {
  const SocketIdentity id = parking_->identity(t.last.cookie, SocketIdentity::of(t.last));
  packer_.byte(t.state);
  // Beside the template's time, and without the cookie (the record's key):
  // a few bytes where each took up to 9.
  packer_.s(static_cast<int64_t>(t.next_check_ns - t.last.hdr.ts_ns));
  StateEvent last = t.last;
  last.cookie = 0;
  pack_state_event(packer_, last, &id);
  parking_->put(t.last.cookie, Parking::kTracker, packer_.view());
  packer_.clear();
}

void TimewaitTracker::derive(const StateEvent& last, uint8_t old_state, uint8_t new_state, uint64_t ts_ns) {
  StateEvent e = last;
  e.hdr.ts_ns = ts_ns;
  e.hdr.flags &= ~ST_HF_RESET;
  e.old_state = old_state;
  e.new_state = new_state;
  e.rx_queue = e.tx_queue = 0;
  sink_(e, true);
}

std::size_t TimewaitTracker::TupleHash::operator()(const TupleKey& k) const {
  // Eight bytes at a time: it runs for every tracked socket's start and end.
  auto word = [](const std::array<uint8_t, 16>& a, std::size_t at) {
    uint64_t w;
    std::memcpy(&w, a.data() + at, sizeof(w));
    return w;
  };
  uint64_t h = (uint64_t{k.netns} << 32 | uint64_t{k.sport} << 16 | k.dport) ^ uint64_t{k.family} << 60;
  for (uint64_t w : {word(k.saddr, 0), word(k.saddr, 8), word(k.daddr, 0), word(k.daddr, 8)}) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  // UINT64_MAX is FlatMap's empty slot.
  return static_cast<std::size_t>(h == FlatMap<uint64_t>::kEmpty ? h - 1 : h);
}

// A transition shows its socket's 4-tuple once both ports are set (connect()
// shows the local port 0 until it picks one; before Linux 6.15 a child's
// LISTEN -> SYN_RECV shows no remote end yet).
std::optional<TimewaitTracker::TupleKey> TimewaitTracker::tuple_of(const StateEvent& e) {
  if (e.sport == 0 || e.dport == 0 || e.saddr.family == 0) return std::nullopt;
  TupleKey k;
  k.netns = e.netns;
  k.family = e.saddr.family;
  k.sport = e.sport;
  k.dport = e.dport;
  k.saddr = e.saddr.bytes;
  k.daddr = e.daddr.bytes;
  return k;
}

void TimewaitTracker::track(const StateEvent& last, uint8_t state, uint64_t next_check_ns) {
  store(Tracked{state, next_check_ns, last});
  if (auto k = tuple_of(last)) by_tuple_[TupleHash{}(*k)] = last.cookie;
  due_.emplace(next_check_ns, last.cookie);
}

void TimewaitTracker::untrack(const Tracked& t) {
  if (auto k = tuple_of(t.last)) {
    const uint64_t h = TupleHash{}(*k);
    if (const uint64_t* b = by_tuple_.find(h); b && *b == t.last.cookie) by_tuple_.erase(h);
  }
  parking_->erase(t.last.cookie, Parking::kTracker);
}

void TimewaitTracker::end_recycled(const StateEvent& e) {
  if (by_tuple_.empty()) return;
  // connect() shows CLOSE -> SYN_SENT before it hashes the socket (and
  // recycles a timewait socket); when that fails (EADDRNOTAVAIL: the
  // timewait socket is too young) SYN_SENT -> CLOSE follows. Neither proves
  // the 4-tuple taken; the transition after CLOSE -> SYN_SENT does.
  if (e.old_state == kTcpClose || (e.old_state == kTcpSynSent && e.new_state == kTcpClose)) return;
  // Only a socket's first transitions with its whole 4-tuple can show it
  // taking a timewait socket's: SYN_SENT -> ESTABLISHED (or SYN_RECV), a
  // child's LISTEN -> SYN_RECV (with the remote end since Linux 6.15) and
  // SYN_RECV -> ESTABLISHED. Its later ones come after that check; looking
  // them up too was a third of the tracker's cost under connection churn.
  if (e.old_state != kTcpSynSent && e.old_state != kTcpListen && e.old_state != kTcpSynRecv) return;
  auto k = tuple_of(e);
  if (!k) return;
  const uint64_t h = TupleHash{}(*k);
  const uint64_t* b = by_tuple_.find(h);
  if (!b || *b == e.cookie) return;
  std::optional<Tracked> t = find(*b);
  if (!t) {
    by_tuple_.erase(h);
    return;
  }
  if (tuple_of(t->last) != k) return;  // another tuple with the same hash
  derive(t->last, t->state, kTcpClose, std::max(e.hdr.ts_ns, t->last.hdr.ts_ns));
  ++recycled_;
  untrack(*t);
}

void TimewaitTracker::on_state(const StateEvent& e, LazyNow now) {
  end_recycled(e);
  bool swap_candidate = e.new_state == kTcpClose && (e.old_state == kTcpFinWait2 || e.old_state == kTcpClosing) &&
                        !(e.hdr.flags & ST_HF_RESET);
  if (!swap_candidate) return sink_(e, false);
  TwLookup r = lookup_(e);
  if (r.result == TwLookup::Result::kUnknown) ++unchecked_;
  if (r.result != TwLookup::Result::kFound || !r.timewait ||
      (r.state != kTcpTimeWait && !(r.state == kTcpFinWait2 && e.old_state == kTcpFinWait2)))
    return sink_(e, false);  // a real close

  const uint64_t now_ns = now();
  if (r.state == kTcpTimeWait) {
    // A FIN-WAIT-2 timewait socket may have received the peer's FIN since
    // the swap: the timer, re-armed then, tells when.
    uint64_t entry = e.hdr.ts_ns;
    uint64_t computed = timewait_entry(now_ns, r.expires_ms);
    if (e.old_state == kTcpFinWait2 && computed > e.hdr.ts_ns + kEntrySlackNs) entry = computed;
    derive(e, e.old_state, kTcpTimeWait, entry);
  }
  track(e, r.state, next_check(r.state, r.expires_ms, now_ns));
}

void TimewaitTracker::check(Tracked& t, uint64_t now_ns) {
  TwLookup r = lookup_(t.last);
  if (r.result == TwLookup::Result::kUnknown) {
    t.next_check_ns = now_ns + poll_ns_;
  } else if (r.result == TwLookup::Result::kGone || !r.timewait) {
    derive(t.last, t.state, kTcpClose, now_ns);
    untrack(t);
    return;
  } else {
    if (r.state != t.state && r.state == kTcpTimeWait) {
      derive(t.last, t.state, kTcpTimeWait, std::max(timewait_entry(now_ns, r.expires_ms), t.last.hdr.ts_ns));
      t.state = kTcpTimeWait;
    }
    t.next_check_ns = next_check(t.state, r.expires_ms, now_ns);
  }
  store(t);
  due_.emplace(t.next_check_ns, t.last.cookie);
}

void TimewaitTracker::tick(uint64_t now_ns) {
  // Only what is due: a host can hold tens of thousands of timewait sockets.
  while (!due_.empty() && due_.top().first <= now_ns) {
    auto [when, cookie] = due_.top();
    due_.pop();
    std::optional<Tracked> t = find(cookie);
    if (!t || t->next_check_ns != when) continue;  // stale entry
    check(*t, now_ns);
  }
}

void TimewaitTracker::adopt(const StateEvent& tmpl, uint8_t state, uint32_t expires_ms, uint64_t now_ns) {
  StateEvent last = tmpl;
  last.old_state = state;
  last.new_state = kTcpClose;
  track(last, state, next_check(state, expires_ms, now_ns));
}

bool TimewaitTracker::due(uint64_t cookie, uint64_t now_ns) const {
  std::optional<Tracked> t = find(cookie);
  return t && t->next_check_ns <= now_ns;
}

void TimewaitTracker::gone(uint64_t cookie, uint64_t now_ns) {
  std::optional<Tracked> t = find(cookie);
  if (!t) return;
  derive(t->last, t->state, kTcpClose, now_ns);
  untrack(*t);
}

void TimewaitTracker::check_now(uint64_t cookie, uint64_t now_ns) {
  if (std::optional<Tracked> t = find(cookie)) check(*t, now_ns);
}

void TimewaitTracker::finish(uint64_t now_ns) {
  std::vector<uint64_t> cookies;
  cookies.reserve(tracked());
  parking_->for_each(Parking::kTracker, [&](uint64_t cookie, std::span<const uint8_t>) { cookies.push_back(cookie); });
  for (uint64_t cookie : cookies) check_now(cookie, now_ns);
}

}  // namespace socktrace
