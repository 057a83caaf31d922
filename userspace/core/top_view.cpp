#include "core/top_view.h"

#include <optional>

#include "core/clock.h"
#include "core/json.h"
#include "core/names.h"

namespace socktrace {

namespace {

// More entries than a text column can show ("x/1 1, " is 7 columns).
constexpr std::size_t kTextTopMax = 16;

std::string signed_change(int64_t d) { return d == 0 ? "" : fmt::format("{:+d}", d); }

// "nginx/812 2998, curl/77 2": as many of the largest as fit in `width`
// columns, then "+N more" for the `total` - shown others.
std::string joined(const std::vector<TopEntry>& v, std::size_t total, std::size_t width) {
  std::vector<std::string> items;
  for (const TopEntry& e : v) items.push_back(fmt::format("{} {}", printable(e.key), e.count));
  for (std::size_t k = items.size() + 1; k-- > 0;) {
    std::string s;
    for (std::size_t i = 0; i < k; ++i) s += (i ? ", " : "") + items[i];
    if (k < total) s += fmt::format("{}+{} more", k ? ", " : "", total - k);
    if (s.size() <= width || k == 0) return s;
  }
  return {};
}

// The rate of a counter between two refreshes: none at the first (a
// snapshot has no rate).
std::string rate_text(std::optional<double> r) { return r ? fmt::format("{:.0f}/s", *r) : "-"; }
std::string rate_json(std::optional<double> r) { return r ? fmt::format("{:.1f}", *r) : "null"; }

// "412s", "3.2s", ">=412s" (at least: the socket is older than socktrace's view of it).
std::string age_text(const Oldest& o) {
  double secs = static_cast<double>(o.age_ns) / 1e9;
  std::string a = secs < 10 ? fmt::format("{:.1f}s", secs) : fmt::format("{:.0f}s", secs);
  return (o.bound ? ">=" : "") + a;
}

void append_entries(fmt::memory_buffer& b, const std::vector<TopEntry>& v) {
  b.push_back('[');
  bool first = true;
  for (const TopEntry& e : v) {
    if (!first) b.push_back(',');
    first = false;
    b.append(std::string_view("{\"key\":"));
    append_json_string(b, e.key);
    fmt::format_to(std::back_inserter(b), ",\"count\":{}}}", e.count);
  }
  b.push_back(']');
}

}  // namespace

void TopView::refresh(const Histogram& h, const RefreshInfo& info, const TroubleCounts* trouble,
                      const std::vector<Group>* groups) {
  double dt = first_ ? 0 : static_cast<double>(info.monotonic_ns - last_ns_) / 1e9;
  std::optional<double> rate, new_rate, interval;
  if (dt > 0) {
    rate = static_cast<double>(h.transitions_total() - last_transitions_) / dt;
    new_rate = static_cast<double>(h.new_connections() - last_new_) / dt;
    interval = dt;
  }
  buf_.clear();
  std::string trouble_obj = trouble ? trouble_json(*trouble, interval) : std::string();
  if (json_) {
    json(h, info, rate, new_rate, trouble_obj, groups);
  } else {
    text(h, info, rate, new_rate, groups);
    if (trouble) {
      // Before the blank line that ends a refresh written as a stream.
      if (!clear_) buf_.resize(buf_.size() - 1);
      trouble_text(*trouble, interval);
      if (!clear_) buf_.push_back('\n');
    }
  }
  out_.write(buf_);
  if (keep_json_) {
    if (!json_) {
      buf_.clear();
      json(h, info, rate, new_rate, trouble_obj, groups);
    }
    last_json_.assign(buf_.data(), buf_.size());
  }
  if (trouble) {
    last_trouble_ = trouble->totals();
    for (const auto& r : trouble->processes()) last_processes_[r.key] = r.counts;
    for (const auto& r : trouble->ports()) last_ports_[r.key] = r.counts;
  }
  first_ = false;
  last_tcp_ = h.tcp();
  last_udp_ = h.udp();
  last_transitions_ = h.transitions_total();
  last_new_ = h.new_connections();
  last_ns_ = info.monotonic_ns;
}

void TopView::text(const Histogram& h, const RefreshInfo& info, std::optional<double> rate,
                   std::optional<double> new_rate, const std::vector<Group>* groups) {
  auto out = std::back_inserter(buf_);
  if (clear_) fmt::format_to(out, "\033[H\033[2J");
  StateCounts tcp = h.tcp();
  const StateCounts& udp = h.udp();
  fmt::format_to(out, "socktrace top  {}  TCP {}  UDP {}  transitions {}  new {}  lost {}  drift {}\n\n",
                 format_clock_time(info.epoch_ns).substr(0, 8), h.tcp_total(), h.udp_total(), rate_text(rate),
                 rate_text(new_rate), info.lost, info.drift);
  fmt::format_to(out, "{:<4} {:<12} {:>8} {:>7}  {:<34} {:<22} {:<40} {}\n", "", "STATE", "COUNT", "CHANGE",
                 "TOP PROCESSES", "TOP LOCAL PORTS", "TOP REMOTE ADDRESSES", "OLDEST");
  OldestByState oldest = h.oldest(info.monotonic_ns);
  for (uint8_t s : kTcpShown) {
    std::string owners, ports, raddrs, old;
    if (oldest[s].any)
      old = fmt::format("{} {}", age_text(oldest[s]),
                        oldest[s].pid ? fmt::format("{}/{}", printable(oldest[s].comm.view()), oldest[s].pid) : "?");
    if (tcp[s] > 0) {
      // As many as the columns hold (the JSON keeps top_n_).
      TopTables t = h.top(s, kTextTopMax);
      owners = joined(t.owners, t.owners_total, 34);
      ports = joined(t.lports, t.lports_total, 22);
      raddrs = joined(t.raddrs, t.raddrs_total, 40);
    }
    int64_t d = first_ ? 0 : static_cast<int64_t>(tcp[s]) - static_cast<int64_t>(last_tcp_[s]);
    std::string row = fmt::format("{:<4} {:<12} {:>8} {:>7}  {:<34} {:<22} {:<40} {}", "tcp", tcp_state_name(s),
                                  tcp[s], signed_change(d), owners, ports, raddrs, old);
    while (!row.empty() && row.back() == ' ') row.pop_back();
    fmt::format_to(out, "{}\n", row);
  }
  for (uint8_t s : kUdpShown) {
    int64_t d = first_ ? 0 : static_cast<int64_t>(udp[s]) - static_cast<int64_t>(last_udp_[s]);
    fmt::format_to(out, "{:<4} {:<12} {:>8} {:>7}\n", "udp", tcp_state_name(s), udp[s], signed_change(d));
  }
  if (groups) {
    fmt::format_to(out, "\n");
    append_groups_text(buf_, by_, sort_, *groups);
  }
  if (!clear_) fmt::format_to(out, "\n");
}

void TopView::json(const Histogram& h, const RefreshInfo& info, std::optional<double> rate,
                   std::optional<double> new_rate, const std::string& trouble, const std::vector<Group>* groups) {
  StateCounts tcp = h.tcp();
  const StateCounts& udp = h.udp();
  auto counts = [](const StateCounts& c, std::span<const uint8_t> states) {
    fmt::memory_buffer b;
    JsonObject o(b);
    for (uint8_t s : states) o.field(tcp_state_name(s), c[s]);
    b.push_back('}');
    return fmt::to_string(b);
  };
  auto changes = [&](const StateCounts& now, const StateCounts& last, std::span<const uint8_t> states) {
    fmt::memory_buffer b;
    JsonObject o(b);
    for (uint8_t s : states)
      if (!first_ && now[s] != last[s])
        o.field(tcp_state_name(s), static_cast<int64_t>(now[s]) - static_cast<int64_t>(last[s]));
    b.push_back('}');
    return fmt::to_string(b);
  };
  fmt::memory_buffer top;
  top.push_back('{');
  bool first_state = true;
  for (uint8_t s : kTcpShown) {
    if (tcp[s] == 0) continue;
    TopTables t = h.top(s, top_n_);
    if (!first_state) top.push_back(',');
    first_state = false;
    append_json_string(top, tcp_state_name(s));
    top.append(std::string_view(":{\"processes\":"));
    append_entries(top, t.owners);
    top.append(std::string_view(",\"local_ports\":"));
    append_entries(top, t.lports);
    top.append(std::string_view(",\"remote_addrs\":"));
    append_entries(top, t.raddrs);
    top.push_back('}');
  }
  top.push_back('}');
  // Per state, the socket longest in it: {age_ns, pid, comm, bound}.
  OldestByState oldest = h.oldest(info.monotonic_ns);
  fmt::memory_buffer old;
  {
    JsonObject states(old);
    for (uint8_t s : kTcpShown) {
      if (!oldest[s].any) continue;
      fmt::memory_buffer one;
      JsonObject e(one);
      e.field("age_ns", oldest[s].age_ns)
          .field("pid", oldest[s].pid)
          .field("comm", oldest[s].comm.view())
          .field("bound", oldest[s].bound);
      one.push_back('}');
      states.raw_field(tcp_state_name(s), std::string_view(one.data(), one.size()));
    }
    old.push_back('}');
  }

  JsonObject o(buf_);
  o.field("event", "hist")
      .field("ts_ns", info.epoch_ns)
      .field("pid", 0)
      .field("tid", 0)
      .field("comm", "")
      .raw_field("tcp", counts(tcp, kTcpShown))
      .raw_field("udp", counts(udp, kUdpShown))
      .field("tcp_total", h.tcp_total())
      .field("udp_total", h.udp_total())
      .raw_field("change", fmt::format("{{\"tcp\":{},\"udp\":{}}}", changes(tcp, last_tcp_, kTcpShown),
                                       changes(udp, last_udp_, kUdpShown)))
      .field("transitions", h.transitions_total())
      .raw_field("transitions_per_s", rate_json(rate))
      .raw_field("new_per_s", rate_json(new_rate))
      .field("lost", info.lost)
      .field("drift", info.drift)
      .field("drift_total", info.drift_total)
      .field("reconciles", info.reconciles)
      .raw_field("top", std::string_view(top.data(), top.size()))
      .raw_field("oldest", std::string_view(old.data(), old.size()));
  if (groups) {
    fmt::memory_buffer g;
    append_groups_json(g, by_, *groups);
    o.field("by", group_by_name(by_));
    if (sort_) o.field("sort", tcp_state_name(*sort_));
    o.raw_field("groups", std::string_view(g.data(), g.size()));
  }
  if (!trouble.empty()) o.raw_field("trouble", trouble);
  o.end_line();
}

std::vector<TopView::TroubleRow> TopView::trouble_rows(const std::vector<TroubleCounts::Row>& rows,
                                                       const std::unordered_map<std::string, TroubleArray>& last,
                                                       std::size_t kind) const {
  std::vector<TroubleRow> out;
  for (const auto& r : rows) {
    uint64_t total = r.counts[kind];
    auto it = last.find(r.key);
    uint64_t before = it == last.end() ? 0 : it->second[kind];
    if (total == 0) continue;
    out.push_back({r.key, total - before, total});
  }
  bool by_total = first_;
  std::sort(out.begin(), out.end(), [&](const TroubleRow& a, const TroubleRow& b) {
    uint64_t x = by_total ? a.total : a.delta, y = by_total ? b.total : b.delta;
    if (x != y) return x > y;
    if (a.total != b.total) return a.total > b.total;
    return a.key < b.key;
  });
  return out;
}

void TopView::trouble_text(const TroubleCounts& t, std::optional<double> dt) {
  auto out = std::back_inserter(buf_);
  fmt::format_to(out, "\n{:<4} {:<16} {:>7} {:>8}  {:<34} {}\n", "", "TROUBLE", "PER_S", "TOTAL",
                 "TOP PROCESSES (/s)", "TOP LOCAL PORTS (/s)");
  auto rows = t.processes();
  auto ports = t.ports();
  for (std::size_t k = 0; k < kTroubleKinds; ++k) {
    uint64_t total = t.totals()[k];
    std::string per_s = dt ? fmt::format("{:.1f}", static_cast<double>(total - last_trouble_[k]) / *dt) : "-";
    auto list = [&](std::vector<TroubleRow> v, std::size_t width) {
      std::string text;
      for (const auto& r : v) {
        std::string item = dt ? fmt::format("{} {:.1f}", r.key, static_cast<double>(r.delta) / *dt)
                              : fmt::format("{} {}", r.key, r.total);
        if (!text.empty() && text.size() + 2 + item.size() > width) break;
        if (!text.empty()) text += ", ";
        text += item;
      }
      return text;
    };
    std::string procs = list(trouble_rows(rows, last_processes_, k), 34);
    std::string lports = list(trouble_rows(ports, last_ports_, k), 40);
    std::string row = fmt::format("{:<4} {:<16} {:>7} {:>8}  {:<34} {}", "tcp", trouble_name(static_cast<Trouble>(k)),
                                  per_s, total, procs, lports);
    while (!row.empty() && row.back() == ' ') row.pop_back();
    fmt::format_to(out, "{}\n", row);
  }
}

std::string TopView::trouble_json(const TroubleCounts& t, std::optional<double> dt) const {
  auto rows = t.processes();
  auto ports = t.ports();
  fmt::memory_buffer b;
  b.push_back('{');
  for (std::size_t k = 0; k < kTroubleKinds; ++k) {
    uint64_t total = t.totals()[k];
    auto list = [&](std::vector<TroubleRow> v) {
      std::string s = "[";
      for (std::size_t i = 0; i < v.size() && i < top_n_; ++i) {
        fmt::memory_buffer e;
        JsonObject item(e);
        item.field("key", std::string_view(v[i].key)).field("count", v[i].total);
        if (dt)
          item.raw_field("per_s", fmt::format("{:.1f}", static_cast<double>(v[i].delta) / *dt));
        else
          item.null_field("per_s");
        item.end();
        if (i) s += ',';
        s.append(e.data(), e.size());
      }
      return s + "]";
    };
    fmt::memory_buffer e;
    JsonObject kind(e);
    kind.field("total", total);
    if (dt)
      kind.raw_field("per_s", fmt::format("{:.1f}", static_cast<double>(total - last_trouble_[k]) / *dt));
    else
      kind.null_field("per_s");
    kind.raw_field("processes", list(trouble_rows(rows, last_processes_, k)))
        .raw_field("ports", list(trouble_rows(ports, last_ports_, k)));
    kind.end();
    fmt::format_to(std::back_inserter(b), "{}\"{}\":{}", k ? "," : "", trouble_name(static_cast<Trouble>(k)),
                   fmt::to_string(e));
  }
  b.push_back('}');
  return fmt::to_string(b);
}

}  // namespace socktrace
