#include "app/live_histogram.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
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
  r.netns = d.netns;
  r.cgroup_id = d.cgroup_id;
  r.since_ns = since_of(d, monotonic_now_ns(), &r.since_bound);
  r.rx_queue = d.rx_queue;
  r.tx_queue = d.tx_queue;
  r.tx_bytes = d.bytes_acked;
  r.rx_bytes = d.bytes_received;
  if (owners && d.inode) {
    if (const ProcOwner* o = owners->find(d.inode)) {
      r.pid = static_cast<uint32_t>(o->pid);
      r.comm = Comm::of(o->comm);
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
  e.sock_cgroup_id = d.cgroup_id;
  e.protocol = IPPROTO_TCP;
  e.hdr.ts_ns = monotonic_now_ns();
  return e;
}

namespace {

std::vector<SockRecord> records_of(const std::vector<DiagSocket>& dump, uint8_t protocol, InodeOwners* owners) {
  std::vector<SockRecord> out;
  out.reserve(dump.size());
  for (const DiagSocket& d : dump) out.push_back(record_of(d, protocol, owners));
  inherit_listener_cgroups(out);
  return out;
}

}  // namespace

std::vector<SockRecord> diag_records(uint8_t protocol, uint32_t states, InodeOwners* owners) {
  std::vector<DiagSocket> dump = dump_sockets(protocol, states);
  // Events carry the namespace: a listener is known by (netns, port).
  uint32_t own = current_netns();
  for (DiagSocket& d : dump) d.netns = own;
  return records_of(dump, protocol, owners);
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

namespace {

// Adds the namespace of `path` (a namespace file) unless `scope` has it, and
// records its inode in `seen`.
void add_netns_file(DiagScope& scope, DiagProber* prober, const std::string& path, std::vector<uint32_t>& seen) {
  const std::vector<uint32_t>& have = scope.netns();
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return;  // gone meanwhile
  uint32_t ino = static_cast<uint32_t>(st.st_ino);
  if (std::find(have.begin(), have.end(), ino) != have.end()) {
    seen.push_back(ino);
    return;
  }
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat opened{};
  struct statfs sfs{};
  if (fstat(fd, &opened) == 0 && opened.st_ino == ino && fstatfs(fd, &sfs) == 0 &&
      static_cast<unsigned long>(sfs.f_type) == NSFS_MAGIC && ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET) {
    try {
      scope.add(ino, fd);
      if (prober) prober->adopt(ino, fd);
    } catch (...) {
      close(fd);
      throw;
    }
    seen.push_back(ino);
    spdlog::info("scope: network namespace {} ({})", ino, path);
  }
  close(fd);
}

}  // namespace

std::vector<uint32_t> widen_all_scope(DiagScope& scope, DiagProber* prober) {
  std::vector<uint32_t> seen;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec))
    add_netns_file(scope, prober, e.path().string(), seen);
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    add_netns_file(scope, prober, "/proc/" + name + "/ns/net", seen);
  }
  return seen;
}

std::vector<uint32_t> widen_cgroup_scope(DiagScope& scope, const CgroupTree& tree, DiagProber* prober) {
  std::vector<uint32_t> seen;
  for (int pid : tree.pids) add_netns_file(scope, prober, fmt::format("/proc/{}/ns/net", pid), seen);
  return seen;
}

void open_view_scope(DiagScope& scope, const LiveConfig& config, HistFilter& filter, DiagProber* prober) {
  open_scope(scope, config.netns, prober);
  if (config.all_netns && config.netns.empty() && config.cgroup_paths.empty()) widen_all_scope(scope, prober);
  if (config.cgroup_paths.empty()) return;
  CgroupTree tree = scan_cgroup_tree(config.cgroup_paths);
  filter.by_cgroup = true;
  filter.cgroups = tree.ids;
  if (config.netns.empty()) widen_cgroup_scope(scope, tree, prober);
}

void LiveHistogram::follow_scope() {
  // The namespaces to read now; those no longer held by a process (or an
  // `ip netns` name) are let go: held open by socktrace they would never
  // be freed.
  std::vector<uint32_t> live;
  if (config_.all_netns && config_.netns.empty() && config_.cgroup_paths.empty()) {
    live = widen_all_scope(scope_, &prober_);
  } else if (!config_.cgroup_paths.empty()) {
    CgroupTree tree = scan_cgroup_tree(config_.cgroup_paths);
    if (config_.netns.empty()) live = widen_cgroup_scope(scope_, tree, &prober_);
    hist_.set_cgroups(std::move(tree.ids));
  }
  // A cgroup with no process left: keep reading where it was (an empty
  // scope would be socktrace's own namespace).
  if (live.empty()) return;
  for (uint32_t ns : scope_.retain(live)) {
    prober_.forget(ns);
    hist_.drop_netns(ns);
    spdlog::info("scope: network namespace {} let go (no process left in it)", ns);
  }
}

LiveHistogram::LiveHistogram(const LiveConfig& config)
    : config_(config), hist_(config.filter), trouble_(config.filter) {
  std::vector<int> preferred;
  for (uint32_t pid : config_.filter.pids) preferred.push_back(static_cast<int>(pid));
  owners_.prefer(preferred);  // a listener shared with workers is -p's worker's
  HistFilter filter = config_.filter;
  open_view_scope(scope_, config_, filter, &prober_);
  hist_ = Histogram(filter);
  if (config_.timewait) {
    timewait_ = config_.timewait;
  } else {
    own_timewait_ = std::make_unique<TimewaitTracker>(
        [this](const StateEvent& e) { return timewait_lookup(prober_, e); },
        [this](const StateEvent& e, bool) { hist_.apply(e); });
    timewait_ = own_timewait_.get();
  }
  if (config_.trace) {
    TracerConfig tc;
    for (uint32_t pid : config_.filter.pids) tc.pids.push_back(static_cast<int>(pid));
    tc.ringbuf_bytes = config_.ringbuf_bytes;
    // Under --cgroup alone the kernel follows the cgroups into any namespace.
    if (!config_.netns.empty()) tc.netns_inos = scope_.netns();
    if (!config_.cgroup_paths.empty()) {
      for (const std::string& p : config_.cgroup_paths) {
        struct stat st{};
        if (stat(p.c_str(), &st) == 0) tc.cgroup_ids.push_back(st.st_ino);
      }
    }
    session_ = std::make_unique<Session>(
        tc, [this](const Event& ev) { on_event(ev); },
        [](uint64_t count, const char* where) {
          spdlog::warn("{} events lost ({}): the next reconciliation corrects the counts", count, where);
        });
  }
  // After the attach: every change from here on is either in the dump or
  // in the ring buffer (or both: applying an event is idempotent per socket).
  owners_.rescan();
  std::vector<DiagSocket> dump = scope_.dump(IPPROTO_TCP, kAllTcpStates);
  std::vector<SockRecord> records;
  records.reserve(dump.size());
  for (const DiagSocket& d : dump) records.push_back(record_of(d, IPPROTO_TCP, &owners_));
  inherit_listener_cgroups(records);
  uint64_t now = monotonic_now_ns();
  std::size_t seeded = 0;
  for (std::size_t i = 0; i < dump.size(); ++i) {
    const DiagSocket& d = dump[i];
    const SockRecord& r = records[i];
    // Under --cgroup a timewait socket of no selected listener is not
    // counted (no cgroup known): its end is nothing to look for. Fed, the
    // feeding consumer adopts the ones it derives ends for.
    if (own_timewait_ && d.timewait() && hist_.filter().admits_cgroup(r.cgroup_id)) {
      StateEvent tmpl = timewait_template(d, d.netns);
      tmpl.sock_cgroup_id = r.cgroup_id;
      timewait_->adopt(tmpl, d.state, d.expires_ms, now);
    }
    // With a pid filter the kernel drops events of sockets whose owner it
    // does not know: tell it the owners of the old ones.
    // Listeners always: their children's events carry the owner then.
    if (session_ && (!config_.filter.pids.empty() || d.state == kTcpListen) && r.pid && d.cookie) {
      std::string comm(r.comm.view());
      session_->tracer().seed_owner(d.cookie, static_cast<int>(r.pid), comm);
      if (d.state == kTcpListen) session_->tracer().seed_listener(d.netns, d.sport, d.cookie, static_cast<int>(r.pid), comm);
      ++seeded;
    }
  }
  hist_.seed(records);
  spdlog::info("snapshot: {} TCP sockets ({} timewait tracked, {} owners seeded)", dump.size(), timewait_->tracked(),
               seeded);
  refresh();
  if (session_) poll_listen_drops();
  next_reconcile_ = config_.reconcile_ns ? monotonic_now_ns() + config_.reconcile_ns : UINT64_MAX;
}

void LiveHistogram::poll_listen_drops() {
  std::vector<DiagSocket> listeners;
  try {
    listeners = scope_.dump(IPPROTO_TCP, 1u << kTcpListen, kDiagMeminfo);
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
    if (auto known = session_ ? session_->tracer().owner(l.cookie) : std::nullopt) {
      owner = *known;
    } else if (const ProcOwner* p = owners_.lookup(l.inode, now)) {
      owner.pid = static_cast<uint32_t>(p->pid);
      owner.comm = Comm::of(p->comm);
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
  if (e->hdr.pid != 0 || e->ino == 0) return timewait_->on_state(*e, LazyNow());
  StateEvent resolved = *e;
  LazyNow now;
  own_from_proc(owners_, resolved, now());
  timewait_->on_state(resolved, now);
}

void LiveHistogram::pump(int timeout_ms) {
  if (session_) session_->poll(timeout_ms);
  uint64_t now = monotonic_now_ns();
  timewait_->tick(now);
  if (now >= next_reconcile_) {
    reconcile();
    next_reconcile_ = monotonic_now_ns() + config_.reconcile_ns;
  }
}

void LiveHistogram::refresh() {
  follow_scope();
  InodeOwners* owners = config_.owners || config_.filter.by_owner() ? &owners_ : nullptr;
  uint64_t now = monotonic_now_ns();
  auto resolve = [&](std::vector<SockRecord>& v, const std::vector<DiagSocket>& d) {
    if (!owners) return;
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i].pid == 0 && d[i].inode)
        if (const ProcOwner* o = owners_.lookup(d[i].inode, now)) {
          v[i].pid = static_cast<uint32_t>(o->pid);
          v[i].comm = Comm::of(o->comm);
        }
  };
  std::vector<DiagSocket> tcp = scope_.dump(IPPROTO_TCP, kPolledTcpStates);
  std::vector<DiagSocket> udp = scope_.dump(IPPROTO_UDP, ~0u);
  std::vector<SockRecord> tcp_r, udp_r;
  for (const DiagSocket& d : tcp) tcp_r.push_back(record_of(d, IPPROTO_TCP, owners));
  for (const DiagSocket& d : udp) udp_r.push_back(record_of(d, IPPROTO_UDP, owners));
  resolve(tcp_r, tcp);
  resolve(udp_r, udp);
  drain();
  hist_.set_polled(IPPROTO_TCP, tcp_r);
  hist_.set_polled(IPPROTO_UDP, udp_r);
}

std::vector<SocketRow> LiveHistogram::list(const ListQuery& q) {
  std::vector<DiagSocket> tcp, udp;
  if (q.tcp) tcp = scope_.dump(IPPROTO_TCP, kSsTcpStates, kDiagTcpInfo);
  if (q.udp) udp = scope_.dump(IPPROTO_UDP, ~0u);
  uint64_t now = monotonic_now_ns();
  // The owners of the sockets the histogram does not count yet (new since
  // its last poll) from /proc, as ss -p finds them.
  auto records = [&](const std::vector<DiagSocket>& dump, uint8_t proto) {
    std::vector<SockRecord> out;
    out.reserve(dump.size());
    for (const DiagSocket& d : dump) {
      SockRecord& r = out.emplace_back(record_of(d, proto, nullptr));
      if (d.inode && !hist_.known(proto, d.cookie))
        if (const ProcOwner* o = owners_.lookup(d.inode, now)) {
          r.pid = static_cast<uint32_t>(o->pid);
          r.comm = Comm::of(o->comm);
        }
    }
    return out;
  };
  return list_sockets(hist_, records(tcp, IPPROTO_TCP), records(udp, IPPROTO_UDP), now, q);
}

DriftReport LiveHistogram::reconcile() {
  drain();
  uint64_t mark = hist_.mark();
  std::vector<SockRecord> truth;
  try {
    truth = diag_records(scope_, IPPROTO_TCP, kAllTcpStates, &owners_);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; not reconciled this time", e.what());
    return {};
  }
  drain();
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

void LiveHistogram::drain() {
  if (session_) {
    // Accepted children owned by their acceptors before the counts are read.
    session_->tracer().name_acceptors(monotonic_now_ns(), true);
    session_->reader().drain();
  } else if (config_.drain) {
    config_.drain();
  }
}

LossCounts LiveHistogram::losses() const { return session_ ? session_->tracer().losses() : LossCounts{}; }

std::string LiveHistogram::finish() {
  if (!session_) return drift_summary(hist_);
  session_->finish();
  return session_->summary() + ", " + drift_summary(hist_);
}

MetricsExtras LiveHistogram::metrics_extras() const {
  MetricsExtras x;
  LossCounts l = losses();
  x.lost = {{"ringbuf", l.ringbuf}, {"recursion", l.recursion}};
  x.timewait_unchecked = timewait_->unchecked();
  x.now_ns = monotonic_now_ns();
  return x;
}

}  // namespace socktrace
