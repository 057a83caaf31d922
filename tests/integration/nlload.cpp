// nlload: a deterministic netlink workload for the syscall-trace
// integration tests, which run it under `strace -f -e trace=network` and
// socktrace at once and compare the two traces line by line (as netload for
// everyday traffic). One task; each step sends a request with sendto and
// reads every reply with recvfrom until the kernel's answer is complete:
//   NETLINK_ROUTE: a control message, requests that fail (NLMSG_ERROR with
//   the request echoed, an extended-ack message), an unknown type, and the
//   address, route and neighbour dumps (ifaddrmsg, rtmsg, ndmsg with their
//   attributes, NLMSG_DONE);
//   NETLINK_SOCK_DIAG: an inet_diag_req_v2 for its own TCP listener, a
//   unix_diag_req for its own bound unix socket, a netlink_diag_req for the
//   sock_diag sockets, and their replies.
// Netlink replies are built by the kernel during the call, so no wait is
// needed. Both sockets are bound first, as ip and ss do: strace names a
// message type only for a socket that sock_diag lists (one with a port id).
//
// Usage: nlload DIR (DIR holds the unix socket). Exit 0 when every call
// returned what it should; otherwise a message on stderr and 1.
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + (errno ? std::string(": ") + std::strerror(errno) : std::string()));
}

long ok(long rc, const std::string& what) {
  if (rc < 0) fail(what);
  return rc;
}

class Fd {
 public:
  Fd(int fd, const std::string& what) : fd_(static_cast<int>(ok(fd, what))) {}
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// One request: a header and a fixed payload, then optional bytes.
template <class T>
struct Request {
  nlmsghdr h;
  T body;
};

template <class T>
void send_request(int fd, uint16_t type, uint16_t flags, uint32_t seq, const T& body, const std::string& what) {
  Request<T> r{};
  r.h.nlmsg_len = sizeof r;
  r.h.nlmsg_type = type;
  r.h.nlmsg_flags = flags;
  r.h.nlmsg_seq = seq;
  std::memcpy(&r.body, &body, sizeof body);
  if (::sendto(fd, &r, sizeof r, 0, nullptr, 0) != static_cast<long>(sizeof r)) fail("sendto " + what);
}

// Reads replies until NLMSG_DONE, NLMSG_ERROR or, for a plain request, the
// first reply; returns the error of an NLMSG_ERROR (0 for an ack).
int read_replies(int fd, bool dump, const std::string& what) {
  std::vector<char> buf(32768);
  for (;;) {
    sockaddr_nl from{};
    socklen_t len = sizeof from;
    long n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    ok(n, "recvfrom " + what);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) return static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
      if (!dump) return 0;
    }
  }
}

void expect_error(int got, int want, const std::string& what) {
  if (got != want) {
    errno = 0;
    fail(what + ": error " + std::to_string(got) + ", expected " + std::to_string(want));
  }
}

int netlink_socket(int protocol, const std::string& what) {
  int fd = static_cast<int>(ok(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol), "socket " + what));
  sockaddr_nl a{};
  a.nl_family = AF_NETLINK;
  ok(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), "bind " + what);
  return fd;
}

void route(uint32_t& seq) {
  Fd nl(netlink_socket(NETLINK_ROUTE, "route"), "route");
  int one = 1;
  ok(::setsockopt(nl.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one), "setsockopt NETLINK_EXT_ACK");

  // A control message with a payload: strace shows the payload in hex.
  char noop[4] = {'a', 'b', 'c', 'd'};
  send_request(nl.get(), NLMSG_NOOP, NLM_F_REQUEST, ++seq, noop, "noop");

  // No such interface: the request comes back whole in the NLMSG_ERROR.
  ifinfomsg link{};
  link.ifi_index = 0x7fffffff;
  send_request(nl.get(), RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ++seq, link, "getlink");
  expect_error(read_replies(nl.get(), false, "getlink"), -ENODEV, "getlink");

  // A bad prefix length: an extended-ack message after the echoed request.
  struct {
    ifaddrmsg ifa;
    nlattr local;
    in_addr addr;
  } bad{};
  bad.ifa.ifa_family = AF_INET;
  bad.ifa.ifa_prefixlen = 99;
  bad.ifa.ifa_index = 1;
  bad.local.nla_len = sizeof bad.local + sizeof bad.addr;
  bad.local.nla_type = IFA_LOCAL;
  bad.addr.s_addr = htonl(INADDR_LOOPBACK);
  send_request(nl.get(), RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, ++seq, bad, "newaddr");
  expect_error(read_replies(nl.get(), false, "newaddr"), -EINVAL, "newaddr");

  // A type NETLINK_ROUTE does not have.
  send_request(nl.get(), 0x7777, NLM_F_REQUEST | NLM_F_ACK, ++seq, noop, "unknown type");
  expect_error(read_replies(nl.get(), false, "unknown type"), -EOPNOTSUPP, "unknown type");

  ifaddrmsg addrs{};
  addrs.ifa_family = AF_INET;
  send_request(nl.get(), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ++seq, addrs, "getaddr");
  expect_error(read_replies(nl.get(), true, "getaddr"), 0, "getaddr");

  rtmsg routes{};
  routes.rtm_family = AF_INET;
  send_request(nl.get(), RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, ++seq, routes, "getroute");
  expect_error(read_replies(nl.get(), true, "getroute"), 0, "getroute");

  ndmsg neigh{};
  neigh.ndm_family = AF_INET;
  send_request(nl.get(), RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, ++seq, neigh, "getneigh");
  expect_error(read_replies(nl.get(), true, "getneigh"), 0, "getneigh");
}

void sock_diag(const std::string& dir, uint32_t& seq) {
  Fd nl(netlink_socket(NETLINK_SOCK_DIAG, "sock_diag"), "sock_diag");

  // Its own TCP listener, looked up by address and port.
  Fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket tcp");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok(::bind(tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), "bind tcp");
  ok(::listen(tcp.get(), 1), "listen");
  socklen_t alen = sizeof a;
  ok(::getsockname(tcp.get(), reinterpret_cast<sockaddr*>(&a), &alen), "getsockname tcp");
  inet_diag_req_v2 inet{};
  inet.sdiag_family = AF_INET;
  inet.sdiag_protocol = IPPROTO_TCP;
  inet.idiag_states = 1 << 10;  // TCP_LISTEN
  inet.idiag_ext = 1 << (INET_DIAG_MEMINFO - 1);
  inet.id.idiag_sport = a.sin_port;
  inet.id.idiag_src[0] = a.sin_addr.s_addr;
  inet.id.idiag_cookie[0] = inet.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  send_request(nl.get(), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, ++seq, inet, "inet_diag");
  expect_error(read_replies(nl.get(), false, "inet_diag"), 0, "inet_diag");

  // Its own bound unix socket, by inode.
  std::string path = dir + "/nlload.sock";
  ::unlink(path.c_str());
  Fd un(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket unix");
  sockaddr_un u{};
  u.sun_family = AF_UNIX;
  if (path.size() >= sizeof u.sun_path) {
    errno = 0;
    fail("path too long: " + path);
  }
  std::memcpy(u.sun_path, path.c_str(), path.size() + 1);
  ok(::bind(un.get(), reinterpret_cast<sockaddr*>(&u), sizeof u), "bind unix");
  ok(::listen(un.get(), 1), "listen unix");
  struct stat st {};
  ok(::fstat(un.get(), &st), "fstat unix");
  unix_diag_req ureq{};
  ureq.sdiag_family = AF_UNIX;
  ureq.udiag_states = 1 << 10;
  ureq.udiag_ino = static_cast<uint32_t>(st.st_ino);
  ureq.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN;
  ureq.udiag_cookie[0] = ureq.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
  send_request(nl.get(), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, ++seq, ureq, "unix_diag");
  expect_error(read_replies(nl.get(), false, "unix_diag"), 0, "unix_diag");
  ::unlink(path.c_str());

  // The netlink sockets of NETLINK_SOCK_DIAG (this one among them).
  netlink_diag_req nreq{};
  nreq.sdiag_family = AF_NETLINK;
  nreq.sdiag_protocol = NETLINK_SOCK_DIAG;
  nreq.ndiag_show = NDIAG_SHOW_GROUPS | NDIAG_SHOW_FLAGS;
  send_request(nl.get(), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, ++seq, nreq, "netlink_diag");
  expect_error(read_replies(nl.get(), true, "netlink_diag"), 0, "netlink_diag");
}

// Socket options of the netlink, packet and raw levels, and option values
// strace decodes field by field; each call's result is whatever the kernel
// says (the trace is compared, not the outcome).
void options() {
  Fd nl(netlink_socket(NETLINK_ROUTE, "route for options"), "route for options");
  int group = RTNLGRP_LINK, one = 1, v = 0;
  socklen_t len = sizeof v;
  ok(::setsockopt(nl.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group), "NETLINK_ADD_MEMBERSHIP");
  uint32_t groups[2] = {};
  len = sizeof groups;
  ok(::getsockopt(nl.get(), SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, groups, &len), "NETLINK_LIST_MEMBERSHIPS");
  len = sizeof v;
  ok(::getsockopt(nl.get(), SOL_NETLINK, NETLINK_EXT_ACK, &v, &len), "getsockopt NETLINK_EXT_ACK");
  ::setsockopt(nl.get(), SOL_NETLINK, 0xffffffff, &one, sizeof one);
  ok(::setsockopt(nl.get(), SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group, sizeof group), "NETLINK_DROP_MEMBERSHIP");

  Fd packet(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)), "socket packet");
  packet_mreq mr{};
  mr.mr_ifindex = 1;
  mr.mr_type = PACKET_MR_MULTICAST;
  // With mr_alen 0, strace 6.1 prints the last hardware address it printed
  // before (a stale buffer): give the address.
  mr.mr_alen = 6;
  const unsigned char mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
  std::memcpy(mr.mr_address, mac, sizeof mac);
  ::setsockopt(packet.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr);
  ::setsockopt(packet.get(), SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof mr);
  int version = TPACKET_V2;
  ::setsockopt(packet.get(), SOL_PACKET, PACKET_VERSION, &version, sizeof version);
  tpacket_stats stats{};
  len = sizeof stats;
  ::getsockopt(packet.get(), SOL_PACKET, PACKET_STATISTICS, &stats, &len);
  ::setsockopt(packet.get(), SOL_PACKET, 0xffffffff, &one, sizeof one);

  Fd raw(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP), "socket raw");
  uint32_t filter = ~0u;
  ::setsockopt(raw.get(), SOL_RAW, ICMP_FILTER, &filter, sizeof filter);
  uint32_t some = (1u << ICMP_ECHOREPLY) | (1u << ICMP_ECHO) | (1u << 31);
  ::setsockopt(raw.get(), SOL_RAW, ICMP_FILTER, &some, sizeof some);
  ::setsockopt(raw.get(), SOL_RAW, ICMP_FILTER, &some, 2);
  len = sizeof filter;
  ::getsockopt(raw.get(), SOL_RAW, ICMP_FILTER, &filter, &len);
  ::setsockopt(raw.get(), SOL_RAW, 0xffffffff, &one, sizeof one);

  Fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket tcp for options");
  long wide = 1;
  ::setsockopt(tcp.get(), SOL_SOCKET, SO_KEEPALIVE, &wide, sizeof wide);
  linger l{1, 5};
  ::setsockopt(tcp.get(), SOL_SOCKET, SO_LINGER, &l, 4);
  ip_mreqn mreqn{};
  mreqn.imr_multiaddr.s_addr = htonl(0xe0000001);
  mreqn.imr_ifindex = 1;
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket udp for options");
  ::setsockopt(udp.get(), SOL_IP, IP_ADD_MEMBERSHIP, &mreqn, sizeof mreqn);
  group_req gr{};
  gr.gr_interface = 1;
  auto* gsin = reinterpret_cast<sockaddr_in*>(&gr.gr_group);
  gsin->sin_family = AF_INET;
  gsin->sin_addr.s_addr = htonl(0xe0000002);
  ::setsockopt(udp.get(), SOL_IP, MCAST_JOIN_GROUP, &gr, sizeof gr);
  ::setsockopt(udp.get(), SOL_IP, MCAST_LEAVE_GROUP, &gr, sizeof gr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: nlload DIR\n";
    return 2;
  }
  try {
    uint32_t seq = 0;
    route(seq);
    sock_diag(argv[1], seq);
    options();
  } catch (const std::exception& e) {
    std::cerr << "nlload: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
