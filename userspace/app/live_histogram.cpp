#include "app/live_histogram.h"

#include <netinet/in.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "core/clock.h"
#include "core/error.h"
#include "core/names.h"
#include "kernel/filters.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {

constexpr uint32_t bit(unsigned state) { return 1u << state; }
// What no event shows: request sockets (SYN_RECV, NEW_SYN_RECV). Bound-only
// TCP sockets (TCP_BOUND_INACTIVE, Linux 6.5) are not asked for: `ss -tan`
// (iproute2 6.1) does not list them either.
constexpr uint32_t kPolledTcpStates = bit(kTcpSynRecv) | bit(kTcpNewSynRecv);
// Every state ss -tan asks for (SS_ALL: TCP_ESTABLISHED .. TCP_NEW_SYN_RECV).
constexpr uint32_t kAllTcpStates = ((1u << 13) - 1) & ~1u;

// When a socket sock_diag lists entered its state: a timewait socket's
// timer tells exactly; a CLOSE_WAIT one has been in it at least since its
// last ACK (the peer's FIN carried one); any other, at least since now.
uint64_t since_of(const DiagSocket& d, uint64_t now_ns, bool* bound) {
  constexpr uint64_t kMs = 1'000'000;
  *bound = true;
  if (d.timewait() && d.state == kTcpTimeWait) {
    uint64_t left = uint64_t{d.expires_ms} * kMs;
    uint64_t in = left >= TimewaitTracker::kTimewaitLenNs ? 0 : TimewaitTracker::kTimewaitLenNs - left;
    *bound = false;
    return now_ns > in ? now_ns - in : 0;
  }
  if (d.state == kTcpCloseWait && d.last_ack_recv_ms > 0) {
    uint64_t in = static_cast<uint64_t>(d.last_ack_recv_ms) * kMs;
    return now_ns > in ? now_ns - in : 0;
  }
  return now_ns;
}

SockRecord record_of(const DiagSocket& d, uint8_t protocol, InodeOwners* owners) {
  SockRecord r;
  r.cookie = d.cookie;
  r.proto = protocol;
  r.state = d.state;
  r.saddr = d.saddr;
  r.daddr = d.daddr;
  r.sport = d.sport;
  r.dport = d.dport;
  r.since_ns = since_of(d, monotonic_now_ns(), &r.since_bound);
  if (owners && d.inode) {
    if (const ProcOwner* o = owners->find(d.inode)) {
      r.pid = static_cast<uint32_t>(o->pid);
      std::copy_n(o->comm.data(), std::min(o->comm.size(), r.comm.chars.size() - 1), r.comm.chars.data());
    }
  }
  return r;
}

}  // namespace

StateEvent timewait_template(const DiagSocket& d, uint32_t netns) {
  StateEvent e;
  e.cookie = d.cookie;
  e.saddr = d.saddr;
  e.daddr = d.daddr;
  e.sport = d.sport;
  e.dport = d.dport;
  e.netns = netns;
  e.protocol = IPPROTO_TCP;
  e.hdr.ts_ns = monotonic_now_ns();
  return e;
}

namespace {

std::vector<SockRecord> records_of(const std::vector<DiagSocket>& dump, uint8_t protocol, InodeOwners* owners) {
  std::vector<SockRecord> out;
  out.reserve(dump.size());
  for (const DiagSocket& d : dump) out.push_back(record_of(d, protocol, owners));
  return out;
}

}  // namespace

std::vector<SockRecord> diag_records(uint8_t protocol, uint32_t states, InodeOwners* owners) {
  return records_of(dump_sockets(protocol, states), protocol, owners);
}

std::vector<SockRecord> diag_records(DiagScope& scope, uint8_t protocol, uint32_t states, InodeOwners* owners) {
  return records_of(scope.dump(protocol, states), protocol, owners);
}

void open_scope(DiagScope& scope, const std::vector<std::string>& netns, DiagProber* prober) {
  for (const std::string& arg : netns) {
    uint32_t ino = 0;
    int fd = open_netns(arg, &ino);
    try {
      scope.add(ino, fd);
      if (prober) prober->adopt(ino, fd);
    } catch (...) {
      close(fd);
      throw;
    }
    close(fd);
  }
}

LiveHistogram::LiveHistogram(const LiveConfig& config)
    : config_(config), hist_(config.filter), trouble_(config.filter) {
  std::vector<int> preferred;
  for (uint32_t pid : config_.filter.pids) preferred.push_back(static_cast<int>(pid));
  owners_.prefer(preferred);  // a listener shared with workers is -p's worker's
  open_scope(scope_, config_.netns, &prober_);
  timewait_ = std::make_unique<TimewaitTracker>([this](const StateEvent& e) { return timewait_lookup(prober_, e); },
                                                [this](const StateEvent& e, bool) { hist_.apply(e); });
  if (config_.trace) {
    TracerConfig tc;
    for (uint32_t pid : config_.filter.pids) tc.pids.push_back(static_cast<int>(pid));
    tc.ringbuf_bytes = config_.ringbuf_bytes;
    tc.netns_inos = scope_.netns();
    tracer_ = std::make_unique<Tracer>(tc);
  }
  // After the attach: every change from here on is either in the dump or
  // in the ring buffer (or both: applying an event is idempotent per socket).
  owners_.rescan();
  std::vector<DiagSocket> dump = scope_.dump(IPPROTO_TCP, kAllTcpStates);
  std::vector<SockRecord> records;
  records.reserve(dump.size());
  uint64_t now = monotonic_now_ns();
  std::size_t seeded = 0;
  for (const DiagSocket& d : dump) {
    records.push_back(record_of(d, IPPROTO_TCP, &owners_));
    if (d.timewait()) timewait_->adopt(timewait_template(d, d.netns), d.state, d.expires_ms, now);
    // With a pid filter the kernel drops events of sockets whose owner it
    // does not know: tell it the owners of the old ones.
    // Listeners always: their children's events carry the owner then.
    if (tracer_ && (!config_.filter.pids.empty() || d.state == kTcpListen) && records.back().pid && d.cookie) {
      const SockRecord& r = records.back();
      std::string comm(r.comm.view());
      tracer_->seed_owner(d.cookie, static_cast<int>(r.pid), comm);
      if (d.state == kTcpListen) tracer_->seed_listener(d.netns, d.sport, d.cookie, static_cast<int>(r.pid), comm);
      ++seeded;
    }
  }
  hist_.seed(records);
  spdlog::info("snapshot: {} TCP sockets ({} timewait tracked, {} owners seeded)", dump.size(), timewait_->tracked(),
               seeded);
  if (tracer_)
    reader_ = std::make_unique<RingReader>(tracer_->ringbuf_fd(), [this](const Event& ev) { on_event(ev); });
  refresh();
  if (tracer_) poll_listen_drops();
  next_reconcile_ = config_.reconcile_ns ? monotonic_now_ns() + config_.reconcile_ns : UINT64_MAX;
}

void LiveHistogram::poll_listen_drops() {
  std::vector<DiagSocket> listeners;
  try {
    listeners = scope_.dump(IPPROTO_TCP, 1u << kTcpListen, true);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; listen overflows not read this time", e.what());
    return;
  }
  uint64_t now = monotonic_now_ns();
  for (const DiagSocket& l : listeners) {
    if (l.drops < 0) continue;
    ListenDrops::Delta d = listen_drops_.update(l.cookie, static_cast<uint32_t>(l.drops));
    if (!d.drops) continue;
    Header owner;
    if (auto known = tracer_ ? tracer_->owner(l.cookie) : std::nullopt) {
      owner = *known;
    } else if (const ProcOwner* p = owners_.lookup(l.inode, now)) {
      owner.pid = static_cast<uint32_t>(p->pid);
      std::copy_n(p->comm.data(), std::min(p->comm.size(), owner.comm.chars.size() - 1), owner.comm.chars.data());
    }
    trouble_.on_listen_drops(owner, l.sport, d.drops);
  }
}

LiveHistogram::~LiveHistogram() = default;

void LiveHistogram::on_event(const Event& ev) {
  // A pre-fork server's worker accepted a child counted under its
  // listener's owner: the worker's from now on.
  if (const auto* s = std::get_if<SockEvent>(&ev)) {
    if (s->protocol == IPPROTO_TCP && s->op == ST_SOCK_ACCEPT) hist_.reown(s->cookie, s->hdr.pid, s->hdr.comm);
    return;
  }
  if (const auto* r = std::get_if<RetransEvent>(&ev)) return trouble_.on_retrans(*r);
  if (const auto* r = std::get_if<ResetEvent>(&ev)) return trouble_.on_reset(*r);
  const auto* e = std::get_if<StateEvent>(&ev);
  if (!e) return;
  trouble_.on_state(*e);
  if (e->new_state == kTcpListen) listen_drops_.born(e->cookie);
  if (e->old_state == kTcpListen) listen_drops_.closed(e->cookie);
  if (e->hdr.pid != 0 || e->ino == 0) return timewait_->on_state(*e, monotonic_now_ns());
  StateEvent resolved = *e;
  if (const ProcOwner* owner = owners_.lookup(e->ino, monotonic_now_ns())) {
    resolved.hdr.pid = resolved.hdr.tid = static_cast<uint32_t>(owner->pid);
    std::copy_n(owner->comm.data(), std::min(owner->comm.size(), resolved.hdr.comm.chars.size() - 1),
                resolved.hdr.comm.chars.data());
  }
  timewait_->on_state(resolved, monotonic_now_ns());
}

void LiveHistogram::pump(int timeout_ms) {
  if (reader_) reader_->poll(timeout_ms);
  uint64_t now = monotonic_now_ns();
  timewait_->tick(now);
  if (tracer_ && now >= next_loss_check_) {
    LossCounts l = tracer_->losses();
    if (l.events() > reported_.events())
      spdlog::warn("{} state events lost ({} ring buffer full, {} BPF recursion): the next reconciliation corrects "
                   "the counts",
                   l.events() - reported_.events(), l.ringbuf - reported_.ringbuf, l.recursion - reported_.recursion);
    reported_ = l;
    next_loss_check_ = now + 1'000'000'000;
  }
  if (now >= next_reconcile_) {
    reconcile();
    next_reconcile_ = monotonic_now_ns() + config_.reconcile_ns;
  }
}

void LiveHistogram::refresh() {
  InodeOwners* owners = config_.filter.by_owner() ? &owners_ : nullptr;
  uint64_t now = monotonic_now_ns();
  auto resolve = [&](std::vector<SockRecord>& v, const std::vector<DiagSocket>& d) {
    if (!owners) return;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i].pid == 0 && d[i].inode)
        if (const ProcOwner* o = owners_.lookup(d[i].inode, now)) {
          v[i].pid = static_cast<uint32_t>(o->pid);
          std::copy_n(o->comm.data(), std::min(o->comm.size(), v[i].comm.chars.size() - 1), v[i].comm.chars.data());
        }
  };
  std::vector<DiagSocket> tcp = scope_.dump(IPPROTO_TCP, kPolledTcpStates);
  std::vector<DiagSocket> udp = scope_.dump(IPPROTO_UDP, ~0u);
  std::vector<SockRecord> tcp_r, udp_r;
  for (const DiagSocket& d : tcp) tcp_r.push_back(record_of(d, IPPROTO_TCP, owners));
  for (const DiagSocket& d : udp) udp_r.push_back(record_of(d, IPPROTO_UDP, owners));
  resolve(tcp_r, tcp);
  resolve(udp_r, udp);
  if (reader_) reader_->drain();
  hist_.set_polled(IPPROTO_TCP, tcp_r);
  hist_.set_polled(IPPROTO_UDP, udp_r);
}

DriftReport LiveHistogram::reconcile() {
  if (reader_) reader_->drain();
  uint64_t mark = hist_.mark();
  std::vector<SockRecord> truth;
  try {
    truth = diag_records(scope_, IPPROTO_TCP, kAllTcpStates, &owners_);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; not reconciled this time", e.what());
    return {};
  }
  if (reader_) reader_->drain();
  last_drift_ = reconcile_timewait(hist_, *timewait_, truth, mark);
  report_drift(last_drift_, hist_);
  return last_drift_;
}

DriftReport reconcile_timewait(Histogram& hist, TimewaitTracker& timewait, const std::vector<SockRecord>& truth,
                               uint64_t mark) {
  uint64_t now = monotonic_now_ns();
  // A timewait socket's end is found by a lookup when its timer is due: ask
  // now rather than call a lookup that is about to happen drift. One whose
  // timer is not due and that sock_diag no longer lists ended unseen (e.g.
  // recycled with no socket of its 4-tuple seen): drift, counted.
  std::vector<uint64_t> differing = hist.differing(truth, mark);
  for (uint64_t cookie : differing)
    if (timewait.due(cookie, now + kTimewaitDueSlackNs)) timewait.check_now(cookie, now);
  DriftReport d = hist.reconcile(truth, mark);
  std::unordered_set<uint64_t> listed;
  listed.reserve(truth.size());
  for (const SockRecord& r : truth) listed.insert(r.cookie);
  for (uint64_t cookie : differing)
    if (!listed.count(cookie)) timewait.gone(cookie, now);
  return d;
}

void report_drift(const DriftReport& d, const Histogram& h) {
  if (d.total())
    fmt::print(stderr,
               "socktrace: reconciled with sock_diag: {} sockets drifted ({} gone, {} missing, {} in another state); "
               "counts corrected ({} in {} reconciliations so far)\n",
               d.total(), d.stale, d.missing, d.wrong, h.drift_total().total(), h.reconciles());
  else
    spdlog::info("reconciled with sock_diag: no drift ({} sockets tracked)", h.tracked());
}

std::string drift_summary(const Histogram& h) {
  const DriftReport& d = h.drift_total();
  return fmt::format("drift {} sockets in {} reconciliations ({} gone, {} missing, {} in another state)", d.total(),
                     h.reconciles(), d.stale, d.missing, d.wrong);
}

LossCounts LiveHistogram::losses() const { return tracer_ ? tracer_->losses() : LossCounts{}; }

MetricsExtras LiveHistogram::metrics_extras() const {
  MetricsExtras x;
  LossCounts l = losses();
  x.lost = {{"ringbuf", l.ringbuf}, {"recursion", l.recursion}};
  x.timewait_unchecked = timewait_->unchecked();
  x.now_ns = monotonic_now_ns();
  return x;
}

}  // namespace socktrace
