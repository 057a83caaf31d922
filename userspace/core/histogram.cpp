#include "core/histogram.h"

#include <algorithm>
#include <tuple>

#include "core/names.h"
#include "core/net_format.h"

namespace socktrace {

namespace {
constexpr uint8_t kBoundInactive = 13;  // TCP_BOUND_INACTIVE, Linux 6.5: how sock_diag asks for bound-only sockets

SockRecord record_of(const StateEvent& e) {
  SockRecord r;
  r.cookie = e.cookie;
  r.proto = kProtoTcp;
  r.state = e.new_state;
  r.saddr = e.saddr;
  r.daddr = e.daddr;
  r.sport = e.sport;
  r.dport = e.dport;
  r.pid = e.hdr.pid;
  r.comm = e.hdr.comm;
  r.netns = e.netns;
  r.cgroup_id = e.sock_cgroup_id;
  r.since_ns = e.hdr.ts_ns;
  r.since_bound = false;
  return r;
}

std::vector<TopEntry> largest(std::unordered_map<std::string, uint64_t>& counts, std::size_t n) {
  std::vector<TopEntry> v;
  v.reserve(counts.size());
  for (auto& [k, c] : counts) v.push_back({k, c});
  auto by_count = [](const TopEntry& a, const TopEntry& b) { return a.count != b.count ? a.count > b.count : a.key < b.key; };
  if (v.size() > n) {
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(), by_count);
    v.resize(n);
  } else {
    std::sort(v.begin(), v.end(), by_count);
  }
  return v;
}

std::string owner_key(uint32_t pid, std::string_view comm) {
  if (pid == 0) return "?";
  return std::string(comm) + "/" + std::to_string(pid);
}
}  // namespace

bool HistFilter::admits(uint32_t pid, std::string_view c, uint16_t sport, uint16_t dport) const {
  if (!pids.empty() && std::find(pids.begin(), pids.end(), pid) == pids.end()) return false;
  if (!comm.empty() && c != comm) return false;
  if (!ports.empty() && std::find(ports.begin(), ports.end(), sport) == ports.end() &&
      std::find(ports.begin(), ports.end(), dport) == ports.end())
    return false;
  return true;
}

bool HistFilter::admits_cgroup(uint64_t cgroup_id) const {
  return !by_cgroup || std::binary_search(cgroups.begin(), cgroups.end(), cgroup_id);
}

void inherit_listener_cgroups(std::vector<SockRecord>& records) {
  std::map<std::pair<uint32_t, uint16_t>, uint64_t> listeners;
  for (const SockRecord& r : records)
    if (r.proto == kProtoTcp && r.state == kTcpListen && r.cgroup_id)
      listeners.emplace(std::make_pair(r.netns, r.sport), r.cgroup_id);
  if (listeners.empty()) return;
  for (SockRecord& r : records) {
    if (r.cgroup_id || r.proto != kProtoTcp ||
        (r.state != kTcpTimeWait && r.state != kTcpSynRecv && r.state != kTcpNewSynRecv))
      continue;
    if (auto it = listeners.find({r.netns, r.sport}); it != listeners.end()) r.cgroup_id = it->second;
  }
}

// States no event reports the way ss counts them; a dump's sockets in them
// belong to the poll unless an event already tracks them (a full SYN_RECV
// child).
bool Histogram::polled_state(uint8_t state) {
  return state == kTcpSynRecv || state == kTcpClose || state == kBoundInactive || state == kTcpNewSynRecv;
}

void Histogram::count(uint8_t state, int64_t delta) { tracked_counts_[state_slot(state)] += static_cast<uint64_t>(delta); }

void Histogram::put(uint64_t cookie, const SockRecord& r, uint64_t gen) {
  auto [it, inserted] = socks_.try_emplace(cookie);
  Sock& s = it->second;
  if (!inserted) count(s.state, -1);
  if (inserted || s.state != r.state) {
    s.since_ns = r.since_ns;
    s.since_bound = r.since_bound;
  }
  s.state = r.state;
  if (r.saddr.family) s.family = r.saddr.family;
  if (r.sport) s.sport = r.sport;  // connect() shows port 0 until the SYN is sent
  if (r.dport || inserted) {
    s.dport = r.dport;
    s.daddr = r.daddr;
  }
  if (r.pid) hand_over(cookie, s, r.pid, r.comm);
  if (r.netns) s.netns = r.netns;
  if (r.cgroup_id) s.cgroup_id = r.cgroup_id;
  s.gen = gen;
  count(s.state, +1);
  if (s.state == kTcpListen) listeners_[{s.netns, s.sport}] = cookie;
}

void Histogram::erase(uint64_t cookie) {
  auto it = socks_.find(cookie);
  if (it == socks_.end()) return;
  count(it->second.state, -1);
  if (auto l = listeners_.find({it->second.netns, it->second.sport}); l != listeners_.end() && l->second == cookie)
    listeners_.erase(l);
  socks_.erase(it);
  owners_before_.erase(cookie);
}

void Histogram::hand_over(uint64_t cookie, Sock& s, uint32_t pid, const Comm& comm) {
  if (s.pid && s.pid != pid) owners_before_[cookie].push_back({s.pid, s.comm});
  s.pid = pid;
  s.comm = comm;
}

void Histogram::seed(const std::vector<SockRecord>& tcp) {
  socks_.clear();
  listeners_.clear();
  tracked_counts_ = {};
  for (const SockRecord& r : tcp)
    if (!polled_state(r.state) && filter_.admits(r)) put(r.cookie, r, 0);
  std::erase_if(owners_before_, [&](const auto& kv) { return !socks_.count(kv.first); });
}

bool Histogram::apply(const StateEvent& e) {
  ++gen_;
  // An event of a socket older than socktrace may lack its owner, which the
  // snapshot knew.
  uint32_t pid = e.hdr.pid;
  std::string_view comm = e.hdr.comm.view();
  auto known = socks_.find(e.cookie);
  if (pid == 0 && known != socks_.end()) {
    pid = known->second.pid;
    comm = known->second.comm.view();
  }
  // A child of a listener older than socktrace: its listener's owner.
  StateEvent owned;
  const StateEvent* ev = &e;
  if (pid == 0 && e.old_state == kTcpListen) {
    auto l = listeners_.find({e.netns, e.sport});
    if (l != listeners_.end())
      if (auto s = socks_.find(l->second); s != socks_.end() && s->second.pid) {
        owned = e;
        owned.hdr.pid = owned.hdr.tid = s->second.pid;
        owned.hdr.comm = s->second.comm;
        ev = &owned;
        pid = owned.hdr.pid;
        comm = owned.hdr.comm.view();
      }
  }
  if (!filter_.admits(pid, comm, e.sport, e.dport)) {
    // Its owner left the filter (or never was in it): no longer counted.
    if (e.new_state == kTcpClose || socks_.count(e.cookie)) erase(e.cookie);
    return false;
  }
  ++transitions_[{e.old_state, e.new_state}];
  ++entries_[state_slot(e.new_state)];
  ++transitions_total_;
  if (e.new_state == kTcpClose) {
    erase(e.cookie);
    if (recording_closes_) closed_[e.cookie] = gen_;
  } else {
    put(e.cookie, record_of(*ev), gen_);
  }
  return true;
}

void Histogram::reown(uint64_t cookie, uint32_t pid, const Comm& comm) {
  auto it = socks_.find(cookie);
  if (it == socks_.end() || pid == 0) return;
  Sock& s = it->second;
  if (!filter_.admits(pid, comm.view(), s.sport, s.dport)) return erase(cookie);
  hand_over(cookie, s, pid, comm);
}

void Histogram::set_polled(uint8_t proto, const std::vector<SockRecord>& records) {
  if (proto == kProtoUdp) {
    std::vector<SockRecord> before = std::move(polled_udp_);
    polled_udp_.clear();
    udp_counts_ = {};
    for (const SockRecord& r : records) {
      if (!filter_.admits(r)) continue;
      polled_udp_.push_back(r);
      ++udp_counts_[state_slot(r.state)];
    }
    keep_since(polled_udp_, before);
    index_polled();
    return;
  }
  // A request socket has no inode and so no owner of its own: it is its
  // listener's.
  std::map<std::pair<uint32_t, uint16_t>, const Sock*> listeners;
  for (const auto& [cookie, s] : socks_)
    if (s.state == kTcpListen) listeners[{s.netns, s.sport}] = &s;
  std::vector<SockRecord> before = std::move(polled_tcp_);
  polled_tcp_.clear();
  polled_tcp_counts_ = {};
  for (SockRecord r : records) {
    if (!polled_state(r.state) || socks_.count(r.cookie)) continue;
    if (r.state == kBoundInactive) r.state = kTcpClose;
    if (r.state == kTcpNewSynRecv) r.state = kTcpSynRecv;
    if (r.state == kTcpSynRecv) {
      auto it = listeners.find({r.netns, r.sport});
      if (it != listeners.end()) {
        if (r.pid == 0) {
          r.pid = it->second->pid;
          r.comm = it->second->comm;
        }
        if (r.cgroup_id == 0) r.cgroup_id = it->second->cgroup_id;
      }
    }
    if (!filter_.admits(r)) continue;
    polled_tcp_.push_back(r);
    ++polled_tcp_counts_[state_slot(r.state)];
  }
  // A request socket is polled again and again: it entered SYN_RECV when
  // first seen (or before).
  keep_since(polled_tcp_, before);
  index_polled();
}

void Histogram::keep_since(std::vector<SockRecord>& now, const std::vector<SockRecord>& before) {
  std::unordered_map<uint64_t, const SockRecord*> last;
  for (const SockRecord& r : before) last.emplace(r.cookie, &r);
  for (SockRecord& r : now)
    if (auto it = last.find(r.cookie); it != last.end() && it->second->state == r.state) {
      r.since_ns = it->second->since_ns;
      r.since_bound = it->second->since_bound;
    }
}

void Histogram::index_polled() {
  polled_tcp_index_.clear();
  polled_udp_index_.clear();
  for (std::size_t i = 0; i < polled_tcp_.size(); ++i) polled_tcp_index_.emplace(polled_tcp_[i].cookie, i);
  for (std::size_t i = 0; i < polled_udp_.size(); ++i) polled_udp_index_.emplace(polled_udp_[i].cookie, i);
}

std::optional<Histogram::Known> Histogram::known(uint8_t proto, uint64_t cookie) const {
  Known k;
  if (proto == kProtoTcp) {
    if (auto it = socks_.find(cookie); it != socks_.end()) {
      const Sock& s = it->second;
      k.state = s.state;
      k.pid = s.pid;
      k.comm = s.comm;
      k.cgroup_id = s.cgroup_id;
      k.since_ns = s.since_ns;
      k.since_bound = s.since_bound;
      if (auto b = owners_before_.find(cookie); b != owners_before_.end()) k.owners_before = b->second;
      return k;
    }
  }
  const auto& index = proto == kProtoTcp ? polled_tcp_index_ : polled_udp_index_;
  const auto& polled = proto == kProtoTcp ? polled_tcp_ : polled_udp_;
  auto it = index.find(cookie);
  if (it == index.end()) return std::nullopt;
  const SockRecord& r = polled[it->second];
  k.state = r.state;
  k.pid = r.pid;
  k.comm = r.comm;
  k.cgroup_id = r.cgroup_id;
  k.since_ns = r.since_ns;
  k.since_bound = r.since_bound;
  return k;
}

uint64_t Histogram::mark() {
  recording_closes_ = true;
  closed_.clear();
  return gen_;
}

std::vector<uint64_t> Histogram::differing(const std::vector<SockRecord>& tcp, uint64_t mark) const {
  std::vector<uint64_t> out;
  std::unordered_map<uint64_t, uint8_t> truth;
  truth.reserve(tcp.size());
  for (const SockRecord& r : tcp) truth.emplace(r.cookie, r.state);
  for (const auto& [cookie, s] : socks_) {
    if (s.gen > mark) continue;
    auto it = truth.find(cookie);
    if (it == truth.end() || it->second != s.state) out.push_back(cookie);
  }
  for (const SockRecord& r : tcp) {
    if (polled_state(r.state) || socks_.count(r.cookie) || !filter_.admits(r)) continue;
    auto c = closed_.find(r.cookie);
    if (c != closed_.end() && c->second > mark) continue;
    out.push_back(r.cookie);
  }
  return out;
}

DriftReport Histogram::reconcile(const std::vector<SockRecord>& tcp, uint64_t mark) {
  DriftReport d;
  std::unordered_map<uint64_t, const SockRecord*> truth;
  truth.reserve(tcp.size());
  for (const SockRecord& r : tcp) truth.emplace(r.cookie, &r);
  std::vector<uint64_t> stale;
  for (auto& [cookie, s] : socks_) {
    if (s.gen > mark) continue;
    auto it = truth.find(cookie);
    if (it == truth.end()) {
      ++d.stale;
      stale.push_back(cookie);
    } else if (it->second->state != s.state) {
      ++d.wrong;
      if (polled_state(it->second->state)) {
        stale.push_back(cookie);  // the poll counts it from now on
      } else {
        count(s.state, -1);
        s.state = it->second->state;
        s.since_ns = it->second->since_ns;
        s.since_bound = true;  // it changed state unseen, before the dump
        count(s.state, +1);
      }
    }
  }
  for (uint64_t cookie : stale) erase(cookie);
  for (const SockRecord& r : tcp) {
    if (polled_state(r.state) || socks_.count(r.cookie) || !filter_.admits(r)) continue;
    auto c = closed_.find(r.cookie);
    if (c != closed_.end() && c->second > mark) continue;
    ++d.missing;
    put(r.cookie, r, 0);
  }
  recording_closes_ = false;
  closed_.clear();
  drift_total_.stale += d.stale;
  drift_total_.missing += d.missing;
  drift_total_.wrong += d.wrong;
  ++reconciles_;
  return d;
}

StateCounts Histogram::tcp() const {
  StateCounts c{};
  for (std::size_t i = 0; i < kStateSlots; ++i) c[i] = tracked_counts_[i] + polled_tcp_counts_[i];
  return c;
}

uint64_t Histogram::tcp_total() const {
  StateCounts c = tcp();
  uint64_t n = 0;
  for (uint64_t v : c) n += v;
  return n;
}

uint64_t Histogram::udp_total() const {
  uint64_t n = 0;
  for (uint64_t v : udp_counts_) n += v;
  return n;
}

uint64_t Histogram::new_connections() const {
  auto get = [&](uint8_t o, uint8_t n) {
    auto it = transitions_.find({o, n});
    return it == transitions_.end() ? 0 : it->second;
  };
  return get(kTcpClose, kTcpSynSent) + get(kTcpListen, kTcpSynRecv);
}

TopTables Histogram::top(uint8_t state, std::size_t n) const {
  std::unordered_map<std::string, uint64_t> owners, lports, raddrs;
  auto add = [&](uint32_t pid, std::string_view comm, uint16_t sport, const Address& daddr, uint16_t dport) {
    ++owners[owner_key(pid, comm)];
    ++lports[std::to_string(sport)];
    if (dport != 0) ++raddrs[format_ip(daddr)];
  };
  for (const auto& [cookie, s] : socks_)
    if (s.state == state) add(s.pid, s.comm.view(), s.sport, s.daddr, s.dport);
  for (const SockRecord& r : polled_tcp_)
    if (r.state == state) add(r.pid, r.comm.view(), r.sport, r.daddr, r.dport);
  TopTables t;
  t.owners_total = owners.size();
  t.lports_total = lports.size();
  t.raddrs_total = raddrs.size();
  t.owners = largest(owners, n);
  t.lports = largest(lports, n);
  t.raddrs = largest(raddrs, n);
  return t;
}

std::vector<Histogram::OwnerCount> Histogram::by_owner() const {
  std::map<std::tuple<uint8_t, uint8_t, uint32_t, std::string>, uint64_t> m;
  for (const auto& [cookie, s] : socks_) ++m[{kProtoTcp, s.state, s.pid, std::string(s.comm.view())}];
  for (const SockRecord& r : polled_tcp_) ++m[{kProtoTcp, r.state, r.pid, std::string(r.comm.view())}];
  for (const SockRecord& r : polled_udp_) ++m[{kProtoUdp, r.state, r.pid, std::string(r.comm.view())}];
  std::vector<OwnerCount> out;
  for (auto& [k, c] : m) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), c});
  return out;
}

void Histogram::drop_netns(uint32_t netns) {
  std::vector<uint64_t> gone;
  for (const auto& [cookie, s] : socks_)
    if (s.netns == netns) gone.push_back(cookie);
  for (uint64_t cookie : gone) erase(cookie);
}

void Histogram::for_each_counted(const std::function<void(const Counted&)>& f) const {
  for (const auto& [cookie, s] : socks_) f({kProtoTcp, s.state, s.pid, s.comm.view(), s.netns, s.cgroup_id});
  for (const SockRecord& r : polled_tcp_) f({kProtoTcp, r.state, r.pid, r.comm.view(), r.netns, r.cgroup_id});
  for (const SockRecord& r : polled_udp_) f({kProtoUdp, r.state, r.pid, r.comm.view(), r.netns, r.cgroup_id});
}

OldestByState Histogram::oldest(uint64_t now_ns) const {
  OldestByState out{};
  auto consider = [&](uint8_t state, uint64_t since, bool bound, uint32_t pid, const Comm& comm) {
    Oldest& o = out[state_slot(state)];
    uint64_t age = now_ns > since ? now_ns - since : 0;
    if (o.any && (age < o.age_ns || (age == o.age_ns && (o.bound || !bound)))) return;
    o = {true, age, bound, pid, comm};
  };
  for (const auto& [cookie, s] : socks_) consider(s.state, s.since_ns, s.since_bound, s.pid, s.comm);
  for (const SockRecord& r : polled_tcp_) consider(r.state, r.since_ns, r.since_bound, r.pid, r.comm);
  return out;
}

}  // namespace socktrace
