#include "app/check_family.h"

#include <netinet/in.h>

#include <fmt/format.h>

#include "app/live_histogram.h"
#include "app/run_top.h"
#include "core/check.h"
#include "core/error.h"
#include "kernel/proc.h"

namespace socktrace {

// Counts only, as run_check's path without rates: sock_diag and /proc, no
// BPF (works without privileges). The filters are the ones `check` takes.
int run_check_by_family(const Options& o) {
  std::vector<Threshold> warning, critical;
  auto parse = [](const std::vector<std::string>& in, std::vector<Threshold>& out, const char* opt) {
    for (const std::string& s : in) {
      std::string err;
      auto t = parse_threshold(s, &err);
      if (!t) throw UsageError(fmt::format("--{} {}", opt, err));
      if (t->kind == Threshold::Kind::kRate || t->kind == Threshold::Kind::kNewRate)
        throw UsageError(fmt::format("--{} {}: --perfdata-family reports counts; leave it out to check rates", opt, s));
      out.push_back(*t);
    }
  };
  parse(o.warning, warning, "warning");
  parse(o.critical, critical, "critical");
  if (o.sample >= 0) throw UsageError("--perfdata-family reports counts; --sample measures rates: give one of them");
  HistFilter filter = live_view_filter(o);
  DiagScope scope;
  open_scope(scope, o.filters.netns);

  InodeOwners owners;
  if (filter.by_owner()) owners.rescan();
  InodeOwners* with_owners = filter.by_owner() ? &owners : nullptr;
  FamilyCounts f = count_by_family(diag_records(scope, IPPROTO_TCP, kSsTcpStates, with_owners),
                                   diag_records(scope, IPPROTO_UDP, ~0u, with_owners), filter);
  CheckSample s;
  s.tcp = sum_families(f.tcp4, f.tcp6);
  s.udp = sum_families(f.udp4, f.udp6);
  s.families = f;
  CheckResult r = evaluate_check(s, warning, critical);
  fmt::print("{}\n", r.line);
  return r.exit_code;
}

}  // namespace socktrace
