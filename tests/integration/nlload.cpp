// nlload: a deterministic netlink workload for the syscall-trace
// integration tests, which run it under `strace -f -e trace=network` and
// socktrace at once and compare the two traces line by line (as netload for
// everyday traffic). One task; each step sends a request with sendto and
// reads every reply with recvfrom until the kernel's answer is complete:
//   NETLINK_ROUTE: a control message, requests that fail (NLMSG_ERROR with
//   the request echoed, an extended-ack message), an unknown type, and the
//   address, route and neighbour dumps (ifaddrmsg, rtmsg, ndmsg with their
//   attributes, NLMSG_DONE), link and route requests with nested and struct
//   attributes (refused), the loopback link's description;
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
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/socket.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <cstring>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <tuple>
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

// Appends an attribute to `b`, padded to 4 bytes; returns its offset.
std::size_t put_attr(std::vector<unsigned char>& b, uint16_t type, const void* data, std::size_t len) {
  std::size_t at = b.size();
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  b.resize(at + NLA_ALIGN(NLA_HDRLEN + len));
  std::memcpy(b.data() + at, &a, sizeof a);
  if (data && len) std::memcpy(b.data() + at + NLA_HDRLEN, data, len);
  return at;
}

// Closes a nested attribute opened at `at`: its length is all that follows.
void end_nest(std::vector<unsigned char>& b, std::size_t at) {
  uint16_t len = static_cast<uint16_t>(b.size() - at);
  std::memcpy(b.data() + at, &len, sizeof len);
}

void send_raw(int fd, uint16_t type, uint16_t flags, uint32_t seq, std::vector<unsigned char> body,
              const std::string& what) {
  std::vector<unsigned char> m(NLMSG_HDRLEN);
  m.insert(m.end(), body.begin(), body.end());
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(m.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = seq;
  std::memcpy(m.data(), &h, sizeof h);
  if (::sendto(fd, m.data(), m.size(), 0, nullptr, 0) != static_cast<long>(m.size())) fail("sendto " + what);
}

// Requests with nested and struct attributes the kernel refuses: links
// with IFLA_MAP and IFLA_LINKINFO (no such interface), routes with RTA_VIA
// and RTA_MULTIPATH (a prefix longer than an address). Each is echoed in
// the NLMSG_ERROR.
void nested_requests(int fd, uint32_t& seq) {
  std::vector<unsigned char> link(sizeof(ifinfomsg));
  ifinfomsg ifi{};
  ifi.ifi_index = 0x7fffffff;
  std::memcpy(link.data(), &ifi, sizeof ifi);
  rtnl_link_ifmap map{};
  map.mem_start = 0x1000;
  map.mem_end = 0x1fff;
  map.base_addr = 0;
  map.irq = 11;
  map.dma = 3;
  map.port = 255;
  put_attr(link, IFLA_MAP, &map, sizeof map);
  std::size_t info = put_attr(link, IFLA_LINKINFO, nullptr, 0);
  put_attr(link, IFLA_INFO_KIND, "nlload", 7);
  const unsigned char data[] = {8, 0, 1, 0, 0x2a, 0, 0, 0, 5, 0, 2, 0, 0x7f, 0, 0, 0};
  put_attr(link, IFLA_INFO_DATA | NLA_F_NESTED, data, sizeof data);
  put_attr(link, IFLA_INFO_XSTATS, data, 6);
  put_attr(link, IFLA_INFO_SLAVE_KIND, "bond", 4);
  put_attr(link, IFLA_INFO_SLAVE_DATA, data, 8);
  put_attr(link, 9, data, 4);
  end_nest(link, info);
  for (uint32_t event = 0; event < 8; event += 2) put_attr(link, IFLA_EVENT, &event, 4);
  put_attr(link, IFLA_EVENT, &map, 2);
  std::size_t props = put_attr(link, IFLA_PROP_LIST | NLA_F_NESTED, nullptr, 0);
  put_attr(link, IFLA_ALT_IFNAME, "nlload-alt", 11);
  put_attr(link, IFLA_MTU, &map.irq, 2);
  end_nest(link, props);
  std::size_t reason = put_attr(link, IFLA_PROTO_DOWN_REASON, nullptr, 0);
  const uint32_t bits[2] = {0x8001, 0};
  put_attr(link, IFLA_PROTO_DOWN_REASON_MASK, bits, 4);
  put_attr(link, IFLA_PROTO_DOWN_REASON_VALUE, bits + 1, 4);
  put_attr(link, 3, bits, 4);
  end_nest(link, reason);
  put_attr(link, IFLA_MAP, &map, 20);
  std::size_t one = put_attr(link, IFLA_LINKINFO, nullptr, 0);
  put_attr(link, IFLA_INFO_KIND, "dummy", 5);
  end_nest(link, one);
  send_raw(fd, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ++seq, link, "newlink");
  read_replies(fd, false, "newlink");
  send_raw(fd, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ++seq, link, "getlink nested");
  read_replies(fd, false, "getlink nested");

  // IFLA_INFO_DATA of a tun device and IFLA_INFO_XSTATS of a CAN device,
  // which strace decodes by the kind named before them.
  // ("tun" once without its NUL: strace reads the kind past the attribute.)
  for (auto [kind, kind_len] : {std::pair{"tun", 4}, std::pair{"can", 4}, std::pair{"tun", 3}, std::pair{"tunnel", 7}}) {
    std::vector<unsigned char> typed(sizeof(ifinfomsg));
    std::memcpy(typed.data(), &ifi, sizeof ifi);
    std::size_t nest = put_attr(typed, IFLA_LINKINFO, nullptr, 0);
    put_attr(typed, IFLA_INFO_KIND, kind, static_cast<std::size_t>(kind_len));
    std::size_t tun = put_attr(typed, IFLA_INFO_DATA, nullptr, 0);
    uint32_t id = 1000;
    put_attr(typed, IFLA_TUN_OWNER, &id, 4);
    id = 0xffffffff;
    put_attr(typed, IFLA_TUN_GROUP, &id, 4);
    for (unsigned char type : {1, 2, 3}) put_attr(typed, IFLA_TUN_TYPE, &type, 1);
    unsigned char yes = 1;
    for (uint16_t t = IFLA_TUN_PI; t <= IFLA_TUN_MULTI_QUEUE; ++t) put_attr(typed, t, &yes, 1);
    id = 4;
    put_attr(typed, IFLA_TUN_NUM_QUEUES, &id, 4);
    put_attr(typed, IFLA_TUN_NUM_DISABLED_QUEUES, &id, 4);
    put_attr(typed, 10, &id, 4);
    end_nest(typed, tun);
    const uint32_t stats[7] = {1, 2, 3, 4, 5, 6, 7};
    put_attr(typed, IFLA_INFO_XSTATS, stats, 24);
    put_attr(typed, IFLA_INFO_XSTATS, stats, 28);
    put_attr(typed, IFLA_INFO_XSTATS, stats, 20);
    end_nest(typed, nest);
    send_raw(fd, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ++seq, typed, "newlink typed");
    read_replies(fd, false, "newlink typed");
  }

  // IFLA_AF_SPEC of the families strace decodes (arrays longer than -s,
  // indices it has no names for) and of others; IFLA_XDP.
  std::vector<unsigned char> spec(sizeof(ifinfomsg));
  std::memcpy(spec.data(), &ifi, sizeof ifi);
  int32_t ints[64];
  uint64_t wide[64];
  for (int k = 0; k < 64; ++k) {
    ints[k] = k * 1000 - 3;
    wide[k] = static_cast<uint64_t>(k) << 33;
  }
  std::size_t af = put_attr(spec, IFLA_AF_SPEC, nullptr, 0);
  std::size_t inet = put_attr(spec, AF_INET, nullptr, 0);
  put_attr(spec, IFLA_INET_CONF, ints, 40 * 4);
  put_attr(spec, 2, ints, 8);
  end_nest(spec, inet);
  std::size_t inet6 = put_attr(spec, AF_INET6, nullptr, 0);
  uint32_t flags = 0xffffffff;
  put_attr(spec, IFLA_INET6_FLAGS, &flags, 4);
  flags = 0x80000010;
  put_attr(spec, IFLA_INET6_FLAGS, &flags, 4);
  put_attr(spec, IFLA_INET6_CONF, ints, 64 * 4);
  put_attr(spec, IFLA_INET6_STATS, wide, 40 * 8);
  put_attr(spec, IFLA_INET6_MCAST, ints, 4);
  put_attr(spec, IFLA_INET6_CACHEINFO, ints, 16);
  put_attr(spec, IFLA_INET6_ICMP6STATS, wide, 8 * 8);
  put_attr(spec, IFLA_INET6_TOKEN, wide, 16);
  put_attr(spec, IFLA_INET6_TOKEN, wide, 8);
  for (unsigned char mode = 0; mode < 6; ++mode) put_attr(spec, IFLA_INET6_ADDR_GEN_MODE, &mode, 1);
  put_attr(spec, 9, ints + 2, 4);
  put_attr(spec, 10, ints, 4);
  end_nest(spec, inet6);
  put_attr(spec, AF_UNSPEC, ints, 8);
  put_attr(spec, AF_BRIDGE, ints, 8);
  end_nest(spec, af);
  std::size_t xdp = put_attr(spec, IFLA_XDP, nullptr, 0);
  for (unsigned char mode = 0; mode < 6; ++mode) put_attr(spec, IFLA_XDP_ATTACHED, &mode, 1);
  flags = 0x3;
  put_attr(spec, IFLA_XDP_FLAGS, &flags, 4);
  flags = 0xffffffff;
  put_attr(spec, IFLA_XDP_FLAGS, &flags, 4);
  for (uint16_t id = IFLA_XDP_PROG_ID; id <= IFLA_XDP_HW_PROG_ID; ++id) put_attr(spec, id, &id, 4);
  put_attr(spec, 9, ints, 4);
  end_nest(spec, xdp);
  send_raw(fd, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ++seq, spec, "newlink af_spec");
  read_replies(fd, false, "newlink af_spec");

  // The loopback link as the kernel describes it: IFLA_AF_SPEC, IFLA_XDP,
  // IFLA_MAP and the rest.
  ifinfomsg lo{};
  lo.ifi_index = 1;
  send_request(fd, RTM_GETLINK, NLM_F_REQUEST, ++seq, lo, "getlink lo");
  expect_error(read_replies(fd, false, "getlink lo"), 0, "getlink lo");

  for (unsigned char family : {AF_INET, AF_INET6}) {
    std::vector<unsigned char> route(sizeof(rtmsg));
    rtmsg rtm{};
    rtm.rtm_family = family;
    rtm.rtm_dst_len = 200;
    rtm.rtm_table = RT_TABLE_MAIN;
    rtm.rtm_protocol = RTPROT_STATIC;
    rtm.rtm_type = RTN_UNICAST;
    std::memcpy(route.data(), &rtm, sizeof rtm);
    unsigned char via[18] = {};
    uint16_t via_family = AF_INET6;
    std::memcpy(via, &via_family, 2);
    via[2] = 0xfe;
    via[3] = 0x80;
    via[17] = 1;
    put_attr(route, RTA_VIA, via, sizeof via);
    via_family = AF_INET;
    std::memcpy(via, &via_family, 2);
    via[2] = 10;
    via[5] = 1;
    put_attr(route, RTA_VIA, via, 6);
    put_attr(route, RTA_VIA, via, 4);
    via_family = AF_PACKET;
    std::memcpy(via, &via_family, 2);
    put_attr(route, RTA_VIA, via, 8);
    std::size_t mp = put_attr(route, RTA_MULTIPATH, nullptr, 0);
    for (int hop = 0; hop < 3; ++hop) {
      std::size_t at = route.size();
      route.resize(at + sizeof(rtnexthop));
      rtnexthop nh{};
      nh.rtnh_flags = static_cast<unsigned char>(hop == 1 ? RTNH_F_ONLINK : hop == 2 ? 0x84 : 0);
      nh.rtnh_hops = static_cast<unsigned char>(hop);
      nh.rtnh_ifindex = hop == 0 ? 1 : 0x7ffffff0 + hop;
      if (hop != 2) {
        unsigned char gw[16] = {10, 0, 0, static_cast<unsigned char>(hop + 1)};
        put_attr(route, RTA_GATEWAY, gw, family == AF_INET ? 4 : 16);
        uint32_t prio = 100;
        put_attr(route, RTA_PRIORITY, &prio, sizeof prio);
      }
      if (hop == 1) put_attr(route, RTA_VIA, via, 8);
      nh.rtnh_len = static_cast<unsigned short>(route.size() - at);
      std::memcpy(route.data() + at, &nh, sizeof nh);
    }
    end_nest(route, mp);
    for (uint16_t encap = 0; encap < 12; ++encap) put_attr(route, RTA_ENCAP_TYPE, &encap, 2);
    const uint64_t mfc[3] = {1, 1500, 0xffffffffffULL};
    put_attr(route, RTA_MFC_STATS, mfc, sizeof mfc);
    put_attr(route, RTA_MFC_STATS, mfc, 16);
    // One nexthop alone, the whole attribute.
    std::size_t single = put_attr(route, RTA_MULTIPATH, nullptr, 0);
    rtnexthop nh{};
    nh.rtnh_len = sizeof nh;
    nh.rtnh_ifindex = 1;
    std::size_t at = route.size();
    route.resize(at + sizeof nh);
    std::memcpy(route.data() + at, &nh, sizeof nh);
    end_nest(route, single);
    send_raw(fd, RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ++seq, route, "newroute");
    read_replies(fd, false, "newroute");
  }
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

  nested_requests(nl.get(), seq);
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
  // A ring of one block (strace decodes a tpacket_req; a tpacket_req3 and a
  // short one stay addresses).
  tpacket_req ring{4096, 1, 2048, 2};
  ::setsockopt(packet.get(), SOL_PACKET, PACKET_RX_RING, &ring, sizeof ring);
  tpacket_req3 ring3{4096, 1, 2048, 2, 10, 0, 0};
  ::setsockopt(packet.get(), SOL_PACKET, PACKET_TX_RING, &ring3, sizeof ring3);
  ::setsockopt(packet.get(), SOL_PACKET, PACKET_TX_RING, &ring, 8);
  // A classic BPF filter (strace shows its length and address), a null
  // one, a short one; the same on a reuseport group.
  sock_filter accept_all[] = {BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_RET | BPF_A, 0)};
  sock_fprog fprog{2, accept_all};
  ::setsockopt(packet.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog);
  sock_fprog null_fprog{};
  ::setsockopt(packet.get(), SOL_SOCKET, SO_ATTACH_FILTER, &null_fprog, sizeof null_fprog);
  ::setsockopt(packet.get(), SOL_SOCKET, SO_ATTACH_FILTER, &fprog, 8);
  ::setsockopt(packet.get(), SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof one);
  Fd reuseport(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket reuseport");
  ::setsockopt(reuseport.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  ::setsockopt(reuseport.get(), SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof fprog);
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
  ::setsockopt(udp.get(), SOL_IP, IP_DROP_MEMBERSHIP, &mreqn, sizeof mreqn);
  // SO_TXREHASH's names, and a value it has none for.
  int rehash = SOCK_TXREHASH_ENABLED;
  ::setsockopt(tcp.get(), SOL_SOCKET, SO_TXREHASH, &rehash, sizeof rehash);
  rehash = 5;
  ::setsockopt(tcp.get(), SOL_SOCKET, SO_TXREHASH, &rehash, sizeof rehash);
  // IPv6 membership and anycast (the kernel refuses ::1 as anycast); a
  // short one stays an address. Where there is no IPv6 the calls fail alike
  // under both tracers.
  int udp6 = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ipv6_mreq m6{};
  inet_pton(AF_INET6, "ff02::1:3", &m6.ipv6mr_multiaddr);
  m6.ipv6mr_interface = 1;
  ::setsockopt(udp6, SOL_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof m6);
  ::setsockopt(udp6, SOL_IPV6, IPV6_DROP_MEMBERSHIP, &m6, sizeof m6);
  ::setsockopt(udp6, SOL_IPV6, IPV6_DROP_MEMBERSHIP, &m6, 8);
  inet_pton(AF_INET6, "::1", &m6.ipv6mr_multiaddr);
  ::setsockopt(udp6, SOL_IPV6, IPV6_JOIN_ANYCAST, &m6, sizeof m6);
  ::setsockopt(udp6, SOL_IPV6, IPV6_LEAVE_ANYCAST, &m6, sizeof m6);
  if (udp6 >= 0) ::close(udp6);
}

// connect() with addresses of families strace decodes field by field
// (IPX, X.25, VSOCK, XDP, MCTP, QIPCRTR, NFC, IEEE 802.15.4, netlink with
// nl_pad, ALG): zeros with a few fields set, then every byte set; each at the
// structure's size and two bytes short of it. The kernel refuses them all.
void families() {
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket udp for families");
  const int fams[] = {AF_IPX, AF_X25,        AF_VSOCK,   AF_XDP, AF_MCTP, AF_QIPCRTR,
                      AF_NFC, AF_IEEE802154, AF_NETLINK, AF_ALG};
  const int lens[] = {16, 18, 16, 16, 16, 12, 16, 20, 12, 88};
  unsigned char b[128];
  for (bool filled : {false, true})
    for (std::size_t i = 0; i < std::size(fams); ++i) {
      for (std::size_t j = 0; j < sizeof b; ++j) b[j] = filled ? static_cast<unsigned char>(j * 7 + 1) : 0;
      b[0] = static_cast<unsigned char>(fams[i]);
      b[1] = 0;
      if (!filled) {
        uint32_t one = 1;
        std::memcpy(b + 4, &one, 4);
        b[8] = 2;
        if (fams[i] == AF_IEEE802154) b[4] = 3;  // IEEE802154_ADDR_LONG
        if (fams[i] == AF_X25) std::memcpy(b + 2, "31337", 5);
        if (fams[i] == AF_ALG) {
          std::memcpy(b + 2, "hash", 5);
          std::memcpy(b + 24, "sha256", 7);
        }
      }
      ::connect(udp.get(), reinterpret_cast<sockaddr*>(b), lens[i]);
      ::connect(udp.get(), reinterpret_cast<sockaddr*>(b), lens[i] - 2);
    }
}

// connect() with AX.25, RxRPC and Bluetooth addresses, which strace decodes
// by length and content: AX.25 with no digipeaters, with some and room for
// fewer, callsigns that are text, odd text and bytes; RxRPC over IPv4, IPv6
// and an unknown transport; Bluetooth HCI, SCO, RFCOMM and L2CAP by length
// (and lengths that are none of them), named and dynamic PSMs and CIDs.
// Then each again with every byte set. The kernel refuses them all.
void more_families() {
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket udp for more families");
  unsigned char b[128];
  auto reset = [&](bool filled, int family) {
    for (std::size_t j = 0; j < sizeof b; ++j) b[j] = filled ? static_cast<unsigned char>(j * 7 + 1) : 0;
    b[0] = static_cast<unsigned char>(family);
    b[1] = 0;
  };
  auto call = [&](unsigned char* at, const char* text, int ssid) {
    for (int k = 0; k < 6; ++k) at[k] = static_cast<unsigned char>((*text ? *text++ : ' ') << 1);
    at[6] = static_cast<unsigned char>(ssid << 1);
  };
  auto conn = [&](int len) { ::connect(udp.get(), reinterpret_cast<sockaddr*>(b), static_cast<socklen_t>(len)); };
  for (bool filled : {false, true}) {
    for (int len : {16, 14, 72, 24, 30}) {
      reset(filled, AF_AX25);
      if (!filled) call(b + 2, "N0CALL", 3);
      conn(len);
    }
    if (!filled) {
      reset(false, AF_AX25);
      call(b + 2, "AB", 12);
      int32_t ndigis = 3;
      std::memcpy(b + 12, &ndigis, 4);
      call(b + 16, "", 0);       // "*"
      call(b + 23, "ab1", 1);    // printable, not a callsign
      call(b + 30, "A B", 15);   // a space inside
      conn(30);
      conn(16 + 3 * 7);
      conn(72);
    }
    for (int len : {36, 24, 40, 20}) {
      reset(filled, AF_RXRPC);
      if (!filled) {
        b[2] = 1;
        b[4] = SOCK_DGRAM;
        b[6] = len == 36 ? 28 : 16;
        b[8] = len == 36 ? AF_INET6 : AF_INET;
        b[10] = 0x1f;
        b[12] = 127;
        b[15] = 1;
      }
      conn(len);
    }
    if (!filled) {
      reset(false, AF_RXRPC);
      b[2] = 0xc4;  // 2500
      b[3] = 0x09;
      b[6] = 6;
      b[8] = AF_INET;
      b[10] = 'x';
      conn(36);
      b[8] = AF_INET6;
      b[16] = 0xfe;
      b[17] = 0x80;
      b[6] = 28;
      conn(40);
      b[8] = AF_UNIX;
      conn(36);
    }
    for (int len : {4, 6, 8, 9, 10, 13, 14, 12, 3}) {
      reset(filled, AF_BLUETOOTH);
      if (!filled) {
        b[2] = 1;
        b[3] = 0x10;
        b[4] = 2;
        b[8] = 0x40;
        b[10] = 1;
      }
      conn(len);
    }
    if (!filled) {
      const uint16_t psms[] = {0x3, 0x5, 0x81, 0xff, 0x10ff};
      const uint16_t cids[] = {0x7, 0x8, 0x7f, 0x41, 0xffff};
      for (std::size_t i = 0; i < std::size(psms); ++i) {
        reset(false, AF_BLUETOOTH);
        std::memcpy(b + 2, &psms[i], 2);
        std::memcpy(b + 10, &cids[i], 2);
        b[12] = static_cast<unsigned char>(i);
        conn(14);
      }
      reset(false, AF_BLUETOOTH);
      b[4] = 4;
      conn(6);
      b[4] = 5;
      conn(6);
    }
  }
}

// sendmsg() with control messages strace decodes the data of (credentials,
// security labels, IP options, the original destination, extended errors,
// the timestamps old and new): the kernel refuses most of them, strace
// decodes them all. The data is a counting pattern.
void cmsgs() {
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket udp for cmsgs");
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char c = 'x';
  iovec iov{&c, 1};
  alignas(cmsghdr) unsigned char control[256];
  msghdr m{};
  m.msg_name = &to;
  m.msg_namelen = sizeof to;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  const int kinds[][2] = {{SOL_SOCKET, 3 /* SCM_SECURITY */}, {SOL_IP, IP_RETOPTS}, {SOL_IP, IP_RECVOPTS},
                          {SOL_IP, IP_OPTIONS},       {SOL_IP, IP_ORIGDSTADDR}, {SOL_IP, IP_RECVERR},
                          {SOL_IP, 3},                {SOL_SOCKET, 29},         {SOL_SOCKET, 35},
                          {SOL_SOCKET, 37},           {SOL_SOCKET, 63},         {SOL_SOCKET, 64},
                          {SOL_SOCKET, 65}};
  for (const auto& k : kinds) {
    std::memset(control, 0, sizeof control);
    auto* h = reinterpret_cast<cmsghdr*>(control);
    std::size_t len = 48;
    for (std::size_t j = 0; j < len; ++j) CMSG_DATA(h)[j] = static_cast<unsigned char>(j + 1);
    if (k[0] == SOL_IP && k[1] == IP_ORIGDSTADDR) {
      std::memcpy(CMSG_DATA(h), &to, sizeof to);
      len = sizeof to;
    }
    h->cmsg_len = CMSG_LEN(len);
    h->cmsg_level = k[0];
    h->cmsg_type = k[1];
    m.msg_controllen = CMSG_SPACE(len);
    ::sendmsg(udp.get(), &m, 0);
  }
  // Bytes after the last whole cmsghdr (strace: "..." and where they
  // start): 8 spare bytes, then a cmsghdr that claims less than its size.
  std::memset(control, 0, sizeof control);
  auto* h = reinterpret_cast<cmsghdr*>(control);
  h->cmsg_len = CMSG_LEN(4);
  h->cmsg_level = SOL_IP;
  h->cmsg_type = IP_RETOPTS;
  for (std::size_t j = 0; j < 4; ++j) CMSG_DATA(h)[j] = static_cast<unsigned char>(j + 1);
  m.msg_controllen = CMSG_SPACE(4) + 8;
  ::sendmsg(udp.get(), &m, 0);
  reinterpret_cast<cmsghdr*>(control + CMSG_SPACE(4))->cmsg_len = 8;
  m.msg_controllen = CMSG_SPACE(4) + 24;
  ::sendmsg(udp.get(), &m, 0);
}

// Small cases: a unix address longer than sockaddr_un (strace reads
// sun_path up to its 108 bytes), MSG_TRUNC receives that return more than
// the buffer holds, a returned address longer than the room given, short
// option buffers.
void smalls() {
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket udp for smalls");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ok(::bind(udp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), "bind udp for smalls");
  socklen_t l = sizeof a;
  ok(::getsockname(udp.get(), reinterpret_cast<sockaddr*>(&a), &l), "getsockname udp for smalls");
  char big[100];
  std::memset(big, 'z', sizeof big);
  char small[10];
  sockaddr_in from[2];
  for (socklen_t room : {socklen_t{sizeof(sockaddr_in)}, socklen_t{8}}) {
    ok(::sendto(udp.get(), big, sizeof big, 0, reinterpret_cast<sockaddr*>(&a), sizeof a), "sendto big");
    socklen_t fl = room;
    ok(::recvfrom(udp.get(), small, sizeof small, MSG_TRUNC, reinterpret_cast<sockaddr*>(from), &fl), "recvfrom trunc");
  }
  Fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket tcp for smalls");
  char v[8];
  for (auto [level, name, len] : {std::tuple{SOL_TCP, TCP_NODELAY, 2}, std::tuple{SOL_IP, IP_TTL, 2},
                                  std::tuple{SOL_SOCKET, SO_RCVBUF, 1}, std::tuple{SOL_SOCKET, SO_RCVBUF, 8}}) {
    socklen_t ol = static_cast<socklen_t>(len);
    ::getsockopt(tcp.get(), level, name, v, &ol);
  }
  // Timeouts strace shows as they are: tv_nsec unsigned.
  {
    int pair[2];
    ok(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair), "socketpair for timeouts");
    Fd p0(pair[0], "socketpair"), p1(pair[1], "socketpair");
    mmsghdr mm{};
    iovec iov{small, sizeof small};
    mm.msg_hdr.msg_iov = &iov;
    mm.msg_hdr.msg_iovlen = 1;
    timespec negative{1, -5}, whole{-1, 1000000000};
    ::recvmmsg(p0.get(), &mm, 1, MSG_DONTWAIT, &negative);
    ::recvmmsg(p0.get(), &mm, 1, MSG_DONTWAIT, &whole);
  }
  unsigned char un[200];
  std::memset(un, 'q', sizeof un);
  un[0] = AF_UNIX;
  un[1] = 0;
  std::memset(un + 2, 'p', 108);
  ::connect(udp.get(), reinterpret_cast<sockaddr*>(un), 120);
}

// Arrays that run into unmapped memory: an mmsghdr array and an iovec
// array whose last elements lie past the end of a mapping. strace shows the
// elements it could read, then "... /* 0xADDR */" where it stopped.
void cut_arrays() {
  int sv[2];
  ok(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), "socketpair for cut arrays");
  Fd a(sv[0], "socketpair"), b(sv[1], "socketpair");
  const long page = ::sysconf(_SC_PAGESIZE);
  auto* map = static_cast<char*>(::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (map == MAP_FAILED) fail("mmap");
  ok(::munmap(map + page, page), "munmap");
  static char c = 'x';
  static iovec one{&c, 1};
  auto* v = reinterpret_cast<mmsghdr*>(map + page - 2 * sizeof(mmsghdr));
  std::memset(v, 0, 2 * sizeof(mmsghdr));
  for (int i = 0; i < 2; ++i) {
    v[i].msg_hdr.msg_iov = &one;
    v[i].msg_hdr.msg_iovlen = 1;
  }
  ok(::sendmmsg(a.get(), v, 3, 0), "sendmmsg cut");
  auto* iv = reinterpret_cast<iovec*>(map + page - sizeof(iovec));
  *iv = one;
  msghdr m{};
  m.msg_iov = iv;
  m.msg_iovlen = 3;
  ::sendmsg(a.get(), &m, 0);
  ::munmap(map, page);
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
    families();
    more_families();
    cmsgs();
    smalls();
    cut_arrays();
  } catch (const std::exception& e) {
    std::cerr << "nlload: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
