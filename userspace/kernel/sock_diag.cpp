#include "kernel/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "core/error.h"

namespace socktrace {

namespace {

constexpr unsigned kTcpCloseWaitState = 8;  // TCP_CLOSE_WAIT
constexpr unsigned kTcpListenState = 10;    // TCP_LISTEN
// Where the uapi tcp_info (linux/tcp.h, Linux 4.1+) keeps tcpi_bytes_acked
// and tcpi_bytes_received: glibc's struct tcp_info ends before them.
constexpr std::size_t kTcpiBytesAcked = 120;
constexpr std::size_t kTcpiBytesReceived = 128;
static_assert(offsetof(tcp_info, tcpi_total_retrans) == 100, "tcp_info is not the uapi layout");

class NetlinkSocket {
 public:
  NetlinkSocket() : fd_(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {
    if (fd_ < 0) throw RuntimeError(errno_message("open a sock_diag netlink socket", errno));
  }
  ~NetlinkSocket() { close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

DiagSocket from_msg(const inet_diag_msg& m) {
  DiagSocket s;
  s.saddr.family = s.daddr.family = m.idiag_family;
  std::size_t len = m.idiag_family == AF_INET ? 4 : 16;
  std::memcpy(s.saddr.bytes.data(), m.id.idiag_src, len);
  std::memcpy(s.daddr.bytes.data(), m.id.idiag_dst, len);
  s.sport = ntohs(m.id.idiag_sport);
  s.dport = ntohs(m.id.idiag_dport);
  s.state = m.idiag_state;
  s.rx_queue = m.idiag_rqueue;
  s.tx_queue = m.idiag_wqueue;
  s.uid = m.idiag_uid;
  s.inode = m.idiag_inode;
  s.cookie = m.id.idiag_cookie[0] | (uint64_t{m.id.idiag_cookie[1]} << 32);
  s.timer = m.idiag_timer;
  s.expires_ms = m.idiag_expires;
  return s;
}

// The fields of tcp_info a dump reads, where the kernel's tcp_info has them
// (older kernels send a shorter one).
template <typename T>
bool tcp_info_field(const rtattr* a, std::size_t offset, T* out) {
  if (RTA_PAYLOAD(a) < offset + sizeof(T)) return false;
  std::memcpy(out, static_cast<const char*>(RTA_DATA(a)) + offset, sizeof(T));
  return true;
}

// Each socket of the dump to `each`, as its message is read.
void dump_family_each(int fd, int family, uint8_t protocol, uint32_t states,
                      const std::function<void(const DiagSocket&)>& each, unsigned extra = 0) {
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = static_cast<uint8_t>(family);
  msg.req.sdiag_protocol = protocol;
  msg.req.idiag_states = states;
  // tcp_info only where it says something (CLOSE_WAIT's age, or asked
  // for): it is most of a dump's bytes.
  bool all_info = protocol == IPPROTO_TCP && (extra & kDiagTcpInfo);
  bool info = all_info || (protocol == IPPROTO_TCP && (states & (1u << kTcpCloseWaitState)));
  bool meminfo = extra & kDiagMeminfo;
  if (info) msg.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
  if (meminfo) msg.req.idiag_ext |= 1u << (INET_DIAG_SKMEMINFO - 1);
  if (send(fd, &msg, sizeof(msg), 0) < 0) throw RuntimeError(errno_message("sock_diag request", errno));

  // Large reads: a dump of 100 000 sockets is ~15 MB of messages.
  std::vector<char> buf(256 * 1024);
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError(errno_message("sock_diag reply", errno));
    }
    if (n == 0) return;
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, static_cast<unsigned>(n));
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return;
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        throw RuntimeError(errno_message("sock_diag dump", -err->error));
      }
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      auto* m = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      DiagSocket d = from_msg(*m);
      int left = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
      for (auto* a = reinterpret_cast<rtattr*>(m + 1); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
        // A full socket's cgroup (sk_cgrp_data), sent unasked since Linux
        // 5.10; request and timewait sockets have none.
        if (a->rta_type == INET_DIAG_CGROUP_ID && RTA_PAYLOAD(a) >= sizeof(uint64_t)) {
          std::memcpy(&d.cgroup_id, RTA_DATA(a), sizeof(uint64_t));
          continue;
        }
        if (meminfo && a->rta_type == INET_DIAG_SKMEMINFO &&
            RTA_PAYLOAD(a) >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
          uint32_t drops = 0;
          std::memcpy(&drops, static_cast<const char*>(RTA_DATA(a)) + SK_MEMINFO_DROPS * sizeof(uint32_t),
                      sizeof(drops));
          d.drops = drops;
          continue;
        }
        if (!info || a->rta_type != INET_DIAG_INFO) continue;
        uint32_t last_ack = 0;
        if (m->idiag_state == kTcpCloseWaitState && tcp_info_field(a, offsetof(tcp_info, tcpi_last_ack_recv), &last_ack))
          d.last_ack_recv_ms = last_ack;
        uint64_t bytes = 0;
        if (all_info && tcp_info_field(a, kTcpiBytesAcked, &bytes))
          d.bytes_acked = static_cast<int64_t>(bytes);
        if (all_info && tcp_info_field(a, kTcpiBytesReceived, &bytes))
          d.bytes_received = static_cast<int64_t>(bytes);
      }
      each(d);
    }
  }
}

void dump_family_on(int fd, int family, uint8_t protocol, uint32_t states, std::vector<DiagSocket>& out,
                    unsigned extra = 0) {
  dump_family_each(fd, family, protocol, states, [&out](const DiagSocket& d) { out.push_back(d); }, extra);
}

void dump_family(int family, uint8_t protocol, uint32_t states, std::vector<DiagSocket>& out, unsigned extra = 0) {
  NetlinkSocket nl;
  dump_family_on(nl.fd(), family, protocol, states, out, extra);
}

uint32_t netns_of(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? static_cast<uint32_t>(st.st_ino) : 0;
}

// A sock_diag netlink socket that lives in `netns_fd`'s namespace: a socket
// stays in the namespace it was created in.
int netlink_in(int netns_fd) {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  int fd = -1;
  if (setns(netns_fd, CLONE_NEWNET) == 0) {
    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (setns(self, CLONE_NEWNET) != 0) {
      // Stuck in another namespace: every later lookup would lie.
      close(self);
      throw RuntimeError(errno_message("return to socktrace's network namespace", errno));
    }
  }
  close(self);
  return fd;
}

}  // namespace

DiagProber::DiagProber() : own_netns_(current_netns()) {}

DiagProber::~DiagProber() {
  for (auto& [ns, fd] : sockets_)
    if (fd >= 0) close(fd);
}

int DiagProber::socket_for(uint32_t netns, std::initializer_list<uint32_t> pids) {
  for (auto& [ns, fd] : sockets_)
    if (ns == netns && fd >= 0) return fd;
  int fd = -1;
  if (netns == own_netns_ || netns == 0) {
    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  } else {
    for (uint32_t pid : pids) {
      if (!pid) continue;
      int nsfd = open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0) continue;
      if (netns_of(nsfd) == netns) fd = netlink_in(nsfd);
      close(nsfd);
      if (fd >= 0) break;
    }
  }
  if (fd < 0) return -1;  // unreachable for now; a later event may name a process there
  sockets_.emplace_back(netns, fd);
  return fd;
}

DiagProber::Result DiagProber::lookup(const StateEvent& e, std::initializer_list<uint32_t> pids, DiagSocket* out) {
  int fd = socket_for(e.netns, pids);
  if (fd < 0) return Result::kUnknown;
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = static_cast<uint8_t>(e.saddr.family);
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  std::size_t len = e.saddr.family == AF_INET ? 4 : 16;
  std::memcpy(msg.req.id.idiag_src, e.saddr.bytes.data(), len);
  std::memcpy(msg.req.id.idiag_dst, e.daddr.bytes.data(), len);
  msg.req.id.idiag_sport = htons(e.sport);
  msg.req.id.idiag_dport = htons(e.dport);
  // With the cookie the kernel answers ESTALE for another socket on the
  // same tuple (a listener, a new connection reusing it).
  msg.req.id.idiag_cookie[0] = static_cast<uint32_t>(e.cookie);
  msg.req.id.idiag_cookie[1] = static_cast<uint32_t>(e.cookie >> 32);
  if (send(fd, &msg, sizeof(msg), 0) < 0) return Result::kUnknown;
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Result::kUnknown;
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (!NLMSG_OK(h, static_cast<unsigned>(n))) return Result::kUnknown;
    if (h->nlmsg_type == NLMSG_ERROR) {
      int err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
      if (err == 0) continue;  // an ack; the answer follows
      return err == ENOENT || err == ESTALE ? Result::kGone : Result::kUnknown;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg)))
      return Result::kUnknown;
    DiagSocket s = from_msg(*static_cast<inet_diag_msg*>(NLMSG_DATA(h)));
    if (s.cookie != e.cookie) return Result::kGone;
    if (out) *out = s;
    return Result::kFound;
  }
}

DiagScope::~DiagScope() {
  for (Ns& n : namespaces_) {
    if (n.netlink >= 0) close(n.netlink);
    close(n.ns_fd);
  }
}

void DiagScope::add(uint32_t netns, int ns_fd) {
  for (const Ns& n : namespaces_)
    if (n.netns == netns) return;
  int own = dup(ns_fd);
  if (own < 0) throw RuntimeError(errno_message("keep a network namespace open", errno));
  namespaces_.push_back({netns, own, -1});
  netns_.push_back(netns);
}

std::vector<DiagSocket> DiagScope::dump(uint8_t protocol, uint32_t states, unsigned extra) {
  std::vector<DiagSocket> out;
  if (namespaces_.empty()) {
    dump_family(AF_INET, protocol, states, out, extra);
    dump_family(AF_INET6, protocol, states, out, extra);
    uint32_t own = current_netns();
    for (DiagSocket& d : out) d.netns = own;
    return out;
  }
  for (Ns& n : namespaces_) {
    if (n.netlink < 0) {
      n.netlink = netlink_in(n.ns_fd);
      if (n.netlink < 0)
        throw RuntimeError(errno_message(fmt::format("open a sock_diag socket in network namespace {}", n.netns),
                                         errno));
    }
    std::size_t first = out.size();
    try {
      dump_family_on(n.netlink, AF_INET, protocol, states, out, extra);
      dump_family_on(n.netlink, AF_INET6, protocol, states, out, extra);
    } catch (const RuntimeError&) {
      // What is left of the failed dump must not answer the next one.
      close(n.netlink);
      n.netlink = -1;
      throw;
    }
    for (std::size_t i = first; i < out.size(); ++i) out[i].netns = n.netns;
  }
  return out;
}

std::vector<uint32_t> DiagScope::retain(const std::vector<uint32_t>& keep) {
  std::vector<uint32_t> gone;
  std::vector<Ns> kept;
  for (Ns& n : namespaces_) {
    if (std::find(keep.begin(), keep.end(), n.netns) != keep.end()) {
      kept.push_back(n);
      continue;
    }
    gone.push_back(n.netns);
    if (n.netlink >= 0) close(n.netlink);
    close(n.ns_fd);
  }
  namespaces_ = std::move(kept);
  netns_.clear();
  for (const Ns& n : namespaces_) netns_.push_back(n.netns);
  return gone;
}

void DiagProber::forget(uint32_t netns) {
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    if (it->first == netns) {
      if (it->second >= 0) close(it->second);
      it = sockets_.erase(it);
    } else {
      ++it;
    }
  }
}

void DiagProber::adopt(uint32_t netns, int ns_fd) {
  for (auto& [ns, fd] : sockets_)
    if (ns == netns && fd >= 0) return;
  if (netns == own_netns_) return;
  int fd = netlink_in(ns_fd);
  if (fd >= 0) sockets_.emplace_back(netns, fd);
}

std::vector<DiagSocket> DiagProber::listeners(uint32_t netns, std::initializer_list<uint32_t> pids) {
  std::vector<DiagSocket> out;
  int fd = socket_for(netns, pids);
  if (fd < 0) return out;
  dump_family_on(fd, AF_INET, IPPROTO_TCP, 1u << kTcpListenState, out, true);
  dump_family_on(fd, AF_INET6, IPPROTO_TCP, 1u << kTcpListenState, out, true);
  for (auto& s : out) s.netns = netns;
  return out;
}

void for_each_tcp_socket(const std::function<void(const DiagSocket&)>& each) {
  NetlinkSocket nl;
  dump_family_each(nl.fd(), AF_INET, IPPROTO_TCP, ~0u, each);
  dump_family_each(nl.fd(), AF_INET6, IPPROTO_TCP, ~0u, each);
}

std::vector<DiagSocket> dump_sockets(uint8_t protocol, uint32_t states) {
  std::vector<DiagSocket> out;
  dump_family(AF_INET, protocol, states, out);
  dump_family(AF_INET6, protocol, states, out);
  return out;
}

TwLookup timewait_lookup(DiagProber& prober, const StateEvent& e) {
  DiagSocket s;
  TwLookup r;
  switch (prober.lookup(e, {e.hdr.pid, e.cpu_pid}, &s)) {
    case DiagProber::Result::kUnknown: return r;
    case DiagProber::Result::kGone: r.result = TwLookup::Result::kGone; return r;
    case DiagProber::Result::kFound: break;
  }
  r.result = TwLookup::Result::kFound;
  r.timewait = s.timewait();
  r.state = s.state;
  r.expires_ms = s.expires_ms;
  return r;
}

bool diag_lists_bound_tcp() {
  static const bool listed = [] {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    bool found = false;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      try {
        constexpr uint32_t kBoundInactive = 1u << 13, kClose = 1u << 7;
        for (const DiagSocket& s : dump_sockets(IPPROTO_TCP, kBoundInactive | kClose))
          if (s.sport == ntohs(a.sin_port)) found = true;
      } catch (const RuntimeError&) {
      }
    }
    close(fd);
    return found;
  }();
  return listed;
}

uint32_t current_netns() {
  struct stat st {};
  if (stat("/proc/self/ns/net", &st) != 0) return 0;
  return static_cast<uint32_t>(st.st_ino);
}

}  // namespace socktrace
