#include "app/run_log.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/live_histogram.h"
#include "app/session.h"
#include "app/signals.h"
#include "app/states_pipeline.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/histogram.h"
#include "core/json.h"
#include "core/metrics.h"
#include "core/names.h"
#include "core/output.h"
#include "core/syscall_view.h"
#include "core/syscalls.h"
#include "core/top_view.h"
#include "kernel/metrics_server.h"

namespace socktrace {

namespace {

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

// The checks of log's own options; then those it shares with `states`.
ResolvedFilters validate_log_options(const Options& o) {
  if (o.output.file.empty() || o.output.file == "-")
    throw UsageError("log needs a file: socktrace log -o FILE (it rotates and reopens it; use 'states --json' for stdout)");
  return resolve_states_filters(o);
}

// `log --hist-interval` and the gauges of --metrics: sockets per state as ss
// counts them, kept from the log's own transitions (no second ring buffer)
// by the histogram `top` keeps, seeded by sock_diag and reconciled with it
// before each `hist` object, so each one equals ss.
LiveConfig log_hist_config(const Options& o, const ResolvedFilters& filters, StatesPipeline& pipeline,
                           RingReader& reader) {
  LiveConfig c;
  // Read in the namespaces the log's events come from (those of --netns,
  // or of --cgroup's processes); the events are the ones the kernel
  // filtered for the log.
  c.netns = o.filters.netns;
  c.cgroup_paths = filters.cgroup_paths;
  for (int pid : o.filters.pids) c.filter.pids.push_back(static_cast<uint32_t>(pid));
  c.filter.comm = o.filters.comm;
  c.trace = false;
  c.reconcile_ns = 0;  // before each hist object, or every 30 s for the gauges
  c.timewait = &pipeline.timewait();
  c.drain = [&reader] { reader.drain(); };
  return c;
}

// Polls what no event shows (request sockets, UDP); a failed dump is one
// warning, and the log goes on.
void poll_log_hist(LiveHistogram& h) {
  try {
    h.refresh();
  } catch (const RuntimeError& e) {
    spdlog::warn("{}; request sockets and UDP not polled this time", e.what());
  }
}

}  // namespace

// `socktrace log`: the transitions and the finished connections, as JSON, to
// a file that rotates, reopens on SIGHUP and survives a full disk; with
// --syscalls the syscall trace's objects in the same file, with --metrics a
// Prometheus endpoint, with --hist-interval the socket counts as `hist`
// objects.
int run_log(const Options& o) {
  ResolvedFilters filters = validate_log_options(o);
  // Bound before the file is created: a bad or busy address exits 2 first.
  std::unique_ptr<MetricsServer> server = open_metrics_server(o.metrics);
  Output out(o.output.file, output_policy(o));
  StatesPipeline pipeline(o, filters, out, true, true, true);
  std::array<std::array<uint64_t, 16>, 16> transitions{};  // --metrics: by (old, new)
  std::unique_ptr<LiveHistogram> log_hist;
  pipeline.also_on_transition([&](const StateEvent& e, bool) {
    ++transitions[e.old_state & 15][e.new_state & 15];
    if (log_hist) log_hist->apply(e);
  });

  std::optional<SyscallView> syscall_view;
  uint64_t syscalls_logged = 0;
  TracerConfig config;
  config.ringbuf_bytes = o.buffer_size;
  if (o.log_syscalls) {
    SyscallViewOptions vo;
    vo.json = true;
    vo.strace.string_limit = o.log_string_limit;
    syscall_view.emplace(out, vo, WallClock::now());
    if (auto containers = pipeline.containers()) syscall_view->set_containers(*containers);
    std::string error;
    config.syscalls = true;
    config.syscall_nrs = parse_trace_list({}, &error).value_or(std::vector<uint32_t>{});
    config.string_limit = static_cast<uint32_t>(o.log_string_limit);
    config.entry_times = true;  // dur_ns
    config.full_header = true;  // comm and cgroup of the caller
  }
  pipeline.configure(config);
  Session session(
      config,
      [&](const Event& ev) {
        if (const auto* s = std::get_if<SyscallEvent>(&ev)) {
          if (syscall_view) {
            syscall_view->on_syscall(*s);
            ++syscalls_logged;
          }
          return;
        }
        pipeline.on_event(ev);
      },
      [&](uint64_t count, const char* where) { pipeline.on_lost(count, where); });
  out.set_file_header(log_header(o, session.tracer().degraded()));
  pipeline.attached(session.tracer());
  RingReader& reader = session.reader();

  // After the attach: every change from here on is in the dump or in the
  // ring buffer (or both: applying a transition is idempotent per socket).
  // --metrics serves the socket gauges too (a scraped logging agent is
  // where they are wanted); --hist-interval only adds the hist lines.
  if (o.hist_interval > 0 || server)
    log_hist = std::make_unique<LiveHistogram>(log_hist_config(o, filters, pipeline, reader));

  install_reopen_signal();
  out.flush();
  const char* scope = o.filters.pids.empty() && !filters.any() ? " host-wide" : "";
  if (server)
    fmt::print(stderr, "socktrace: serving Prometheus metrics on http://{}/metrics{}\n", server->bound(),
               o.hist_interval > 0 ? fmt::format(" and the hist object on http://{}/hist", server->bound()) : "");
  fmt::print(stderr, "socktrace: logging TCP state transitions and connections{}{}{} to {}; Ctrl-C to stop\n",
             o.log_syscalls ? " and network syscalls" : "", scope, filters.describe(), o.output.file);

  // Lines a failed write dropped are reported in the file once it takes
  // lines again.
  uint64_t write_losses_reported = 0;
  auto report_write_losses = [&] {
    uint64_t lost = out.lines_lost();
    if (lost > write_losses_reported && out.write_errors() > 0) {
      uint64_t before = out.write_errors();
      pipeline.states_view().on_lost(lost - write_losses_reported, "write", monotonic_now_ns());
      out.flush();
      if (out.write_errors() == before) write_losses_reported = lost;
    }
  };
  auto publish_metrics = [&] {
    LogMetrics m;
    for (std::size_t a = 0; a < 16; ++a)
      for (std::size_t b = 0; b < 16; ++b)
        if (transitions[a][b]) m.transitions[{static_cast<uint8_t>(a), static_cast<uint8_t>(b)}] = transitions[a][b];
    const LossCounts& lost = session.losses();
    // pid_map only where forks are followed (--syscalls).
    lost.for_each([&](const char* where, uint64_t n) {
      if (o.log_syscalls || std::string_view(where) != "pid_map") m.lost.emplace_back(where, n);
    });
    m.lost.emplace_back("write", out.lines_lost());
    m.timewait_unchecked = pipeline.timewait().unchecked();
    m.connections = pipeline.timeline_view().printed();
    m.syscalls = syscalls_logged;
    m.rotations = out.rotations();
    m.bytes_written = out.bytes_written();
    m.write_errors = out.write_errors();
    m.now_ns = monotonic_now_ns();
    server->publish(format_log_metrics(m, log_hist ? &log_hist->hist() : nullptr));
  };
  WallClock hist_clock = WallClock::now();
  std::optional<TopView> hist_view;
  if (o.hist_interval > 0) {
    hist_view.emplace(out, true, false);
    if (server) hist_view->keep_json();
  }
  const uint64_t hist_ns = static_cast<uint64_t>(o.hist_interval * 1e9);
  uint64_t next_hist = hist_view ? monotonic_now_ns() : UINT64_MAX;
  // Without hist lines, the gauges are polled at each publish and
  // reconciled this often (as top's default --reconcile).
  constexpr uint64_t kMetricsReconcileNs = 30'000'000'000ull;
  uint64_t next_metrics_reconcile = monotonic_now_ns() + kMetricsReconcileNs;
  while (!stop_requested() && out.ok()) {
    bool second = session.poll();
    uint64_t now = monotonic_now_ns();
    pipeline.tick(now);
    if (second && server) {
      if (log_hist && !hist_view) {
        poll_log_hist(*log_hist);
        if (now >= next_metrics_reconcile) {
          log_hist->reconcile();
          next_metrics_reconcile = now + kMetricsReconcileNs;
        }
      }
      publish_metrics();
    }
    if (now >= next_hist) {
      poll_log_hist(*log_hist);
      log_hist->reconcile();
      const Histogram& h = log_hist->hist();
      hist_view->refresh(h, {hist_clock.epoch_ns(now), now, session.losses().events(), log_hist->last_drift().total(),
                             h.drift_total().total(), h.reconciles()});
      if (server) server->publish_json(hist_view->last_json());
      next_hist = std::max(next_hist + hist_ns, now + hist_ns / 2);
    }
    out.flush();  // at most one write per poll
    report_write_losses();
    if (take_reopen_request()) out.reopen();
  }
  session.finish();
  pipeline.finish(monotonic_now_ns());
  out.flush();
  report_write_losses();
  if (out.lines_lost())
    fmt::print(stderr, "socktrace: {} lines lost to {} failed writes of {}\n", out.lines_lost(), out.write_errors(),
               o.output.file);
  fmt::print(stderr, "socktrace: {}\n", session.summary());
  if (log_hist) fmt::print(stderr, "socktrace: {}\n", drift_summary(log_hist->hist()));
  return kExitOk;
}

}  // namespace socktrace
