#include "core/timeline.h"

#include <algorithm>
#include <cerrno>

#include "core/names.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {
constexpr std::size_t kEarlyRemembered = 4096;

// A step's two states in one byte (TCP states are below 15), or 0xFF and
// both bytes.
void pack_states(PackWriter& w, uint8_t old_state, uint8_t new_state) {
  if (old_state < 15 && new_state < 16) return w.byte(static_cast<uint8_t>(old_state << 4 | new_state));
  w.byte(0xFF);
  w.byte(old_state);
  w.byte(new_state);
}
std::pair<uint8_t, uint8_t> unpack_states(PackReader& r) {
  uint8_t b = r.byte();
  if (b != 0xFF) return {static_cast<uint8_t>(b >> 4), static_cast<uint8_t>(b & 15)};
  uint8_t old_state = r.byte();
  return {old_state, r.byte()};
}

// A time beside `base` (the last step's): 0 for none (UINT64_MAX), else
// 1 + the zigzag of the difference (a few bytes where the time took 9).
void pack_time_near(PackWriter& w, uint64_t ts, uint64_t base) {
  w.u(ts == UINT64_MAX ? 0 : 1 + zigzag(static_cast<int64_t>(ts - base)));
}
uint64_t unpack_time_near(PackReader& r, uint64_t base) {
  uint64_t z = r.u();
  return z == 0 ? UINT64_MAX : base + static_cast<uint64_t>(unzigzag(z - 1));
}
}

void TimelineBuilder::park(std::unordered_map<uint64_t, Open>::iterator it) {
  const Open& o = it->second;
  PackWriter& w = packer_;
  const SocketIdentity id = parking_->identity(it->first, SocketIdentity::of(o, o.owner));
  uint8_t same = 0;
  if (id.same_endpoints(o)) same |= kSameEndpoints;
  if (id.same_owner(o.owner)) same |= kSameOwner;
  w.byte(same);
  if (!(same & kSameEndpoints)) pack_endpoints(w, o);
  // Steps in their order (derived ones carry computed times: not sorted yet).
  w.u(o.steps.size());
  uint64_t prev = 0;
  for (const Step& step : o.steps) {
    w.s(static_cast<int64_t>(step.ts_ns - prev));
    prev = step.ts_ns;
    pack_states(w, step.old_state, step.new_state);
  }
  // (the owner's time is not kept: assemble() sets it to the end's)
  if (!(same & kSameOwner)) {
    Header owner = o.owner;
    owner.ts_ns = 0;
    w.header(owner);
  }
  w.byte(static_cast<uint8_t>(o.listener | o.reset << 1 | o.timewait << 2 | o.before_start << 3 |
                              o.reset_reason.has_value() << 4));
  w.byte(o.existing_state);
  w.byte(static_cast<uint8_t>(static_cast<uint8_t>(o.first_end) | static_cast<uint8_t>(o.first_rst) << 4));
  w.u(o.existing_ns);
  w.u(o.tx);
  w.u(o.rx);
  w.u(o.retrans);
  w.u(o.resets);
  w.u(o.drops);
  pack_time_near(w, o.first_end_ns, prev);
  pack_time_near(w, o.first_rst_ns, prev);
  if (o.reset_reason) w.u(*o.reset_reason);
  w.u(o.sk_err);
  w.u(o.srtt_us);
  w.u(o.min_rtt_us);
  parking_->put(it->first, Parking::kTimeline, w.view());
  w.clear();
  open_.erase(it);
}

TimelineBuilder::Open TimelineBuilder::unpack(uint64_t cookie, std::span<const uint8_t> bytes) const {
  const std::optional<SocketIdentity> id = parking_->identity(cookie);  // stored with the part
  PackReader r(bytes.data());
  Open o;
  const uint8_t same = r.byte();
  if (same & kSameEndpoints)
    id->endpoints_to(o);
  else
    unpack_endpoints(r, o);
  const std::size_t steps = r.u();
  o.steps.reserve(steps + 1);  // its end comes next
  uint64_t ts = 0;
  for (std::size_t i = 0; i < steps; ++i) {
    ts += static_cast<uint64_t>(r.s());
    auto [old_state, new_state] = unpack_states(r);
    o.steps.push_back(Step{ts, old_state, new_state});
  }
  o.owner = same & kSameOwner ? id->owner : r.header();
  const uint8_t flags = r.byte();
  o.listener = flags & 1;
  o.reset = flags & 2;
  o.timewait = flags & 4;
  o.before_start = flags & 8;
  o.existing_state = r.byte();
  const uint8_t signs = r.byte();
  o.first_end = static_cast<EndSign>(signs & 15);
  o.first_rst = static_cast<EndSign>(signs >> 4);
  o.existing_ns = r.u();
  o.tx = r.u();
  o.rx = r.u();
  o.retrans = r.u();
  o.resets = static_cast<uint32_t>(r.u());
  o.drops = static_cast<uint32_t>(r.u());
  o.first_end_ns = unpack_time_near(r, ts);
  o.first_rst_ns = unpack_time_near(r, ts);
  if (flags & 16) o.reset_reason = static_cast<uint16_t>(r.u());
  o.sk_err = static_cast<uint16_t>(r.u());
  o.srtt_us = static_cast<uint32_t>(r.u());
  o.min_rtt_us = static_cast<uint32_t>(r.u());
  return o;
}

bool TimelineBuilder::unpark(uint64_t cookie) {
  std::span<const uint8_t> bytes = parking_->get(cookie, Parking::kTimeline);
  if (bytes.empty()) return false;
  open_[cookie] = unpack(cookie, bytes);
  parking_->erase(cookie, Parking::kTimeline);
  return true;
}

void TimelineBuilder::repark(uint64_t cookie) {
  if (auto it = open_.find(cookie); it != open_.end() && it->second.timewait) park(it);
}

TimelineBuilder::Open* TimelineBuilder::counting(uint64_t cookie) {
  if (auto it = open_.find(cookie); it != open_.end()) return &it->second;
  if (unpark(cookie)) return &open_.find(cookie)->second;
  if (ended_.contains(cookie)) return nullptr;
  auto [it, fresh] = early_.try_emplace(cookie);
  if (fresh) {
    early_order_.push_back(cookie);
    if (early_order_.size() > kEarlyRemembered) {
      early_.erase(early_order_.front());  // gone already when its connection took it
      early_order_.pop_front();
    }
  }
  return &it->second;
}

void TimelineBuilder::remember_ended(uint64_t cookie) { ended_.insert(cookie); }

std::optional<Connection> TimelineBuilder::on_transition(const StateEvent& e, bool derived) {
  if (ended_.contains(e.cookie)) {
    ++late_;
    return std::nullopt;
  }
  unpark(e.cookie);
  auto [it, fresh] = open_.try_emplace(e.cookie);
  if (fresh)
    if (auto early = early_.find(e.cookie); early != early_.end()) {
      it->second = std::move(early->second);
      early_.erase(early);
    }
  Open& o = it->second;
  o.take(e);
  // A whole connection's path in one allocation: 5 steps for an accepted
  // one, 6 for a connect()ed one ending in TIME_WAIT.
  if (o.steps.empty()) o.steps.reserve(6);
  o.steps.push_back(Step{e.hdr.ts_ns, e.old_state, e.new_state});
  if (e.new_state == kTcpListen || (e.old_state == kTcpListen && e.new_state == kTcpClose)) o.listener = true;
  if (e.hdr.flags & ST_HF_RESET) o.reset = true;
  if (derived && e.new_state == kTcpTimeWait) o.timewait = true;
  if (e.new_state == kTcpFinWait1) o.end_sign(e.hdr.ts_ns, EndSign::kFinSent);
  if (e.new_state == kTcpCloseWait) o.end_sign(e.hdr.ts_ns, EndSign::kFinReceived);
  if (e.new_state == kTcpClose && !derived) o.sk_err = e.sk_err;
  // A derived copy repeats the last kernel values; a timewait socket has no RTT.
  if (!derived && (e.srtt_us || e.min_rtt_us)) o.srtt_us = e.srtt_us, o.min_rtt_us = e.min_rtt_us;
  // Counters only grow; a derived copy repeats the last kernel values.
  o.tx = std::max(o.tx, e.tx_payload);
  o.rx = std::max(o.rx, e.rx_payload);
  if (e.new_state != kTcpClose) {
    if (e.new_state == kTcpTimeWait) park(it);
    return std::nullopt;
  }

  remember_ended(e.cookie);
  Open done = std::move(o);
  open_.erase(it);
  if (done.listener) return std::nullopt;
  return assemble(e.cookie, done, 0, true);
}

void TimelineBuilder::on_retrans(const RetransEvent& e) {
  if (e.synack) return;  // the request socket's, not a connection's own
  if (Open* o = counting(e.cookie)) o->retrans += e.segs;
  repark(e.cookie);
}

void TimelineBuilder::on_reset(const ResetEvent& e) {
  Open* open = counting(e.cookie);
  if (!open) return;
  Open& o = *open;
  ++o.resets;
  o.reset = true;
  if (e.dir == ResetEvent::Dir::kSent) {
    if (!o.reset_reason && e.reason) o.reset_reason = e.reason;
    o.end_sign(e.hdr.ts_ns, EndSign::kRstSent);
  } else {
    o.end_sign(e.hdr.ts_ns, EndSign::kRstReceived);
  }
  repark(e.cookie);
}

void TimelineBuilder::on_drop(const DropEvent& e) {
  if (Open* o = counting(e.cookie)) ++o->drops;
  repark(e.cookie);
}

std::string_view TimelineBuilder::sign_name(EndSign sign) {
  switch (sign) {
    case EndSign::kNone: break;
    case EndSign::kFinSent: return "fin_sent";
    case EndSign::kFinReceived: return "fin_received";
    case EndSign::kRstSent: return "rst_sent";
    case EndSign::kRstReceived: return "rst_received";
  }
  return {};
}

namespace {
// Who ended a finished connection and why: who first sent or received a
// FIN or RST, the first RST either way, and the socket's error at -> CLOSE.
void explain_end(Connection& c, std::string_view first_end, std::string_view first_rst, uint16_t sk_err,
                 uint8_t last_old) {
  auto by = [&](std::string_view fallback) -> std::string_view {
    if (first_end == "fin_sent" || first_end == "rst_sent") return "local";
    if (first_end == "fin_received" || first_end == "rst_received") return "remote";
    return fallback;
  };
  if (last_old == kTcpSynSent) {  // a failed connect
    c.close_reason = connect_outcome(kTcpClose, sk_err);
    bool remote = c.close_reason == "refused" || c.close_reason == "unreachable" || c.close_reason == "reset";
    c.closed_by = remote ? "remote" : "local";
    return;
  }
  // Straight from a synchronized state to CLOSE with no error and no RST
  // seen: an abortive close by this side (SO_LINGER 0, unread data), whose
  // RST the kernel sends just after the transition.
  bool aborted = (last_old == kTcpEstablished || last_old == kTcpCloseWait || last_old == kTcpSynRecv) &&
                 sk_err == 0 && first_rst.empty();
  if (first_rst == "rst_received" || (first_rst.empty() && (sk_err == ECONNRESET || sk_err == EPIPE))) {
    // (tcp_reset()'s errors without the tracepoint's event: a RST received)
    c.close_reason = "reset_by_peer", c.closed_by = by("remote");
  } else if (first_rst == "rst_sent" || aborted) {
    c.close_reason = "reset_sent", c.closed_by = by("local");
  } else if (sk_err == ETIMEDOUT) {
    c.close_reason = "timeout", c.closed_by = by("local");
  } else if (sk_err) {
    c.close_reason = "error", c.closed_by = by("");
  } else if (c.reset) {
    // ST_HF_RESET on -> CLOSE, the RST's own event not seen.
    c.close_reason = "reset", c.closed_by = by("");
  } else {
    c.close_reason = "normal", c.closed_by = by("");
  }
}
}  // namespace

void TimelineBuilder::existing(const StateEvent& tmpl, uint8_t state, uint64_t ts_ns) {
  // Listeners have no timeline; request and bound-only sockets no connection yet.
  if (state == kTcpListen || state == kTcpClose || state >= kTcpNewSynRecv || ended_.contains(tmpl.cookie) ||
      parking_->has(tmpl.cookie, Parking::kTimeline))
    return;
  auto [it, fresh] = open_.try_emplace(tmpl.cookie);
  if (!fresh) return;  // a transition came first
  Open& o = it->second;
  o.take(tmpl);
  o.before_start = true;
  o.existing_state = state;
  o.existing_ns = ts_ns;
  // (a timewait socket older than socktrace, tracked until its end: not
  // marked timewait, which says it was seen entering TIME_WAIT)
  if (state == kTcpTimeWait) park(it);
}

Connection TimelineBuilder::assemble(uint64_t cookie, Open& o, uint64_t now_ns, bool finished) const {
  std::stable_sort(o.steps.begin(), o.steps.end(), [](const Step& a, const Step& b) { return a.ts_ns < b.ts_ns; });
  Connection c;
  c.cookie = cookie;
  c.netns = o.netns;
  c.sock_cgroup_id = o.sock_cgroup_id;
  c.saddr = o.saddr;
  c.daddr = o.daddr;
  c.sport = o.sport;
  c.dport = o.dport;
  c.owner = o.owner;
  c.tx_bytes = o.tx;
  c.rx_bytes = o.rx;
  c.reset = o.reset;
  c.timewait = o.timewait;
  c.open = !finished;
  c.retrans = o.retrans;
  c.resets = o.resets;
  c.drops = o.drops;
  c.srtt_us = o.srtt_us;
  c.min_rtt_us = o.min_rtt_us;
  c.reset_reason = o.reset_reason;
  c.before_start = o.before_start;
  if (o.steps.empty()) {
    // Listed before start, no transition since: in its state all along (at
    // least since the listing).
    c.start_ns = o.existing_ns;
    c.states.push_back(ConnState{o.existing_state, -1});
    c.end_ns = c.owner.ts_ns = std::max(now_ns, o.existing_ns);
    return c;
  }

  const Step& first = o.steps.front();
  c.start_ns = first.ts_ns;
  c.start_seen = first.old_state == kTcpClose || (first.old_state == kTcpListen && first.new_state == kTcpSynRecv);
  if (!c.start_seen) c.states.push_back(ConnState{first.old_state, -1});
  for (std::size_t i = 0; i < o.steps.size(); ++i) {
    const Step& s = o.steps[i];
    if (i > 0 && s.old_state != o.steps[i - 1].new_state) {
      // Transitions are missing between the two: how long each state lasted
      // is unknown.
      ++c.gaps;
      c.states.back().ns = -1;
      c.states.push_back(ConnState{s.old_state, -1});
    }
    if (s.new_state == kTcpClose && finished && i + 1 == o.steps.size()) {
      c.states.push_back(ConnState{kTcpClose, 0});
      break;
    }
    uint64_t until = i + 1 < o.steps.size() ? o.steps[i + 1].ts_ns : std::max(now_ns, s.ts_ns);
    c.states.push_back(ConnState{s.new_state, static_cast<int64_t>(until - s.ts_ns)});
  }
  c.end_ns = finished ? o.steps.back().ts_ns : std::max(now_ns, o.steps.back().ts_ns);
  if (finished) {
    const Step& last = o.steps.back();
    explain_end(c, sign_name(o.first_end), sign_name(o.first_rst), o.sk_err, last.old_state);
  }
  c.owner.ts_ns = c.end_ns;
  return c;
}

uint64_t TimelineBuilder::start_of(const Open& o) {
  if (o.steps.empty()) return o.existing_ns;
  uint64_t start = UINT64_MAX;
  for (const Step& s : o.steps) start = std::min(start, s.ts_ns);
  return start;
}

void TimelineBuilder::flush(uint64_t now_ns, const ConnectionSink& sink) {
  std::vector<std::pair<uint64_t, uint64_t>> order;  // (start, cookie)
  order.reserve(open());
  for (const auto& [cookie, o] : open_)
    if (!o.listener) order.emplace_back(start_of(o), cookie);
  parking_->for_each(Parking::kTimeline, [&](uint64_t cookie, std::span<const uint8_t> bytes) {
    order.emplace_back(start_of(unpack(cookie, bytes)), cookie);
  });
  std::sort(order.begin(), order.end());
  for (const auto& [start, cookie] : order) {
    unpark(cookie);
    auto it = open_.find(cookie);
    Connection c = assemble(cookie, it->second, now_ns, false);
    open_.erase(it);
    sink(c);
  }
  open_.clear();
}

void TimelineBuilder::close_vanished(const std::function<bool(uint64_t cookie, uint32_t netns)>& alive,
                                     uint64_t now_ns, const ConnectionSink& sink) {
  std::vector<uint64_t> gone;
  parking_->for_each(Parking::kTimeline, [&](uint64_t cookie, std::span<const uint8_t> bytes) {
    if (!alive(cookie, unpack(cookie, bytes).netns)) gone.push_back(cookie);
  });
  for (uint64_t cookie : gone) unpark(cookie);  // ended below, with the others
  for (auto it = open_.begin(); it != open_.end();) {
    if (alive(it->first, it->second.netns)) {
      ++it;
      continue;
    }
    if (!it->second.listener) {
      Connection c = assemble(it->first, it->second, now_ns, false);
      c.open = false;
      c.vanished = true;
      c.end_ns = c.owner.ts_ns = it->second.steps.empty() ? it->second.existing_ns : it->second.steps.back().ts_ns;
      if (!c.states.empty()) c.states.back().ns = -1;
      sink(c);
    }
    remember_ended(it->first);
    it = open_.erase(it);
  }
}

}  // namespace socktrace
