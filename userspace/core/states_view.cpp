#include "core/states_view.h"

#include <sys/socket.h>

#include <cerrno>

#include "core/errno_names.h"
#include "core/json.h"
#include "core/names.h"
#include "core/net_format.h"
#include "core/pack.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {
// A process name is chosen by the process: never send its control bytes to
// the user's terminal.
Comm printable(const Comm& comm) {
  Comm out = comm;
  for (auto& c : out.chars)
    if (c != '\0' && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) c = '?';
  return out;
}

std::string_view owner_kind(const Header& h) { return h.owner_kind(); }
}  // namespace

void StatesView::header() {
  if (json_) return;
  out_.write(fmt::format("{:<15} {:>7} {:<15} {:<23} {:<23} {:<11}    {:<12} {}\n", "TIME", "PID", "COMM",
                         "LOCAL", "REMOTE", "OLD", "NEW", "IN_OLD"));
}

void StatesView::on_state(const StateEvent& event, bool derived) {
  const StateEvent* shown = &event;
  StateEvent patched;
  int64_t in_old = -1;
  Seen* seen = since_.find(event.cookie);
  if (!seen && parking_) {
    // A socket in TIME_WAIT: its part of the socket's shared record.
    if (std::span<const uint8_t> bytes = parking_->get(event.cookie, Parking::kView); !bytes.empty()) {
      PackReader r(bytes.data());
      Seen parked;
      parked.ts_ns = r.u();
      parked.sport = static_cast<uint16_t>(r.u());
      parking_->erase(event.cookie, Parking::kView);
      seen = &(since_[event.cookie] = parked);
    }
  }
  if (seen) {
    in_old = static_cast<int64_t>(event.hdr.ts_ns - seen->ts_ns);
    seen->ts_ns = event.hdr.ts_ns;
    if (event.sport == 0 && seen->sport != 0) {
      patched = event;
      patched.sport = seen->sport;
      shown = &patched;
    } else if (event.sport != 0) {
      seen->sport = event.sport;
    }
  } else if (event.new_state != kTcpClose) {
    seen = &(since_[event.cookie] = Seen{event.hdr.ts_ns, event.sport});
  }
  if (seen && event.new_state == kTcpClose) {
    since_.erase(event.cookie);
  } else if (seen && event.new_state == kTcpTimeWait && parking_) {
    // 60 s with nothing to learn but its end: kept with the socket's other
    // parts (the TIME_WAIT tracker's, the timeline's).
    PackWriter w;
    w.u(seen->ts_ns);
    w.u(seen->sport);
    parking_->put(event.cookie, Parking::kView, w.view());
    since_.erase(event.cookie);
  }
  const StateEvent& e = *shown;

  buf_.clear();
  if (json_)
    json_line(e, in_old, derived);
  else
    text_line(e, in_old, derived);
  if (e.old_state == kTcpSynSent && !derived) connect_line(e, in_old);
  if (e.new_state == kTcpClose) retrans_.erase(e.cookie);
  out_.write(buf_);
}



namespace {
// `s` left-aligned in `width` columns, as fmt's {:<N} would (a UTF-8
// sequence counts one column), without fmt's per-character width tables.
void append_padded(fmt::memory_buffer& b, std::string_view s, std::size_t width) {
  b.append(s);
  std::size_t columns = 0;
  for (char c : s) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  for (; columns < width; ++columns) b.push_back(' ');
}
}  // namespace

void StatesView::text_line(const StateEvent& e, int64_t in_old_ns, bool derived) {
  append_padded(buf_, format_clock_time(clock_.epoch_ns(e.hdr.ts_ns)), 15);
  buf_.push_back(' ');
  if (e.hdr.pid)
    fmt::format_to(fmt::appender(buf_), "{:>7} ", e.hdr.pid);
  else
    buf_.append(std::string_view("      - "));
  append_padded(buf_, e.hdr.pid ? printable(e.hdr.comm).view() : std::string_view("?"), 15);
  buf_.push_back(' ');
  append_padded(buf_, format_endpoint(e.saddr, e.sport), 23);
  buf_.push_back(' ');
  append_padded(buf_, format_endpoint(e.daddr, e.dport), 23);
  buf_.push_back(' ');
  append_padded(buf_, tcp_state_name(e.old_state), 11);
  buf_.append(std::string_view(" -> "));
  append_padded(buf_, tcp_state_name(e.new_state), 12);
  buf_.push_back(' ');
  buf_.append(in_old_ns < 0 ? std::string("-") : format_duration(static_cast<uint64_t>(in_old_ns)));
  if (derived) buf_.append(std::string_view(" (derived)"));
  if (e.hdr.flags & ST_HF_RESET) buf_.append(std::string_view(" (RST)"));
  buf_.push_back('\n');
}

void StatesView::json_line(const StateEvent& e, int64_t in_old_ns, bool derived) {
  JsonObject o(buf_);
  o.field("event", "state")
      .field("ts_ns", clock_.epoch_ns(e.hdr.ts_ns))
      .field("pid", e.hdr.pid)
      .field("tid", e.hdr.tid)
      .field("comm", e.hdr.comm.view())
      .field("sk", std::string_view(fmt::format("0x{:x}", e.skaddr)))
      .field("proto", "tcp")
      .field("family", family_version(e.saddr.family))
      .field("saddr", std::string_view(format_ip(e.saddr)))
      .field("sport", uint32_t{e.sport})
      .field("daddr", std::string_view(format_ip(e.daddr)))
      .field("dport", uint32_t{e.dport})
      .field("old", tcp_state_name(e.old_state))
      .field("new", tcp_state_name(e.new_state))
      .field("cgroup_id", e.hdr.cgroup_id)
      .field("netns", e.netns)
      .field("owner", owner_kind(e.hdr))
      .field("cookie", e.cookie)
      .field("sock_cgroup_id", e.sock_cgroup_id)
      .field("rx_queue", e.rx_queue)
      .field("tx_queue", e.tx_queue)
      .field("tx_bytes", e.tx_bytes)
      .field("rx_bytes", e.rx_bytes);
  if (in_old_ns >= 0)
    o.field("in_old_ns", static_cast<uint64_t>(in_old_ns));
  else
    o.null_field("in_old_ns");
  if (derived) o.field("derived", true);
  if (e.hdr.flags & ST_HF_RESET) o.field("reset", true);
  add_container_fields(o, containers_, e.sock_cgroup_id);
  o.end_line();
}

namespace {
// What the LOCAL / REMOTE columns and saddr / daddr show of a SockEvent.
std::string sock_local(const SockEvent& e) {
  if (e.family == AF_UNIX) return format_unix_name(e.path);
  return format_endpoint(e.saddr, e.sport);
}

std::string sock_remote(const SockEvent& e) {
  if (e.family == AF_UNIX) return e.peer_path.empty() && e.peer_ino == 0 ? "*" : format_unix_name(e.peer_path);
  return format_endpoint(e.daddr, e.dport);
}

// A created socket did not exist before (CLOSE), an ended one no longer does.
std::string_view sock_old_name(const SockEvent& e) {
  return sock_op_creates(e.op) ? tcp_state_name(kTcpClose) : sock_state_name(e.old_state);
}

std::string_view sock_new_name(const SockEvent& e) {
  return sock_op_ends(e.op) ? tcp_state_name(kTcpClose) : sock_state_name(e.new_state);
}

// JSON keeps docs/design.md's vocabulary (the kernel's names: a UDP socket is
// CLOSE or ESTABLISHED there, as in top's counts); ss's names go alongside.
std::string_view sock_old_kernel_name(const SockEvent& e) {
  return sock_op_creates(e.op) || e.old_state == 0 ? tcp_state_name(kTcpClose) : tcp_state_name(e.old_state);
}

std::string_view sock_new_kernel_name(const SockEvent& e) {
  return sock_op_ends(e.op) ? tcp_state_name(kTcpClose) : tcp_state_name(e.new_state);
}
}  // namespace

void StatesView::on_sock(const SockEvent& e) {
  int64_t in_old = -1;
  auto it = sock_since_.find(e.skaddr);
  if (it != sock_since_.end()) {
    in_old = static_cast<int64_t>(e.hdr.ts_ns - it->second);
    if (sock_op_ends(e.op))
      sock_since_.erase(it);
    else
      it->second = e.hdr.ts_ns;
  } else if (!sock_op_ends(e.op)) {
    sock_since_.emplace(e.skaddr, e.hdr.ts_ns);
  }
  buf_.clear();
  if (json_)
    sock_json_line(e, in_old);
  else
    sock_text_line(e, in_old);
  out_.write(buf_);
}

void StatesView::sock_text_line(const SockEvent& e, int64_t in_old_ns) {
  auto out = std::back_inserter(buf_);
  fmt::format_to(out, "{:<15} ", format_clock_time(clock_.epoch_ns(e.hdr.ts_ns)));
  if (e.hdr.pid)
    fmt::format_to(out, "{:>7} {:<15} ", e.hdr.pid, printable(e.hdr.comm).view());
  else
    fmt::format_to(out, "{:>7} {:<15} ", "-", "?");
  fmt::format_to(out, "{:<23} {:<23} {:<11} -> {:<12} {} ({} {})\n", sock_local(e), sock_remote(e),
                 sock_old_name(e), sock_new_name(e),
                 in_old_ns < 0 ? std::string("-") : format_duration(static_cast<uint64_t>(in_old_ns)),
                 sock_proto_name(e.family), sock_op_name(e.op));
}

void StatesView::sock_json_line(const SockEvent& e, int64_t in_old_ns) {
  const bool unix_sock = e.family == AF_UNIX;
  JsonObject o(buf_);
  o.field("event", "state")
      .field("ts_ns", clock_.epoch_ns(e.hdr.ts_ns))
      .field("pid", e.hdr.pid)
      .field("tid", e.hdr.tid)
      .field("comm", e.hdr.comm.view())
      .field("sk", std::string_view(fmt::format("0x{:x}", e.skaddr)))
      .field("proto", sock_proto_name(e.family))
      .field("family", family_version(e.family))
      .field("saddr", std::string_view(unix_sock ? (e.path.empty() ? std::string() : format_unix_name(e.path))
                                                 : format_ip(e.saddr)))
      .field("sport", uint32_t{e.sport})
      .field("daddr", std::string_view(unix_sock ? (e.peer_path.empty() ? std::string() : format_unix_name(e.peer_path))
                                                 : format_ip(e.daddr)))
      .field("dport", uint32_t{e.dport})
      .field("old", sock_old_kernel_name(e))
      .field("new", sock_new_kernel_name(e))
      .field("ss_old", sock_old_name(e))
      .field("ss_new", sock_new_name(e))
      .field("op", sock_op_name(e.op))
      .field("cgroup_id", e.hdr.cgroup_id)
      .field("netns", e.netns)
      .field("owner", owner_kind(e.hdr))
      .field("cookie", e.cookie)
      .field("sock_cgroup_id", e.sock_cgroup_id)
      .field("ino", e.ino);
  if (unix_sock) o.field("peer_ino", e.peer_ino);
  if (in_old_ns >= 0)
    o.field("in_old_ns", static_cast<uint64_t>(in_old_ns));
  else
    o.null_field("in_old_ns");
  add_container_fields(o, containers_, e.sock_cgroup_id);
  o.end_line();
}

namespace {
// The columns every line starts with: time, owner, endpoints.
void line_start(fmt::memory_buffer& b, const WallClock& clock, const Header& h, const Address& saddr, uint16_t sport,
                const Address& daddr, uint16_t dport) {
  append_padded(b, format_clock_time(clock.epoch_ns(h.ts_ns)), 15);
  b.push_back(' ');
  if (h.pid)
    fmt::format_to(fmt::appender(b), "{:>7} ", h.pid);
  else
    b.append(std::string_view("      - "));
  append_padded(b, h.pid ? printable(h.comm).view() : std::string_view("?"), 15);
  b.push_back(' ');
  append_padded(b, format_endpoint(saddr, sport), 23);
  b.push_back(' ');
  append_padded(b, format_endpoint(daddr, dport), 23);
  b.push_back(' ');
}

// The fields every JSON object about a socket starts with.
JsonObject& json_start(JsonObject& o, std::string_view event, const WallClock& clock, const Header& h, uint64_t sk,
                       const Address& saddr, uint16_t sport, const Address& daddr, uint16_t dport) {
  return o.field("event", event)
      .field("ts_ns", clock.epoch_ns(h.ts_ns))
      .field("pid", h.pid)
      .field("tid", h.tid)
      .field("comm", h.comm.view())
      .field("sk", std::string_view(fmt::format("0x{:x}", sk)))
      .field("proto", "tcp")
      .field("family", family_version(saddr.family))
      .field("saddr", std::string_view(format_ip(saddr)))
      .field("sport", uint32_t{sport})
      .field("daddr", std::string_view(format_ip(daddr)))
      .field("dport", uint32_t{dport});
}
}  // namespace

void StatesView::connect_line(const StateEvent& e, int64_t in_syn_sent_ns) {
  std::string_view outcome = connect_outcome(e.new_state, e.sk_err);
  std::string_view err = e.new_state == kTcpClose && e.sk_err ? errno_name(e.sk_err) : std::string_view();
  if (!json_) {
    line_start(buf_, clock_, e.hdr, e.saddr, e.sport, e.daddr, e.dport);
    append_padded(buf_, "CONNECT", 15);
    append_padded(buf_, outcome, 12);
    buf_.push_back(' ');
    buf_.append(in_syn_sent_ns < 0 ? std::string("-") : format_duration(static_cast<uint64_t>(in_syn_sent_ns)));
    if (!err.empty()) fmt::format_to(fmt::appender(buf_), " ({})", err);
    buf_.push_back('\n');
    return;
  }
  JsonObject o(buf_);
  json_start(o, "connect", clock_, e.hdr, e.skaddr, e.saddr, e.sport, e.daddr, e.dport).field("outcome", outcome);
  if (in_syn_sent_ns >= 0)
    o.field("dur_ns", static_cast<uint64_t>(in_syn_sent_ns));
  else
    o.null_field("dur_ns");
  if (!err.empty())
    o.field("errno", err);
  else
    o.null_field("errno");
  o.field("cgroup_id", e.hdr.cgroup_id)
      .field("netns", e.netns)
      .field("owner", owner_kind(e.hdr))
      .field("cookie", e.cookie);
  add_container_fields(o, containers_, e.sock_cgroup_id);
  o.end_line();
}

void StatesView::on_retrans(const RetransEvent& e) {
  uint64_t count = e.synack ? e.kernel_count : (retrans_[e.cookie] += e.segs);
  buf_.clear();
  if (!json_) {
    line_start(buf_, clock_, e.hdr, e.saddr, e.sport, e.daddr, e.dport);
    append_padded(buf_, "RETRANS", 15);
    append_padded(buf_, tcp_state_name(e.state), 12);
    fmt::format_to(fmt::appender(buf_), " #{} rto {}", count,
                   e.rto_us ? format_duration(uint64_t{e.rto_us} * 1000) : std::string("?"));
    if (e.synack) buf_.append(std::string_view(" (SYN-ACK)"));
    buf_.push_back('\n');
  } else {
    JsonObject o(buf_);
    json_start(o, "retrans", clock_, e.hdr, e.skaddr, e.saddr, e.sport, e.daddr, e.dport)
        .field("state", tcp_state_name(e.state))
        .field("count", count)
        .field("segs", e.segs)
        .field("synack", e.synack);
    if (e.rto_us)
      o.field("rto_us", e.rto_us);
    else
      o.null_field("rto_us");
    if (e.srtt_us)
      o.field("srtt_us", e.srtt_us);
    else
      o.null_field("srtt_us");
    o.field("cgroup_id", e.hdr.cgroup_id)
        .field("netns", e.netns)
        .field("owner", owner_kind(e.hdr))
        .field("cookie", e.cookie)
        .end_line();
  }
  out_.write(buf_);
}

std::string StatesView::reset_reason(const ResetEvent& e) const {
  if (!e.reason) return {};
  if (*e.reason < rst_reasons_.size() && !rst_reasons_[*e.reason].empty()) return rst_reasons_[*e.reason];
  return std::to_string(*e.reason);
}

void StatesView::on_reset(const ResetEvent& e) {
  std::string_view dir = e.dir == ResetEvent::Dir::kSent ? "sent" : "received";
  std::string reason = reset_reason(e);
  buf_.clear();
  if (!json_) {
    line_start(buf_, clock_, e.hdr, e.saddr, e.sport, e.daddr, e.dport);
    append_padded(buf_, e.dir == ResetEvent::Dir::kSent ? "RST sent" : "RST received", 15);
    if (reason.empty()) {
      buf_.append(tcp_state_name(e.state));
    } else {
      append_padded(buf_, tcp_state_name(e.state), 12);
      fmt::format_to(fmt::appender(buf_), " {}", reason);
    }
    buf_.push_back('\n');
  } else {
    JsonObject o(buf_);
    json_start(o, "reset", clock_, e.hdr, e.skaddr, e.saddr, e.sport, e.daddr, e.dport)
        .field("dir", dir)
        .field("state", tcp_state_name(e.state));
    if (!reason.empty())
      o.field("reason", std::string_view(reason));
    else
      o.null_field("reason");
    o.field("cgroup_id", e.hdr.cgroup_id)
        .field("netns", e.netns)
        .field("owner", owner_kind(e.hdr))
        .field("cookie", e.cookie)
        .end_line();
  }
  out_.write(buf_);
}

void StatesView::on_drop(const DropEvent& e) {
  std::string reason = e.reason < drop_reasons_.size() && !drop_reasons_[e.reason].empty()
                           ? drop_reasons_[e.reason]
                           : std::to_string(e.reason);
  buf_.clear();
  if (!json_) {
    line_start(buf_, clock_, e.hdr, e.saddr, e.sport, e.daddr, e.dport);
    append_padded(buf_, "DROP", 15);
    append_padded(buf_, tcp_state_name(e.state), 12);
    fmt::format_to(fmt::appender(buf_), " {} ({} bytes)\n", reason, e.len);
  } else {
    JsonObject o(buf_);
    json_start(o, "drop", clock_, e.hdr, e.skaddr, e.saddr, e.sport, e.daddr, e.dport)
        .field("state", tcp_state_name(e.state))
        .field("reason", std::string_view(reason))
        .field("len", e.len)
        .field("cgroup_id", e.hdr.cgroup_id)
        .field("netns", e.netns)
        .field("owner", owner_kind(e.hdr))
        .field("cookie", e.cookie)
        .end_line();
  }
  out_.write(buf_);
}

void StatesView::on_listen_overflow(const ListenOverflowEvent& e) {
  buf_.clear();
  if (!json_) {
    Address any;
    any.family = e.saddr.family;
    line_start(buf_, clock_, e.hdr, e.saddr, e.sport, any, 0);
    append_padded(buf_, "OVERFLOW", 15);
    append_padded(buf_, "LISTEN", 12);
    fmt::format_to(fmt::appender(buf_), " +{} ({} in all) backlog {}/{}\n", e.drops, e.total, e.backlog,
                   e.max_backlog);
  } else {
    JsonObject o(buf_);
    o.field("event", "listen_overflow")
        .field("ts_ns", clock_.epoch_ns(e.hdr.ts_ns))
        .field("pid", e.hdr.pid)
        .field("tid", e.hdr.tid)
        .field("comm", e.hdr.comm.view())
        .field("proto", "tcp")
        .field("family", family_version(e.saddr.family))
        .field("saddr", std::string_view(format_ip(e.saddr)))
        .field("sport", uint32_t{e.sport})
        .field("drops", e.drops)
        .field("total", e.total)
        .field("backlog", e.backlog)
        .field("max_backlog", e.max_backlog)
        .field("cgroup_id", e.hdr.cgroup_id)
        .field("netns", e.netns)
        .field("owner", owner_kind(e.hdr))
        .field("cookie", e.cookie)
        .end_line();
  }
  out_.write(buf_);
}

void StatesView::on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns) {
  buf_.clear();
  if (json_) {
    append_lost_json(buf_, clock_.epoch_ns(monotonic_ns), count, where);
  } else {
    fmt::format_to(std::back_inserter(buf_), "{:<15} LOST {} events ({})\n",
                   format_clock_time(clock_.epoch_ns(monotonic_ns)), count, where);
  }
  out_.write(buf_);
}

}  // namespace socktrace
