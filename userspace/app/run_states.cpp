#include "app/run_states.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unordered_set>

#include "app/signals.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/names.h"
#include "core/output.h"
#include "core/states_view.h"
#include "core/timeline_view.h"
#include "core/timewait.h"
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

void validate(const Options& o) {
  for (int pid : o.filters.pids)
    if (!process_exists(pid))
      throw UsageError(fmt::format("no process with pid {} (check it with 'ps -p {}')", pid, pid));
  if (o.filters.follow_forks || !o.filters.cgroups.empty() || !o.filters.container.empty() || !o.filters.comm.empty())
    throw UsageError("states supports only -p/--pid so far; -f, --cgroup, --container and --comm are not built yet");
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
  validate(o);
  Output out(o.output.file);
  StatesView states_view(out, o.output.json, WallClock::now());
  TimelineView timeline_view(out, o.output.json, WallClock::now());
  InodeOwners inode_owners;
  DiagProber prober;
  TimewaitTracker timewait([&](const StateEvent& e) { return timewait_lookup(prober, e); },
                           [&](const StateEvent& e, bool derived) {
                             if (o.timeline)
                               timeline_view.on_state(e, derived);
                             else
                               states_view.on_state(e, derived);
                           });

  TracerConfig config;
  config.pids = o.filters.pids;
  config.ringbuf_bytes = o.buffer_size;
  Tracer tracer(config);
  try {
    seed_existing_sockets(tracer, inode_owners);
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; owners of sockets older than socktrace are resolved later from /proc", e.what());
  }

  RingReader reader(tracer.ringbuf_fd(), [&](const Event& ev) {
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
  if (o.timeline)
    timeline_view.header();
  else
    states_view.header();
  out.flush();
  fmt::print(stderr, "socktrace: tracing TCP {}{}; Ctrl-C to stop\n",
             o.timeline ? "connections" : "state transitions", o.filters.pids.empty() ? " host-wide" : "");

  LossReporter losses;
  bool lost_since_reconcile = false;
  auto report = [&](uint64_t count, const char* where) {
    lost_since_reconcile = true;
    if (o.timeline)
      timeline_view.on_lost(count, where, monotonic_now_ns());
    else
      states_view.on_lost(count, where, monotonic_now_ns());
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
  }
  reader.drain();
  LossCounts total = tracer.losses();
  losses.update(total, report);
  // What the timewait sockets did since they were last looked at; the ones
  // still there keep their connections open.
  timewait.finish(monotonic_now_ns());
  if (o.timeline) timeline_view.flush(monotonic_now_ns());
  out.flush();
  fmt::print(stderr, "socktrace: {} events, {} lost ({} ring buffer full, {} BPF recursion), {} undecodable\n",
             reader.events(), total.events(), total.ringbuf, total.recursion, reader.undecodable());
  return kExitOk;
}

}  // namespace socktrace
