#include "app/run_top.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/live_histogram.h"
#include "app/signals.h"
#include "core/check.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/groups.h"
#include "core/metrics.h"
#include "core/output.h"
#include "core/top_view.h"
#include "kernel/filters.h"
#include "kernel/metrics_server.h"
#include "kernel/proc.h"

namespace socktrace {

HistFilter live_view_filter(const Options& o) {
  const char* mode = mode_name(o.mode);
  if (o.filters.follow_forks)
    throw UsageError(fmt::format("{} counts sockets, not processes: -f/--follow-forks does not apply (give -p PID, "
                                 "--comm NAME or --cgroup PATH)",
                                 mode));
  // A bad --netns, --cgroup, --container or --comm: one line, before
  // anything is opened.
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

LiveConfig live_config(const Options& o) {
  LiveConfig c;
  c.filter = live_view_filter(o);
  c.netns = o.filters.netns;
  c.cgroup_paths = resolve_filters(o.filters).cgroup_paths;
  c.all_netns = !o.group_by.empty();
  c.owners = c.filter.by_owner() || o.group_by == "process";
  return c;
}

std::optional<GroupBy> group_by_of(const Options& o) {
  if (o.group_by.empty()) {
    if (!o.sort_state.empty())
      throw UsageError("--sort orders the rows of --by; give --by container|cgroup|netns|process");
    return std::nullopt;
  }
  return parse_group_by(o.group_by);  // CLI11 checked the word
}

std::optional<uint8_t> sort_state_of(const Options& o) {
  if (o.sort_state.empty()) return std::nullopt;
  auto s = parse_sort_state(o.sort_state);
  if (!s)
    throw UsageError(fmt::format("--sort {}: not a TCP state; give one as ss shows it, e.g. --sort CLOSE_WAIT or "
                                 "--sort time-wait",
                                 o.sort_state));
  return s;
}

GroupNamer::GroupNamer(const std::string& host_root) {
  auto root = find_cgroup2_root();
  if (!root) return;
  names_ = std::make_unique<CgroupNames>(*root);
  runtime_names_ = std::make_unique<RuntimeNames>(host_root);
  names_->set_namer([this](ContainerInfo& c, uint64_t now_ns) { runtime_names_->fill(c, now_ns); });
}

GroupNamer::~GroupNamer() = default;

GroupNames GroupNamer::names() {
  GroupNames n;
  if (!names_) return n;
  n.container = [this](uint64_t id) { return names_->lookup(id, monotonic_now_ns()); };
  n.cgroup_path = [this](uint64_t id) { return names_->path(id, monotonic_now_ns()); };
  return n;
}

std::optional<ListQuery> list_query_of(const Options& o) {
  if (!o.list) {
    if (!o.list_states.empty() || !o.list_proto.empty())
      throw UsageError(fmt::format("{} narrows the rows of --list; add --list",
                                   o.list_states.empty() ? "--proto" : "--state"));
    return std::nullopt;
  }
  if (!o.group_by.empty())
    throw UsageError("--list lists sockets and --by counts groups of them: give one of them");
  if (!o.metrics.empty())
    throw UsageError("--list prints sockets; --metrics serves their counts: run a second top for the metrics");
  ListQuery q;
  if (!o.list_states.empty()) {
    q.states = 0;
    for (const std::string& s : o.list_states) {
      auto state = parse_list_state(s);
      if (!state)
        throw UsageError(fmt::format("--state {}: not a socket state; give one as ss shows it, e.g. --state "
                                     "close-wait, --state estab, --state unconn",
                                     s));
      q.states |= 1u << *state;
    }
  }
  q.tcp = o.list_proto != "udp";
  q.udp = o.list_proto != "tcp";
  return q;
}

namespace {

// " host-wide", "" (filtered by owner or port), or the --netns/--cgroup
// scope, for the banner.
std::string scope_text(const Options& o, const LiveConfig& config) {
  if (!o.filters.netns.empty() || !config.cgroup_paths.empty()) return resolve_filters(o.filters).describe();
  return config.filter.empty() ? " host-wide" : "";
}

// A live view: `show` now and every `interval` seconds, the events pumped
// between refreshes, until Ctrl-C (or the output fails); then the summary.
int refresh_until_stopped(LiveHistogram& live, double interval, const Output& out, const std::function<void()>& show) {
  show();
  uint64_t interval_ns = static_cast<uint64_t>(interval * 1e9);
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
  fmt::print(stderr, "socktrace: {}\n", live.finish());
  return kExitOk;
}

// `top --list`: every socket with its age, refreshed as top's table is.
int run_list(const Options& o, LiveConfig config, const ListQuery& q) {
  Output out(o.output.file);
  config.ringbuf_bytes = o.buffer_size;
  config.reconcile_ns = static_cast<uint64_t>(o.reconcile * 1e9);
  config.trace = !o.once;  // a snapshot: ages only where sock_diag tells them
  config.owners = true;    // UDP sockets' owners too, as ss -p
  LiveHistogram live(config);
  WallClock clock = WallClock::now();
  GroupNamer namer(o.host_root);
  SocketListView view(out, o.output.json, out.is_terminal() && !o.once, namer.names().container);
  auto show = [&] {
    std::vector<SocketRow> rows = live.list(q);
    view.refresh(rows, {clock.epoch_ns(monotonic_now_ns()), live.lost_total()});
    out.flush();
  };
  if (o.once) {
    show();
    return kExitOk;
  }
  install_stop_signals();
  fmt::print(stderr, "socktrace: listing sockets{}; Ctrl-C to stop\n", scope_text(o, config));
  return refresh_until_stopped(live, o.interval, out, show);
}

}  // namespace

int run_top(const Options& o) {
  std::optional<ListQuery> list = list_query_of(o);
  LiveConfig config = live_config(o);
  if (list) return run_list(o, config, *list);
  std::optional<GroupBy> by = group_by_of(o);
  std::optional<uint8_t> sort = sort_state_of(o);
  if (o.once && !o.metrics.empty())
    throw UsageError("--metrics serves a running top; drop --once (or --metrics)");
  std::unique_ptr<MetricsServer> server = open_metrics_server(o.metrics);
  Output out(o.output.file);

  config.ringbuf_bytes = o.buffer_size;
  config.reconcile_ns = static_cast<uint64_t>(o.reconcile * 1e9);
  // One snapshot needs no events: sock_diag has it all.
  config.trace = !o.once;
  LiveHistogram live(config);
  WallClock clock = WallClock::now();
  TopView view(out, o.output.json, out.is_terminal() && !o.once);
  if (server) view.keep_json();
  GroupNamer namer(o.host_root);
  if (by) view.group(*by, sort);
  TroubleSeries series;
  auto show = [&] {
    // Trouble needs the events: not in a --once snapshot.
    const TroubleCounts* trouble = config.trace ? &live.trouble() : nullptr;
    if (trouble) live.poll_listen_drops();
    uint64_t now = monotonic_now_ns();
    std::vector<Group> groups;
    if (by) groups = group_sockets(live.hist(), *by, namer.names(), sort);
    view.refresh(live.hist(),
                 {clock.epoch_ns(now), now, live.lost_total(), live.last_drift().total(),
                  live.hist().drift_total().total(), live.hist().reconciles()},
                 trouble, by ? &groups : nullptr);
    out.flush();
    if (!server) return;
    MetricsExtras extras = live.metrics_extras();
    extras.trouble = trouble;
    extras.trouble_series = &series;
    std::string metrics = format_metrics(live.hist(), extras);
    if (by) {
      fmt::memory_buffer b;
      append_groups_metrics(b, *by, groups);
      metrics += fmt::to_string(b);
    }
    server->publish(metrics);
    server->publish_json(view.last_json());
  };
  if (o.once) {
    show();
    return kExitOk;
  }

  install_stop_signals();
  if (server)
    fmt::print(stderr, "socktrace: serving Prometheus metrics on http://{0}/metrics and the hist object on http://{0}/hist\n",
               server->bound());
  std::string where = scope_text(o, config);
  if (by)
    where = fmt::format("{} by {}",
                        o.filters.netns.empty() && config.cgroup_paths.empty() ? " in every network namespace" : where,
                        group_by_name(*by));
  fmt::print(stderr, "socktrace: counting TCP and UDP sockets by state{}; Ctrl-C to stop\n", where);
  return refresh_until_stopped(live, o.interval, out, show);
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

Histogram sample_rates(LiveConfig config, double sample, CheckSample& s) {
  config.reconcile_ns = 0;
  LiveHistogram live(config);
  // The window starts once the programs are attached: nothing before
  // could be seen (loading them takes a second or more).
  uint64_t start = monotonic_now_ns();
  spdlog::info("sampling for {} s, programs attached", sample);
  uint64_t end = start + static_cast<uint64_t>(sample * 1e9);
  // Ctrl-C ends the sample early; the rates are over the time it ran.
  for (uint64_t now = monotonic_now_ns(); now < end && !stop_requested(); now = monotonic_now_ns())
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
  LiveConfig config = live_config(o);
  HistFilter filter = config.filter;
  std::optional<GroupBy> by = group_by_of(o);
  if (by)
    for (const auto* list : {&warning, &critical})
      for (const Threshold& t : *list)
        if (t.kind != Threshold::Kind::kCount && t.kind != Threshold::Kind::kUdpCount &&
            t.kind != Threshold::Kind::kTotal)
          throw UsageError(fmt::format("--by {} holds each group to counts (STATE=N, udp:STATE=N, total=N); {} is "
                                       "not one: check it without --by",
                                       o.group_by, t.label));
  double sample = o.sample >= 0 ? o.sample : (rates ? 1.0 : 0.0);

  CheckSample s;
  GroupNamer namer(o.host_root);
  std::vector<GroupSample> groups;
  auto group = [&](const Histogram& h) {
    if (!by) return;
    for (const Group& g : group_sockets(h, *by, namer.names(), std::nullopt, SIZE_MAX)) {
      // Sockets of no container, or whose cgroup or owner is not known, are
      // no group to hold to a threshold.
      if (g.key == "-" || g.key == "?") continue;
      groups.push_back({group_status_name(*by, g), g.tcp, g.udp});
    }
  };
  if (sample > 0) {
    Histogram end_state = sample_rates(config, sample, s);
    s.tcp = end_state.tcp();
    s.udp = end_state.udp();
    who(end_state, s);
    group(end_state);
  } else {
    // Counts only: sock_diag, no BPF (works without privileges). Owners
    // from /proc: the status line names the top process.
    DiagScope scope;
    open_view_scope(scope, config, filter);
    Histogram h(filter);
    InodeOwners owners;
    owners.rescan();
    std::vector<SockRecord> tcp = diag_records(scope, IPPROTO_TCP, kSsTcpStates, &owners);
    h.seed(tcp);
    h.set_polled(IPPROTO_TCP, tcp);
    h.set_polled(IPPROTO_UDP, diag_records(scope, IPPROTO_UDP, ~0u, config.owners ? &owners : nullptr));
    s.tcp = h.tcp();
    s.udp = h.udp();
    who(h, s);
    group(h);
  }
  CheckResult r = by ? evaluate_group_check(s, groups, warning, critical) : evaluate_check(s, warning, critical);
  fmt::print("{}\n", r.line);
  return r.exit_code;
}

}  // namespace socktrace
