#include "core/socket_list.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>

#include "core/clock.h"
#include "core/json.h"
#include "core/names.h"
#include "core/net_format.h"

namespace socktrace {

namespace {

constexpr uint8_t kBoundInactive = 13;  // TCP_BOUND_INACTIVE: how sock_diag lists a bound-only TCP socket

// A state as `ss` writes it: "ESTAB", "SYN-SENT", "FIN-WAIT-1", "UNCONN".
std::string ss_state(uint8_t state) {
  switch (state) {
    case kTcpFinWait1: return "FIN-WAIT-1";
    case kTcpFinWait2: return "FIN-WAIT-2";
    default: break;
  }
  std::string s(sock_state_name(state));
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

// An endpoint as ss prints it: port 0 is "*".
std::string endpoint(const Address& a, uint16_t port) {
  std::string e = format_endpoint(a, port);
  if (port == 0) e.back() = '*';  // "...:0"
  return e;
}

std::string owner_text(uint32_t pid, const Comm& comm) {
  return pid ? fmt::format("{}/{}", printable(comm.view()), pid) : "?";
}

std::string age_text(const SocketRow& r) { return (r.age_bound ? ">=" : "") + format_duration(r.age_ns); }

std::string bytes_text(int64_t b) { return b < 0 ? "-" : std::to_string(b); }

// Where a state sorts: as top lists them (kernel order), UDP after TCP.
int order(const SocketRow& r) { return (r.sock.proto == kProtoTcp ? 0 : 16) + r.sock.state; }

}  // namespace

std::optional<uint8_t> parse_list_state(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name == "ESTAB") return kTcpEstablished;  // ss's spellings
  if (name == "UNCONN") return kTcpClose;
  if (name == "FIN_WAIT_1") return kTcpFinWait1;
  if (name == "FIN_WAIT_2") return kTcpFinWait2;
  auto s = tcp_state_from_name(name);
  if (!s || std::find(std::begin(kTcpShown), std::end(kTcpShown), *s) == std::end(kTcpShown)) return std::nullopt;
  return s;
}

std::vector<SocketRow> list_sockets(const Histogram& h, std::vector<SockRecord> tcp,
                                    const std::vector<SockRecord>& udp, uint64_t now_ns, const ListQuery& q) {
  inherit_listener_cgroups(tcp);
  std::vector<SocketRow> rows;
  auto add = [&](const SockRecord& d) {
    SocketRow r;
    r.sock = d;
    if (r.sock.proto == kProtoTcp && r.sock.state == kTcpNewSynRecv) r.sock.state = kTcpSynRecv;
    if (r.sock.proto == kProtoTcp && r.sock.state == kBoundInactive) r.sock.state = kTcpClose;
    if (!(q.states & (1u << state_slot(r.sock.state)))) return;
    auto k = h.known(d.proto, d.cookie);
    if (k) {
      // The events' owner (an accepted socket is its worker's); a listener's
      // owner for a request socket.
      if (k->pid) {
        r.sock.pid = k->pid;
        r.sock.comm = k->comm;
      }
      if (k->cgroup_id) r.sock.cgroup_id = k->cgroup_id;
      r.owners_before = std::move(k->owners_before);
      // In another state: an event on its way (the dump is newer).
      if (k->state == r.sock.state) {
        r.sock.since_ns = k->since_ns;
        r.sock.since_bound = k->since_bound;
      }
    } else if (!h.filter().admits(r.sock)) {
      return;
    }
    r.age_ns = now_ns > r.sock.since_ns ? now_ns - r.sock.since_ns : 0;
    r.age_bound = r.sock.since_bound;
    rows.push_back(std::move(r));
  };
  if (q.tcp)
    for (const SockRecord& d : tcp) add(d);
  if (q.udp)
    for (const SockRecord& d : udp) add(d);
  std::sort(rows.begin(), rows.end(), [](const SocketRow& a, const SocketRow& b) {
    if (order(a) != order(b)) return order(a) < order(b);
    if (a.age_ns != b.age_ns) return a.age_ns > b.age_ns;
    if (a.sock.sport != b.sock.sport) return a.sock.sport < b.sock.sport;
    return a.sock.cookie < b.sock.cookie;
  });
  return rows;
}

void SocketListView::refresh(const std::vector<SocketRow>& rows, const ListInfo& info) {
  buf_.clear();
  if (json_)
    json(rows, info);
  else
    text(rows, info);
  out_.write(buf_);
}

void SocketListView::text(const std::vector<SocketRow>& rows, const ListInfo& info) {
  auto out = std::back_inserter(buf_);
  if (clear_) fmt::format_to(out, "\033[H\033[2J");
  fmt::format_to(out, "socktrace top --list  {}  sockets {}  lost {}\n\n",
                 format_clock_time(info.epoch_ns).substr(0, 8), rows.size(), info.lost);
  // Columns as wide as their widest cell: ss's, then what ss cannot say.
  enum Column { kNetid, kState, kRecvQ, kSendQ, kLocal, kPeer, kProcess, kAge, kAcked, kReceived, kContainer, kBefore, kColumns };
  using Cells = std::array<std::string, kColumns>;
  std::vector<Cells> cells;
  cells.push_back({"Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Process",
                   "In state", "Bytes acked", "Bytes received", "Container", "Owners before"});
  bool containers = false;
  for (const SocketRow& r : rows) {
    const SockRecord& s = r.sock;
    Cells& c = cells.emplace_back();
    c[kNetid] = s.proto == kProtoTcp ? "tcp" : "udp";
    c[kState] = ss_state(s.state);
    c[kRecvQ] = std::to_string(s.rx_queue);
    c[kSendQ] = std::to_string(s.tx_queue);
    c[kLocal] = endpoint(s.saddr, s.sport);
    c[kPeer] = endpoint(s.daddr, s.dport);
    c[kProcess] = owner_text(s.pid, s.comm);
    c[kAge] = age_text(r);
    c[kAcked] = bytes_text(s.tx_bytes);
    c[kReceived] = bytes_text(s.rx_bytes);
    if (const ContainerInfo* k = container_ && s.cgroup_id ? container_(s.cgroup_id) : nullptr) {
      c[kContainer] = k->name.empty() ? k->id.substr(0, 12) : k->name;
      containers = true;
    }
    for (const OwnerRef& o : r.owners_before) {
      if (!c[kBefore].empty()) c[kBefore] += ',';
      c[kBefore] += owner_text(o.pid, o.comm);
    }
  }
  std::array<std::size_t, kColumns> width{};
  for (const Cells& c : cells)
    for (std::size_t i = 0; i < kColumns; ++i) width[i] = std::max(width[i], c[i].size());
  for (const Cells& c : cells) {
    std::string line;
    for (std::size_t i = 0; i < kColumns; ++i) {
      if (i == kContainer && !containers) continue;
      // Queues and byte counts right-aligned, as numbers are.
      bool right = i == kRecvQ || i == kSendQ || i == kAcked || i == kReceived;
      line += right ? fmt::format("{:>{}} ", c[i], width[i]) : fmt::format("{:<{}} ", c[i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::format_to(out, "{}\n", line);
  }
  if (!clear_) fmt::format_to(out, "\n");
}

void SocketListView::json(const std::vector<SocketRow>& rows, const ListInfo& info) {
  fmt::memory_buffer list;
  list.push_back('[');
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SocketRow& r = rows[i];
    const SockRecord& s = r.sock;
    if (i) list.push_back(',');
    JsonObject o(list);
    o.field("proto", s.proto == kProtoTcp ? "tcp" : "udp")
        .field("family", family_version(s.saddr.family))
        .field("state", tcp_state_name(s.state))
        .field("saddr", format_ip(s.saddr))
        .field("sport", uint32_t{s.sport})
        .field("daddr", format_ip(s.daddr))
        .field("dport", uint32_t{s.dport})
        .field("rx_queue", s.rx_queue)
        .field("tx_queue", s.tx_queue)
        .field("pid", s.pid)
        .field("comm", s.comm.view())
        .field("in_state_ns", r.age_ns)
        .field("in_state_bound", r.age_bound);
    if (s.tx_bytes >= 0)
      o.field("tx_bytes", s.tx_bytes);
    else
      o.null_field("tx_bytes");
    if (s.rx_bytes >= 0)
      o.field("rx_bytes", s.rx_bytes);
    else
      o.null_field("rx_bytes");
    fmt::memory_buffer& before = o.value("owners_before");
    before.push_back('[');
    for (std::size_t j = 0; j < r.owners_before.size(); ++j) {
      if (j) before.push_back(',');
      JsonObject b(before);
      b.field("pid", r.owners_before[j].pid).field("comm", r.owners_before[j].comm.view());
      b.end();
    }
    before.push_back(']');
    o.field("netns", s.netns).field("cgroup_id", s.cgroup_id).field("cookie", s.cookie);
    if (s.cgroup_id) add_container_fields(o, container_, s.cgroup_id);
    o.end();
  }
  list.push_back(']');
  JsonObject o(buf_);
  o.field("event", "sockets")
      .field("ts_ns", info.epoch_ns)
      .field("pid", 0)
      .field("tid", 0)
      .field("comm", "")
      .field("count", uint64_t{rows.size()})
      .field("lost", info.lost)
      .raw_field("sockets", std::string_view(list.data(), list.size()));
  o.end_line();
}

}  // namespace socktrace
