#include "app/run_states.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <optional>
#include <unordered_set>

#include "app/signals.h"
#include "core/cli.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/error.h"
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

namespace socktrace {

namespace {

// Reports each loss counter's growth as it happens: nothing is dropped
// silently.
class LossReporter {
 public:
  template <typename Sink>
  void update(const LossCounts& now, Sink&& sink) {
    if (now.ringbuf > last_.ringbuf) sink(now.ringbuf - last_.ringbuf, "ringbuf");
    if (now.recursion > last_.recursion) sink(now.recursion - last_.recursion, "recursion");
    if (now.owner_map > last_.owner_map) sink(now.owner_map - last_.owner_map, "owner_map");
    last_ = now;
  }

 private:
  LossCounts last_;
};

// Sockets older than socktrace: their owners come from sock_diag (cookie,
// inode) and /proc (inode -> process), so that -p and the children of old
// listeners are attributed from the start. This network namespace only.
void seed_existing_sockets(Tracer& tracer, InodeOwners& owners) {
  owners.rescan();
  uint32_t netns = current_netns();
  std::size_t seeded = 0, failed = 0;
  for (const DiagSocket& s : dump_tcp_sockets()) {
    const ProcOwner* o = owners.find(s.inode);
    if (!o || s.cookie == 0) continue;
    bool ok = tracer.seed_owner(s.cookie, o->pid, o->comm);
    if (s.state == kTcpListen) ok = tracer.seed_listener(netns, s.sport, s.cookie, o->pid, o->comm) && ok;
    ok ? ++seeded : ++failed;
  }
  spdlog::info("owners of {} existing TCP sockets recorded ({} not recorded)", seeded, failed);
}

// The first line of every log file: what wrote it and with which filters, so
// that a file explains itself.
std::string log_header(const Options& o) {
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
      .end_line();
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
  p.file_header = log_header(o);
  return p;
}

ResolvedFilters validate(const Options& o) {
  if (o.mode == Mode::kLog && (o.output.file.empty() || o.output.file == "-"))
    throw UsageError("log needs a file: socktrace log -o FILE (it rotates and reopens it; use 'states --json' for stdout)");
  for (int pid : o.filters.pids)
    if (!process_exists(pid))
      throw UsageError(fmt::format("no process with pid {} (check it with 'ps -p {}')", pid, pid));
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

}  // namespace

int run_states(const Options& o) {
  ResolvedFilters filters = validate(o);
  // `log`: both the transitions and the finished connections, as JSON, to a
  // file that rotates, reopens on SIGHUP and survives a full disk.
  const bool log = o.mode == Mode::kLog;
  const bool json = o.output.json || log;
  Output out(o.output.file, output_policy(o));
  StatesView states_view(out, json, WallClock::now());
  TimelineView timeline_view(out, json, WallClock::now());
  InodeOwners inode_owners;
  DiagProber prober;
  TimewaitTracker timewait([&](const StateEvent& e) { return timewait_lookup(prober, e); },
                           [&](const StateEvent& e, bool derived) {
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

  TracerConfig config;
  config.pids = o.filters.pids;
  // UDP and unix stream lives are shown as lines (states, log), not in
  // timelines.
  config.sock_lives = !o.timeline || log;
  config.ringbuf_bytes = o.buffer_size;
  filters.apply(config);
  Tracer tracer(config);
  try {
    seed_existing_sockets(tracer, inode_owners);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; owners of sockets older than socktrace are resolved later from /proc", e.what());
  }

  RingReader reader(tracer.ringbuf_fd(), [&](const Event& ev) {
    if (const auto* s = std::get_if<SockEvent>(&ev)) return states_view.on_sock(*s);
    const auto* e = std::get_if<StateEvent>(&ev);
    if (!e) return;
    if (e->hdr.pid != 0 || e->ino == 0) return timewait.on_state(*e, monotonic_now_ns());
    // An old socket whose owner the BPF side never learned: ask /proc.
    StateEvent resolved = *e;
    if (const ProcOwner* owner = inode_owners.lookup(e->ino, monotonic_now_ns())) {
      resolved.hdr.pid = resolved.hdr.tid = static_cast<uint32_t>(owner->pid);
      std::copy_n(owner->comm.data(), std::min(owner->comm.size(), resolved.hdr.comm.chars.size() - 1),
                  resolved.hdr.comm.chars.data());
    }
    timewait.on_state(resolved, monotonic_now_ns());
  });

  install_stop_signals();
  if (log) install_reopen_signal();
  if (o.timeline)
    timeline_view.header();
  else if (!log)
    states_view.header();
  out.flush();
  const char* scope = o.filters.pids.empty() && !filters.any() ? " host-wide" : "";
  if (log)
    fmt::print(stderr, "socktrace: logging TCP state transitions and connections{}{} to {}; Ctrl-C to stop\n",
               scope, filters.describe(), o.output.file);
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
  uint64_t next_loss_check = 0, next_reconcile = 0;
  while (!stop_requested() && out.ok()) {
    reader.poll();
    uint64_t now = monotonic_now_ns();
    timewait.tick(now);
    if (now >= next_loss_check) {
      losses.update(tracer.losses(), report);
      next_loss_check = now + 1'000'000'000;
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
  LossCounts total = tracer.losses();
  losses.update(total, report);
  // What the timewait sockets did since they were last looked at; the ones
  // still there keep their connections open.
  timewait.finish(monotonic_now_ns());
  if (o.timeline || log) timeline_view.flush(monotonic_now_ns());
  out.flush();
  if (log) report_write_losses();
  if (out.lines_lost())
    fmt::print(stderr, "socktrace: {} lines lost to {} failed writes of {}\n", out.lines_lost(), out.write_errors(),
               o.output.file);
  fmt::print(stderr, "socktrace: {} events, {} lost ({} ring buffer full, {} BPF recursion), {} undecodable\n",
             reader.events(), total.events(), total.ringbuf, total.recursion, reader.undecodable());
  return kExitOk;
}

}  // namespace socktrace
