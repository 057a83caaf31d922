#include "core/timewait.h"

#include <algorithm>

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

void TimewaitTracker::derive(const Tracked& t, uint8_t old_state, uint8_t new_state, uint64_t ts_ns) {
  StateEvent e = t.last;
  e.hdr.ts_ns = ts_ns;
  e.hdr.flags &= ~ST_HF_RESET;
  e.old_state = old_state;
  e.new_state = new_state;
  e.rx_queue = e.tx_queue = 0;
  sink_(e, true);
}

void TimewaitTracker::on_state(const StateEvent& e, uint64_t now_ns) {
  bool swap_candidate = e.new_state == kTcpClose && (e.old_state == kTcpFinWait2 || e.old_state == kTcpClosing) &&
                        !(e.hdr.flags & ST_HF_RESET);
  if (!swap_candidate) return sink_(e, false);
  TwLookup r = lookup_(e);
  if (r.result == TwLookup::Result::kUnknown) ++unchecked_;
  if (r.result != TwLookup::Result::kFound || !r.timewait ||
      (r.state != kTcpTimeWait && !(r.state == kTcpFinWait2 && e.old_state == kTcpFinWait2)))
    return sink_(e, false);  // a real close

  Tracked t{e, r.state, next_check(r.state, r.expires_ms, now_ns)};
  if (r.state == kTcpTimeWait) {
    // A FIN-WAIT-2 timewait socket may have received the peer's FIN since
    // the swap: the timer, re-armed then, tells when.
    uint64_t entry = e.hdr.ts_ns;
    uint64_t computed = timewait_entry(now_ns, r.expires_ms);
    if (e.old_state == kTcpFinWait2 && computed > e.hdr.ts_ns + kEntrySlackNs) entry = computed;
    derive(t, e.old_state, kTcpTimeWait, entry);
  }
  next_due_ns_ = std::min(next_due_ns_, t.next_check_ns);
  tracked_[e.cookie] = t;
}

void TimewaitTracker::check(Tracked& t, uint64_t now_ns, bool* gone) {
  TwLookup r = lookup_(t.last);
  *gone = false;
  if (r.result == TwLookup::Result::kUnknown) {
    t.next_check_ns = now_ns + poll_ns_;
    return;
  }
  if (r.result == TwLookup::Result::kGone || !r.timewait) {
    derive(t, t.state, kTcpClose, now_ns);
    *gone = true;
    return;
  }
  if (r.state != t.state && r.state == kTcpTimeWait) {
    derive(t, t.state, kTcpTimeWait, std::max(timewait_entry(now_ns, r.expires_ms), t.last.hdr.ts_ns));
    t.state = kTcpTimeWait;
  }
  t.next_check_ns = next_check(t.state, r.expires_ms, now_ns);
}

void TimewaitTracker::tick(uint64_t now_ns) {
  if (now_ns < next_due_ns_) return;
  next_due_ns_ = UINT64_MAX;
  for (auto it = tracked_.begin(); it != tracked_.end();) {
    bool gone = false;
    if (it->second.next_check_ns <= now_ns) check(it->second, now_ns, &gone);
    if (gone) {
      it = tracked_.erase(it);
    } else {
      next_due_ns_ = std::min(next_due_ns_, it->second.next_check_ns);
      ++it;
    }
  }
}

void TimewaitTracker::adopt(const StateEvent& tmpl, uint8_t state, uint32_t expires_ms, uint64_t now_ns) {
  Tracked t{tmpl, state, next_check(state, expires_ms, now_ns)};
  t.last.old_state = state;
  t.last.new_state = kTcpClose;
  next_due_ns_ = std::min(next_due_ns_, t.next_check_ns);
  tracked_[tmpl.cookie] = t;
}

void TimewaitTracker::check_now(uint64_t cookie, uint64_t now_ns) {
  auto it = tracked_.find(cookie);
  if (it == tracked_.end()) return;
  bool gone = false;
  check(it->second, now_ns, &gone);
  if (gone)
    tracked_.erase(it);
  else
    next_due_ns_ = std::min(next_due_ns_, it->second.next_check_ns);
}

void TimewaitTracker::finish(uint64_t now_ns) {
  for (auto& [cookie, t] : tracked_) t.next_check_ns = 0;
  next_due_ns_ = 0;
  tick(now_ns);
}

}  // namespace socktrace
