#include "app/check_family.h"

#include <netinet/in.h>

#include <fmt/format.h>

#include "app/live_histogram.h"
#include "app/run_top.h"
#include "core/check.h"
#include "core/clock.h"
#include "core/error.h"
#include "kernel/proc.h"

namespace socktrace {

// Counts (and ages) per family, as run_check's path without rates:
// sock_diag and /proc, no BPF (works without privileges). With rates, the
// window is measured first, as run_check does (BPF), and the counts are
// the snapshot that follows it. The filters are the ones `check` takes.
int run_check_by_family(const Options& o) {
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
  if (!o.group_by.empty())
    throw UsageError("--perfdata-family splits the whole count by family; --by splits it by group: give one of them");
  LiveConfig config = live_config(o);
  HistFilter filter = config.filter;
  double sample = o.sample >= 0 ? o.sample : (rates ? 1.0 : 0.0);
  CheckSample s;
  if (sample > 0) sample_rates(config, sample, s);
  DiagScope scope;
  open_view_scope(scope, config, filter);

  // The same snapshot as run_check's counts path (owners from /proc, so the
  // status line can name the top process and the oldest socket), counted
  // once whole and once per family.
  Histogram h(filter);
  InodeOwners owners;
  owners.rescan();
  std::vector<SockRecord> tcp = diag_records(scope, IPPROTO_TCP, kSsTcpStates, &owners);
  std::vector<SockRecord> udp = diag_records(scope, IPPROTO_UDP, ~0u, filter.by_owner() ? &owners : nullptr);
  h.seed(tcp);
  h.set_polled(IPPROTO_TCP, tcp);
  h.set_polled(IPPROTO_UDP, udp);
  s.tcp = h.tcp();
  s.udp = h.udp();
  for (uint8_t st = 0; st < kStateSlots; ++st) {
    if (!s.tcp[st]) continue;
    TopTables t = h.top(st, 1);
    if (!t.owners.empty()) s.top_owner[st] = t.owners.front();
  }
  s.oldest = h.oldest(monotonic_now_ns());
  s.families = count_by_family(tcp, udp, filter);
  CheckResult r = evaluate_check(s, warning, critical);
  fmt::print("{}\n", r.line);
  return r.exit_code;
}

}  // namespace socktrace
