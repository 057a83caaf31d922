#include "app/run_top.h"

#include <netinet/in.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/live_histogram.h"
#include "app/signals.h"
#include "core/check.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/output.h"
#include "core/top_view.h"
#include "kernel/filters.h"
#include "kernel/metrics_server.h"
#include "kernel/proc.h"

namespace socktrace {

HistFilter live_view_filter(const Options& o) {
  const char* mode = mode_name(o.mode);
  if (o.filters.follow_forks || !o.filters.cgroups.empty() || !o.filters.container.empty())
    throw UsageError(fmt::format("{} takes -p/--pid, --comm, --port and --netns; {} is not supported by {} (use "
                                 "'socktrace states' to follow a cgroup or a container)",
                                 mode,
                                 o.filters.follow_forks ? "-f/--follow-forks"
                                 : !o.filters.cgroups.empty() ? "--cgroup"
                                                              : "--container",
                                 mode));
  // A bad --netns or --comm: one line, before anything is opened.
  resolve_filters(o.filters);
  for (int pid : o.filters.pids)
    if (!process_exists(pid))
      throw UsageError(fmt::format("no process with pid {} (check it with 'ps -p {}')", pid, pid));
  HistFilter f;
  for (int pid : o.filters.pids) f.pids.push_back(static_cast<uint32_t>(pid));
  f.comm = o.filters.comm;
  for (int port : o.filters.ports) f.ports.push_back(static_cast<uint16_t>(port));
  return f;
}

namespace {

std::unique_ptr<MetricsServer> metrics_server(const std::string& spec) {
  if (spec.empty()) return nullptr;
  auto addr = parse_listen_address(spec);
  if (!addr)
    throw UsageError(fmt::format("bad --metrics '{}': give [ADDR:]PORT with a numeric address, e.g. 127.0.0.1:9464 "
                                 "or [::1]:9464",
                                 spec));
  return std::make_unique<MetricsServer>(*addr);
}

}  // namespace

int run_top(const Options& o) {
  HistFilter filter = live_view_filter(o);
  if (o.once && !o.metrics.empty())
    throw UsageError("--metrics serves a running top; drop --once (or --metrics)");
  std::unique_ptr<MetricsServer> server = metrics_server(o.metrics);
  Output out(o.output.file);

  LiveConfig config;
  config.filter = filter;
  config.netns = o.filters.netns;
  config.ringbuf_bytes = o.buffer_size;
  config.reconcile_ns = static_cast<uint64_t>(o.reconcile * 1e9);
  // One snapshot needs no events: sock_diag has it all.
  config.trace = !o.once;
  LiveHistogram live(config);
  WallClock clock = WallClock::now();
  TopView view(out, o.output.json, out.is_terminal() && !o.once);
  TroubleSeries series;
  auto show = [&] {
    // Trouble needs the events: not in a --once snapshot.
    const TroubleCounts* trouble = config.trace ? &live.trouble() : nullptr;
    if (trouble) live.poll_listen_drops();
    uint64_t now = monotonic_now_ns();
    view.refresh(live.hist(),
                 {clock.epoch_ns(now), now, live.lost_total(), live.last_drift().total(),
                  live.hist().drift_total().total(), live.hist().reconciles()},
                 trouble);
    out.flush();
    if (server) {
      MetricsExtras extras = live.metrics_extras();
      extras.trouble = trouble;
      extras.trouble_series = &series;
      server->publish(format_metrics(live.hist(), extras));
    }
  };
  if (o.once) {
    show();
    return kExitOk;
  }

  install_stop_signals();
  if (server) fmt::print(stderr, "socktrace: serving Prometheus metrics on http://{}/metrics\n", server->bound());
  std::string where = o.filters.netns.empty() ? std::string(filter.empty() ? " host-wide" : "")
                                              : resolve_filters(o.filters).describe();
  fmt::print(stderr, "socktrace: counting TCP and UDP sockets by state{}; Ctrl-C to stop\n", where);
  show();
  uint64_t interval_ns = static_cast<uint64_t>(o.interval * 1e9);
  uint64_t next = monotonic_now_ns() + interval_ns;
  while (!stop_requested() && out.ok()) {
    uint64_t now = monotonic_now_ns();
    int wait_ms = now >= next ? 0 : static_cast<int>(std::min<uint64_t>((next - now) / 1'000'000, 50));
    live.pump(wait_ms);
    now = monotonic_now_ns();
    if (now >= next) {
      live.refresh();
      show();
      next = std::max(next + interval_ns, now + interval_ns / 2);
    }
  }
  LossCounts l = live.losses();
  fmt::print(stderr, "socktrace: {} events, {} lost ({} ring buffer full, {} BPF recursion), {}\n", live.events(),
             l.events(), l.ringbuf, l.recursion, drift_summary(live.hist()));
  return kExitOk;
}

// Per state, the top process and the oldest socket, for the status line.
static void who(const Histogram& h, CheckSample& s) {
  StateCounts tcp = h.tcp();
  for (uint8_t st = 0; st < kStateSlots; ++st) {
    if (!tcp[st]) continue;
    TopTables t = h.top(st, 1);
    if (!t.owners.empty()) s.top_owner[st] = t.owners.front();
  }
  s.oldest = h.oldest(monotonic_now_ns());
}

Histogram sample_rates(const Options& o, const HistFilter& filter, double sample, CheckSample& s) {
  LiveConfig config;
  config.filter = filter;
  config.netns = o.filters.netns;
  config.reconcile_ns = 0;
  LiveHistogram live(config);
  // The window starts once the programs are attached: nothing before
  // could be seen (loading them takes a second or more).
  uint64_t start = monotonic_now_ns();
  spdlog::info("sampling for {} s, programs attached", sample);
  uint64_t end = start + static_cast<uint64_t>(sample * 1e9);
  for (uint64_t now = monotonic_now_ns(); now < end; now = monotonic_now_ns())
    live.pump(static_cast<int>(std::min<uint64_t>((end - now) / 1'000'000 + 1, 50)));
  live.refresh();
  live.poll_listen_drops();
  s.seconds = static_cast<double>(monotonic_now_ns() - start) / 1e9;
  for (std::size_t i = 0; i < kStateSlots; ++i) s.entries[i] = live.hist().entries(static_cast<uint8_t>(i));
  s.new_connections = live.hist().new_connections();
  s.lost = live.lost_total();
  s.trouble = live.trouble().totals();
  for (std::size_t k = 0; k < kTroubleKinds; ++k) {
    auto top = live.trouble().top_processes(static_cast<Trouble>(k), 1);
    if (!top.empty()) s.trouble_top[k] = top.front();
  }
  live.reconcile();  // the counts are sock_diag's; drift only logged
  live.refresh();
  return live.hist();
}

int run_check(const Options& o) {
  std::vector<Threshold> warning, critical;
  bool rates = false;
  auto parse = [&](const std::vector<std::string>& in, std::vector<Threshold>& out, const char* opt) {
    for (const std::string& s : in) {
      std::string err;
      auto t = parse_threshold(s, &err);
      if (!t) throw UsageError(fmt::format("--{} {}", opt, err));
      rates = rates || t->is_rate();
      out.push_back(*t);
    }
  };
  parse(o.warning, warning, "warning");
  parse(o.critical, critical, "critical");
  HistFilter filter = live_view_filter(o);
  double sample = o.sample >= 0 ? o.sample : (rates ? 1.0 : 0.0);

  CheckSample s;
  if (sample > 0) {
    Histogram end_state = sample_rates(o, filter, sample, s);
    s.tcp = end_state.tcp();
    s.udp = end_state.udp();
    who(end_state, s);
  } else {
    // Counts only: sock_diag, no BPF (works without privileges). Owners
    // from /proc: the status line names the top process.
    Histogram h(filter);
    DiagScope scope;
    open_scope(scope, o.filters.netns);
    InodeOwners owners;
    owners.rescan();
    std::vector<SockRecord> tcp = diag_records(scope, IPPROTO_TCP, kSsTcpStates, &owners);
    h.seed(tcp);
    h.set_polled(IPPROTO_TCP, tcp);
    h.set_polled(IPPROTO_UDP, diag_records(scope, IPPROTO_UDP, ~0u, filter.by_owner() ? &owners : nullptr));
    s.tcp = h.tcp();
    s.udp = h.udp();
    who(h, s);
  }
  CheckResult r = evaluate_check(s, warning, critical);
  fmt::print("{}\n", r.line);
  return r.exit_code;
}

}  // namespace socktrace
