#include "app/run_syscalls.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/command.h"
#include "app/session.h"
#include "app/signals.h"
#include "core/cgroups.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fd_annotation.h"
#include "core/output.h"
#include "core/runtime_names.h"
#include "core/syscall_view.h"
#include "core/syscalls.h"
#include "kernel/filters.h"
#include "kernel/proc.h"
#include "kernel/ring_reader.h"
#include "kernel/sock_diag.h"
#include "kernel/tracer.h"

namespace socktrace {

namespace {

std::vector<uint32_t> validate_syscall_options(const Options& o) {
  for (int pid : o.filters.pids)
    if (!process_exists(pid))
      throw UsageError(fmt::format("no process with pid {} (check it with 'ps -p {}')", pid, pid));
  if (!o.filters.pids.empty() && !o.command.empty())
    throw UsageError("give either -p PID or a command after --, not both");
  std::string error;
  auto nrs = parse_trace_list(o.output.trace, &error);
  if (!nrs) throw UsageError(error);
  if (nrs->empty()) throw UsageError("-e trace selects no syscall; name at least one, e.g. -e trace=connect");
  return *nrs;
}

// The processes being traced (by tgid), kept current from fork and exit
// events, with /proc as the backstop for an exit event that was lost.
//
// A process is ending once an exit event says group_dead; it is gone once
// /proc shows every one of its threads past exit (zombies, or none left):
// in an exit_group() the threads reach the exit tracepoint in any order,
// and the exit lines of those still on their way must not be cut off.
// `gone` is told of each process that is gone (to take its pid out of the
// kernel's filter where the kernel could not tell it was the last thread).
class Tracees {
 public:
  explicit Tracees(std::function<void(uint32_t)> gone) : gone_(std::move(gone)) {}
  void add(uint32_t tgid) { live_.insert(tgid); }
  void on_proc(const ProcEvent& e, bool follow_forks) {
    if (e.what == ProcEvent::What::kFork) {
      if (follow_forks && e.child_pid != e.hdr.pid) live_.insert(e.child_pid);
    } else if (e.group_dead && live_.count(e.hdr.pid)) {
      ending_.insert(e.hdr.pid);
    }
  }
  // Processes ending: gone yet? Cheap: only those an exit event named.
  void settle() {
    std::erase_if(ending_, [&](uint32_t tgid) {
      if (!threads_all_exited(static_cast<int>(tgid))) return false;
      forget(tgid);
      return true;
    });
  }
  // Every process whose threads are all past exit, exit event or not. Not
  // "the main thread is a zombie": a leader that called pthread_exit(), or
  // one that won the race to exit_group() while a thread it joined is still
  // on its way out, leaves threads that still make calls and exit lines.
  void sweep() {
    std::erase_if(live_, [&](uint32_t tgid) {
      if (!threads_all_exited(static_cast<int>(tgid))) return false;
      ending_.erase(tgid);
      gone_(tgid);
      return true;
    });
  }
  bool empty() const { return live_.empty(); }

 private:
  void forget(uint32_t tgid) {
    live_.erase(tgid);
    gone_(tgid);
  }
  std::function<void(uint32_t)> gone_;
  std::set<uint32_t> live_;
  std::set<uint32_t> ending_;
};

}  // namespace

int run_syscalls(const Options& o) {
  std::vector<uint32_t> nrs = validate_syscall_options(o);
  ResolvedFilters filters = resolve_filters(o.filters);
  Output out(o.output.file);
  std::optional<GatedCommand> command;
  if (!o.command.empty()) command.emplace(o.command);

  const bool by_pid = command || !o.filters.pids.empty();
  SyscallViewOptions view_options;
  view_options.strace.string_limit = o.output.string_limit;
  view_options.strace.durations = o.output.durations;
  view_options.strace.timestamps = o.output.timestamps;
  view_options.strace.annotate_fds = o.output.decode_fds;
  if (o.output.decode_fds) set_diag_lists_bound_tcp(diag_lists_bound_tcp());
  view_options.json = o.output.json;
  view_options.summary = o.output.summary;
  view_options.strace.pid_prefix = o.filters.follow_forks || o.filters.pids.size() > 1 || !by_pid ||
                                   (o.filters.pids.size() == 1 && thread_count(o.filters.pids[0]) > 1);
  SyscallView view(out, view_options, WallClock::now());
  RuntimeNames runtime_names(o.host_root);
  std::optional<CgroupNames> cgroup_names;
  if (o.output.json)
    if (auto root = find_cgroup2_root()) {
      cgroup_names.emplace(*root);
      cgroup_names->set_namer([&](ContainerInfo& c, uint64_t now_ns) { runtime_names.fill(c, now_ns); });
      view.set_containers([&](uint64_t id) { return cgroup_names->lookup(id, monotonic_now_ns()); });
    }

  TracerConfig config;
  config.states = false;
  config.syscalls = true;
  config.syscall_nrs = nrs;
  config.pids = o.filters.pids;
  config.filter_by_pid = by_pid;
  config.follow_forks = o.filters.follow_forks;
  config.report_procs = by_pid;
  config.string_limit = static_cast<uint32_t>(o.output.string_limit);
  config.annotate_fds = o.output.decode_fds;
  // The strace text format shows neither entry times nor process names
  // unless asked: the kernel side then skips them on the hot path.
  config.entry_times = o.output.durations || o.output.timestamps || o.output.summary || o.output.json;
  config.full_header = o.output.json;
  config.ringbuf_bytes = o.buffer_size;
  filters.apply(config);

  std::optional<Session> session;
  Tracees tracees([&](uint32_t tgid) { session->tracer().remove_pid(static_cast<int>(tgid)); });
  session.emplace(
      config,
      [&](const Event& ev) {
        if (const auto* s = std::get_if<SyscallEvent>(&ev)) {
          view.on_syscall(*s);
        } else if (const auto* p = std::get_if<ProcEvent>(&ev)) {
          tracees.on_proc(*p, o.filters.follow_forks);
          view.on_proc(*p);
        }
      },
      [&](uint64_t count, const char* where) { view.on_lost(count, where, monotonic_now_ns()); });
  for (int pid : o.filters.pids) tracees.add(static_cast<uint32_t>(pid));
  if (command) {
    session->tracer().add_pid(command->pid());
    tracees.add(static_cast<uint32_t>(command->pid()));
  }

  if (command) install_child_signal();
  if (!command) {
    // The pids may have exited between the check and the attachment.
    tracees.sweep();
    if (by_pid && tracees.empty()) throw UsageError("every traced process exited before socktrace attached");
    for (int pid : o.filters.pids) fmt::print(stderr, "socktrace: Process {} attached\n", pid);
    if (!by_pid)
      fmt::print(stderr, "socktrace: tracing network syscalls{}; Ctrl-C to stop\n",
                 filters.any() ? filters.describe() : " host-wide");
  } else {
    command->release();
  }

  std::optional<uint64_t> command_gone_ns;
  while (!stop_requested() && out.ok()) {
    // An exit event can be lost like any other: /proc settles it.
    if (session->poll() && by_pid) tracees.sweep();
    uint64_t now = monotonic_now_ns();
    out.flush();
    if (by_pid) tracees.settle();
    if (command && command->poll_exit() && !command_gone_ns) command_gone_ns = now;
    if (by_pid && tracees.empty() && (!command || command->exited())) break;
    // Exit events arrive right after the reap; allow a moment for a lost one.
    if (command_gone_ns && !o.filters.follow_forks && now - *command_gone_ns > 500'000'000) break;
  }
  // Ctrl-C in a terminal reaches the command too: trace its way out (up to a
  // second) rather than cut its last syscalls off.
  if (command && stop_requested() && out.ok()) {
    uint64_t deadline = monotonic_now_ns() + 1'000'000'000;
    while (!command->poll_exit() && monotonic_now_ns() < deadline) session->reader().poll();
  }
  session->finish();
  view.finish();
  out.flush();
  // strace's output says nothing of socktrace unless something was lost.
  if (session->losses().events() || session->reader().skipped() || session->reader().undecodable())
    fmt::print(stderr, "socktrace: {}\n", session->summary());
  if (command) {
    while (!command->poll_exit() && !stop_requested()) session->reader().poll(RingReader::kPollMs);
    return command->exited() ? command->exit_code() : kExitOk;
  }
  return kExitOk;
}

}  // namespace socktrace
