#include "core/check.h"

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <span>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/names.h"

namespace socktrace {

namespace {


std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 30) return std::nullopt;
  for (char c : s)
    if (!(c >= '0' && c <= '9') && c != '.') return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool upper_is(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

double value_of(const Threshold& t, const CheckSample& s) {
  switch (t.kind) {
    case Threshold::Kind::kCount: return static_cast<double>(s.tcp[t.state]);
    case Threshold::Kind::kUdpCount: return static_cast<double>(s.udp[t.state]);
    case Threshold::Kind::kTotal: {
      uint64_t n = 0;
      for (uint64_t v : s.tcp) n += v;
      return static_cast<double>(n);
    }
    case Threshold::Kind::kRate:
      return s.seconds > 0 ? static_cast<double>(s.entries[t.state]) / s.seconds : 0.0;
    case Threshold::Kind::kNewRate:
      return s.seconds > 0 ? static_cast<double>(s.new_connections) / s.seconds : 0.0;
    case Threshold::Kind::kTrouble:
      return s.seconds > 0 ? static_cast<double>(s.trouble[static_cast<std::size_t>(t.trouble)]) / s.seconds : 0.0;
    case Threshold::Kind::kAge:
      return s.oldest[t.state].any ? std::floor(static_cast<double>(s.oldest[t.state].age_ns) / 1e9) : 0.0;
  }
  return 0;
}

std::string num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{:.2f}", v);
}

const Threshold* find(const std::vector<Threshold>& v, const std::string& label) {
  const Threshold* found = nullptr;
  for (const Threshold& t : v)
    if (t.label == label) found = &t;  // the last one given wins
  return found;
}

}  // namespace

std::optional<Threshold> parse_threshold(std::string_view text, std::string* error) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    *error = fmt::format("bad threshold '{}': give STATE=N, STATE=N/s, STATE:age=SEC, new=N/s or retrans, rst, "
                         "connect_failed, listen_overflow=N/s, e.g. CLOSE_WAIT=100",
                         text);
    return std::nullopt;
  }
  std::string_view key = text.substr(0, eq), value = text.substr(eq + 1);
  // STATE:age=SEC
  if (key.size() > 4 && upper_is(key.substr(key.size() - 4), ":AGE")) {
    std::string_view name = key.substr(0, key.size() - 4);
    auto state = tcp_state_from_name(name);
    auto limit = parse_number(value);
    if (!state || *state > kTcpClosing) {
      *error = fmt::format("bad threshold '{}': unknown state '{}' (e.g. CLOSE_WAIT:age=300)", text, name);
      return std::nullopt;
    }
    if (!limit) {
      *error = fmt::format("bad threshold '{}': '{}' is not a number of seconds (e.g. CLOSE_WAIT:age=300)", text,
                           value);
      return std::nullopt;
    }
    Threshold t;
    t.kind = Threshold::Kind::kAge;
    t.state = *state;
    t.limit = *limit;
    t.label = std::string(tcp_state_name(*state)) + "_age_s";
    return t;
  }
  bool rate = value.size() > 2 && value.substr(value.size() - 2) == "/s";
  if (rate) value.remove_suffix(2);
  auto limit = parse_number(value);
  if (!limit) {
    *error = fmt::format("bad threshold '{}': '{}' is not a non-negative number (STATE=N or STATE=N/s)", text, value);
    return std::nullopt;
  }
  Threshold t;
  t.limit = *limit;
  if (upper_is(key, "NEW")) {
    if (!rate) {
      *error = fmt::format("bad threshold '{}': new connections are a rate, e.g. new={}/s", text, value);
      return std::nullopt;
    }
    t.kind = Threshold::Kind::kNewRate;
    t.label = "new_per_s";
    return t;
  }
  if (auto trouble = trouble_from_name(key)) {
    if (!rate) {
      *error = fmt::format("bad threshold '{}': {} is a rate, e.g. {}={}/s", text, trouble_name(*trouble),
                           trouble_name(*trouble), value);
      return std::nullopt;
    }
    t.kind = Threshold::Kind::kTrouble;
    t.trouble = *trouble;
    t.label = std::string(trouble_name(*trouble)) + "_per_s";
    return t;
  }
  if (upper_is(key, "TOTAL")) {
    if (rate) {
      *error = fmt::format("bad threshold '{}': total is a count, e.g. total={}", text, value);
      return std::nullopt;
    }
    t.kind = Threshold::Kind::kTotal;
    t.label = "total";
    return t;
  }
  bool udp = key.size() > 4 && upper_is(key.substr(0, 4), "UDP:");
  if (udp) key.remove_prefix(4);
  if (key.size() > 4 && upper_is(key.substr(0, 4), "TCP:")) key.remove_prefix(4);
  auto state = tcp_state_from_name(key);
  if (!state || *state > kTcpClosing) {
    *error = fmt::format("bad threshold '{}': unknown state '{}' (ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, "
                         "FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING; or new, total, "
                         "retrans, rst, connect_failed, listen_overflow)",
                         text, key);
    return std::nullopt;
  }
  if (udp && *state != kTcpEstablished && *state != kTcpClose) {
    *error = fmt::format("bad threshold '{}': UDP sockets are ESTABLISHED or CLOSE", text);
    return std::nullopt;
  }
  if (udp && rate) {
    *error = fmt::format("bad threshold '{}': UDP has no transitions to rate; give a count", text);
    return std::nullopt;
  }
  t.state = *state;
  std::string name(tcp_state_name(*state));
  if (udp) {
    t.kind = Threshold::Kind::kUdpCount;
    t.label = "udp_" + name;
  } else if (rate) {
    t.kind = Threshold::Kind::kRate;
    t.label = name + "_per_s";
  } else {
    t.kind = Threshold::Kind::kCount;
    t.label = name;
  }
  return t;
}

FamilyCounts count_by_family(const std::vector<SockRecord>& tcp, const std::vector<SockRecord>& udp,
                             const HistFilter& filter) {
  // One Histogram per family, fed as `check` feeds its one: the same
  // counting rules (request sockets, timewait substates), so the two
  // families add up to the unsplit counts.
  auto split = [](const std::vector<SockRecord>& all, uint16_t family) {
    std::vector<SockRecord> out;
    for (const SockRecord& r : all)
      if ((r.saddr.family == AF_INET6) == (family == AF_INET6)) out.push_back(r);
    return out;
  };
  FamilyCounts f;
  for (uint16_t family : {uint16_t{AF_INET}, uint16_t{AF_INET6}}) {
    std::vector<SockRecord> t = split(tcp, family);
    Histogram h(filter);
    h.seed(t);
    h.set_polled(kProtoTcp, t);
    h.set_polled(kProtoUdp, split(udp, family));
    (family == AF_INET ? f.tcp4 : f.tcp6) = h.tcp();
    (family == AF_INET ? f.udp4 : f.udp6) = h.udp();
  }
  return f;
}

StateCounts sum_families(const StateCounts& v4, const StateCounts& v6) {
  StateCounts sum{};
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] = v4[i] + v6[i];
  return sum;
}

CheckResult evaluate_check(const CheckSample& s, const std::vector<Threshold>& warning,
                           const std::vector<Threshold>& critical) {
  CheckResult r;
  std::vector<std::string> crit_msgs, warn_msgs;
  // Every threshold given, once per label.
  std::vector<Threshold> all = warning;
  all.insert(all.end(), critical.begin(), critical.end());
  std::vector<std::string> seen;
  for (const Threshold& t : all) {
    if (std::find(seen.begin(), seen.end(), t.label) != seen.end()) continue;
    seen.push_back(t.label);
    double v = value_of(t, s);
    const Threshold* c = find(critical, t.label);
    const Threshold* w = find(warning, t.label);
    std::string shown = t.is_rate() ? t.label.substr(0, t.label.size() - 6) + "=" + num(v) + "/s"
                                    : t.label + "=" + num(v);
    // Who: the top process of a count, the owner of the oldest socket.
    std::string who;
    if (t.kind == Threshold::Kind::kCount && s.top_owner[t.state].count)
      who = s.top_owner[t.state].key == "?"
                ? fmt::format(" (most without an owning process: {})", s.top_owner[t.state].count)
                : fmt::format(" (top process {} with {})", s.top_owner[t.state].key, s.top_owner[t.state].count);
    if (t.kind == Threshold::Kind::kTrouble) {
      const TopEntry& top = s.trouble_top[static_cast<std::size_t>(t.trouble)];
      if (top.count)
        who = top.key == "?" ? fmt::format(" (most without an owning process: {})", top.count)
                             : fmt::format(" (top process {} with {})", top.key, top.count);
    }
    if (t.kind == Threshold::Kind::kAge) {
      const Oldest& o = s.oldest[t.state];
      shown = fmt::format("{} oldest {}{}s", tcp_state_name(t.state), o.bound ? ">=" : "", num(v));
      if (o.any)
        who = o.pid ? fmt::format(" (owner {}/{})", o.comm.view(), o.pid) : std::string(" (owner unknown)");
    }
    if (c && v > c->limit)
      crit_msgs.push_back(fmt::format("{} > {}{}", shown, num(c->limit), who));
    else if (w && v > w->limit)
      warn_msgs.push_back(fmt::format("{} > {}{}", shown, num(w->limit), who));
  }

  fmt::memory_buffer perf;
  auto out = std::back_inserter(perf);
  auto perf_item = [&](const std::string& label, double v) {
    const Threshold* w = find(warning, label);
    const Threshold* c = find(critical, label);
    fmt::format_to(out, "{}{}={};{};{};0;", perf.size() ? " " : "", label, num(v), w ? num(w->limit) : "",
                   c ? num(c->limit) : "");
  };
  uint64_t tcp_total = 0, udp_total = 0;
  for (uint8_t st : kTcpShown) tcp_total += s.tcp[st];
  for (uint8_t st : kUdpShown) udp_total += s.udp[st];
  if (s.families) {
    const FamilyCounts& f = *s.families;
    for (const auto& [prefix, counts, shown] :
         {std::tuple{"tcp_", &f.tcp4, std::span<const uint8_t>(kTcpShown)},
          std::tuple{"tcp6_", &f.tcp6, std::span<const uint8_t>(kTcpShown)},
          std::tuple{"udp_", &f.udp4, std::span<const uint8_t>(kUdpShown)},
          std::tuple{"udp6_", &f.udp6, std::span<const uint8_t>(kUdpShown)}})
      for (uint8_t st : shown)
        perf_item(prefix + std::string(tcp_state_name(st)), static_cast<double>((*counts)[st]));
  } else {
    for (uint8_t st : kTcpShown) perf_item(std::string(tcp_state_name(st)), static_cast<double>(s.tcp[st]));
    for (uint8_t st : kUdpShown)
      perf_item("udp_" + std::string(tcp_state_name(st)), static_cast<double>(s.udp[st]));
  }
  perf_item("total", static_cast<double>(tcp_total));
  if (s.seconds > 0) {
    perf_item("new_per_s", static_cast<double>(s.new_connections) / s.seconds);
    for (const Threshold& t : all)
      if ((t.kind == Threshold::Kind::kRate || t.kind == Threshold::Kind::kTrouble) &&
          std::find(seen.begin(), seen.end(), t.label) != seen.end()) {
        perf_item(t.label, value_of(t, s));
        seen.erase(std::find(seen.begin(), seen.end(), t.label));
      }
  }

  for (const Threshold& t : all)
    if (t.kind == Threshold::Kind::kAge && std::find(seen.begin(), seen.end(), t.label) != seen.end()) {
      perf_item(t.label, value_of(t, s));
      seen.erase(std::find(seen.begin(), seen.end(), t.label));
    }

  std::string status;
  std::string summary;
  if (!crit_msgs.empty()) {
    r.exit_code = kCheckCritical;
    status = "CRITICAL";
    crit_msgs.insert(crit_msgs.end(), warn_msgs.begin(), warn_msgs.end());
    summary = fmt::format("{}", fmt::join(crit_msgs, ", "));
  } else if (!warn_msgs.empty()) {
    r.exit_code = kCheckWarning;
    status = "WARNING";
    summary = fmt::format("{}", fmt::join(warn_msgs, ", "));
  } else {
    status = "OK";
    summary = fmt::format("{} TCP sockets (ESTABLISHED={} LISTEN={} TIME_WAIT={} CLOSE_WAIT={}), {} UDP sockets",
                          tcp_total, s.tcp[kTcpEstablished], s.tcp[kTcpListen], s.tcp[kTcpTimeWait],
                          s.tcp[kTcpCloseWait], udp_total);
  }
  if (s.lost > 0) summary += fmt::format(" ({} events lost: rates are lower bounds)", s.lost);
  r.line = fmt::format("SOCKTRACE {} - {} | {}", status, summary, fmt::to_string(perf));
  return r;
}

CheckResult evaluate_group_check(const CheckSample& whole, const std::vector<GroupSample>& groups,
                                 const std::vector<Threshold>& warning, const std::vector<Threshold>& critical) {
  CheckResult whole_r = evaluate_check(whole, warning, critical);
  std::string perf = whole_r.line.substr(whole_r.line.find(" | ") + 3);
  struct Tripped {
    int code;
    std::string text;
  };
  std::vector<Tripped> tripped;
  for (const GroupSample& g : groups) {
    CheckSample s;
    s.tcp = g.tcp;
    s.udp = g.udp;
    CheckResult r = evaluate_check(s, warning, critical);
    if (r.exit_code == kCheckOk) continue;
    // "SOCKTRACE CRITICAL - <what> | perf": the what.
    std::size_t from = r.line.find(" - ") + 3;
    tripped.push_back({r.exit_code, fmt::format("{}: {}", g.name, r.line.substr(from, r.line.find(" | ") - from))});
  }
  std::stable_sort(tripped.begin(), tripped.end(), [](const Tripped& a, const Tripped& b) { return a.code > b.code; });
  CheckResult r;
  if (tripped.empty()) {
    r.line = fmt::format("SOCKTRACE OK - {} group{} within the thresholds | {}", groups.size(), groups.size() == 1 ? "" : "s", perf);
    return r;
  }
  r.exit_code = tripped.front().code;
  constexpr std::size_t kNamed = 5;
  std::vector<std::string> named;
  for (std::size_t i = 0; i < tripped.size() && i < kNamed; ++i) named.push_back(tripped[i].text);
  std::string more =
      tripped.size() > kNamed ? fmt::format("; {} more over a threshold", tripped.size() - kNamed) : std::string();
  r.line = fmt::format("SOCKTRACE {} - {}{} | {}", r.exit_code == kCheckCritical ? "CRITICAL" : "WARNING",
                       fmt::join(named, "; "), more, perf);
  return r;
}

}  // namespace socktrace
