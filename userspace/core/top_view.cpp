#include "core/top_view.h"

#include "core/clock.h"
#include "core/json.h"
#include "core/names.h"

namespace socktrace {

namespace {

constexpr uint8_t kTcpShown[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
constexpr uint8_t kUdpShown[] = {1, 7};

std::string printable(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string signed_change(int64_t d) { return d == 0 ? "" : fmt::format("{:+d}", d); }

// "nginx/812 2998, curl/77 2", cut to `width` columns.
std::string joined(const std::vector<TopEntry>& v, std::size_t width) {
  std::string s;
  for (const TopEntry& e : v) {
    std::string item = fmt::format("{}{} {}", s.empty() ? "" : ", ", printable(e.key), e.count);
    if (s.size() + item.size() > width) break;
    s += item;
  }
  return s;
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

void TopView::refresh(const Histogram& h, const RefreshInfo& info) {
  double dt = first_ ? 0 : static_cast<double>(info.monotonic_ns - last_ns_) / 1e9;
  double rate = dt > 0 ? static_cast<double>(h.transitions_total() - last_transitions_) / dt : 0;
  double new_rate = dt > 0 ? static_cast<double>(h.new_connections() - last_new_) / dt : 0;
  buf_.clear();
  if (json_)
    json(h, info, rate, new_rate);
  else
    text(h, info, rate, new_rate);
  out_.write(buf_);
  first_ = false;
  last_tcp_ = h.tcp();
  last_udp_ = h.udp();
  last_transitions_ = h.transitions_total();
  last_new_ = h.new_connections();
  last_ns_ = info.monotonic_ns;
}

void TopView::text(const Histogram& h, const RefreshInfo& info, double rate, double new_rate) {
  auto out = std::back_inserter(buf_);
  if (clear_) fmt::format_to(out, "\033[H\033[2J");
  StateCounts tcp = h.tcp();
  const StateCounts& udp = h.udp();
  fmt::format_to(out, "socktrace top  {}  TCP {}  UDP {}  transitions {:.0f}/s  new {:.0f}/s  lost {}  drift {}\n\n",
                 format_clock_time(info.epoch_ns).substr(0, 8), h.tcp_total(), h.udp_total(), rate, new_rate,
                 info.lost, info.drift);
  fmt::format_to(out, "{:<4} {:<12} {:>8} {:>7}  {:<34} {:<22} {}\n", "", "STATE", "COUNT", "CHANGE",
                 "TOP PROCESSES", "TOP LOCAL PORTS", "TOP REMOTE ADDRESSES");
  for (uint8_t s : kTcpShown) {
    std::string owners, ports, raddrs;
    if (tcp[s] > 0) {
      TopTables t = h.top(s, top_n_);
      owners = joined(t.owners, 34);
      ports = joined(t.lports, 22);
      raddrs = joined(t.raddrs, 40);
    }
    int64_t d = first_ ? 0 : static_cast<int64_t>(tcp[s]) - static_cast<int64_t>(last_tcp_[s]);
    fmt::format_to(out, "{:<4} {:<12} {:>8} {:>7}  {:<34} {:<22} {}\n", "tcp", tcp_state_name(s), tcp[s],
                   signed_change(d), owners, ports, raddrs);
  }
  for (uint8_t s : kUdpShown) {
    int64_t d = first_ ? 0 : static_cast<int64_t>(udp[s]) - static_cast<int64_t>(last_udp_[s]);
    fmt::format_to(out, "{:<4} {:<12} {:>8} {:>7}\n", "udp", tcp_state_name(s), udp[s], signed_change(d));
  }
  if (!clear_) fmt::format_to(out, "\n");
}

void TopView::json(const Histogram& h, const RefreshInfo& info, double rate, double new_rate) {
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
      .raw_field("transitions_per_s", fmt::format("{:.1f}", rate))
      .raw_field("new_per_s", fmt::format("{:.1f}", new_rate))
      .field("lost", info.lost)
      .field("drift", info.drift)
      .field("drift_total", info.drift_total)
      .field("reconciles", info.reconciles)
      .raw_field("top", std::string_view(top.data(), top.size()));
  o.end_line();
}

}  // namespace socktrace
