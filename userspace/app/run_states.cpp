#include "app/run_states.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>

#include "app/live_histogram.h"
#include "app/loss_reporter.h"
#include "app/signals.h"
#include "core/accept_hold.h"
#include "core/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/listen_drops.h"
#include "core/error.h"
#include "core/histogram.h"
#include "core/metrics.h"
#include "core/syscall_view.h"
#include "core/syscalls.h"
#include "core/top_view.h"
#include "kernel/metrics_server.h"
#include "core/names.h"
#include "core/output.h"
#include "core/states_view.h"
#include "core/timeline_view.h"
#include "core/timewait.h"
#include "kernel/filters.h"
#include "kernel/proc.h"
#include "kernel/ring_reader.h"
#include "kernel/sock_diag.h"
#include "kernel/tracer.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {

// Sockets older than socktrace: their owners come from sock_diag (cookie,
// inode) and /proc (inode -> process), so that -p and the children of old
// listeners are attributed from the start. This network namespace only.
// Timewait sockets older than socktrace are adopted by `timewait` (when
// given), as `top` adopts them: their end is shown as it is for the ones
// seen entering TIME_WAIT.
// `existing` sees every socket with its owner (nullptr: none known).
void seed_existing_sockets(Tracer& tracer, InodeOwners& owners, TimewaitTracker* timewait,
                           const std::function<void(const DiagSocket&, const ProcOwner*)>& existing) {
  owners.rescan();  // -p's processes preferred as owners of shared sockets (InodeOwners::prefer)
  uint32_t netns = current_netns();
  std::size_t seeded = 0, failed = 0, adopted = 0;
  uint64_t now = monotonic_now_ns();
  for (const DiagSocket& s : dump_tcp_sockets()) {
    const ProcOwner* o = s.inode ? owners.find(s.inode) : nullptr;
    existing(s, o);
    if (timewait && s.timewait() && s.cookie) {
      timewait->adopt(timewait_template(s, netns), s.state, s.expires_ms, now);
      ++adopted;
      continue;
    }
    if (!o || s.cookie == 0) continue;
    bool ok = tracer.seed_owner(s.cookie, o->pid, o->comm);
    if (s.state == kTcpListen) ok = tracer.seed_listener(netns, s.sport, s.cookie, o->pid, o->comm) && ok;
    ok ? ++seeded : ++failed;
  }
  spdlog::info("owners of {} existing TCP sockets recorded ({} not recorded), {} timewait sockets adopted", seeded,
               failed, adopted);
}

// The first line of every log file: what wrote it and with which filters, so
// that a file explains itself.
std::string log_header(const Options& o, const std::vector<std::string>& degraded) {
  utsname u{};
  uname(&u);
  fmt::memory_buffer buf;
  JsonObject j(buf);
  std::string pids;
  for (int pid : o.filters.pids) {
    if (!pids.empty()) pids += ',';
    pids += std::to_string(pid);
  }
  j.field("event", "header")
      .field("ts_ns", WallClock::now().epoch_ns(monotonic_now_ns()))
      .field("pid", static_cast<int64_t>(getpid()))
      .field("tid", static_cast<int64_t>(getpid()))
      .field("comm", "socktrace")
      .field("version", SOCKTRACE_VERSION)
      .field("host", u.nodename)
      .field("kernel", u.release)
      .field("pids", pids)
      .field("max_size", o.max_size)
      .field("max_files", o.max_files)
      .field("syscalls", o.log_syscalls)
      .raw_field("hist_interval", fmt::format("{}", o.hist_interval));
  // What this kernel could not give (tools/vmtest.sh kernels have it all).
  fmt::memory_buffer list;
  list.push_back('[');
  for (const std::string& d : degraded) {
    if (list.size() > 1) list.push_back(',');
    append_json_string(list, d);
  }
  list.push_back(']');
  j.raw_field("degraded", std::string_view(list.data(), list.size())).end_line();
  return std::string(buf.data(), buf.size());
}

OutputPolicy output_policy(const Options& o) {
  OutputPolicy p;
  if (o.mode != Mode::kLog) return p;
  if (!o.max_size.empty()) {
    auto size = parse_size(o.max_size);
    if (!size || *size < 4096)
      throw UsageError(fmt::format("bad --max-size '{}': give a size of at least 4K, e.g. 100M", o.max_size));
    p.max_size = *size;
  }
  if (o.max_files > 0) p.max_files = o.max_files;
  p.append = true;
  p.keep_going = true;
  p.file_header = log_header(o, {});
  return p;
}

ResolvedFilters validate(const Options& o) {
  if (o.mode == Mode::kLog && (o.output.file.empty() || o.output.file == "-"))
    throw UsageError("log needs a file: socktrace log -o FILE (it rotates and reopens it; use 'states --json' for stdout)");
  for (int pid : o.filters.pids)
    if (!process_exists(pid))
      throw UsageError(fmt::format("no process with pid {} (check it with 'ps -p {}')", pid, pid));
  if (o.mode != Mode::kLog && (!o.metrics.empty() || o.log_syscalls || o.hist_interval > 0))
    throw UsageError("--metrics, --syscalls and --hist-interval belong to 'socktrace log'");
  if (o.hist_interval > 0 && (!o.filters.cgroups.empty() || !o.filters.container.empty() || !o.filters.netns.empty()))
    throw UsageError("--hist-interval counts sockets host-wide or by -p/--comm; it does not take --cgroup, "
                     "--container or --netns yet");
  if (o.filters.follow_forks) throw UsageError("states does not take -f: sockets are filtered by their owner (-p), "
                                               "cgroup (--cgroup, --container), netns and comm");
  return resolve_filters(o.filters);
}

// After a loss a connection's -> CLOSE may be missing: end the timelines of
// sockets sock_diag no longer lists (in socktrace's namespace; others are
// kept, they cannot be listed from here).
void reconcile_timelines(TimelineView& view) {
  std::unordered_set<uint64_t> alive;
  try {
    for (const DiagSocket& s : dump_tcp_sockets()) alive.insert(s.cookie);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; timelines are not reconciled after the loss", e.what());
    return;
  }
  uint32_t own = current_netns();
  view.close_vanished([&](uint64_t cookie, uint32_t netns) { return netns != own || alive.count(cookie) > 0; },
                      monotonic_now_ns());
}

std::unique_ptr<MetricsServer> metrics_server(const std::string& spec) {
  if (spec.empty()) return nullptr;
  auto addr = parse_listen_address(spec);
  if (!addr)
    throw UsageError(fmt::format("bad --metrics '{}': give [ADDR:]PORT with a numeric address, e.g. 127.0.0.1:9464 "
                                 "or [::1]:9464",
                                 spec));
  return std::make_unique<MetricsServer>(*addr);
}

// `log --hist-interval`: sockets per state as ss counts them, kept from the
// log's own transitions (no second ring buffer), seeded by sock_diag and
// reconciled with it before each `hist` object, so each one equals ss.
class LogHistogram {
 public:
  explicit LogHistogram(const Options& o) : hist_(filter_of(o)) {
    std::vector<SockRecord> records = diag_records(IPPROTO_TCP, kSsTcpStates, owners());
    hist_.seed(records);
  }
  Histogram& hist() { return hist_; }
  // Polls what no event shows and reconciles with a full dump (the events
  // up to now must have been applied: drain first).
  void refresh(const std::function<void()>& drain, TimewaitTracker& timewait) {
    poll(drain);
    reconcile(drain, timewait);
  }
  // Request sockets and UDP, which no event shows.
  void poll(const std::function<void()>& drain) {
    try {
      std::vector<SockRecord> tcp = diag_records(IPPROTO_TCP, (1u << kTcpSynRecv) | (1u << kTcpNewSynRecv), owners());
      std::vector<SockRecord> udp = diag_records(IPPROTO_UDP, ~0u, owners());
      drain();
      hist_.set_polled(IPPROTO_TCP, tcp);
      hist_.set_polled(IPPROTO_UDP, udp);
    } catch (const RuntimeError& e) {
      spdlog::warn("{}; request sockets and UDP not polled this time", e.what());
    }
  }
  void reconcile(const std::function<void()>& drain, TimewaitTracker& timewait) {
    try {
      uint64_t mark = hist_.mark();
      std::vector<SockRecord> truth = diag_records(IPPROTO_TCP, kSsTcpStates, owners());
      drain();
      DriftReport d = reconcile_timewait(hist_, timewait, truth, mark);
      report_drift(d, hist_);
      last_drift_ = d.total();
    } catch (const RuntimeError& e) {
      spdlog::warn("{}; hist not reconciled this time", e.what());
    }
  }
  uint64_t last_drift() const { return last_drift_; }

 private:
  static HistFilter filter_of(const Options& o) {
    HistFilter f;
    for (int pid : o.filters.pids) f.pids.push_back(static_cast<uint32_t>(pid));
    f.comm = o.filters.comm;
    return f;
  }
  InodeOwners* owners() {
    if (!hist_.filter().by_owner()) return nullptr;
    owners_.rescan();
    return &owners_;
  }
  Histogram hist_;
  InodeOwners owners_;
  uint64_t last_drift_ = 0;
};

}  // namespace

int run_states(const Options& o) {
  ResolvedFilters filters = validate(o);
  // `log`: both the transitions and the finished connections, as JSON, to a
  // file that rotates, reopens on SIGHUP and survives a full disk.
  const bool log = o.mode == Mode::kLog;
  const bool json = o.output.json || log;
  // Bound before the file is created: a bad or busy address exits 2 first.
  std::unique_ptr<MetricsServer> server = metrics_server(o.metrics);
  Output out(o.output.file, output_policy(o));
  StatesView states_view(out, json, WallClock::now());
  TimelineView timeline_view(out, json, WallClock::now());
  InodeOwners inode_owners;
  // A listener a pre-fork server's parent and workers share: under -p
  // WORKER it is the worker's, so that its children's transitions before
  // accept() pass the kernel's filter.
  inode_owners.prefer(o.filters.pids);
  DiagProber prober;
  std::array<std::array<uint64_t, 16>, 16> transitions{};  // log --metrics: by (old, new)
  std::unique_ptr<LogHistogram> log_hist;
  TimewaitTracker timewait([&](const StateEvent& e) { return timewait_lookup(prober, e); },
                           [&](const StateEvent& e, bool derived) {
                             if (log) {
                               ++transitions[e.old_state & 15][e.new_state & 15];
                               if (log_hist) log_hist->hist().apply(e);
                             }
                             if (o.timeline || log) timeline_view.on_state(e, derived);
                             if (!o.timeline || log) states_view.on_state(e, derived);
                           });

  std::optional<CgroupNames> cgroup_names;
  if (json) {
    if (auto root = find_cgroup2_root()) {
      cgroup_names.emplace(*root);
      ContainerLookup lookup = [&](uint64_t id) { return cgroup_names->lookup(id, monotonic_now_ns()); };
      states_view.set_containers(lookup);
      timeline_view.set_containers(lookup);
    }
  }
  // log --syscalls: the syscall trace's JSON objects in the same file.
  std::optional<SyscallView> syscall_view;
  uint64_t syscalls_logged = 0;
  if (o.log_syscalls) {
    SyscallViewOptions vo;
    vo.json = true;
    vo.strace.string_limit = o.log_string_limit;
    syscall_view.emplace(out, vo, WallClock::now());
    if (cgroup_names) syscall_view->set_containers([&](uint64_t id) { return cgroup_names->lookup(id, monotonic_now_ns()); });
  }

  // Pre-fork servers: a child's transitions before accept() held until
  // the accepting process is known (see AcceptHold).
  AcceptHold accept_hold([&](const StateEvent& e) { timewait.on_state(e, monotonic_now_ns()); });
  auto admits_owner = [&](const Header& h) {
    if (!o.filters.pids.empty() &&
        std::find(o.filters.pids.begin(), o.filters.pids.end(), static_cast<int>(h.pid)) == o.filters.pids.end())
      return false;
    return filters.comm.empty() || h.comm.view() == filters.comm;
  };

  TracerConfig config;
  config.pids = o.filters.pids;
  // UDP and unix stream lives are shown as lines (states, log), not in
  // timelines.
  config.sock_lives = !o.timeline || log;
  config.ringbuf_bytes = o.buffer_size;
  if (o.log_syscalls) {
    std::string error;
    config.syscalls = true;
    config.syscall_nrs = parse_trace_list({}, &error).value_or(std::vector<uint32_t>{});
    config.string_limit = static_cast<uint32_t>(o.log_string_limit);
    config.entry_times = true;  // dur_ns
    config.full_header = true;  // comm and cgroup of the caller
  }
  filters.apply(config);
  Tracer tracer(config);
  states_view.set_rst_reasons(tracer.rst_reasons());
  timeline_view.set_rst_reasons(tracer.rst_reasons());
  states_view.set_drop_reasons(tracer.drop_reasons());
  if (log) out.set_file_header(log_header(o, tracer.degraded()));
  try {
    // A timewait socket has no owner: under a filter its end would show
    // an owner the filter never admitted.
    bool adopt = o.filters.pids.empty() && !filters.any();
    // Timelines (states --timeline, log's conn objects) of connections
    // older than socktrace: flushed at exit, marked before_start, unless
    // they end first. Only those the filters admit: by owner for -p and
    // --comm; none under --cgroup/--container/--netns (sock_diag does not
    // tell a socket's cgroup here).
    uint32_t netns = current_netns();
    auto existing = [&](const DiagSocket& s, const ProcOwner* owner) {
      if (!(o.timeline || log) || s.cookie == 0 || !filters.cgroup_ids.empty() || !filters.netns_inos.empty()) return;
      if (!o.filters.pids.empty() || !filters.comm.empty()) {
        if (!owner) return;
        if (!o.filters.pids.empty() &&
            std::find(o.filters.pids.begin(), o.filters.pids.end(), owner->pid) == o.filters.pids.end())
          return;
        if (!filters.comm.empty() && owner->comm != filters.comm) return;
      }
      StateEvent tmpl = timewait_template(s, netns);
      if (owner) {
        tmpl.hdr.pid = tmpl.hdr.tid = static_cast<uint32_t>(owner->pid);
        std::copy_n(owner->comm.data(), std::min(owner->comm.size(), tmpl.hdr.comm.chars.size() - 1),
                    tmpl.hdr.comm.chars.data());
      }
      timeline_view.existing(tmpl, s.state, tmpl.hdr.ts_ns);
    };
    seed_existing_sockets(tracer, inode_owners, adopt ? &timewait : nullptr, existing);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; owners of sockets older than socktrace are resolved later from /proc", e.what());
  }

  // After the attach: every change from here on is in the dump or in the
  // ring buffer (or both: applying a transition is idempotent per socket).
  // log --metrics serves the socket gauges too (a scraped logging agent is
  // where they are wanted); --hist-interval only adds the hist lines.
  bool cgroup_scoped = !o.filters.cgroups.empty() || !o.filters.container.empty() || !o.filters.netns.empty();
  if (o.hist_interval > 0 || (server && !cgroup_scoped)) log_hist = std::make_unique<LogHistogram>(o);

  // Listen overflows: each listener's drop counter, read once a second in
  // every namespace with a listener socktrace knows (sock_diag), and at the
  // end. Under --cgroup/--container nothing says which cgroup a listener
  // is in: not read.
  ListenDrops listen_drops;
  bool watch_listeners = (!o.timeline || log) && o.filters.cgroups.empty() && o.filters.container.empty();
  bool listen_warned = false;
  auto poll_listeners = [&] {
    uint64_t now = monotonic_now_ns();
    for (auto [netns, pid] : tracer.listener_namespaces()) {
      if (!filters.netns_inos.empty() &&
          std::find(filters.netns_inos.begin(), filters.netns_inos.end(), netns) == filters.netns_inos.end())
        continue;
      std::vector<DiagSocket> listeners;
      try {
        listeners = prober.listeners(netns, {pid});
      } catch (const RuntimeError& err) {
        if (!listen_warned) spdlog::warn("{}; listen overflows are not counted there", err.what());
        listen_warned = true;
        continue;
      }
      for (const DiagSocket& l : listeners) {
        if (l.drops < 0) continue;
        ListenDrops::Delta d = listen_drops.update(l.cookie, static_cast<uint32_t>(l.drops));
        if (d.drops == 0) continue;
        ListenOverflowEvent ev;
        if (auto owner = tracer.owner(l.cookie)) {
          ev.hdr = *owner;
        } else if (const ProcOwner* p = inode_owners.lookup(l.inode, now)) {
          ev.hdr.pid = ev.hdr.tid = static_cast<uint32_t>(p->pid);
          std::copy_n(p->comm.data(), std::min(p->comm.size(), ev.hdr.comm.chars.size() - 1),
                      ev.hdr.comm.chars.data());
        }
        if (!admits_owner(ev.hdr)) continue;
        ev.hdr.ts_ns = now;
        ev.cookie = l.cookie;
        ev.saddr = l.saddr;
        ev.sport = l.sport;
        ev.netns = netns;
        ev.drops = d.drops;
        ev.total = d.total;
        ev.backlog = l.rx_queue;
        ev.max_backlog = l.tx_queue;
        states_view.on_listen_overflow(ev);
      }
    }
  };

  RingReader reader(tracer.ringbuf_fd(), [&](const Event& ev) {
    if (const auto* s = std::get_if<SyscallEvent>(&ev)) {
      if (syscall_view) {
        syscall_view->on_syscall(*s);
        ++syscalls_logged;
      }
      return;
    }
    if (const auto* s = std::get_if<SockEvent>(&ev)) {
      if (s->protocol == IPPROTO_TCP && s->op == ST_SOCK_ACCEPT)
        return accept_hold.on_accept(s->cookie, s->hdr, admits_owner(s->hdr));
      return states_view.on_sock(*s);
    }
    if (const auto* r = std::get_if<RetransEvent>(&ev)) {
      if (o.timeline || log) timeline_view.on_retrans(*r);
      if (!o.timeline || log) states_view.on_retrans(*r);
      return;
    }
    if (const auto* d = std::get_if<DropEvent>(&ev)) {
      if (!o.timeline || log) states_view.on_drop(*d);
      return;
    }
    if (const auto* r = std::get_if<ResetEvent>(&ev)) {
      if (o.timeline || log) timeline_view.on_reset(*r);
      if (!o.timeline || log) states_view.on_reset(*r);
      return;
    }
    const auto* e = std::get_if<StateEvent>(&ev);
    if (!e) return;
    if (e->new_state == kTcpListen) listen_drops.born(e->cookie);
    if (e->old_state == kTcpListen) listen_drops.closed(e->cookie);
    if (e->hdr.pid != 0 || e->ino == 0) return accept_hold.on_state(*e, monotonic_now_ns());
    // An old socket whose owner the BPF side never learned: ask /proc.
    StateEvent resolved = *e;
    if (const ProcOwner* owner = inode_owners.lookup(e->ino, monotonic_now_ns())) {
      resolved.hdr.pid = resolved.hdr.tid = static_cast<uint32_t>(owner->pid);
      std::copy_n(owner->comm.data(), std::min(owner->comm.size(), resolved.hdr.comm.chars.size() - 1),
                  resolved.hdr.comm.chars.data());
    }
    accept_hold.on_state(resolved, monotonic_now_ns());
  });

  install_stop_signals();
  if (log) install_reopen_signal();
  if (o.timeline)
    timeline_view.header();
  else if (!log)
    states_view.header();
  out.flush();
  const char* scope = o.filters.pids.empty() && !filters.any() ? " host-wide" : "";
  if (server) fmt::print(stderr, "socktrace: serving Prometheus metrics on http://{}/metrics\n", server->bound());
  if (log)
    fmt::print(stderr, "socktrace: logging TCP state transitions and connections{}{}{} to {}; Ctrl-C to stop\n",
               o.log_syscalls ? " and network syscalls" : "", scope, filters.describe(), o.output.file);
  else
    fmt::print(stderr, "socktrace: tracing TCP {}{}{}; Ctrl-C to stop\n",
               o.timeline ? "connections" : "state transitions, UDP and unix stream sockets", scope,
               filters.describe());

  LossReporter losses;
  bool lost_since_reconcile = false;
  auto report = [&](uint64_t count, const char* where) {
    lost_since_reconcile = true;
    if (o.timeline && !log)
      timeline_view.on_lost(count, where, monotonic_now_ns());
    else
      states_view.on_lost(count, where, monotonic_now_ns());
  };
  // Lines a failed write dropped are reported in the file once it takes
  // lines again.
  uint64_t write_losses_reported = 0;
  auto report_write_losses = [&] {
    uint64_t lost = out.lines_lost();
    if (lost > write_losses_reported && out.write_errors() > 0) {
      uint64_t before = out.write_errors();
      states_view.on_lost(lost - write_losses_reported, "write", monotonic_now_ns());
      out.flush();
      if (out.write_errors() == before) write_losses_reported = lost;
    }
  };
  LossCounts lost_so_far;
  auto publish_metrics = [&] {
    LogMetrics m;
    for (std::size_t a = 0; a < 16; ++a)
      for (std::size_t b = 0; b < 16; ++b)
        if (transitions[a][b]) m.transitions[{static_cast<uint8_t>(a), static_cast<uint8_t>(b)}] = transitions[a][b];
    m.lost = {{"ringbuf", lost_so_far.ringbuf},
              {"recursion", lost_so_far.recursion},
              {"owner_map", lost_so_far.owner_map},
              {"child_map", lost_so_far.child_map},
              {"write", out.lines_lost()}};
    if (o.log_syscalls) m.lost.emplace_back("pid_map", lost_so_far.pid_map);
    m.timewait_unchecked = timewait.unchecked();
    m.connections = timeline_view.printed();
    m.syscalls = syscalls_logged;
    m.rotations = out.rotations();
    m.bytes_written = out.bytes_written();
    m.write_errors = out.write_errors();
    m.now_ns = monotonic_now_ns();
    server->publish(format_log_metrics(m, log_hist ? &log_hist->hist() : nullptr));
  };
  WallClock hist_clock = WallClock::now();
  std::optional<TopView> hist_view;
  if (o.hist_interval > 0) hist_view.emplace(out, true, false);
  const uint64_t hist_ns = static_cast<uint64_t>(o.hist_interval * 1e9);
  uint64_t next_hist = hist_view ? monotonic_now_ns() : UINT64_MAX;
  // Without hist lines, the gauges are polled at each publish and
  // reconciled this often (as top's default --reconcile).
  constexpr uint64_t kMetricsReconcileNs = 30'000'000'000ull;
  uint64_t next_metrics_reconcile = monotonic_now_ns() + kMetricsReconcileNs;
  auto write_hist = [&](uint64_t now) {
    log_hist->refresh([&] { reader.drain(); }, timewait);
    hist_view->refresh(log_hist->hist(), {hist_clock.epoch_ns(now), now, lost_so_far.events(), log_hist->last_drift(),
                                         log_hist->hist().drift_total().total(), log_hist->hist().reconciles()});
  };
  uint64_t next_loss_check = 0, next_reconcile = 0, next_listen_poll = 0;
  while (!stop_requested() && out.ok()) {
    reader.poll();
    uint64_t now = monotonic_now_ns();
    accept_hold.tick(now);
    timewait.tick(now);
    if (watch_listeners && now >= next_listen_poll) {
      poll_listeners();
      next_listen_poll = now + 1'000'000'000;
    }
    if (now >= next_loss_check) {
      lost_so_far = tracer.losses();
      losses.update(lost_so_far, report);
      next_loss_check = now + 1'000'000'000;
      if (server) {
        if (log_hist && !hist_view) {
          log_hist->poll([&] { reader.drain(); });
          if (now >= next_metrics_reconcile) {
            log_hist->reconcile([&] { reader.drain(); }, timewait);
            next_metrics_reconcile = now + kMetricsReconcileNs;
          }
        }
        publish_metrics();
      }
    }
    if (now >= next_hist) {
      write_hist(now);
      next_hist = std::max(next_hist + hist_ns, now + hist_ns / 2);
    }
    if (o.timeline && lost_since_reconcile && now >= next_reconcile) {
      reconcile_timelines(timeline_view);
      lost_since_reconcile = false;
      next_reconcile = now + 10'000'000'000;
    }
    out.flush();  // at most one write per poll: lines reach a pipe promptly
    if (log) {
      report_write_losses();
      if (take_reopen_request()) out.reopen();
    }
  }
  reader.drain();
  if (reader.unread_bytes())
    fmt::print(stderr, "socktrace: stopped with {} bytes of events still unread (the reader did not catch up in 10 s)\n",
               reader.unread_bytes());
  LossCounts total = tracer.losses();
  losses.update(total, report);
  if (watch_listeners) poll_listeners();
  accept_hold.flush();
  // What the timewait sockets did since they were last looked at; the ones
  // still there keep their connections open.
  timewait.finish(monotonic_now_ns());
  if (o.timeline || log) timeline_view.flush(monotonic_now_ns());
  out.flush();
  if (log) report_write_losses();
  if (out.lines_lost())
    fmt::print(stderr, "socktrace: {} lines lost to {} failed writes of {}\n", out.lines_lost(), out.write_errors(),
               o.output.file);
  fmt::print(stderr,
             "socktrace: {} events, {} lost ({} ring buffer full, {} BPF recursion; {} nested transitions "
             "recovered), {} undecodable\n",
             reader.events(), total.events(), total.ringbuf, total.recursion, total.recursion_recovered,
             reader.undecodable());
  if (log_hist) fmt::print(stderr, "socktrace: {}\n", drift_summary(log_hist->hist()));
  return kExitOk;
}

}  // namespace socktrace
