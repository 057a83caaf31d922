#include "core/syscall_summary.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include <fmt/format.h>

namespace socktrace {

void SyscallSummary::add(const SyscallEvent& e) {
  if (e.nr >= counts_.size()) return;
  Counts& c = counts_[e.nr];
  ++c.calls;
  // strace counts every syserror(), the kernel-internal ERESTART* included.
  if (e.ret < 0 && e.ret >= -4095) ++c.errors;
  c.time_ns += e.dur_ns;
}

namespace {

// strace's ts_float(): seconds as a double, summed from the two halves.
double seconds(uint64_t ns) {
  return static_cast<double>(ns / 1'000'000'000) + static_cast<double>(ns % 1'000'000'000) / 1e9;
}

std::size_t digits(uint64_t v) { return fmt::formatted_size("{}", v); }

}  // namespace

std::string SyscallSummary::table() const {
  std::vector<uint32_t> used;
  uint64_t total_ns = 0, calls = 0, errors = 0, max_avg_us = 0;
  std::size_t name_max = 0;
  for (uint32_t nr = 0; nr < counts_.size(); ++nr) {
    const Counts& c = counts_[nr];
    if (!c.calls) continue;
    used.push_back(nr);
    total_ns += c.time_ns;
    calls += c.calls;
    errors += c.errors;
    max_avg_us = std::max<uint64_t>(max_avg_us, static_cast<uint64_t>(seconds(c.time_ns / c.calls) * 1e6));
    name_max = std::max(name_max, syscall_name(nr).size());
  }
  // glibc's qsort is a merge sort here, so equal times keep syscall-number order.
  std::stable_sort(used.begin(), used.end(),
                   [&](uint32_t a, uint32_t b) { return counts_[a].time_ns > counts_[b].time_ns; });

  double total = seconds(total_ns);
  // Column widths grow with the values, as in strace's call_summary_pers().
  std::size_t w_time = std::max<std::size_t>(11, fmt::formatted_size("{:.6f}", total));
  std::size_t w_avg = std::max<std::size_t>(11, digits(max_avg_us));
  std::size_t w_calls = std::max<std::size_t>(9, digits(calls));
  std::size_t w_errors = std::max<std::size_t>(9, digits(errors));
  std::size_t w_name = std::max<std::size_t>(16, name_max + 1);

  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{:>6} {:>{}} {:>{}} {:>{}} {:>{}} {}\n", "% time", "seconds", w_time, "usecs/call",
                 w_avg, "calls", w_calls, "errors", w_errors, "syscall");
  auto dashes = [&] {
    fmt::format_to(it, "{} {} {} {} {} {}\n", std::string(6, '-'), std::string(w_time, '-'),
                   std::string(w_avg, '-'), std::string(w_calls, '-'), std::string(w_errors, '-'),
                   std::string(w_name, '-'));
  };
  // "%.0u" prints nothing for zero errors.
  auto errs = [](uint64_t e) { return e ? fmt::format("{}", e) : std::string(); };
  dashes();
  for (uint32_t nr : used) {
    const Counts& c = counts_[nr];
    double t = seconds(c.time_ns);
    double percent = 100.0 * t;
    if (percent != 0.0) percent /= total;
    uint64_t avg_us = static_cast<uint64_t>(seconds(c.time_ns / c.calls) * 1e6);
    fmt::format_to(it, "{:6.2f} {:{}.6f} {:{}} {:{}} {:>{}} {}\n", percent, t, w_time, avg_us, w_avg, c.calls,
                   w_calls, errs(c.errors), w_errors, syscall_name(nr));
  }
  dashes();
  uint64_t total_avg = calls ? static_cast<uint64_t>(total / static_cast<double>(calls) * 1e6) : 0;
  fmt::format_to(it, "{:6.2f} {:{}.6f} {:{}} {:{}} {:>{}} {}\n", 100.0, total, w_time, total_avg, w_avg, calls,
                 w_calls, errs(errors), w_errors, "total");
  return out;
}

}  // namespace socktrace
