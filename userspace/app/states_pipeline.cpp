#include "app/states_pipeline.h"

#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/live_histogram.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/names.h"
#include "kernel/filters.h"
#include "socktrace/events.h"

namespace socktrace {

ResolvedFilters resolve_states_filters(const Options& o) {
  for (int pid : o.filters.pids)
    if (!process_exists(pid))
      throw UsageError(fmt::format("no process with pid {} (check it with 'ps -p {}')", pid, pid));
  if (o.filters.follow_forks)
    throw UsageError(fmt::format("{} does not take -f: sockets are filtered by their owner (-p), cgroup (--cgroup, "
                                 "--container), netns and comm",
                                 mode_name(o.mode)));
  return resolve_filters(o.filters);
}

StatesPipeline::StatesPipeline(const Options& o, const ResolvedFilters& filters, Output& out, bool json, bool lines,
                               bool timelines)
    : o_(o),
      filters_(filters),
      lines_(lines),
      timelines_(timelines),
      tcp_(wants_proto(o, "tcp")),
      udp_(wants_proto(o, "udp")),
      unix_(wants_proto(o, "unix")),
      states_view_(out, json, WallClock::now()),
      timeline_view_(out, json, WallClock::now()),
      timewait_([this](const StateEvent& e) { return timewait_lookup(prober_, e); },
                [this](const StateEvent& e, bool derived) { show(e, derived); }),
      accept_hold_([this](const StateEvent& e) { timewait_.on_state(e, LazyNow()); }) {
  // One record per TIME_WAIT socket for the three that keep one.
  timewait_.share(parking_);
  timeline_view_.share(parking_);
  states_view_.share(parking_);
  watch_listeners_ = lines_ && tcp_ && o.filters.cgroups.empty() && o.filters.container.empty();
  // A listener a pre-fork server's parent and workers share: under -p
  // WORKER it is the worker's, so that its children's transitions before
  // accept() pass the kernel's filter.
  inode_owners_.prefer(o.filters.pids);
  // --netns: TIME_WAIT lookups there need no process known to live in it
  // (a socket's owner may have left it, or be a thread that entered it).
  for (const std::string& arg : o.filters.netns) {
    uint32_t ino = 0;
    int fd = open_netns(arg, &ino);  // resolve_filters() checked it
    prober_.adopt(ino, fd);
    close(fd);
  }
  if (json) {
    if (auto root = find_cgroup2_root()) {
      cgroup_names_.emplace(*root);
      runtime_names_.emplace(o.host_root);
      cgroup_names_->set_namer([this](ContainerInfo& c, uint64_t now_ns) { runtime_names_->fill(c, now_ns); });
      states_view_.set_containers(*containers());
      timeline_view_.set_containers(*containers());
    }
  }
}

std::optional<ContainerLookup> StatesPipeline::containers() {
  if (!cgroup_names_) return std::nullopt;
  return ContainerLookup([this](uint64_t id) { return cgroup_names_->lookup(id, monotonic_now_ns()); });
}

void StatesPipeline::configure(TracerConfig& config) const {
  config.pids = o_.filters.pids;
  // UDP and unix stream lives are lines, not timelines. Without them no
  // syscall is read (the accept hand-off is found otherwise).
  config.sock_lives = lines_ && (udp_ || unix_);
  filters_.apply(config);
}

void StatesPipeline::show(const StateEvent& e, bool derived) {
  if (also_) also_(e, derived);
  if (!tcp_) return;
  if (timelines_) timeline_view_.on_state(e, derived);
  if (lines_) states_view_.on_state(e, derived);
}

bool StatesPipeline::admits_owner(uint32_t pid, std::string_view comm) const {
  const std::vector<int>& pids = o_.filters.pids;
  if (!pids.empty() && std::find(pids.begin(), pids.end(), static_cast<int>(pid)) == pids.end()) return false;
  return filters_.comm.empty() || comm == filters_.comm;
}

void StatesPipeline::attached(Tracer& tracer) {
  tracer_ = &tracer;
  states_view_.set_rst_reasons(tracer.rst_reasons());
  timeline_view_.set_rst_reasons(tracer.rst_reasons());
  states_view_.set_drop_reasons(tracer.drop_reasons());
  try {
    seed_existing(tracer);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; owners of sockets older than socktrace are resolved later from /proc", e.what());
  }
}

// Sockets older than socktrace: their owners come from sock_diag (cookie,
// inode) and /proc (inode -> process), so that -p and the children of old
// listeners are attributed from the start. This network namespace only.
//
// Their timewait sockets are adopted, as `top` adopts them, so that their
// end is shown as it is for the ones seen entering TIME_WAIT; not under a
// filter (a timewait socket has no owner: its end would show an owner the
// filter never admitted).
//
// The timelines of connections older than socktrace are flushed at exit,
// marked before_start, unless they end first; only those the filters
// admit: by owner for -p and --comm, none under --cgroup/--container/--netns
// (sock_diag does not tell a socket's cgroup here).
void StatesPipeline::seed_existing(Tracer& tracer) {
  const bool adopt = o_.filters.pids.empty() && !filters_.any();
  const bool by_owner = !o_.filters.pids.empty() || !filters_.comm.empty();
  const bool existing_timelines = timelines_ && filters_.cgroup_ids.empty() && filters_.netns_inos.empty();
  inode_owners_.rescan();  // -p's processes preferred as owners of shared sockets (InodeOwners::prefer)
  uint32_t netns = current_netns();
  std::size_t seeded = 0, failed = 0, adopted = 0;
  uint64_t now = monotonic_now_ns();
  for_each_tcp_socket([&](const DiagSocket& s) {
    const ProcOwner* owner = s.inode ? inode_owners_.find(s.inode) : nullptr;
    if (existing_timelines && s.cookie && (!by_owner || (owner && admits_owner(static_cast<uint32_t>(owner->pid), owner->comm)))) {
      StateEvent tmpl = timewait_template(s, netns);
      if (owner) {
        tmpl.hdr.pid = tmpl.hdr.tid = static_cast<uint32_t>(owner->pid);
        tmpl.hdr.comm = Comm::of(owner->comm);
      }
      timeline_view_.existing(tmpl, s.state, tmpl.hdr.ts_ns);
    }
    if (adopt && s.timewait() && s.cookie) {
      timewait_.adopt(timewait_template(s, netns), s.state, s.expires_ms, now);
      ++adopted;
      return;
    }
    if (!owner || s.cookie == 0) return;
    bool ok = tracer.seed_owner(s.cookie, owner->pid, owner->comm);
    if (s.state == kTcpListen) ok = tracer.seed_listener(netns, s.sport, s.cookie, owner->pid, owner->comm) && ok;
    ok ? ++seeded : ++failed;
  });
  spdlog::info("owners of {} existing TCP sockets recorded ({} not recorded), {} timewait sockets adopted", seeded,
               failed, adopted);
}

void StatesPipeline::on_event(const Event& ev) {
  if (const auto* s = std::get_if<SockEvent>(&ev)) {
    if (s->protocol == IPPROTO_TCP && s->op == ST_SOCK_ACCEPT)
      return accept_hold_.on_accept(s->cookie, s->hdr, admits_owner(s->hdr.pid, s->hdr.comm.view()));
    if (lines_ && (s->family == AF_UNIX ? unix_ : udp_)) states_view_.on_sock(*s);
    return;
  }
  // Without tcp, transitions still go their way (log's counters and gauges
  // count every socket); show() keeps them off the views.
  if (!tcp_ && !std::holds_alternative<StateEvent>(ev)) return;
  if (const auto* r = std::get_if<RetransEvent>(&ev)) {
    if (timelines_) timeline_view_.on_retrans(*r);
    if (lines_) states_view_.on_retrans(*r);
    return;
  }
  if (const auto* r = std::get_if<ResetEvent>(&ev)) {
    if (timelines_) timeline_view_.on_reset(*r);
    if (lines_) states_view_.on_reset(*r);
    return;
  }
  if (const auto* d = std::get_if<DropEvent>(&ev)) {
    if (timelines_) timeline_view_.on_drop(*d);
    if (lines_) states_view_.on_drop(*d);
    return;
  }
  const auto* e = std::get_if<StateEvent>(&ev);
  if (!e) return;
  if (e->new_state == kTcpListen) listen_drops_.born(e->cookie);
  if (e->old_state == kTcpListen) listen_drops_.closed(e->cookie);
  if (e->hdr.pid != 0 || e->ino == 0) return accept_hold_.on_state(*e, LazyNow());
  StateEvent resolved = *e;
  LazyNow now;
  own_from_proc(inode_owners_, resolved, now());
  accept_hold_.on_state(resolved, now);
}

void StatesPipeline::on_lost(uint64_t count, const char* where) {
  lost_since_reconcile_ = true;
  if (lines_)
    states_view_.on_lost(count, where, monotonic_now_ns());
  else
    timeline_view_.on_lost(count, where, monotonic_now_ns());
}

void StatesPipeline::header() {
  if (lines_ && timelines_) return;  // log: JSON only
  if (timelines_)
    timeline_view_.header();
  else
    states_view_.header();
}

// After a loss a connection's -> CLOSE may be missing: end the timelines of
// sockets sock_diag no longer lists (in socktrace's namespace; others are
// kept, they cannot be listed from here).
void StatesPipeline::reconcile_timelines() {
  std::unordered_set<uint64_t> alive;
  try {
    for_each_tcp_socket([&alive](const DiagSocket& s) { alive.insert(s.cookie); });
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; timelines are not reconciled after the loss", e.what());
    return;
  }
  uint32_t own = current_netns();
  timeline_view_.close_vanished(
      [&](uint64_t cookie, uint32_t netns) { return netns != own || alive.count(cookie) > 0; }, monotonic_now_ns());
}

void StatesPipeline::poll_listeners() {
  uint64_t now = monotonic_now_ns();
  for (auto [netns, pid] : tracer_->listener_namespaces()) {
    if (!filters_.netns_inos.empty() &&
        std::find(filters_.netns_inos.begin(), filters_.netns_inos.end(), netns) == filters_.netns_inos.end())
      continue;
    std::vector<DiagSocket> listeners;
    try {
      listeners = prober_.listeners(netns, {pid});
    } catch (const RuntimeError& err) {
      if (!listen_warned_) spdlog::warn("{}; listen overflows are not counted there", err.what());
      listen_warned_ = true;
      continue;
    }
    for (const DiagSocket& l : listeners) {
      if (l.drops < 0) continue;
      ListenDrops::Delta d = listen_drops_.update(l.cookie, static_cast<uint32_t>(l.drops));
      if (d.drops == 0) continue;
      ListenOverflowEvent ev;
      if (auto owner = tracer_->owner(l.cookie)) {
        ev.hdr = *owner;
      } else if (const ProcOwner* p = inode_owners_.lookup(l.inode, now)) {
        ev.hdr.pid = ev.hdr.tid = static_cast<uint32_t>(p->pid);
        ev.hdr.comm = Comm::of(p->comm);
      }
      if (!admits_owner(ev.hdr.pid, ev.hdr.comm.view())) continue;
      ev.hdr.ts_ns = now;
      ev.cookie = l.cookie;
      ev.saddr = l.saddr;
      ev.sport = l.sport;
      ev.netns = netns;
      ev.drops = d.drops;
      ev.total = d.total;
      ev.backlog = l.rx_queue;
      ev.max_backlog = l.tx_queue;
      states_view_.on_listen_overflow(ev);
    }
  }
}

void StatesPipeline::tick(uint64_t now_ns) {
  accept_hold_.tick(now_ns);
  timewait_.tick(now_ns);
  if (watch_listeners_ && tracer_ && now_ns >= next_listen_poll_ns_) {
    poll_listeners();
    next_listen_poll_ns_ = now_ns + 1'000'000'000;
  }
  if (timelines_ && lost_since_reconcile_ && now_ns >= next_reconcile_ns_) {
    reconcile_timelines();
    lost_since_reconcile_ = false;
    next_reconcile_ns_ = now_ns + 10'000'000'000;
  }
}

void StatesPipeline::finish(uint64_t now_ns) {
  if (watch_listeners_ && tracer_) poll_listeners();
  accept_hold_.flush();
  // What the timewait sockets did since they were last looked at; the ones
  // still there keep their connections open.
  timewait_.finish(now_ns);
  if (timelines_) timeline_view_.flush(now_ns);
}

}  // namespace socktrace
