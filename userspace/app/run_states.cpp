#include "app/run_states.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/signals.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/names.h"
#include "core/output.h"
#include "core/states_view.h"
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
  if (o.timeline) throw UsageError("--timeline is not built yet (it comes with per-connection timelines)");
  if (o.filters.follow_forks || !o.filters.cgroups.empty() || !o.filters.container.empty() || !o.filters.comm.empty())
    throw UsageError("states supports only -p/--pid so far; -f, --cgroup, --container and --comm are not built yet");
}

}  // namespace

int run_states(const Options& o) {
  validate(o);
  Output out(o.output.file);
  StatesView view(out, o.output.json, WallClock::now());
  InodeOwners inode_owners;

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
    if (e->hdr.pid != 0 || e->ino == 0) return view.on_state(*e);
    // An old socket whose owner the BPF side never learned: ask /proc.
    StateEvent resolved = *e;
    if (const ProcOwner* owner = inode_owners.lookup(e->ino, monotonic_now_ns())) {
      resolved.hdr.pid = resolved.hdr.tid = static_cast<uint32_t>(owner->pid);
      std::copy_n(owner->comm.data(), std::min(owner->comm.size(), resolved.hdr.comm.chars.size() - 1),
                  resolved.hdr.comm.chars.data());
    }
    view.on_state(resolved);
  });

  install_stop_signals();
  view.header();
  out.flush();
  fmt::print(stderr, "socktrace: tracing TCP state transitions{}; Ctrl-C to stop\n",
             o.filters.pids.empty() ? " host-wide" : "");

  LossReporter losses;
  auto report = [&](uint64_t count, const char* where) { view.on_lost(count, where, monotonic_now_ns()); };
  uint64_t next_loss_check = 0;
  while (!stop_requested() && out.ok()) {
    reader.poll();
    uint64_t now = monotonic_now_ns();
    if (now >= next_loss_check) {
      losses.update(tracer.losses(), report);
      next_loss_check = now + 1'000'000'000;
    }
    out.flush();  // at most one write per poll: lines reach a pipe promptly
  }
  reader.drain();
  LossCounts total = tracer.losses();
  losses.update(total, report);
  out.flush();
  fmt::print(stderr, "socktrace: {} events, {} lost ({} ring buffer full, {} BPF recursion), {} undecodable\n",
             reader.events(), total.events(), total.ringbuf, total.recursion, reader.undecodable());
  return kExitOk;
}

}  // namespace socktrace
