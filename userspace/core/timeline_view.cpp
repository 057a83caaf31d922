#include "core/timeline_view.h"

#include "core/json.h"
#include "core/names.h"
#include "core/net_format.h"

namespace socktrace {

void TimelineView::header() {
  if (json_) return;
  out_.write(fmt::format("{:<15} {:>7} {:<15} {:<23} {:<23} {:>9} {:>9} {:>9}  {}\n", "END", "PID", "COMM", "LOCAL",
                         "REMOTE", "TX_BYTES", "RX_BYTES", "DURATION", "PATH"));
}

void TimelineView::on_state(const StateEvent& e, bool derived) {
  if (auto c = builder_.on_transition(e, derived)) print(*c);
}

void TimelineView::flush(uint64_t monotonic_ns) {
  builder_.flush(monotonic_ns, [this](const Connection& c) { print(c); });
}

void TimelineView::close_vanished(const std::function<bool(uint64_t, uint32_t)>& alive, uint64_t monotonic_ns) {
  builder_.close_vanished(alive, monotonic_ns, [this](const Connection& c) { print(c); });
}

void TimelineView::print(const Connection& c) {
  ++printed_;
  buf_.clear();
  if (json_)
    json_line(c);
  else
    text_line(c);
  out_.write(buf_);
}

void TimelineView::text_line(const Connection& c) {
  auto out = std::back_inserter(buf_);
  fmt::format_to(out, "{:<15} ", format_clock_time(clock_.epoch_ns(c.end_ns)));
  if (c.owner.pid)
    fmt::format_to(out, "{:>7} {:<15} ", c.owner.pid, printable(c.owner.comm.view()));
  else
    fmt::format_to(out, "{:>7} {:<15} ", "-", "?");
  fmt::format_to(out, "{:<23} {:<23} {:>9} {:>9} {:>9}  ", format_endpoint(c.saddr, c.sport),
                 format_endpoint(c.daddr, c.dport), c.tx_bytes, c.rx_bytes, format_duration(c.duration_ns()));
  for (std::size_t i = 0; i < c.states.size(); ++i) {
    const ConnState& s = c.states[i];
    if (i) fmt::format_to(out, " -> ");
    fmt::format_to(out, "{}", tcp_state_name(s.state));
    bool last = i + 1 == c.states.size();
    if (s.ns < 0)
      fmt::format_to(out, " ?");
    else if (!(last && s.state == kTcpClose))
      fmt::format_to(out, " {}", format_duration(static_cast<uint64_t>(s.ns)));
  }
  if (c.open) fmt::format_to(out, " [open]");
  if (c.vanished) fmt::format_to(out, " [end not seen]");
  if (c.reset) fmt::format_to(out, " [RST]");
  if (c.retrans) fmt::format_to(out, " [{} retrans]", c.retrans);
  if (c.drops) fmt::format_to(out, " [{} drop{}]", c.drops, c.drops > 1 ? "s" : "");
  if (!c.close_reason.empty() && c.close_reason != "normal") fmt::format_to(out, " [{}]", c.close_reason);
  if (c.before_start)
    fmt::format_to(out, " [before start]");
  else if (!c.start_seen)
    fmt::format_to(out, " [start not seen]");
  if (c.gaps) fmt::format_to(out, " [{} gap{}]", c.gaps, c.gaps > 1 ? "s" : "");
  fmt::format_to(out, "\n");
}

void TimelineView::json_line(const Connection& c) {
  fmt::memory_buffer states;
  states.push_back('[');
  for (std::size_t i = 0; i < c.states.size(); ++i) {
    if (i) states.push_back(',');
    if (c.states[i].ns < 0)
      fmt::format_to(std::back_inserter(states), "{{\"state\":\"{}\",\"ns\":null}}", tcp_state_name(c.states[i].state));
    else
      fmt::format_to(std::back_inserter(states), "{{\"state\":\"{}\",\"ns\":{}}}", tcp_state_name(c.states[i].state),
                     c.states[i].ns);
  }
  states.push_back(']');

  JsonObject o(buf_);
  o.field("event", "conn")
      .field("ts_ns", clock_.epoch_ns(c.end_ns))
      .field("pid", c.owner.pid)
      .field("tid", c.owner.tid)
      .field("comm", c.owner.comm.view())
      .field("proto", "tcp")
      .field("family", family_version(c.saddr.family))
      .field("saddr", std::string_view(format_ip(c.saddr)))
      .field("sport", uint32_t{c.sport})
      .field("daddr", std::string_view(format_ip(c.daddr)))
      .field("dport", uint32_t{c.dport})
      .raw_field("states", std::string_view(states.data(), states.size()))
      .field("duration_ns", c.duration_ns())
      .field("tx_bytes", c.tx_bytes)
      .field("rx_bytes", c.rx_bytes)
      .field("open", c.open)
      .field("start_ts_ns", clock_.epoch_ns(c.start_ns))
      .field("cookie", c.cookie)
      .field("netns", c.netns)
      .field("cgroup_id", c.owner.cgroup_id)
      .field("complete", c.complete())
      .field("start_seen", c.start_seen)
      .field("gaps", c.gaps)
      .field("vanished", c.vanished)
      .field("reset", c.reset)
      .field("timewait", c.timewait)
      .field("before_start", c.before_start)
      .field("owner", c.owner.pid ? c.owner.owner_kind() : std::string_view("unknown"))
      .field("sock_cgroup_id", c.sock_cgroup_id)
      .field("retrans", c.retrans)
      .field("resets", c.resets);
  auto optional_us = [&](std::string_view key, uint32_t us) {
    if (us)
      o.field(key, us);
    else
      o.null_field(key);
  };
  optional_us("srtt_us", c.srtt_us);
  optional_us("min_rtt_us", c.min_rtt_us);
  auto optional_name = [&](std::string_view key, std::string_view value) {
    if (!value.empty())
      o.field(key, value);
    else
      o.null_field(key);
  };
  optional_name("closed_by", c.closed_by);
  optional_name("close_reason", c.close_reason);
  std::string reason;
  if (c.reset_reason)
    reason = *c.reset_reason < rst_reasons_.size() && !rst_reasons_[*c.reset_reason].empty()
                 ? rst_reasons_[*c.reset_reason]
                 : std::to_string(*c.reset_reason);
  optional_name("reset_reason", reason);
  o.field("drops", c.drops);
  add_container_fields(o, containers_, c.sock_cgroup_id);
  o.end_line();
}

void TimelineView::on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns) {
  buf_.clear();
  if (json_) {
    append_lost_json(buf_, clock_.epoch_ns(monotonic_ns), count, where);
  } else {
    fmt::format_to(std::back_inserter(buf_), "{:<15} LOST {} events ({}): timelines open now may miss transitions\n",
                   format_clock_time(clock_.epoch_ns(monotonic_ns)), count, where);
  }
  out_.write(buf_);
}

}  // namespace socktrace
