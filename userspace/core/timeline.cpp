#include "core/timeline.h"

#include <algorithm>

#include "core/names.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {
constexpr std::size_t kEndedRemembered = 65536;
}

void TimelineBuilder::remember_ended(uint64_t cookie) {
  if (ended_.insert(cookie).second) ended_order_.push_back(cookie);
  if (ended_order_.size() > kEndedRemembered) {
    ended_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

std::optional<Connection> TimelineBuilder::on_transition(const StateEvent& e, bool derived) {
  if (ended_.count(e.cookie)) {
    ++late_;
    return std::nullopt;
  }
  auto [it, fresh] = open_.try_emplace(e.cookie);
  Open& o = it->second;
  o.last = e;
  o.steps.push_back(Step{e.hdr.ts_ns, e.old_state, e.new_state});
  if (e.sport) o.sport = e.sport;
  if (e.hdr.pid) o.owner = e.hdr;
  if (e.new_state == kTcpListen || (e.old_state == kTcpListen && e.new_state == kTcpClose)) o.listener = true;
  if (e.hdr.flags & ST_HF_RESET) o.reset = true;
  if (derived && e.new_state == kTcpTimeWait) o.timewait = true;
  // Counters only grow; a derived copy repeats the last kernel values.
  o.tx = std::max(o.tx, e.tx_payload);
  o.rx = std::max(o.rx, e.rx_payload);
  if (e.new_state != kTcpClose) return std::nullopt;

  remember_ended(e.cookie);
  Open done = std::move(o);
  open_.erase(it);
  if (done.listener) return std::nullopt;
  return assemble(e.cookie, done, 0, true);
}

void TimelineBuilder::existing(const StateEvent& tmpl, uint8_t state, uint64_t ts_ns) {
  // Listeners have no timeline; request and bound-only sockets no connection yet.
  if (state == kTcpListen || state == kTcpClose || state >= kTcpNewSynRecv || ended_.count(tmpl.cookie)) return;
  auto [it, fresh] = open_.try_emplace(tmpl.cookie);
  if (!fresh) return;  // a transition came first
  Open& o = it->second;
  o.last = tmpl;
  o.sport = tmpl.sport;
  if (tmpl.hdr.pid) o.owner = tmpl.hdr;
  o.before_start = true;
  o.existing_state = state;
  o.existing_ns = ts_ns;
}

Connection TimelineBuilder::assemble(uint64_t cookie, Open& o, uint64_t now_ns, bool finished) const {
  std::stable_sort(o.steps.begin(), o.steps.end(), [](const Step& a, const Step& b) { return a.ts_ns < b.ts_ns; });
  Connection c;
  c.cookie = cookie;
  c.netns = o.last.netns;
  c.sock_cgroup_id = o.last.sock_cgroup_id;
  c.saddr = o.last.saddr;
  c.daddr = o.last.daddr;
  c.sport = o.sport;
  c.dport = o.last.dport;
  c.owner = o.owner.pid ? o.owner : o.last.hdr;
  c.tx_bytes = o.tx;
  c.rx_bytes = o.rx;
  c.reset = o.reset;
  c.timewait = o.timewait;
  c.open = !finished;
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
  c.owner.ts_ns = c.end_ns;
  return c;
}

std::vector<Connection> TimelineBuilder::flush(uint64_t now_ns) {
  std::vector<Connection> out;
  for (auto& [cookie, o] : open_)
    if (!o.listener) out.push_back(assemble(cookie, o, now_ns, false));
  open_.clear();
  std::sort(out.begin(), out.end(), [](const Connection& a, const Connection& b) { return a.start_ns < b.start_ns; });
  return out;
}

std::vector<Connection> TimelineBuilder::close_vanished(
    const std::function<bool(uint64_t cookie, uint32_t netns)>& alive, uint64_t now_ns) {
  std::vector<Connection> out;
  for (auto it = open_.begin(); it != open_.end();) {
    if (alive(it->first, it->second.last.netns)) {
      ++it;
      continue;
    }
    if (!it->second.listener) {
      Connection c = assemble(it->first, it->second, now_ns, false);
      c.open = false;
      c.vanished = true;
      c.end_ns = c.owner.ts_ns = it->second.steps.empty() ? it->second.existing_ns : it->second.steps.back().ts_ns;
      if (!c.states.empty()) c.states.back().ns = -1;
      out.push_back(std::move(c));
    }
    remember_ended(it->first);
    it = open_.erase(it);
  }
  return out;
}

}  // namespace socktrace
