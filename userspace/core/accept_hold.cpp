#include "core/accept_hold.h"

#include "core/names.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {
// Accepted children remembered for events that raced with accept(): one
// whose owner lookup ran just before accept() recorded the acceptor.
constexpr std::size_t kAcceptorsRemembered = 65536;
}  // namespace

void AcceptHold::emit(StateEvent e, const Acceptor* by) {
  if (by) {
    if (!by->admitted) {
      ++dropped_;
      return;
    }
    e.hdr.pid = by->hdr.pid;
    e.hdr.tid = by->hdr.tid;
    e.hdr.comm = by->hdr.comm;
    e.hdr.cgroup_id = by->hdr.cgroup_id;
    e.hdr.flags = (e.hdr.flags & ~ST_HF_OWNER_INHERITED) | ST_HF_OWNER_KNOWN | ST_HF_OWNER_ACCEPTED;
  }
  sink_(e);
}

void AcceptHold::release(uint64_t cookie, const Acceptor* by) {
  auto it = held_.find(cookie);
  if (it == held_.end()) return;
  std::vector<StateEvent> events = std::move(it->second.events);
  held_.erase(it);
  if (by)
    ++accepted_count_;
  else
    ++expired_;
  for (const StateEvent& e : events) emit(e, by);
}

void AcceptHold::remember(uint64_t cookie, const Acceptor& a) {
  if (acceptors_.insert_or_assign(cookie, a).second) acceptors_order_.push_back(cookie);
  while (acceptors_order_.size() > kAcceptorsRemembered) {
    acceptors_.erase(acceptors_order_.front());
    acceptors_order_.pop_front();
  }
}

void AcceptHold::on_state(const StateEvent& e, LazyNow now) {
  // A lost clone (two CPUs cloned one request; this one lost the race for
  // the hash table) was never queued for accept(): its listener's owner is
  // all it will have.
  if (e.cookie & ST_COOKIE_LOST_CLONE) return sink_(e);
  bool inherited = e.hdr.flags & ST_HF_OWNER_INHERITED;
  if (auto a = acceptors_.find(e.cookie); a != acceptors_.end()) {
    Acceptor by = a->second;
    if (e.new_state == kTcpClose) {
      acceptors_.erase(a);  // its order entry goes when it reaches the front
    }
    if (inherited) return emit(e, &by);
    return sink_(e);
  }
  auto h = held_.find(e.cookie);
  if (!inherited) {
    if (h != held_.end()) {
      // The owner came another way (the accept event was lost): it is the
      // acceptor's.
      Acceptor by{e.hdr, true};
      release(e.cookie, e.hdr.pid ? &by : nullptr);
    }
    return sink_(e);
  }
  if (h == held_.end()) {
    h = held_.emplace(e.cookie, Held{{}, now()}).first;
    order_.emplace_back(now(), e.cookie);
  }
  h->second.events.push_back(e);
  while (held_.size() > max_held_ && !order_.empty()) {
    auto [since, cookie] = order_.front();
    order_.pop_front();
    auto o = held_.find(cookie);
    if (o != held_.end() && o->second.since_ns == since) release(cookie, nullptr);
  }
}

void AcceptHold::on_accept(uint64_t cookie, const Header& acceptor, bool admitted) {
  Acceptor a{acceptor, admitted};
  remember(cookie, a);
  release(cookie, &a);
}

void AcceptHold::tick(uint64_t now_ns) {
  while (!order_.empty() && order_.front().first + hold_ns_ <= now_ns) {
    auto [since, cookie] = order_.front();
    order_.pop_front();
    auto o = held_.find(cookie);
    if (o != held_.end() && o->second.since_ns == since) release(cookie, nullptr);
  }
}

void AcceptHold::flush() {
  while (!order_.empty()) {
    uint64_t cookie = order_.front().second;
    order_.pop_front();
    release(cookie, nullptr);
  }
}

}  // namespace socktrace
