// Netlink messages in sendto/recvfrom, as strace 6.1 decodes them. Every
// expected line is one strace 6.1 printed (`strace -f -e trace=network`) for
// small C programs on the reference machine; the buffers below rebuild the
// bytes those programs sent and received (the kernel's replies included).
#include "core/strace_format.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/netlink_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "strace_event_builder.h"

namespace socktrace {
namespace {

using testing::EventBuilder;

constexpr uint64_t kBuf = 0x7ffc4a3b1c20;

// The strace line of `e` under -s `limit`.
std::string line_s(const SyscallEvent& e, int limit = 32) {
  StraceOptions opt;
  opt.string_limit = limit;
  std::string out;
  format_syscall(e, opt, WallClock(0), out);
  return out;
}

// A netlink buffer built message by message, attribute by attribute.
class Nl {
 public:
  template <class T>
  Nl& put(const T& v) {
    return bytes(&v, sizeof v);
  }
  Nl& bytes(const void* p, std::size_t n) {
    auto c = static_cast<const uint8_t*>(p);
    b_.insert(b_.end(), c, c + n);
    return *this;
  }
  Nl& pad() {
    while (b_.size() % 4) b_.push_back(0);
    return *this;
  }
  // Starts a message; end() fills in its length.
  Nl& msg(uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid) {
    starts_.push_back(b_.size());
    return put(nlmsghdr{0, type, flags, seq, pid});
  }
  Nl& end() {
    auto len = static_cast<uint32_t>(b_.size() - starts_.back());
    std::memcpy(&b_[starts_.back()], &len, 4);
    starts_.pop_back();
    return pad();
  }
  Nl& attr(uint16_t type, const void* p, std::size_t n) {
    put(nlattr{static_cast<uint16_t>(4 + n), type});
    bytes(p, n);
    return pad();
  }
  template <class T>
  Nl& attr(uint16_t type, const T& v) {
    return attr(type, &v, sizeof v);
  }
  Nl& attr_str(uint16_t type, const char* s) { return attr(type, s, std::strlen(s) + 1); }
  // A nested attribute (or an RTA_MULTIPATH nexthop, whose length is a u16
  // first too): nest() opens it, unnest() fills in its length.
  Nl& nest(uint16_t type) {
    nests_.push_back(b_.size());
    return put(nlattr{0, type});
  }
  template <class T>
  Nl& nest_struct(const T& v) {
    nests_.push_back(b_.size());
    return put(v);
  }
  Nl& unnest() {
    auto len = static_cast<uint16_t>(b_.size() - nests_.back());
    std::memcpy(&b_[nests_.back()], &len, 2);
    nests_.pop_back();
    return *this;
  }
  const std::vector<uint8_t>& data() const { return b_; }
  std::size_t size() const { return b_.size(); }

 private:
  std::vector<uint8_t> b_;
  std::vector<std::size_t> starts_;
  std::vector<std::size_t> nests_;
};

// The event of sendto(fd, buf, len, 0, NULL, 0) / recvfrom(fd, buf, cap, 0,
// &nl, &12) on a netlink socket of `protocol` bound to `portid`.
EventBuilder sendto(const Nl& m, uint16_t protocol, uint32_t portid, int fd = 3) {
  st_netlink info{portid, protocol, 0};
  return std::move(EventBuilder(sys::kSendto, {static_cast<uint64_t>(fd), kBuf, m.size(), 0, 0, 0},
                                static_cast<int64_t>(m.size()))
                       .blob(ST_BLOB_DATA, m.data().data(), m.size())
                       .blob(ST_BLOB_NETLINK, &info, sizeof info));
}

EventBuilder recvfrom(const Nl& m, uint16_t protocol, uint32_t portid, uint64_t cap = 8192) {
  st_netlink info{portid, protocol, 0};
  sockaddr_nl from{};
  from.nl_family = AF_NETLINK;
  return std::move(EventBuilder(sys::kRecvfrom, {3, kBuf, cap, 0, 0x7ffc4a3b1b00, 0x7ffc4a3b1afc},
                                static_cast<int64_t>(m.size()))
                       .blob(ST_BLOB_DATA, m.data().data(), m.size())
                       .blob(ST_BLOB_NETLINK, &info, sizeof info)
                       .u32s(ST_BLOB_INLENS, {12})
                       .u32s(ST_BLOB_OUTLENS, {12})
                       .blob(ST_BLOB_ADDR, &from, sizeof from));
}

constexpr const char* kFromKernel = ", {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, [12]";

TEST(StraceNetlink, ControlMessageOnUnboundSocketIsHex) {
  // Not yet bound (autobound by this very call): strace cannot learn the
  // protocol over sock_diag and decodes the header only.
  Nl m;
  m.msg(NLMSG_NOOP, NLM_F_REQUEST | 0x300, 0, 0).bytes("abcd", 4).end();
  EXPECT_EQ(line_s(sendto(m, NETLINK_ROUTE, 0)),
            "sendto(3, [{nlmsg_len=20, nlmsg_type=NLMSG_NOOP, nlmsg_flags=NLM_F_REQUEST|0x300, nlmsg_seq=0, "
            "nlmsg_pid=0}, \"\\x61\\x62\\x63\\x64\"], 20, 0, NULL, 0) = 20\n");
}

TEST(StraceNetlink, RouteRequests) {
  Nl link;
  link.msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0).put(ifinfomsg{AF_UNSPEC, 0, 0, 1, 0, 0}).end();
  EXPECT_EQ(line_s(sendto(link, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=32, nlmsg_type=RTM_GETLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=1, "
            "nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=if_nametoindex(\"lo\"), "
            "ifi_flags=0, ifi_change=0}], 32, 0, NULL, 0) = 32\n");
  Nl addr;
  addr.msg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 2, 0).put(ifaddrmsg{AF_INET, 0, 0, 0, 0}).end();
  EXPECT_EQ(line_s(sendto(addr, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=24, nlmsg_type=RTM_GETADDR, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=2, "
            "nlmsg_pid=0}, {ifa_family=AF_INET, ifa_prefixlen=0, ifa_flags=0, ifa_scope=RT_SCOPE_UNIVERSE, "
            "ifa_index=0}], 24, 0, NULL, 0) = 24\n");
  Nl route;
  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_table = RT_TABLE_LOCAL;
  route.msg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 3, 0).put(r).end();
  EXPECT_EQ(line_s(sendto(route, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=28, nlmsg_type=RTM_GETROUTE, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=3, "
            "nlmsg_pid=0}, {rtm_family=AF_INET, rtm_dst_len=0, rtm_src_len=0, rtm_tos=0, rtm_table=RT_TABLE_LOCAL, "
            "rtm_protocol=RTPROT_UNSPEC, rtm_scope=RT_SCOPE_UNIVERSE, rtm_type=RTN_UNSPEC, rtm_flags=0}], 28, 0, "
            "NULL, 0) = 28\n");
  Nl neigh;
  neigh.msg(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, 4, 0).put(ndmsg{AF_INET, 0, 0, 0, 0, 0, 0}).end();
  EXPECT_EQ(line_s(sendto(neigh, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=28, nlmsg_type=RTM_GETNEIGH, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=4, "
            "nlmsg_pid=0}, {ndm_family=AF_INET, ndm_ifindex=0, ndm_state=NUD_NONE, ndm_flags=0, "
            "ndm_type=RTN_UNSPEC}], 28, 0, NULL, 0) = 28\n");
  // A type strace has no decoder for: the family byte and the rest in hex.
  Nl bad;
  bad.msg(0x7777, NLM_F_REQUEST | NLM_F_ACK, 5, 0).bytes("abcd", 4).end();
  EXPECT_EQ(line_s(sendto(bad, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=20, nlmsg_type=0x7777 /* RTM_??? */, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, "
            "nlmsg_seq=5, nlmsg_pid=0}, {family=0x61 /* AF_??? */, data=\"\\x62\\x63\\x64\"}], 20, 0, NULL, 0) = 20\n");
  // An attribute shorter than its header: the header alone.
  Nl zero;
  ifaddrmsg a{AF_INET, 99, 0, 0, 1};
  zero.msg(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 2, 0).put(a).bytes("\0\0\0\0\0\0\0\0", 8).end();
  EXPECT_EQ(line_s(sendto(zero, NETLINK_ROUTE, 30573)),
            "sendto(3, [{nlmsg_len=32, nlmsg_type=RTM_NEWADDR, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE, "
            "nlmsg_seq=2, nlmsg_pid=0}, {ifa_family=AF_INET, ifa_prefixlen=99, ifa_flags=0, "
            "ifa_scope=RT_SCOPE_UNIVERSE, ifa_index=if_nametoindex(\"lo\")}, {nla_len=0, nla_type=IFA_UNSPEC}], 32, 0, "
            "NULL, 0) = 32\n");
}

TEST(StraceNetlink, AcksErrorsAndDone) {
  Nl ack;
  ack.msg(NLMSG_ERROR, NLM_F_CAPPED, 1, 10200).put(int32_t{0});
  ack.put(nlmsghdr{32, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 1, 0}).end();
  EXPECT_EQ(line_s(recvfrom(ack, NETLINK_ROUTE, 10200)),
            std::string("recvfrom(3, [{nlmsg_len=36, nlmsg_type=NLMSG_ERROR, nlmsg_flags=NLM_F_CAPPED, nlmsg_seq=1, "
                        "nlmsg_pid=10200}, {error=0, msg={nlmsg_len=32, nlmsg_type=RTM_GETLINK, "
                        "nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=1, nlmsg_pid=0}}], 8192, 0") +
                kFromKernel + ") = 36\n");
  Nl done;
  done.msg(NLMSG_DONE, NLM_F_MULTI, 2, 10200).put(int32_t{0}).end();
  EXPECT_EQ(line_s(recvfrom(done, NETLINK_ROUTE, 10200)),
            std::string("recvfrom(3, [{nlmsg_len=20, nlmsg_type=NLMSG_DONE, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=2, "
                        "nlmsg_pid=10200}, 0], 8192, 0") +
                kFromKernel + ") = 20\n");
  // An error with the request echoed whole and an extended-ack message.
  Nl err;
  err.msg(NLMSG_ERROR, NLM_F_ACK_TLVS, 2, 30573).put(int32_t{-EINVAL});
  err.msg(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, 2, 0)
      .put(ifaddrmsg{AF_INET, 99, 0, 0, 1})
      .bytes("\0\0\0\0\0\0\0\0", 8)
      .end();
  err.attr_str(NLMSGERR_ATTR_MSG, "ipv4: Invalid prefix length").end();
  auto e = EventBuilder(sys::kRecvfrom, {3, kBuf, 4096, 0, 0, 0}, 84);
  st_netlink info{30573, NETLINK_ROUTE, 0};
  e.blob(ST_BLOB_DATA, err.data().data(), err.size()).blob(ST_BLOB_NETLINK, &info, sizeof info);
  EXPECT_EQ(line_s(e),
            "recvfrom(3, [{nlmsg_len=84, nlmsg_type=NLMSG_ERROR, nlmsg_flags=NLM_F_ACK_TLVS, nlmsg_seq=2, "
            "nlmsg_pid=30573}, [{error=-EINVAL, msg=[{nlmsg_len=32, nlmsg_type=RTM_NEWADDR, "
            "nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE, nlmsg_seq=2, nlmsg_pid=0}, {ifa_family=AF_INET, "
            "ifa_prefixlen=99, ifa_flags=0, ifa_scope=RT_SCOPE_UNIVERSE, ifa_index=if_nametoindex(\"lo\")}, "
            "{nla_len=0, nla_type=IFA_UNSPEC}]}, [{nla_len=32, nla_type=NLMSGERR_ATTR_MSG}, \"ipv4: Invalid prefix "
            "length\"]]], 4096, 0, NULL, NULL) = 84\n");
}

TEST(StraceNetlink, RouteRepliesWithAttributes) {
  ifa_cacheinfo ci{4294967295, 4294967295, 13, 13};
  in_addr lo{htonl(INADDR_LOOPBACK)};
  uint32_t permanent = IFA_F_PERMANENT;
  Nl addr;
  addr.msg(RTM_NEWADDR, NLM_F_MULTI, 2, 10200).put(ifaddrmsg{AF_INET, 8, IFA_F_PERMANENT, RT_SCOPE_HOST, 1});
  addr.attr(IFA_ADDRESS, lo).attr(IFA_LOCAL, lo).attr_str(IFA_LABEL, "lo").attr(IFA_FLAGS, permanent);
  addr.attr(IFA_CACHEINFO, ci).end();
  EXPECT_EQ(line_s(recvfrom(addr, NETLINK_ROUTE, 10200)),
            std::string("recvfrom(3, [{nlmsg_len=76, nlmsg_type=RTM_NEWADDR, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=2, "
                        "nlmsg_pid=10200}, {ifa_family=AF_INET, ifa_prefixlen=8, ifa_flags=IFA_F_PERMANENT, "
                        "ifa_scope=RT_SCOPE_HOST, ifa_index=if_nametoindex(\"lo\")}, [[{nla_len=8, "
                        "nla_type=IFA_ADDRESS}, inet_addr(\"127.0.0.1\")], [{nla_len=8, nla_type=IFA_LOCAL}, "
                        "inet_addr(\"127.0.0.1\")], [{nla_len=7, nla_type=IFA_LABEL}, \"lo\"], [{nla_len=8, "
                        "nla_type=IFA_FLAGS}, IFA_F_PERMANENT], [{nla_len=20, nla_type=IFA_CACHEINFO}, "
                        "{ifa_prefered=4294967295, ifa_valid=4294967295, cstamp=13, tstamp=13}]]], 8192, 0") +
                kFromKernel + ") = 76\n");

  rtmsg r{AF_INET, 8, 0, 0, RT_TABLE_LOCAL, RTPROT_KERNEL, RT_SCOPE_HOST, RTN_LOCAL, 0};
  uint32_t table = RT_TABLE_LOCAL, oif = 1;
  in_addr net{htonl(0x7f000000)};
  Nl route;
  route.msg(RTM_NEWROUTE, NLM_F_MULTI, 3, 10200).put(r).attr(RTA_TABLE, table).attr(RTA_DST, net);
  route.attr(RTA_PREFSRC, lo).attr(RTA_OIF, oif).end();
  route.msg(NLMSG_DONE, NLM_F_MULTI, 3, 10200).put(int32_t{0}).end();
  EXPECT_EQ(line_s(recvfrom(route, NETLINK_ROUTE, 10200)),
            std::string("recvfrom(3, [[{nlmsg_len=60, nlmsg_type=RTM_NEWROUTE, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=3, "
                        "nlmsg_pid=10200}, {rtm_family=AF_INET, rtm_dst_len=8, rtm_src_len=0, rtm_tos=0, "
                        "rtm_table=RT_TABLE_LOCAL, rtm_protocol=RTPROT_KERNEL, rtm_scope=RT_SCOPE_HOST, "
                        "rtm_type=RTN_LOCAL, rtm_flags=0}, [[{nla_len=8, nla_type=RTA_TABLE}, RT_TABLE_LOCAL], "
                        "[{nla_len=8, nla_type=RTA_DST}, inet_addr(\"127.0.0.0\")], [{nla_len=8, "
                        "nla_type=RTA_PREFSRC}, inet_addr(\"127.0.0.1\")], [{nla_len=8, nla_type=RTA_OIF}, "
                        "if_nametoindex(\"lo\")]]], [{nlmsg_len=20, nlmsg_type=NLMSG_DONE, nlmsg_flags=NLM_F_MULTI, "
                        "nlmsg_seq=3, nlmsg_pid=10200}, 0]], 8192, 0") +
                kFromKernel + ") = 80\n");

  ndmsg n{AF_INET, 0, 0, 1, NUD_NOARP, 0, RTN_BROADCAST};
  uint8_t mac[6] = {};
  uint32_t probes = 0;
  nda_cacheinfo nci{50375, 50450, 50450, 0};
  in_addr any{};
  Nl neigh;
  neigh.msg(RTM_NEWNEIGH, NLM_F_MULTI, 4, 10200).put(n).attr(NDA_DST, any).attr(NDA_LLADDR, mac, 6);
  neigh.attr(NDA_PROBES, probes).attr(NDA_CACHEINFO, nci).end();
  EXPECT_EQ(line_s(recvfrom(neigh, NETLINK_ROUTE, 10200)),
            std::string("recvfrom(3, [{nlmsg_len=76, nlmsg_type=RTM_NEWNEIGH, nlmsg_flags=NLM_F_MULTI, nlmsg_seq=4, "
                        "nlmsg_pid=10200}, {ndm_family=AF_INET, ndm_ifindex=if_nametoindex(\"lo\"), "
                        "ndm_state=NUD_NOARP, ndm_flags=0, ndm_type=RTN_BROADCAST}, [[{nla_len=8, nla_type=NDA_DST}, "
                        "inet_addr(\"0.0.0.0\")], [{nla_len=10, nla_type=NDA_LLADDR}, 00:00:00:00:00:00], "
                        "[{nla_len=8, nla_type=NDA_PROBES}, 0], [{nla_len=20, nla_type=NDA_CACHEINFO}, "
                        "{ndm_confirmed=50375, ndm_used=50450, ndm_updated=50450, ndm_refcnt=0}]]], 8192, 0") +
                kFromKernel + ") = 76\n");
}

inet_diag_sockid listener_id() {
  inet_diag_sockid id{};
  id.idiag_sport = htons(45678);
  id.idiag_src[0] = htonl(INADDR_LOOPBACK);
  return id;
}

TEST(StraceNetlink, SockDiagInet) {
  inet_diag_req_v2 req{};
  req.sdiag_family = AF_INET;
  req.sdiag_protocol = IPPROTO_TCP;
  req.idiag_states = 1 << 10;
  req.id = listener_id();
  req.id.idiag_cookie[0] = req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  Nl r;
  r.msg(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, 6, 0).put(req).end();
  // Autobound by this call: the protocol is not known yet.
  EXPECT_EQ(line_s(sendto(r, NETLINK_SOCK_DIAG, 0)),
            "sendto(3, [{nlmsg_len=72, nlmsg_type=0x14 /* NLMSG_??? */, nlmsg_flags=NLM_F_REQUEST, nlmsg_seq=6, "
            "nlmsg_pid=0}, \"\\x02\\x06\\x00\\x00\\x00\\x04\\x00\\x00\\xb2\\x6e\\x00\\x00\\x7f\\x00\\x00\\x01\\x00"
            "\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"...], 72, 0, NULL, 0) = 72\n");

  inet_diag_msg msg{};
  msg.idiag_family = AF_INET;
  msg.idiag_state = TCP_LISTEN;
  msg.id = listener_id();
  msg.id.idiag_cookie[0] = 15;
  msg.idiag_wqueue = 1;
  msg.idiag_inode = 14352;
  uint8_t shut = 0;
  uint32_t mark = 0;
  uint64_t cgroup = 1;
  uint16_t sockopt = 0x2 | 0x10 | 0x40;  // is_icsk, mc_loop, mc_all
  Nl a;
  a.msg(SOCK_DIAG_BY_FAMILY, 0, 6, 10200).put(msg).attr(INET_DIAG_SHUTDOWN, shut).attr(INET_DIAG_MARK, mark);
  a.attr(INET_DIAG_CGROUP_ID, cgroup).attr(INET_DIAG_SOCKOPT, sockopt).end();
  EXPECT_EQ(line_s(recvfrom(a, NETLINK_SOCK_DIAG, 10200)),
            std::string("recvfrom(3, [{nlmsg_len=124, nlmsg_type=SOCK_DIAG_BY_FAMILY, nlmsg_flags=0, nlmsg_seq=6, "
                        "nlmsg_pid=10200}, {idiag_family=AF_INET, idiag_state=TCP_LISTEN, idiag_timer=0, "
                        "idiag_retrans=0, id={idiag_sport=htons(45678), idiag_dport=htons(0), "
                        "idiag_src=inet_addr(\"127.0.0.1\"), idiag_dst=inet_addr(\"0.0.0.0\"), idiag_if=0, "
                        "idiag_cookie=[15, 0]}, idiag_expires=0, idiag_rqueue=0, idiag_wqueue=1, idiag_uid=0, "
                        "idiag_inode=14352}, [[{nla_len=5, nla_type=INET_DIAG_SHUTDOWN}, 0], [{nla_len=8, "
                        "nla_type=INET_DIAG_MARK}, 0], [{nla_len=12, nla_type=INET_DIAG_CGROUP_ID}, 1], [{nla_len=6, "
                        "nla_type=INET_DIAG_SOCKOPT}, {is_icsk=1, mc_loop=1, mc_all=1}]]], 8192, 0") +
                kFromKernel + ") = 124\n");
}

TEST(StraceNetlink, SockDiagUnixAndNetlink) {
  unix_diag_req ureq{};
  ureq.sdiag_family = AF_UNIX;
  ureq.udiag_states = UINT32_MAX;
  ureq.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER;
  Nl u;
  u.msg(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 7, 0).put(ureq).end();
  EXPECT_EQ(line_s(sendto(u, NETLINK_SOCK_DIAG, 10200)),
            "sendto(3, [{nlmsg_len=40, nlmsg_type=SOCK_DIAG_BY_FAMILY, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, "
            "nlmsg_seq=7, nlmsg_pid=0}, {sdiag_family=AF_UNIX, sdiag_protocol=0, udiag_states=1<<TCP_ESTABLISHED|"
            "1<<TCP_SYN_SENT|1<<TCP_SYN_RECV|1<<TCP_FIN_WAIT1|1<<TCP_FIN_WAIT2|1<<TCP_TIME_WAIT|1<<TCP_CLOSE|"
            "1<<TCP_CLOSE_WAIT|1<<TCP_LAST_ACK|1<<TCP_LISTEN|1<<TCP_CLOSING|1<<TCP_NEW_SYN_RECV|0xffffe001, "
            "udiag_ino=0, udiag_show=UDIAG_SHOW_NAME|UDIAG_SHOW_PEER, udiag_cookie=[0, 0]}], 40, 0, NULL, 0) = 40\n");

  unix_diag_msg umsg{AF_UNIX, SOCK_STREAM, TCP_ESTABLISHED, 0, 1520, {18, 0}};
  uint32_t peer = 1521;
  uint8_t shut = 0;
  Nl ur;
  ur.msg(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, 7, 10200).put(umsg).attr(UNIX_DIAG_PEER, peer);
  ur.attr(UNIX_DIAG_SHUTDOWN, shut).end();
  EXPECT_EQ(line_s(recvfrom(ur, NETLINK_SOCK_DIAG, 10200)),
            std::string("recvfrom(3, [{nlmsg_len=48, nlmsg_type=SOCK_DIAG_BY_FAMILY, nlmsg_flags=NLM_F_MULTI, "
                        "nlmsg_seq=7, nlmsg_pid=10200}, {udiag_family=AF_UNIX, udiag_type=SOCK_STREAM, "
                        "udiag_state=TCP_ESTABLISHED, udiag_ino=1520, udiag_cookie=[18, 0]}, [[{nla_len=8, "
                        "nla_type=UNIX_DIAG_PEER}, 1521], [{nla_len=5, nla_type=UNIX_DIAG_SHUTDOWN}, 0]]], 8192, 0") +
                kFromKernel + ") = 48\n");
  // A name longer than -s, NUL included: cut with "...".
  Nl name;
  name.msg(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, 7, 10200).put(unix_diag_msg{AF_UNIX, SOCK_STREAM, TCP_ESTABLISHED, 0,
                                                                         9247, {19, 0}});
  name.attr_str(UNIX_DIAG_NAME, "/tmp/vmtest/runs.Xtfcc7/vfs.sock").end();
  EXPECT_NE(line_s(recvfrom(name, NETLINK_SOCK_DIAG, 10200))
                .find("[{nla_len=37, nla_type=UNIX_DIAG_NAME}, \"/tmp/vmtest/runs.Xtfcc7/vfs.sock\"...]"),
            std::string::npos);

  netlink_diag_req nreq{AF_NETLINK, NDIAG_PROTO_ALL, 0, 0, NDIAG_SHOW_MEMINFO, {0, 0}};
  Nl n;
  n.msg(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 8, 0).put(nreq).end();
  EXPECT_EQ(line_s(sendto(n, NETLINK_SOCK_DIAG, 10200)),
            "sendto(3, [{nlmsg_len=36, nlmsg_type=SOCK_DIAG_BY_FAMILY, nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, "
            "nlmsg_seq=8, nlmsg_pid=0}, {sdiag_family=AF_NETLINK, sdiag_protocol=NDIAG_PROTO_ALL, ndiag_ino=0, "
            "ndiag_show=NDIAG_SHOW_MEMINFO, ndiag_cookie=[0, 0]}], 36, 0, NULL, 0) = 36\n");
}

// nlload's requests with nested and struct attributes, as strace 6.1
// printed them: IFLA_MAP (and one too short for the struct), IFLA_LINKINFO
// of a kind strace has no data decoder for, RTA_VIA of each family and
// length, RTA_MULTIPATH with nexthops with and without attributes, and one
// nexthop alone.
TEST(StraceNetlink, NestedLinkAndRouteAttributes) {
  const unsigned char data[] = {8, 0, 1, 0, 0x2a, 0, 0, 0, 5, 0, 2, 0, 0x7f, 0, 0, 0};
  rtnl_link_ifmap map{0x1000, 0x1fff, 0, 11, 3, 255};
  Nl link;
  link.msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 8, 0).put(ifinfomsg{AF_UNSPEC, 0, 0, 0x7fffffff, 0, 0});
  link.attr(IFLA_MAP, map).nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "nlload", 7);
  link.attr(IFLA_INFO_DATA | NLA_F_NESTED, data, sizeof data).attr(IFLA_INFO_XSTATS, data, 6);
  link.attr(IFLA_INFO_SLAVE_KIND, "bond", 4).attr(IFLA_INFO_SLAVE_DATA, data, 8).attr(9, data, 4).unnest();
  link.attr(IFLA_MAP, &map, 20).nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "dummy", 5).unnest().end();
  EXPECT_EQ(line_s(sendto(link, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=184, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=8, "
            "nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=2147483647, ifi_flags=0, "
            "ifi_change=0}, [[{nla_len=36, nla_type=IFLA_MAP}, {mem_start=0x1000, mem_end=0x1fff, base_addr=0, "
            "irq=11, dma=3, port=255}], [{nla_len=76, nla_type=IFLA_LINKINFO}, [[{nla_len=11, "
            "nla_type=IFLA_INFO_KIND}, \"nlload\"], [{nla_len=20, nla_type=NLA_F_NESTED|IFLA_INFO_DATA}, "
            "\"\\x08\\x00\\x01\\x00\\x2a\\x00\\x00\\x00\\x05\\x00\\x02\\x00\\x7f\\x00\\x00\\x00\"], [{nla_len=10, "
            "nla_type=IFLA_INFO_XSTATS}, \"\\x08\\x00\\x01\\x00\\x2a\\x00\"], [{nla_len=8, "
            "nla_type=IFLA_INFO_SLAVE_KIND}, \"bond\"...], [{nla_len=12, nla_type=IFLA_INFO_SLAVE_DATA}, "
            "\"\\x08\\x00\\x01\\x00\\x2a\\x00\\x00\\x00\"], [{nla_len=8, nla_type=0x9 /* IFLA_INFO_??? */}, "
            "\"\\x08\\x00\\x01\\x00\"]]], [{nla_len=24, nla_type=IFLA_MAP}, "
            "\"\\x00\\x10\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\x1f\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"], "
            "[{nla_len=16, nla_type=IFLA_LINKINFO}, [{nla_len=9, nla_type=IFLA_INFO_KIND}, \"dummy\"...]]]], 184, 0, "
            "NULL, 0) = 184\n");

  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_dst_len = 200;
  r.rtm_table = RT_TABLE_MAIN;
  r.rtm_protocol = RTPROT_STATIC;
  r.rtm_type = RTN_UNICAST;
  unsigned char via[18] = {AF_INET6, 0, 0xfe, 0x80};
  via[17] = 1;
  Nl route;
  route.msg(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 10, 0).put(r);
  route.attr(RTA_VIA, via, sizeof via);
  via[0] = AF_INET;
  via[2] = 10;
  via[5] = 1;
  route.attr(RTA_VIA, via, 6).attr(RTA_VIA, via, 4);
  via[0] = AF_PACKET;
  route.attr(RTA_VIA, via, 8).nest(RTA_MULTIPATH);
  const uint8_t gw1[4] = {10, 0, 0, 1}, gw2[4] = {10, 0, 0, 2};
  route.nest_struct(rtnexthop{0, 0, 0, 1}).attr(RTA_GATEWAY, gw1).attr(RTA_PRIORITY, uint32_t{100}).unnest();
  route.nest_struct(rtnexthop{0, RTNH_F_ONLINK, 1, 0x7ffffff1}).attr(RTA_GATEWAY, gw2);
  route.attr(RTA_PRIORITY, uint32_t{100}).attr(RTA_VIA, via, 8).unnest();
  route.nest_struct(rtnexthop{0, 0x84, 2, 0x7ffffff2}).unnest().unnest();
  route.nest(RTA_MULTIPATH).nest_struct(rtnexthop{0, 0, 0, 1}).unnest().unnest().end();
  EXPECT_EQ(line_s(sendto(route, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=168, nlmsg_type=RTM_NEWROUTE, "
            "nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE, nlmsg_seq=10, nlmsg_pid=0}, "
            "{rtm_family=AF_INET, rtm_dst_len=200, rtm_src_len=0, rtm_tos=0, rtm_table=RT_TABLE_MAIN, "
            "rtm_protocol=RTPROT_STATIC, rtm_scope=RT_SCOPE_UNIVERSE, rtm_type=RTN_UNICAST, rtm_flags=0}, "
            "[[{nla_len=22, nla_type=RTA_VIA}, {rtvia_family=AF_INET6, inet_pton(AF_INET6, \"fe80::1\", "
            "&rtvia_addr)}], [{nla_len=10, nla_type=RTA_VIA}, {rtvia_family=AF_INET, "
            "rtvia_addr=inet_addr(\"10.128.0.1\")}], [{nla_len=8, nla_type=RTA_VIA}, {rtvia_family=AF_INET, "
            "rtvia_addr=\"\\x0a\\x80\"}], [{nla_len=12, nla_type=RTA_VIA}, {rtvia_family=AF_PACKET, "
            "rtvia_addr=\"\\x0a\\x80\\x00\\x01\\x00\\x00\"}], [{nla_len=72, nla_type=RTA_MULTIPATH}, [[{rtnh_len=24, "
            "rtnh_flags=0, rtnh_hops=0, rtnh_ifindex=if_nametoindex(\"lo\")}, [[{nla_len=8, nla_type=RTA_GATEWAY}, "
            "inet_addr(\"10.0.0.1\")], [{nla_len=8, nla_type=RTA_PRIORITY}, 100]]], [{rtnh_len=36, "
            "rtnh_flags=RTNH_F_ONLINK, rtnh_hops=1, rtnh_ifindex=2147483633}, [[{nla_len=8, "
            "nla_type=RTA_GATEWAY}, inet_addr(\"10.0.0.2\")], [{nla_len=8, nla_type=RTA_PRIORITY}, 100], "
            "[{nla_len=12, nla_type=RTA_VIA}, {rtvia_family=AF_PACKET, "
            "rtvia_addr=\"\\x0a\\x80\\x00\\x01\\x00\\x00\"}]]], {rtnh_len=8, rtnh_flags=RTNH_F_ONLINK|0x80, "
            "rtnh_hops=2, rtnh_ifindex=2147483634}]], [{nla_len=12, nla_type=RTA_MULTIPATH}, {rtnh_len=8, "
            "rtnh_flags=0, rtnh_hops=0, rtnh_ifindex=if_nametoindex(\"lo\")}]]], 168, 0, NULL, 0) = 168\n");
}

// IFLA_AF_SPEC (AF_INET's and AF_INET6's attributes, index arrays with an
// index strace has no name for, another family in hex) and IFLA_XDP, as
// strace 6.1 printed the request.
TEST(StraceNetlink, LinkAfSpecAndXdp) {
  const int32_t ints[4] = {0, 1, -1, 3};
  const uint64_t wide[7] = {0, 1, 2, 3, 4, 5, 6};
  const uint64_t token[2] = {0, 1};
  Nl link;
  link.msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 12, 0).put(ifinfomsg{AF_UNSPEC, 0, 0, 0x7fffffff, 0, 0});
  link.nest(IFLA_AF_SPEC).nest(AF_INET).attr(IFLA_INET_CONF, ints, 12).unnest();
  link.nest(AF_INET6).attr(IFLA_INET6_FLAGS, uint32_t{0x80000010}).attr(IFLA_INET6_CACHEINFO, ints, 16);
  link.attr(IFLA_INET6_ICMP6STATS, wide, sizeof wide).attr(IFLA_INET6_ADDR_GEN_MODE, uint8_t{4});
  link.attr(IFLA_INET6_TOKEN, token, sizeof token).unnest();
  link.attr(AF_BRIDGE, ints, 8).unnest();
  link.nest(IFLA_XDP).attr(IFLA_XDP_ATTACHED, uint8_t{2}).attr(IFLA_XDP_FLAGS, uint32_t{0xffffffff});
  link.attr(IFLA_XDP_PROG_ID, uint32_t{7}).unnest().end();
  EXPECT_EQ(line_s(sendto(link, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=216, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=12, "
            "nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=2147483647, ifi_flags=0, "
            "ifi_change=0}, [[{nla_len=156, nla_type=IFLA_AF_SPEC}, [[{nla_len=20, nla_type=AF_INET}, [{nla_len=16, "
            "nla_type=IFLA_INET_CONF}, [[IPV4_DEVCONF_FORWARDING-1]=0, [IPV4_DEVCONF_MC_FORWARDING-1]=1, "
            "[IPV4_DEVCONF_PROXY_ARP-1]=-1]]], [{nla_len=120, nla_type=AF_INET6}, [[{nla_len=8, "
            "nla_type=IFLA_INET6_FLAGS}, IF_RS_SENT|IF_READY], [{nla_len=20, nla_type=IFLA_INET6_CACHEINFO}, "
            "{max_reasm_len=0, tstamp=1, reachable_time=4294967295, retrans_time=3}], [{nla_len=60, "
            "nla_type=IFLA_INET6_ICMP6STATS}, [[ICMP6_MIB_NUM]=0, [ICMP6_MIB_INMSGS]=1, [ICMP6_MIB_INERRORS]=2, "
            "[ICMP6_MIB_OUTMSGS]=3, [ICMP6_MIB_OUTERRORS]=4, [ICMP6_MIB_CSUMERRORS]=5, [6 /* ICMP6_MIB_??? */]=6]], "
            "[{nla_len=5, nla_type=IFLA_INET6_ADDR_GEN_MODE}, 0x4 /* IN6_ADDR_GEN_MODE_??? */], [{nla_len=20, "
            "nla_type=IFLA_INET6_TOKEN}, inet_pton(AF_INET6, \"::100:0:0:0\")]]], [{nla_len=12, nla_type=AF_BRIDGE}, "
            "\"\\x00\\x00\\x00\\x00\\x01\\x00\\x00\\x00\"]]], [{nla_len=28, nla_type=IFLA_XDP}, [[{nla_len=5, "
            "nla_type=IFLA_XDP_ATTACHED}, XDP_ATTACHED_SKB], [{nla_len=8, nla_type=IFLA_XDP_FLAGS}, "
            "XDP_FLAGS_MODES|XDP_FLAGS_UPDATE_IF_NOEXIST|XDP_FLAGS_REPLACE|0xffffffe0], [{nla_len=8, "
            "nla_type=IFLA_XDP_PROG_ID}, 7]]]]], 216, 0, NULL, 0) = 216\n");
}

// RTA_ENCAP_TYPE and RTA_MFC_STATS (and one too short for the struct), as
// strace 6.1 printed the request.
TEST(StraceNetlink, RouteEncapTypeAndMfcStats) {
  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_dst_len = 200;
  const uint64_t mfc[3] = {1, 1500, 0xffffffffffULL};
  Nl route;
  route.msg(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK, 13, 0).put(r);
  route.attr(RTA_ENCAP_TYPE, uint16_t{1}).attr(RTA_ENCAP_TYPE, uint16_t{9});
  route.attr(RTA_MFC_STATS, mfc, 24).attr(RTA_MFC_STATS, mfc, 16).end();
  EXPECT_EQ(line_s(sendto(route, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=92, nlmsg_type=RTM_NEWROUTE, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=13, "
            "nlmsg_pid=0}, {rtm_family=AF_INET, rtm_dst_len=200, rtm_src_len=0, rtm_tos=0, "
            "rtm_table=RT_TABLE_UNSPEC, rtm_protocol=RTPROT_UNSPEC, rtm_scope=RT_SCOPE_UNIVERSE, rtm_type=RTN_UNSPEC, "
            "rtm_flags=0}, [[{nla_len=6, nla_type=RTA_ENCAP_TYPE}, LWTUNNEL_ENCAP_MPLS], [{nla_len=6, "
            "nla_type=RTA_ENCAP_TYPE}, 0x9 /* LWTUNNEL_ENCAP_??? */], [{nla_len=28, nla_type=RTA_MFC_STATS}, "
            "{mfcs_packets=1, mfcs_bytes=1500, mfcs_wrong_if=1099511627775}], [{nla_len=20, "
            "nla_type=RTA_MFC_STATS}, \"\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xdc\\x05\\x00\\x00\\x00\\x00\\x00\\x00\"]]], "
            "92, 0, NULL, 0) = 92\n");
}

// IFLA_LINKINFO whose IFLA_INFO_DATA (tun) and IFLA_INFO_XSTATS (can)
// strace decodes by the kind before them (a kind without its NUL read past
// the attribute, into the padding), as strace 6.1 printed the request.
TEST(StraceNetlink, LinkInfoTunDataAndCanXstats) {
  const uint32_t stats[6] = {1, 2, 3, 4, 5, 6};
  Nl link;
  link.msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 14, 0).put(ifinfomsg{});
  link.nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "tun", 3).nest(IFLA_INFO_DATA);
  link.attr(IFLA_TUN_GROUP, uint32_t{0xffffffff}).attr(IFLA_TUN_TYPE, uint8_t{2}).attr(IFLA_TUN_TYPE, uint8_t{3});
  link.attr(IFLA_TUN_PI, uint8_t{1}).attr(IFLA_TUN_NUM_QUEUES, uint32_t{4}).unnest();
  link.attr(IFLA_INFO_XSTATS, stats, 24).unnest();
  link.nest(IFLA_LINKINFO).attr(IFLA_INFO_KIND, "can", 4).attr(IFLA_INFO_DATA, uint32_t{4});
  link.attr(IFLA_INFO_XSTATS, stats, 24).unnest().end();
  EXPECT_EQ(line_s(sendto(link, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=164, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=14, "
            "nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=0, ifi_flags=0, ifi_change=0}, "
            "[[{nla_len=84, nla_type=IFLA_LINKINFO}, [[{nla_len=7, nla_type=IFLA_INFO_KIND}, \"tun\"...], "
            "[{nla_len=44, nla_type=IFLA_INFO_DATA}, [[{nla_len=8, nla_type=IFLA_TUN_GROUP}, -1], [{nla_len=5, "
            "nla_type=IFLA_TUN_TYPE}, IFF_TAP], [{nla_len=5, nla_type=IFLA_TUN_TYPE}, 0x3 /* IFF_??? */], "
            "[{nla_len=5, nla_type=IFLA_TUN_PI}, 1], [{nla_len=8, nla_type=IFLA_TUN_NUM_QUEUES}, 4]]], [{nla_len=28, "
            "nla_type=IFLA_INFO_XSTATS}, "
            "\"\\x01\\x00\\x00\\x00\\x02\\x00\\x00\\x00\\x03\\x00\\x00\\x00\\x04\\x00\\x00\\x00\\x05\\x00\\x00\\x00\\x06\\x00\\x00\\x00\"]]], "
            "[{nla_len=48, nla_type=IFLA_LINKINFO}, [[{nla_len=8, nla_type=IFLA_INFO_KIND}, \"can\"], [{nla_len=8, "
            "nla_type=IFLA_INFO_DATA}, \"\\x04\\x00\\x00\\x00\"], [{nla_len=28, nla_type=IFLA_INFO_XSTATS}, "
            "{bus_error=1, error_warning=2, error_passive=3, bus_off=4, arbitration_lost=5, restarts=6}]]]]], 164, 0, "
            "NULL, 0) = 164\n");
}

// IFLA_EVENT, IFLA_PROP_LIST and IFLA_PROTO_DOWN_REASON (each also too
// short for its value), as strace 6.1 printed the request.
TEST(StraceNetlink, LinkEventPropListAndProtoDownReason) {
  Nl link;
  link.msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 15, 0).put(ifinfomsg{});
  link.attr(IFLA_EVENT, uint32_t{2}).attr(IFLA_EVENT, uint32_t{7}).attr(IFLA_EVENT, uint16_t{7});
  link.nest(IFLA_PROP_LIST | NLA_F_NESTED).attr(IFLA_ALT_IFNAME, "alt0", 5).attr(IFLA_MTU, uint16_t{7}).unnest();
  link.nest(IFLA_PROTO_DOWN_REASON).attr(IFLA_PROTO_DOWN_REASON_MASK, uint32_t{0x8001});
  link.attr(IFLA_PROTO_DOWN_REASON_VALUE, uint32_t{0}).attr(IFLA_PROTO_DOWN_REASON_VALUE, uint16_t{0}).unnest().end();
  EXPECT_EQ(line_s(sendto(link, NETLINK_ROUTE, 10200)),
            "sendto(3, [{nlmsg_len=108, nlmsg_type=RTM_NEWLINK, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK, nlmsg_seq=15, "
            "nlmsg_pid=0}, {ifi_family=AF_UNSPEC, ifi_type=ARPHRD_NETROM, ifi_index=0, ifi_flags=0, ifi_change=0}, "
            "[[{nla_len=8, nla_type=IFLA_EVENT}, IFLA_EVENT_FEATURES], [{nla_len=8, nla_type=IFLA_EVENT}, 0x7 /* "
            "IFLA_EVENT_??? */], [{nla_len=6, nla_type=IFLA_EVENT}, \"\\x07\\x00\"], [{nla_len=24, "
            "nla_type=NLA_F_NESTED|IFLA_PROP_LIST}, [[{nla_len=9, nla_type=IFLA_ALT_IFNAME}, \"alt0\"], [{nla_len=6, "
            "nla_type=IFLA_MTU}, \"\\x07\\x00\"]]], [{nla_len=28, nla_type=IFLA_PROTO_DOWN_REASON}, [[{nla_len=8, "
            "nla_type=IFLA_PROTO_DOWN_REASON_MASK}, 0x8001], [{nla_len=8, nla_type=IFLA_PROTO_DOWN_REASON_VALUE}, 0], "
            "[{nla_len=6, nla_type=IFLA_PROTO_DOWN_REASON_VALUE}, \"\\x00\\x00\"]]]]], 108, 0, NULL, 0) = 108\n");
}

TEST(StraceNetlink, MessagesPastTheStringLimitAreCut) {
  // -s 2: two messages, then strace's "...".
  Nl m;
  for (uint32_t seq = 0; seq < 3; ++seq) m.msg(NLMSG_NOOP, 0, seq, 0).end();
  EXPECT_EQ(line_s(sendto(m, NETLINK_ROUTE, 1), 2),
            "sendto(3, [{nlmsg_len=16, nlmsg_type=NLMSG_NOOP, nlmsg_flags=0, nlmsg_seq=0, nlmsg_pid=0}, "
            "{nlmsg_len=16, nlmsg_type=NLMSG_NOOP, nlmsg_flags=0, nlmsg_seq=1, nlmsg_pid=0}, ...], 48, 0, NULL, 0) "
            "= 48\n");
  // Fewer bytes than a header: hex, cut at -s.
  Nl shortm;
  shortm.bytes("abc", 3);
  EXPECT_EQ(line_s(sendto(shortm, NETLINK_ROUTE, 1), 2), "sendto(3, \"\\x61\\x62\"..., 3, 0, NULL, 0) = 3\n");
}

}  // namespace
}  // namespace socktrace
