// strace text for each %network syscall. Every expected line was produced by
// strace 6.1 (`strace -f -o FILE`) on the reference machine running small C
// programs that make these calls; pointers and fds were copied into the
// events below so that the lines match character for character.

#include "core/strace_format.h"
#include "core/strace_names.h"

#include <signal.h>
#include <sys/stat.h>
#include <string>

#include <gtest/gtest.h>

#include "strace_event_builder.h"

namespace socktrace {
namespace {

using testing::EventBuilder;
using testing::Iov;
using testing::MsgHdr;

using testing::kP;

std::string line(const SyscallEvent& e, StraceOptions opt = {}) {
  std::string out;
  format_syscall(e, opt, WallClock(0), out);
  return out;
}

TEST(StraceFormat, Socket) {
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM, 0}, 3)),
            "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP}, 4)),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_TCP) = 4\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_UNIX, SOCK_SEQPACKET, 0}, 6)), "socket(AF_UNIX, SOCK_SEQPACKET, 0)      = 6\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_NETLINK, SOCK_RAW, 0}, 7)), "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) = 7\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_PACKET, SOCK_RAW, htons(3)}, 11)),
            "socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = 11\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {1234, SOCK_STREAM, 0}, -97)),
            "socket(0x4d2 /* AF_??? */, SOCK_STREAM, 0) = -1 EAFNOSUPPORT (Address family not supported by protocol)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET, 0x40 | SOCK_STREAM, 0}, -22)),
            "socket(AF_INET, SOCK_STREAM|0x40 /* SOCK_??? */, IPPROTO_IP) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET, 15, 0}, -22)),
            "socket(AF_INET, 0xf /* SOCK_??? */, IPPROTO_IP) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM, 250}, -93)),
            "socket(AF_INET, SOCK_STREAM, 0xfa /* IPPROTO_??? */) = -1 EPROTONOSUPPORT (Protocol not supported)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET6, SOCK_RAW, IPPROTO_ICMPV6}, 9)),
            "socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) = 9\n");
  // Alignment: " = " starts at column 39.
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_UNIX, SOCK_STREAM, 0}, 9)), "socket(AF_UNIX, SOCK_STREAM, 0)         = 9\n");
}

TEST(StraceFormat, Socketpair) {
  int fds[2] = {19, 20};
  EXPECT_EQ(line(EventBuilder(sys::kSocketpair, {AF_UNIX, SOCK_STREAM, 0, kP}, 0).blob(ST_BLOB_FDS, fds, 8)),
            "socketpair(AF_UNIX, SOCK_STREAM, 0, [19, 20]) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSocketpair, {AF_INET, SOCK_STREAM, 0, 0x7ffd8e798218}, -95)),
            "socketpair(AF_INET, SOCK_STREAM, 0, 0x7ffd8e798218) = -1 EOPNOTSUPP (Operation not supported)\n");
}

TEST(StraceFormat, BindConnectInet) {
  auto a = testing::inet4("127.0.0.1", 5000);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 16}, 0).blob(ST_BLOB_ADDR, &a, 16)),
            "bind(3, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0\n");
  auto r = testing::inet4("127.0.0.1", 5001);
  EXPECT_EQ(line(EventBuilder(sys::kConnect, {14, kP, 16}, -111).blob(ST_BLOB_ADDR, &r, 16)),
            "connect(14, {sa_family=AF_INET, sin_port=htons(5001), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 "
            "ECONNREFUSED (Connection refused)\n");
  EXPECT_EQ(line(EventBuilder(sys::kConnect, {14, kP, 16}, -115).blob(ST_BLOB_ADDR, &a, 16)),
            "connect(14, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 "
            "EINPROGRESS (Operation now in progress)\n");
  EXPECT_EQ(line(EventBuilder(sys::kConnect, {14, 0, 0}, -22)), "connect(14, NULL, 0)                    = -1 EINVAL (Invalid argument)\n");
  // Shorter than sockaddr_in: the raw bytes; longer: decoded, length as given.
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 4}, -22).blob(ST_BLOB_ADDR, &a, 4)),
            "bind(3, {sa_family=AF_INET, sa_data=\"\\23\\210\"}, 4) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 8}, -22).blob(ST_BLOB_ADDR, &a, 8)),
            "bind(3, {sa_family=AF_INET, sa_data=\"\\23\\210\\177\\0\\0\\1\"}, 8) = -1 EINVAL (Invalid argument)\n");
  std::string big(128, '\0');
  std::memcpy(big.data(), &a, 16);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 200}, -22).str(ST_BLOB_ADDR, big)),
            "bind(3, {sa_family=AF_INET, sin_port=htons(5000), sin_addr=inet_addr(\"127.0.0.1\")}, 200) = -1 EINVAL "
            "(Invalid argument)\n");
  // NULL, unreadable, too short to hold a family.
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, 0, 16}, -14)), "bind(6, NULL, 16)                       = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, 8, 16}, -14).fault(ST_BLOB_ADDR)),
            "bind(6, 0x8, 16)                        = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, 0x7ffd8e7985c0, 0}, -22)),
            "bind(6, 0x7ffd8e7985c0, 0)              = -1 EINVAL (Invalid argument)\n");
  auto bad = testing::inet4("255.255.255.255", 5999);
  std::memset(bad.sin_zero, 7, 8);
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {8, kP, 1, 0, kP, 15}, -22).str(ST_BLOB_DATA, "x").blob(ST_BLOB_ADDR, &bad, 15)),
            "sendto(8, \"x\", 1, 0, {sa_family=AF_INET, sa_data=\"\\27o\\377\\377\\377\\377\\7\\7\\7\\7\\7\\7\\7\"}, 15) = "
            "-1 EINVAL (Invalid argument)\n");
}

TEST(StraceFormat, SockaddrInet6) {
  auto a = testing::inet6("::1", 6000, 5);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {5, kP, 28}, 0).blob(ST_BLOB_ADDR, &a, 28)),
            "bind(5, {sa_family=AF_INET6, sin6_port=htons(6000), sin6_flowinfo=htonl(5), inet_pton(AF_INET6, \"::1\", "
            "&sin6_addr), sin6_scope_id=0}, 28) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {5, kP, 24}, -22).blob(ST_BLOB_ADDR, &a, 24)),
            "bind(5, {sa_family=AF_INET6, sin6_port=htons(6000), sin6_flowinfo=htonl(5), inet_pton(AF_INET6, \"::1\", "
            "&sin6_addr)}, 24) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {5, kP, 20}, -22).blob(ST_BLOB_ADDR, &a, 20)),
            "bind(5, {sa_family=AF_INET6, sa_data=\"\\27p\\0\\0\\0\\5\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\"}, 20) = -1 "
            "EINVAL (Invalid argument)\n");
  auto m = testing::inet6("::ffff:127.0.0.1", 7001);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {5, kP, 28}, -22).blob(ST_BLOB_ADDR, &m, 28)),
            "bind(5, {sa_family=AF_INET6, sin6_port=htons(7001), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "
            "\"::ffff:127.0.0.1\", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINVAL (Invalid argument)\n");
  // Link-local scopes are interface names of this host; others numbers.
  auto ll = testing::inet6("fe80::1", 7000, 0, 1);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {5, kP, 28}, -22).blob(ST_BLOB_ADDR, &ll, 28)),
            "bind(5, {sa_family=AF_INET6, sin6_port=htons(7000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "
            "\"fe80::1\", &sin6_addr), sin6_scope_id=if_nametoindex(\"lo\")}, 28) = -1 EINVAL (Invalid argument)\n");
  auto g = testing::inet6("2001:db8::1", 443, 0x12345, 7);
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {8, kP, 1, 0, kP, 28}, -97).str(ST_BLOB_DATA, "x").blob(ST_BLOB_ADDR, &g, 28)),
            "sendto(8, \"x\", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(74565), "
            "inet_pton(AF_INET6, \"2001:db8::1\", &sin6_addr), sin6_scope_id=7}, 28) = -1 EAFNOSUPPORT (Address "
            "family not supported by protocol)\n");
  auto f = testing::inet6("::", 443, 0xffffffff, 1);
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {8, kP, 1, 0, kP, 28}, -97).str(ST_BLOB_DATA, "x").blob(ST_BLOB_ADDR, &f, 28)),
            "sendto(8, \"x\", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(4294967295), "
            "inet_pton(AF_INET6, \"::\", &sin6_addr), sin6_scope_id=1}, 28) = -1 EAFNOSUPPORT (Address family not "
            "supported by protocol)\n");
}

TEST(StraceFormat, SockaddrUnixNetlinkOthers) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/tmp/fmtwork/sock");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, kP, 20}, 0).blob(ST_BLOB_ADDR, &un, 20)),
            "bind(6, {sa_family=AF_UNIX, sun_path=\"/tmp/fmtwork/sock\"}, 20) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, kP, 110}, -22).blob(ST_BLOB_ADDR, &un, 110)),
            "bind(6, {sa_family=AF_UNIX, sun_path=\"/tmp/fmtwork/sock\"}, 110) = -1 EINVAL (Invalid argument)\n");
  sockaddr_un abs{};
  abs.sun_family = AF_UNIX;
  std::memcpy(abs.sun_path, "\0abstract\n\"x", 12);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, kP, 14}, -22).blob(ST_BLOB_ADDR, &abs, 14)),
            "bind(6, {sa_family=AF_UNIX, sun_path=@\"abstract\\n\\\"x\"}, 14) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kBind, {6, kP, 2}, 0).blob(ST_BLOB_ADDR, &abs, 2)),
            "bind(6, {sa_family=AF_UNIX}, 2)         = 0\n");
  sockaddr_un full{};
  std::memset(&full, 'p', sizeof full);
  full.sun_family = AF_UNIX;
  EXPECT_EQ(line(EventBuilder(sys::kBind, {9, kP, 110}, 0).blob(ST_BLOB_ADDR, &full, 110)),
            "bind(9, {sa_family=AF_UNIX, sun_path=\"" + std::string(108, 'p') + "\"}, 110) = 0\n");
  std::memcpy(full.sun_path, "/a\0bc", 5);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {9, kP, 20}, -22).blob(ST_BLOB_ADDR, &full, 20)),
            "bind(9, {sa_family=AF_UNIX, sun_path=\"/a\"}, 20) = -1 EINVAL (Invalid argument)\n");

  struct {
    uint16_t family;
    uint16_t pad;
    uint32_t pid;
    uint32_t groups;
  } nl{AF_NETLINK, 0, 0, 0};
  EXPECT_EQ(line(EventBuilder(sys::kBind, {7, kP, 12}, 0).blob(ST_BLOB_ADDR, &nl, 12)),
            "bind(7, {sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 0\n");
  nl.pid = 1234;
  nl.groups = 0x11;
  EXPECT_EQ(line(EventBuilder(sys::kBind, {7, kP, 12}, -22).blob(ST_BLOB_ADDR, &nl, 12)),
            "bind(7, {sa_family=AF_NETLINK, nl_pid=1234, nl_groups=0x000011}, 12) = -1 EINVAL (Invalid argument)\n");

  std::string unknown(16, '\0');
  unknown[0] = 0x39;
  unknown[1] = 0x30;
  std::memcpy(unknown.data() + 2, "abc\1", 4);
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 16}, -97).str(ST_BLOB_ADDR, unknown)),
            "bind(3, {sa_family=0x3039 /* AF_??? */, sa_data=\"abc\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\"}, 16) = -1 "
            "EAFNOSUPPORT (Address family not supported by protocol)\n");
  std::string unspec(16, '\0');
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 16}, -22).str(ST_BLOB_ADDR, unspec)),
            "bind(3, {sa_family=AF_UNSPEC, sa_data=\"\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\"}, 16) = -1 EINVAL "
            "(Invalid argument)\n");
  unsigned char ll[20] = {AF_PACKET, 0, 0, 3, 1, 0, 0, 0};
  EXPECT_EQ(line(EventBuilder(sys::kBind, {3, kP, 20}, -97).blob(ST_BLOB_ADDR, ll, 20)),
            "bind(3, {sa_family=AF_PACKET, sll_protocol=htons(ETH_P_ALL), sll_ifindex=if_nametoindex(\"lo\"), "
            "sll_hatype=ARPHRD_NETROM, sll_pkttype=PACKET_HOST, sll_halen=0}, 20) = -1 EAFNOSUPPORT (Address family "
            "not supported by protocol)\n");
}

TEST(StraceFormat, ListenShutdown) {
  EXPECT_EQ(line(EventBuilder(sys::kListen, {3, 128}, 0)), "listen(3, 128)                          = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kListen, {3, 0xffffffff}, 0)), "listen(3, -1)                           = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kListen, {99, 5}, -9)), "listen(99, 5)                           = -1 EBADF (Bad file descriptor)\n");
  EXPECT_EQ(line(EventBuilder(sys::kShutdown, {15, SHUT_WR}, 0)), "shutdown(15, SHUT_WR)                   = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kShutdown, {15, SHUT_RDWR}, 0)), "shutdown(15, SHUT_RDWR)                 = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kShutdown, {15, 7}, -22)), "shutdown(15, 0x7 /* SHUT_??? */)        = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kShutdown, {3, 0xffffffff}, -22)),
            "shutdown(3, 0xffffffff /* SHUT_??? */)  = -1 EINVAL (Invalid argument)\n");
}

TEST(StraceFormat, AcceptAndSockname) {
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, 15)), "accept(3, NULL, NULL)                   = 15\n");
  auto peer = testing::inet4("127.0.0.1", 40268);
  EXPECT_EQ(line(EventBuilder(sys::kAccept4, {3, kP, kP + 128, SOCK_CLOEXEC | SOCK_NONBLOCK}, 16)
                     .u32s(ST_BLOB_INLENS, {128})
                     .u32s(ST_BLOB_OUTLENS, {16})
                     .blob(ST_BLOB_ADDR, &peer, 16)),
            "accept4(3, {sa_family=AF_INET, sin_port=htons(40268), sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16], "
            "SOCK_CLOEXEC|SOCK_NONBLOCK) = 16\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept4, {3, kP, kP + 128, SOCK_NONBLOCK | 0x4000}, -22)
                     .u32s(ST_BLOB_INLENS, {128})
                     .u32s(ST_BLOB_OUTLENS, {128})),
            "accept4(3, 0x7ffd8e798450, [128], SOCK_NONBLOCK|0x4000) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept4, {3, kP, kP + 128, 0x4000}, -22).u32s(ST_BLOB_INLENS, {128})),
            "accept4(3, 0x7ffd8e798450, [128], 0x4000 /* SOCK_??? */) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, kP, kP + 128}, -11).u32s(ST_BLOB_INLENS, {128})),
            "accept(3, 0x7ffd8e798450, [128])        = -1 EAGAIN (Resource temporarily unavailable)\n");
  auto local = testing::inet4("127.0.0.1", 40266);
  EXPECT_EQ(line(EventBuilder(sys::kGetsockname, {14, kP, kP + 128}, 0)
                     .u32s(ST_BLOB_INLENS, {16})
                     .u32s(ST_BLOB_OUTLENS, {16})
                     .blob(ST_BLOB_ADDR, &local, 16)),
            "getsockname(14, {sa_family=AF_INET, sin_port=htons(40266), sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 0\n");
  auto srv = testing::inet4("127.0.0.1", 5000);
  EXPECT_EQ(line(EventBuilder(sys::kGetpeername, {14, kP, kP + 128}, 0)
                     .u32s(ST_BLOB_INLENS, {4})
                     .u32s(ST_BLOB_OUTLENS, {16})
                     .blob(ST_BLOB_ADDR, &srv, 4)),
            "getpeername(14, {sa_family=AF_INET, sa_data=\"\\23\\210\"}, [4 => 16]) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kGetpeername, {14, 0, 0}, -14)),
            "getpeername(14, NULL, NULL)             = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kGetpeername, {14, kP, 0}, -14)),
            "getpeername(14, 0x7ffd8e798450, NULL)   = -1 EFAULT (Bad address)\n");
}

TEST(StraceFormat, SendtoStrings) {
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 6, 0, 0, 0}, 6).str(ST_BLOB_DATA, "hello\n")),
            "sendto(15, \"hello\\n\", 6, 0, NULL, 0)    = 6\n");
  std::string esc("\0\1\2\t\r\n\"\\\x7f\x80\xff?a\x1b" "7", 15);
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 15, MSG_NOSIGNAL | MSG_DONTWAIT, 0, 0}, 15).str(ST_BLOB_DATA, esc)),
            "sendto(15, \"\\0\\1\\2\\t\\r\\n\\\"\\\\\\177\\200\\377?a\\0337\", 15, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 15\n");
  // Minimal octal escapes unless an octal digit follows.
  std::string digits("\0" "8\0" "7\0" "9\1" "0\33[\177" "1\200" "9\10\13\14", 17);
  auto to = testing::inet4("127.0.0.1", 5999);
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {8, kP, 17, 0, kP, 16}, 17).str(ST_BLOB_DATA, digits).blob(ST_BLOB_ADDR, &to, 16)),
            "sendto(8, \"\\08\\0007\\09\\0010\\33[\\1771\\2009\\10\\v\\f\", 17, 0, {sa_family=AF_INET, "
            "sin_port=htons(5999), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 17\n");
  std::string data;
  for (int i = 0; i < 200; ++i) data += "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 200, 0, 0, 0}, 200).str(ST_BLOB_DATA, data.substr(0, 32))),
            "sendto(15, \"abcdefghijklmnopqrstuvwxyz012345\"..., 200, 0, NULL, 0) = 200\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 32, 0, 0, 0}, 32).str(ST_BLOB_DATA, data.substr(0, 32))),
            "sendto(15, \"abcdefghijklmnopqrstuvwxyz012345\", 32, 0, NULL, 0) = 32\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 33, 0, 0, 0}, 33).str(ST_BLOB_DATA, data.substr(0, 32))),
            "sendto(15, \"abcdefghijklmnopqrstuvwxyz012345\"..., 33, 0, NULL, 0) = 33\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 0, 0, 0, 0}, 0)), "sendto(15, \"\", 0, 0, NULL, 0)           = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, 1, 10, 0, 0, 0}, -14).fault(ST_BLOB_DATA)),
            "sendto(15, 0x1, 10, 0, NULL, 0)         = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 10, 0x80000000u, 0, 0}, 10).str(ST_BLOB_DATA, "abcdefghij")),
            "sendto(15, \"abcdefghij\", 10, MSG_CMSG_COMPAT, NULL, 0) = 10\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 10, MSG_MORE | MSG_OOB | MSG_EOR | MSG_CONFIRM, 0, 0}, 10)
                     .str(ST_BLOB_DATA, "abcdefghij")),
            "sendto(15, \"abcdefghij\", 10, MSG_OOB|MSG_EOR|MSG_CONFIRM|MSG_MORE, NULL, 0) = 10\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {17, kP, 4, 0, 0, 16}, -89).str(ST_BLOB_DATA, "ping")),
            "sendto(17, \"ping\", 4, 0, NULL, 16)      = -1 EDESTADDRREQ (Destination address required)\n");
  auto ua = testing::inet4("127.0.0.1", 5300);
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {17, kP, 4, 0, kP, 5}, -22).str(ST_BLOB_DATA, "ping").blob(ST_BLOB_ADDR, &ua, 5)),
            "sendto(17, \"ping\", 4, 0, {sa_family=AF_INET, sa_data=\"\\24\\264\\177\"}, 5) = -1 EINVAL (Invalid "
            "argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {8, kP, 1, 0, 0x7ffc36dfbdf0, 0xffffffff}, -22).str(ST_BLOB_DATA, "x")),
            "sendto(8, \"x\", 1, 0, 0x7ffc36dfbdf0, -1) = -1 EINVAL (Invalid argument)\n");
  // -s 5
  StraceOptions s5;
  s5.string_limit = 5;
  EXPECT_EQ(line(EventBuilder(sys::kSendto, {15, kP, 6, 0, 0, 0}, 6).str(ST_BLOB_DATA, "hello"), s5),
            "sendto(15, \"hello\"..., 6, 0, NULL, 0)   = 6\n");
}

TEST(StraceFormat, Recvfrom) {
  constexpr uint64_t kBuf = 0x7ffd8e798250, kFrom = 0x7ffd8e798240, kLen = 0x7ffd8e798230;
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {16, kBuf, 300, MSG_PEEK | MSG_DONTWAIT, 0, 0}, 5).str(ST_BLOB_DATA, "efghi")),
            "recvfrom(16, \"efghi\", 300, MSG_PEEK|MSG_DONTWAIT, NULL, NULL) = 5\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {16, kBuf, 300, 0, kFrom, kLen}, 5)
                     .str(ST_BLOB_DATA, "efghi")
                     .u32s(ST_BLOB_INLENS, {16})
                     .u32s(ST_BLOB_OUTLENS, {0})),
            "recvfrom(16, \"efghi\", 300, 0, 0x7ffd8e798240, [16 => 0]) = 5\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {16, kBuf, 300, MSG_DONTWAIT, kFrom, kLen}, -11)
                     .u32s(ST_BLOB_INLENS, {0})
                     .u32s(ST_BLOB_OUTLENS, {0})),
            "recvfrom(16, 0x7ffd8e798250, 300, MSG_DONTWAIT, 0x7ffd8e798240, [0]) = -1 EAGAIN (Resource temporarily "
            "unavailable)\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {18, kBuf, 300, MSG_DONTWAIT, kFrom, 0}, -11)),
            "recvfrom(18, 0x7ffd8e798250, 300, MSG_DONTWAIT, 0x7ffd8e798240, NULL) = -1 EAGAIN (Resource temporarily "
            "unavailable)\n");
  auto from = testing::inet4("127.0.0.1", 47562);
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {18, kBuf, 300, 0, kFrom, kLen}, 4)
                     .str(ST_BLOB_DATA, "ping")
                     .u32s(ST_BLOB_INLENS, {16})
                     .u32s(ST_BLOB_OUTLENS, {16})
                     .blob(ST_BLOB_ADDR, &from, 16)),
            "recvfrom(18, \"ping\", 300, 0, {sa_family=AF_INET, sin_port=htons(47562), "
            "sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 4\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {18, kBuf, 300, 0, kFrom, kLen}, 4)
                     .str(ST_BLOB_DATA, "pong")
                     .u32s(ST_BLOB_INLENS, {4})
                     .u32s(ST_BLOB_OUTLENS, {16})
                     .blob(ST_BLOB_ADDR, &from, 4)),
            "recvfrom(18, \"pong\", 300, 0, {sa_family=AF_INET, sa_data=\"\\271\\312\"}, [4 => 16]) = 4\n");
  std::string got("hello\n\0\1\2\t\r\n\"\\\x7f\x80\xff?a\x1b" "7abcdefghijk", 32);
  EXPECT_EQ(line(EventBuilder(sys::kRecvfrom, {16, kBuf, 300, 0, 0, 0}, 300).str(ST_BLOB_DATA, got)),
            "recvfrom(16, \"hello\\n\\0\\1\\2\\t\\r\\n\\\"\\\\\\177\\200\\377?a\\0337abcdefghijk\"..., 300, 0, NULL, NULL) = "
            "300\n");
}

TEST(StraceFormat, Setsockopt) {
  int one = 1;
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEADDR, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEPORT, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, SOL_SOCKET, SO_REUSEPORT, [1], 4) = 0\n");
  int lg[2] = {1, 0};
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_LINGER, kP, 8}, 0).blob(ST_BLOB_OPTVAL, lg, 8)),
            "setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_LINGER, 0x7ffd8e798754, 4}, -22).blob(ST_BLOB_OPTVAL, lg, 4)),
            "setsockopt(3, SOL_SOCKET, SO_LINGER, 0x7ffd8e798754, 4) = -1 EINVAL (Invalid argument)\n");
  long tv[2] = {5, 250000};
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_RCVTIMEO, kP, 16}, 0).blob(ST_BLOB_OPTVAL, tv, 16)),
            "setsockopt(3, SOL_SOCKET, SO_RCVTIMEO_OLD, \"\\5\\0\\0\\0\\0\\0\\0\\0\\220\\320\\3\\0\\0\\0\\0\\0\", 16) = 0\n");
  int big = 65536;
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_SNDBUF, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &big, 4)),
            "setsockopt(3, SOL_SOCKET, SO_SNDBUF, [65536], 4) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, IPPROTO_TCP, 1, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, IPPROTO_TCP, 999, kP, 4}, -92).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, SOL_TCP, 0x3e7 /* TCP_??? */, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, 999, kP, 4}, -92).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, SOL_SOCKET, 0x3e7 /* SO_??? */, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, 999, 5, kP, 4}, -92).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, 0x3e7 /* SOL_?? */, 5, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {5, IPPROTO_IPV6, 26, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(5, SOL_IPV6, IPV6_V6ONLY, [1], 4) = 0\n");
  int tos = 16;
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, IPPROTO_IP, 1, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &tos, 4)),
            "setsockopt(3, SOL_IP, IP_TOS, [16], 4)  = 0\n");
  // Int options at SOL_SOCKET: too short is a pointer, longer still an int.
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEADDR, 0x7ffd8e79875c, 2}, -22).blob(ST_BLOB_OPTVAL, &one, 2)),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 0x7ffd8e79875c, 2) = -1 EINVAL (Invalid argument)\n");
  long long v8 = 1;
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEADDR, kP, 8}, 0).blob(ST_BLOB_OPTVAL, &v8, 8)),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 8) = 0\n");
  // Elsewhere, anything but 4 bytes is a string.
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, IPPROTO_TCP, 1, kP, 8}, 0).blob(ST_BLOB_OPTVAL, &v8, 8)),
            "setsockopt(3, SOL_TCP, TCP_NODELAY, \"\\1\\0\\0\\0\\0\\0\\0\\0\", 8) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, IPPROTO_TCP, 13, kP, 5}, 0).str(ST_BLOB_OPTVAL, "cubic")),
            "setsockopt(3, SOL_TCP, TCP_CONGESTION, \"cubic\", 5) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEADDR, 0, 4}, -14)),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, NULL, 4) = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEADDR, 1, 4}, -14).fault(ST_BLOB_OPTVAL)),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR, 0x1, 4) = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_BINDTODEVICE, kP, 3}, 0).blob(ST_BLOB_OPTVAL, "lo", 3)),
            "setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, \"lo\\0\", 3) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_BINDTODEVICE, kP, 40}, -19).str(ST_BLOB_OPTVAL, std::string(40, 'x'))),
            "setsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"..., 40) = -1 ENODEV (No "
            "such device)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, 17, 1, kP, 4}, -92).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, SOL_UDP, UDP_CORK, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, 0xffffffff, 1, kP, 4}, -92).blob(ST_BLOB_OPTVAL, &one, 4)),
            "setsockopt(3, 0xffffffff /* SOL_?? */, 1, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, 74, kP, 8}, 0).blob(ST_BLOB_OPTVAL, &v8, 8)),
            "setsockopt(3, SOL_SOCKET, SO_TXREHASH, [SOCK_TXREHASH_ENABLED], 8) = 0\n");
  int32_t five = 5;
  EXPECT_EQ(line(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, 74, kP, 4}, -22).blob(ST_BLOB_OPTVAL, &five, 4)),
            "setsockopt(3, SOL_SOCKET, SO_TXREHASH, [5 /* SOCK_TXREHASH_??? */], 4) = -1 EINVAL (Invalid argument)\n");
}

TEST(StraceFormat, Getsockopt) {
  auto get = [](uint32_t level, uint32_t name, uint32_t in, uint32_t out, const void* v, std::size_t n, int64_t ret = 0) {
    return line(EventBuilder(sys::kGetsockopt, {3, level, name, kP, kP + 64}, ret)
                    .u32s(ST_BLOB_INLENS, {in})
                    .u32s(ST_BLOB_OUTLENS, {out})
                    .blob(ST_BLOB_OPTVAL, v, n));
  };
  int zero = 0, one = 1, rcv = 131072, refused = 111;
  EXPECT_EQ(get(SOL_SOCKET, SO_ERROR, 4, 4, &zero, 4), "getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_ERROR, 4, 4, &refused, 4),
            "getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_TYPE, 4, 4, &one, 4), "getsockopt(3, SOL_SOCKET, SO_TYPE, [1], [4]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_RCVBUF, 8, 4, &rcv, 4),
            "getsockopt(3, SOL_SOCKET, SO_RCVBUF, [131072], [8 => 4]) = 0\n");
  int lg[2] = {1, 0};
  EXPECT_EQ(get(SOL_SOCKET, SO_LINGER, 8, 8, lg, 8),
            "getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, [8]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_LINGER, 2, 2, lg, 2),
            "getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=\"\\x01\\x00\"}, [2]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_KEEPALIVE, 1, 1, &one, 1), "getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, \"\\x01\", [1]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_TYPE, 2, 2, &one, 2), "getsockopt(3, SOL_SOCKET, SO_TYPE, \"\\1\\0\", [2]) = 0\n");
  int cred[3] = {27491, 0, 0};
  EXPECT_EQ(get(SOL_SOCKET, SO_PEERCRED, 12, 12, cred, 12),
            "getsockopt(3, SOL_SOCKET, SO_PEERCRED, {pid=27491, uid=0, gid=0}, [12]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_PEERCRED, 4, 4, &zero, 4), "getsockopt(3, SOL_SOCKET, SO_PEERCRED, {pid=0}, [4]) = 0\n");
  EXPECT_EQ(get(IPPROTO_TCP, 1, 4, 4, &one, 4), "getsockopt(3, SOL_TCP, TCP_NODELAY, [1], [4]) = 0\n");
  EXPECT_EQ(get(IPPROTO_TCP, 13, 100, 16, "cubic\0\0\0\0\0\0\0\0\0\0\0", 16),
            "getsockopt(3, SOL_TCP, TCP_CONGESTION, \"cubic\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\", [100 => 16]) = 0\n");
  EXPECT_EQ(get(SOL_SOCKET, SO_BINDTODEVICE, 64, 3, "lo", 3),
            "getsockopt(3, SOL_SOCKET, SO_BINDTODEVICE, \"lo\\0\", [64 => 3]) = 0\n");
  unsigned char info[64] = {7, 0, 0, 0, 0, 0, 0, 1, '@', 'B', 15};
  EXPECT_EQ(get(IPPROTO_TCP, 11, 100, 100, info, 64),
            "getsockopt(3, SOL_TCP, TCP_INFO, \"\\7\\0\\0\\0\\0\\0\\0\\1@B\\17\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"
            "\\0\\0\\0\\0\"..., [100]) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kGetsockopt, {3, SOL_SOCKET, SO_KEEPALIVE, 0x7ffc36dfc08c, kP}, 0)
                     .u32s(ST_BLOB_INLENS, {0})
                     .u32s(ST_BLOB_OUTLENS, {0})),
            "getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, 0x7ffc36dfc08c, [0]) = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kGetsockopt, {3, SOL_SOCKET, SO_ERROR, 0x7ffd8e798730, 0}, -14)),
            "getsockopt(3, SOL_SOCKET, SO_ERROR, 0x7ffd8e798730, NULL) = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kGetsockopt, {99, SOL_SOCKET, SO_ERROR, 0x7ffd8e798730, kP}, -9).u32s(ST_BLOB_INLENS, {4})),
            "getsockopt(99, SOL_SOCKET, SO_ERROR, 0x7ffd8e798730, [4]) = -1 EBADF (Bad file descriptor)\n");
  EXPECT_EQ(line(EventBuilder(sys::kGetsockopt, {3, 999, 5, 0x7ffd8e798730, kP}, -95).u32s(ST_BLOB_INLENS, {4})),
            "getsockopt(3, 0x3e7 /* SOL_?? */, 5, 0x7ffd8e798730, [4]) = -1 EOPNOTSUPP (Operation not supported)\n");
}

TEST(StraceFormat, Sendmsg) {
  MsgHdr h;
  h.iov = 0x1000;
  h.iovlen = 3;
  Iov iov[3] = {{0x2000, 5}, {0x3000, 7}, {0x4000, 40}};
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {21, kP, 0}, 52)
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, sizeof iov)
                     .str(ST_BLOB_DATA, "hello", 0, 0)
                     .str(ST_BLOB_DATA, " world\n", 0, 1)
                     .str(ST_BLOB_DATA, "abcdefghijklmnopqrstuvwxyz012345", 0, 2)),
            "sendmsg(21, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hello\", iov_len=5}, {iov_base=\" world\\n\", "
            "iov_len=7}, {iov_base=\"abcdefghijklmnopqrstuvwxyz012345\"..., iov_len=40}], msg_iovlen=3, "
            "msg_controllen=0, msg_flags=0}, 0) = 52\n");

  // SCM_RIGHTS
  h.iovlen = 1;
  h.control = 0x5000;
  h.controllen = 24;
  struct {
    uint64_t len;
    int32_t level, type;
    int32_t fds[2];
  } cm{20 + 4, SOL_SOCKET, 1, {0, 1}};
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {21, kP, MSG_NOSIGNAL}, 5)
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, 16)
                     .str(ST_BLOB_DATA, "hello")
                     .blob(ST_BLOB_CONTROL, &cm, 24)),
            "sendmsg(21, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hello\", iov_len=5}], msg_iovlen=1, "
            "msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[0, 1]}], "
            "msg_controllen=24, msg_flags=0}, MSG_NOSIGNAL) = 5\n");

  // Two cmsgs, one at an unknown level; and a control too short for one.
  h.controllen = 48;
  unsigned char two[48] = {};
  uint64_t l20 = 20;
  int32_t sol = SOL_SOCKET, rights = 1, fd1 = 1, ip = 0, ttl = 2, v64 = 64, unk = 999, five = 5;
  std::memcpy(two, &l20, 8);
  std::memcpy(two + 8, &sol, 4);
  std::memcpy(two + 12, &rights, 4);
  std::memcpy(two + 16, &fd1, 4);
  std::memcpy(two + 24, &l20, 8);
  std::memcpy(two + 32, &ip, 4);
  std::memcpy(two + 36, &ttl, 4);
  std::memcpy(two + 40, &v64, 4);
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {11, kP, 0}, 2)
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, 16)
                     .str(ST_BLOB_DATA, "hi")
                     .blob(ST_BLOB_CONTROL, two, 48)),
            "sendmsg(11, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hi\", iov_len=5}], msg_iovlen=1, "
            "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[1]}, {cmsg_len=20, "
            "cmsg_level=SOL_IP, cmsg_type=IP_TTL, cmsg_data=[64]}], msg_controllen=48, msg_flags=0}, 0) = 2\n");
  std::memcpy(two + 8, &unk, 4);
  std::memcpy(two + 12, &five, 4);
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {11, kP, 0}, 2)
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, 16)
                     .str(ST_BLOB_DATA, "hi")
                     .blob(ST_BLOB_CONTROL, two, 48)),
            "sendmsg(11, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hi\", iov_len=5}], msg_iovlen=1, "
            "msg_control=[{cmsg_len=20, cmsg_level=0x3e7 /* SOL_??? */, cmsg_type=0x5}, {cmsg_len=20, "
            "cmsg_level=SOL_IP, cmsg_type=IP_TTL, cmsg_data=[64]}], msg_controllen=48, msg_flags=0}, 0) = 2\n");
  h.control = 0x7fff66894170;
  h.controllen = 10;
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {11, kP, 0}, 2)
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, 16)
                     .str(ST_BLOB_DATA, "hi")
                     .blob(ST_BLOB_CONTROL, two, 10)),
            "sendmsg(11, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hi\", iov_len=5}], msg_iovlen=1, "
            "msg_control=0x7fff66894170, msg_controllen=10, msg_flags=0}, 0) = 2\n");

  // A destination, a NULL iov array, a bad pointer inside the array.
  MsgHdr named;
  named.name = 0x6000;
  named.namelen = 16;
  auto ua = testing::inet4("127.0.0.1", 5300);
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {17, kP, 0}, 0).blob(ST_BLOB_MSGHDR, &named, sizeof named).blob(ST_BLOB_ADDR, &ua, 16)),
            "sendmsg(17, {msg_name={sa_family=AF_INET, sin_port=htons(5300), sin_addr=inet_addr(\"127.0.0.1\")}, "
            "msg_namelen=16, msg_iov=NULL, msg_iovlen=0, msg_controllen=0, msg_flags=0}, 0) = 0\n");
  MsgHdr badiov;
  badiov.iov = 0x1000;
  badiov.iovlen = 2;
  Iov bi[2] = {{0x2000, 1}, {1, 1}};
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {11, kP, 0}, -14)
                     .blob(ST_BLOB_MSGHDR, &badiov, sizeof badiov)
                     .blob(ST_BLOB_IOVEC, bi, sizeof bi)
                     .str(ST_BLOB_DATA, "z", 0, 0)
                     .fault(ST_BLOB_DATA, 0, 1)),
            "sendmsg(11, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"z\", iov_len=1}, {iov_base=0x1, "
            "iov_len=1}], msg_iovlen=2, msg_controllen=0, msg_flags=0}, 0) = -1 EFAULT (Bad address)\n");
  badiov.iov = 1;
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {11, kP, 0}, -14).blob(ST_BLOB_MSGHDR, &badiov, sizeof badiov).fault(ST_BLOB_IOVEC)),
            "sendmsg(11, {msg_name=NULL, msg_namelen=0, msg_iov=0x1, msg_iovlen=2, msg_controllen=0, msg_flags=0}, 0) "
            "= -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {17, 0, 0}, -14)), "sendmsg(17, NULL, 0)                    = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {17, 1, 0}, -14).fault(ST_BLOB_MSGHDR)),
            "sendmsg(17, 0x1, 0)                     = -1 EFAULT (Bad address)\n");
}

TEST(StraceFormat, Recvmsg) {
  MsgHdr h;
  h.name = 0x7ffd8e798000;
  h.namelen = 0;
  h.iov = 0x1000;
  h.iovlen = 2;
  Iov iov[2] = {{0x2000, 4}, {0x3000, 100}};
  EXPECT_EQ(line(EventBuilder(sys::kRecvmsg, {22, kP, 0}, 52)
                     .u32s(ST_BLOB_INLENS, {110, 64})
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, sizeof iov)
                     .str(ST_BLOB_DATA, "hell", 0, 0)
                     .str(ST_BLOB_DATA, "o world\nabcdefghijklmnopqrstuvwx", 0, 1)),
            "recvmsg(22, {msg_name=0x7ffd8e798000, msg_namelen=110 => 0, msg_iov=[{iov_base=\"hell\", iov_len=4}, "
            "{iov_base=\"o world\\nabcdefghijklmnopqrstuvwx\"..., iov_len=100}], msg_iovlen=2, msg_controllen=0, "
            "msg_flags=0}, 0) = 52\n");
  h.control = 0x5000;
  h.controllen = 24;
  h.flags = MSG_CMSG_CLOEXEC;
  struct {
    uint64_t len;
    int32_t level, type;
    int32_t fds[2];
  } cm{24, SOL_SOCKET, 1, {23, 24}};
  EXPECT_EQ(line(EventBuilder(sys::kRecvmsg, {22, kP, MSG_CMSG_CLOEXEC}, 5)
                     .u32s(ST_BLOB_INLENS, {110, 64})
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, sizeof iov)
                     .str(ST_BLOB_DATA, "hell", 0, 0)
                     .str(ST_BLOB_DATA, "o", 0, 1)
                     .blob(ST_BLOB_CONTROL, &cm, 24)),
            "recvmsg(22, {msg_name=0x7ffd8e798000, msg_namelen=110 => 0, msg_iov=[{iov_base=\"hell\", iov_len=4}, "
            "{iov_base=\"o\", iov_len=100}], msg_iovlen=2, msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, "
            "cmsg_type=SCM_RIGHTS, cmsg_data=[23, 24]}], msg_controllen=24, msg_flags=MSG_CMSG_CLOEXEC}, "
            "MSG_CMSG_CLOEXEC) = 5\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvmsg, {22, kP, MSG_DONTWAIT}, -11).u32s(ST_BLOB_INLENS, {110, 64})),
            "recvmsg(22, {msg_namelen=110}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)\n");
  // Credentials, whole and cut short by MSG_CTRUNC.
  MsgHdr c;
  c.iov = 0x1000;
  c.iovlen = 1;
  c.control = 0x5000;
  c.controllen = 32;
  Iov one{0x2000, 10};
  struct {
    uint64_t len;
    int32_t level, type;
    int32_t pid, uid, gid, pad;
  } cred{28, SOL_SOCKET, 2, 30393, 0, 0, 0};
  EXPECT_EQ(line(EventBuilder(sys::kRecvmsg, {12, kP, 0}, 2)
                     .u32s(ST_BLOB_INLENS, {0, 200})
                     .blob(ST_BLOB_MSGHDR, &c, sizeof c)
                     .blob(ST_BLOB_IOVEC, &one, 16)
                     .str(ST_BLOB_DATA, "hi")
                     .blob(ST_BLOB_CONTROL, &cred, 32)),
            "recvmsg(12, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hi\", iov_len=10}], msg_iovlen=1, "
            "msg_control=[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=30393, uid=0, "
            "gid=0}}], msg_controllen=32, msg_flags=0}, 0) = 2\n");
  c.controllen = 20;
  c.flags = MSG_CTRUNC;
  cred.len = 20;
  EXPECT_EQ(line(EventBuilder(sys::kRecvmsg, {12, kP, 0}, 2)
                     .u32s(ST_BLOB_INLENS, {0, 20})
                     .blob(ST_BLOB_MSGHDR, &c, sizeof c)
                     .blob(ST_BLOB_IOVEC, &one, 16)
                     .str(ST_BLOB_DATA, "hi")
                     .blob(ST_BLOB_CONTROL, &cred, 20)),
            "recvmsg(12, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hi\", iov_len=10}], msg_iovlen=1, "
            "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS}], msg_controllen=20, "
            "msg_flags=MSG_CTRUNC}, 0) = 2\n");
}

TEST(StraceFormat, Mmsg) {
  auto ua = testing::inet4("127.0.0.1", 5300);
  MsgHdr h0, h1;
  h0.name = h1.name = 0x6000;
  h0.namelen = h1.namelen = 16;
  h0.iov = 0x1000;
  h0.iovlen = 1;
  h1.iov = 0x1100;
  h1.iovlen = 2;
  Iov i0{0x2000, 3};
  Iov i1[2] = {{0x2100, 3}, {0x2200, 1}};
  EventBuilder send(307, {17, kP, 2, 0}, 2);
  send.blob(ST_BLOB_MSGHDR, &h0, sizeof h0, 0)
      .blob(ST_BLOB_ADDR, &ua, 16, 0)
      .blob(ST_BLOB_IOVEC, &i0, 16, 0)
      .str(ST_BLOB_DATA, "one", 0, 0)
      .blob(ST_BLOB_MSGHDR, &h1, sizeof h1, 1)
      .blob(ST_BLOB_ADDR, &ua, 16, 1)
      .blob(ST_BLOB_IOVEC, i1, 32, 1)
      .str(ST_BLOB_DATA, "two", 1, 0)
      .str(ST_BLOB_DATA, "2", 1, 1)
      .u32s(ST_BLOB_MMSGLEN, {3, 4});
  const std::string addr = "{sa_family=AF_INET, sin_port=htons(5300), sin_addr=inet_addr(\"127.0.0.1\")}";
  EXPECT_EQ(line(send),
            "sendmmsg(17, [{msg_hdr={msg_name=" + addr +
                ", msg_namelen=16, msg_iov=[{iov_base=\"one\", iov_len=3}], msg_iovlen=1, msg_controllen=0, "
                "msg_flags=0}, msg_len=3}, {msg_hdr={msg_name=" + addr +
                ", msg_namelen=16, msg_iov=[{iov_base=\"two\", iov_len=3}, {iov_base=\"2\", iov_len=1}], msg_iovlen=2, "
                "msg_controllen=0, msg_flags=0}, msg_len=4}], 2, 0) = 2\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendmmsg, {17, kP, 0, 0}, 0)), "sendmmsg(17, [], 0, 0)                  = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendmmsg, {17, 0, 2, 0}, -14)), "sendmmsg(17, NULL, 2, 0)                = -1 EFAULT (Bad address)\n");

  // Partly sent: msg_len only for the messages the call reports.
  MsgHdr p;
  p.iov = 0x1000;
  p.iovlen = 1;
  Iov hi{0x2000, 2};
  EventBuilder partial(307, {11, kP, 2, 0}, 1);
  partial.blob(ST_BLOB_MSGHDR, &p, sizeof p, 0)
      .blob(ST_BLOB_IOVEC, &hi, 16, 0)
      .str(ST_BLOB_DATA, "hi", 0, 0)
      .blob(ST_BLOB_MSGHDR, &p, sizeof p, 1)
      .blob(ST_BLOB_IOVEC, &hi, 16, 1)
      .str(ST_BLOB_DATA, "hi", 1, 0)
      .u32s(ST_BLOB_MMSGLEN, {2, 0});
  const std::string m = "msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hi\", iov_len=2}], msg_iovlen=1, "
                        "msg_controllen=0, msg_flags=0}";
  EXPECT_EQ(line(partial), "sendmmsg(11, [{" + m + ", msg_len=2}, {" + m + "}], 2, 0) = 1\n");

  // recvmmsg: msg_len bounds the data shown; the entry namelen is kept.
  auto from = testing::inet4("127.0.0.1", 47562);
  MsgHdr r0, r1;
  r0.name = r1.name = 0x6000;
  r0.namelen = r1.namelen = 16;
  r0.iov = r1.iov = 0x1000;
  r0.iovlen = r1.iovlen = 1;
  r1.flags = MSG_TRUNC;
  Iov ri0{0x2000, 10}, ri1{0x2100, 2};
  uint64_t ts[2] = {1, 500}, left[2] = {0, 999998277};
  EventBuilder recv(299, {18, kP, 3, MSG_DONTWAIT, 0x7000}, 2);
  recv.u32s(ST_BLOB_INLENS, {128, 0, 16, 0, 16, 0})
      .blob(ST_BLOB_TIMEOUT, ts, 16, 0)
      .blob(ST_BLOB_TIMEOUT, left, 16, 1)
      .blob(ST_BLOB_MSGHDR, &r0, sizeof r0, 0)
      .blob(ST_BLOB_ADDR, &from, 16, 0)
      .blob(ST_BLOB_IOVEC, &ri0, 16, 0)
      .blob(ST_BLOB_MSGHDR, &r1, sizeof r1, 1)
      .blob(ST_BLOB_ADDR, &from, 16, 1)
      .blob(ST_BLOB_IOVEC, &ri1, 16, 1)
      .str(ST_BLOB_DATA, "on", 1, 0)
      .u32s(ST_BLOB_MMSGLEN, {0, 2});
  const std::string faddr = "{sa_family=AF_INET, sin_port=htons(47562), sin_addr=inet_addr(\"127.0.0.1\")}";
  EXPECT_EQ(line(recv), "recvmmsg(18, [{msg_hdr={msg_name=" + faddr +
                            ", msg_namelen=128 => 16, msg_iov=[{iov_base=\"\", iov_len=10}], msg_iovlen=1, "
                            "msg_controllen=0, msg_flags=0}, msg_len=0}, {msg_hdr={msg_name=" + faddr +
                            ", msg_namelen=16, msg_iov=[{iov_base=\"on\", iov_len=2}], msg_iovlen=1, msg_controllen=0, "
                            "msg_flags=MSG_TRUNC}, msg_len=2}], 3, MSG_DONTWAIT, {tv_sec=1, tv_nsec=500}) = 2 (left "
                            "{tv_sec=0, tv_nsec=999998277})\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvmmsg, {18, 0x7ffd8e797e00, 3, MSG_DONTWAIT, 0}, -11)),
            "recvmmsg(18, 0x7ffd8e797e00, 3, MSG_DONTWAIT, NULL) = -1 EAGAIN (Resource temporarily unavailable)\n");
  EXPECT_EQ(line(EventBuilder(sys::kRecvmmsg, {18, 0x7ffd8e797e00, 3, MSG_DONTWAIT, 1}, -14).fault(ST_BLOB_TIMEOUT)),
            "recvmmsg(18, 0x7ffd8e797e00, 3, MSG_DONTWAIT, 0x1) = -1 EFAULT (Bad address)\n");
}

TEST(StraceFormat, ErrorsAndKernelCodes) {
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, -512)),
            "accept(3, NULL, NULL)                   = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, -514)),
            "accept(3, NULL, NULL)                   = ? ERESTARTNOHAND (To be restarted if no handler)\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, -103)),
            "accept(3, NULL, NULL)                   = -1 ECONNABORTED (Software caused connection abort)\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, -515)),
            "accept(3, NULL, NULL)                   = -1 ENOIOCTLCMD (Unknown error 515)\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, -600)), "accept(3, NULL, NULL)                   = -1 600 (Unknown error 600)\n");
}

TEST(StraceFormat, PrefixTimestampsDurations) {
  StraceOptions o;
  o.pid_prefix = true;
  EXPECT_EQ(line(EventBuilder(sys::kListen, {3, 128}, 0).tid(19591), o), "19591 listen(3, 128)                    = 0\n");
  EXPECT_EQ(line(EventBuilder(sys::kListen, {3, 128}, 0).tid(42), o), "42    listen(3, 128)                    = 0\n");
  o.pid_prefix = false;
  o.durations = true;
  EXPECT_EQ(line(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM, 0}, 3).ts(0, 21'400), o),
            "socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3 <0.000021>\n");
  EXPECT_EQ(line(EventBuilder(sys::kAccept, {3, 0, 0}, -512).ts(0, 1'500'000'000), o),
            "accept(3, NULL, NULL)                   = ? ERESTARTSYS (To be restarted if SA_RESTART is set) <1.500000>\n");
  o.durations = false;
  o.timestamps = 3;
  // ts_ns is monotonic; the clock's offset makes it wall time.
  std::string out;
  format_syscall(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM, 0}, 3).ts(1'000, 0), o, WallClock(1795292547900551000),
                 out);
  EXPECT_EQ(out, "1795292547.900552 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\n");
  setenv("TZ", "UTC", 1);
  tzset();
  o.timestamps = 2;
  out.clear();
  format_syscall(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM, 0}, 3).ts(0, 0), o, WallClock(73342515434000), out);
  EXPECT_EQ(out, "20:22:22.515434 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3\n");
  o.timestamps = 1;
  o.pid_prefix = true;
  out.clear();
  format_syscall(EventBuilder(sys::kListen, {3, 128}, 0).ts(0, 0).tid(28659), o, WallClock(73353000000000), out);
  EXPECT_EQ(out, "28659 20:22:33 listen(3, 128)           = 0\n");
}

TEST(StraceFormat, ExitLines) {
  StraceOptions o;
  auto exit_line = [&](int32_t code) {
    ProcEvent p;
    p.hdr.tid = 19592;
    p.exit_code = code;
    std::string out;
    format_exit(p, o, WallClock(0), out);
    return out;
  };
  EXPECT_EQ(exit_line(3 << 8), "+++ exited with 3 +++\n");
  EXPECT_EQ(exit_line(0), "+++ exited with 0 +++\n");
  EXPECT_EQ(exit_line(SIGKILL), "+++ killed by SIGKILL +++\n");
  EXPECT_EQ(exit_line(SIGSEGV | 0x80), "+++ killed by SIGSEGV (core dumped) +++\n");
  EXPECT_EQ(exit_line(SIGTERM), "+++ killed by SIGTERM +++\n");
  o.pid_prefix = true;
  EXPECT_EQ(exit_line(3 << 8), "19592 +++ exited with 3 +++\n");
}

// The few option numbers setsockopt and getsockopt name differently (strace
// 6.1's tables); everything else is shared.
TEST(StraceFormat, SockoptNamesDependOnTheDirection) {
  auto name = [](uint32_t level, uint32_t opt, bool get) {
    std::string out;
    strace::append_sockopt_name(out, level, opt, get);
    return out;
  };
  EXPECT_EQ(name(1, 26, false), "SO_ATTACH_FILTER");
  EXPECT_EQ(name(1, 26, true), "SO_GET_FILTER");
  EXPECT_EQ(name(1, 2, false), "SO_REUSEADDR");
  EXPECT_EQ(name(1, 2, true), "SO_REUSEADDR");
  EXPECT_EQ(name(0, 64, false), "IPT_SO_SET_REPLACE");
  EXPECT_EQ(name(0, 64, true), "IPT_SO_GET_INFO");
  EXPECT_EQ(name(0, 67, true), "IPT_SO_GET_REVISION_TARGET");
  EXPECT_EQ(name(0, 67, false), "0x43 /* IP_??? */");
  EXPECT_EQ(name(41, 65, false), "IP6T_SO_SET_ADD_COUNTERS");
  EXPECT_EQ(name(41, 69, true), "IP6T_SO_GET_REVISION_TARGET");
  EXPECT_EQ(name(41, 26, true), "IPV6_V6ONLY");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// Options of the netlink, packet and raw levels, as strace 6.1 printed them
// for small C programs (names, unknown names, and the values it decodes).
TEST(StraceFormat, NetlinkPacketRawOptions) {
  auto set = [](int fd, uint32_t level, uint32_t name, const void* v, std::size_t n, int32_t len, int64_t ret = 0) {
    return line(EventBuilder(sys::kSetsockopt, {static_cast<uint64_t>(fd), level, name, 0x7ffd972d9690, static_cast<uint64_t>(len)},
                             ret)
                    .blob(ST_BLOB_OPTVAL, v, n));
  };
  auto get = [](int fd, uint32_t level, uint32_t name, const void* v, std::size_t n, uint32_t in, uint32_t out) {
    return line(EventBuilder(sys::kGetsockopt, {static_cast<uint64_t>(fd), level, name, 0x7ffd972d9684, 0x7ffd972d9680}, 0)
                    .u32s(ST_BLOB_INLENS, {in})
                    .u32s(ST_BLOB_OUTLENS, {out})
                    .blob(ST_BLOB_OPTVAL, v, n));
  };
  int one = 1;
  EXPECT_EQ(set(3, SOL_NETLINK, 11, &one, 4, 4), "setsockopt(3, SOL_NETLINK, NETLINK_EXT_ACK, [1], 4) = 0\n");
  EXPECT_EQ(set(3, SOL_NETLINK, 0xffffffff, &one, 4, 4, -92),
            "setsockopt(3, SOL_NETLINK, 0xffffffff /* NETLINK_??? */, [1], 4) = -1 ENOPROTOOPT (Protocol not "
            "available)\n");
  EXPECT_EQ(set(4, SOL_PACKET, 0xffffffff, &one, 4, 4, -92),
            "setsockopt(4, SOL_PACKET, 0xffffffff /* PACKET_??? */, [1], 4) = -1 ENOPROTOOPT (Protocol not "
            "available)\n");
  EXPECT_EQ(set(5, SOL_RAW, 0xffffffff, &one, 4, 4, -92),
            "setsockopt(5, SOL_RAW, 0xffffffff /* RAW_??? */, [1], 4) = -1 ENOPROTOOPT (Protocol not available)\n");
  int version = 2;
  EXPECT_EQ(set(4, SOL_PACKET, 10, &version, 4, 4), "setsockopt(4, SOL_PACKET, PACKET_VERSION, [2], 4) = 0\n");

  uint32_t none = 0, two = (1u << 0) | (1u << 8), all_but = ~two, bit31 = 0x80000000u, high = 0xffff0000u;
  EXPECT_EQ(set(3, SOL_RAW, 1, &none, 4, 4), "setsockopt(3, SOL_RAW, ICMP_FILTER, [], 4) = 0\n");
  EXPECT_EQ(set(3, SOL_RAW, 1, &two, 4, 4), "setsockopt(3, SOL_RAW, ICMP_FILTER, [ICMP_ECHOREPLY ICMP_ECHO], 4) = 0\n");
  EXPECT_EQ(set(3, SOL_RAW, 1, &all_but, 4, 4),
            "setsockopt(3, SOL_RAW, ICMP_FILTER, ~[ICMP_ECHOREPLY ICMP_ECHO], 4) = 0\n");
  EXPECT_EQ(set(3, SOL_RAW, 1, &bit31, 4, 4), "setsockopt(3, SOL_RAW, ICMP_FILTER, [0x1f /* ICMP_??? */], 4) = 0\n");
  EXPECT_EQ(set(3, SOL_RAW, 1, &high, 4, 4),
            "setsockopt(3, SOL_RAW, ICMP_FILTER, [ICMP_INFO_REPLY ICMP_ADDRESS ICMP_ADDRESSREPLY 0x13 /* ICMP_??? */ "
            "0x14 /* ICMP_??? */ 0x15 /* ICMP_??? */ 0x16 /* ICMP_??? */ 0x17 /* ICMP_??? */ 0x18 /* ICMP_??? */ "
            "0x19 /* ICMP_??? */ 0x1a /* ICMP_??? */ 0x1b /* ICMP_??? */ 0x1c /* ICMP_??? */ 0x1d /* ICMP_??? */ "
            "0x1e /* ICMP_??? */ 0x1f /* ICMP_??? */], 4) = 0\n");
  uint64_t two8 = two;
  EXPECT_EQ(set(3, SOL_RAW, 1, &two8, 8, 8), "setsockopt(3, SOL_RAW, ICMP_FILTER, [ICMP_ECHOREPLY ICMP_ECHO], 8) = 0\n");
  // Two bytes: the rest of the set reads as ones.
  EXPECT_EQ(set(3, SOL_RAW, 1, &two, 2, 2),
            "setsockopt(3, SOL_RAW, ICMP_FILTER, ~[0x1 /* ICMP_??? */ 0x2 /* ICMP_??? */ ICMP_DEST_UNREACH "
            "ICMP_SOURCE_QUENCH ICMP_REDIRECT 0x6 /* ICMP_??? */ 0x7 /* ICMP_??? */ 0x9 /* ICMP_??? */ 0xa /* "
            "ICMP_??? */ ICMP_TIME_EXCEEDED ICMP_PARAMETERPROB ICMP_TIMESTAMP ICMP_TIMESTAMPREPLY ICMP_INFO_REQUEST], "
            "2) = 0\n");
  uint32_t ones = ~0u;
  EXPECT_EQ(get(5, SOL_RAW, 1, &ones, 4, 4, 4), "getsockopt(5, SOL_RAW, ICMP_FILTER, ~[], [4]) = 0\n");

  unsigned char mreq[16] = {1, 0, 0, 0, 0, 0, 6, 0, 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01, 0, 0};
  EXPECT_EQ(set(4, SOL_PACKET, 1, mreq, 16, 16),
            "setsockopt(4, SOL_PACKET, PACKET_ADD_MEMBERSHIP, {mr_ifindex=if_nametoindex(\"lo\"), "
            "mr_type=PACKET_MR_MULTICAST, mr_alen=6, mr_address=01:00:5e:00:00:01}, 16) = 0\n");
  unsigned char mreq8[16] = {1, 0, 0, 0, 0, 0, 8, 0, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
  EXPECT_EQ(set(4, SOL_PACKET, 2, mreq8, 16, 16),
            "setsockopt(4, SOL_PACKET, PACKET_DROP_MEMBERSHIP, {mr_ifindex=if_nametoindex(\"lo\"), "
            "mr_type=PACKET_MR_MULTICAST, mr_alen=8, mr_address=ab:ab:ab:ab:ab:ab:ab:ab}, 16) = 0\n");
  EXPECT_EQ(set(4, SOL_PACKET, 2, mreq8, 10, 10, -22),
            "setsockopt(4, SOL_PACKET, PACKET_DROP_MEMBERSHIP, 0x7ffd972d9690, 10) = -1 EINVAL (Invalid argument)\n");

  // struct sock_fprog: its length and the program's address (strace shows
  // the instructions only with -v); NULL as NULL; any other size an address.
  unsigned char fprog[16] = {18, 0, 0, 0, 0, 0, 0, 0, 0xd0, 0x5d, 0xbf, 0xe1, 0xfd, 0x7f, 0, 0};
  EXPECT_EQ(set(3, SOL_SOCKET, 26, fprog, 16, 16),
            "setsockopt(3, SOL_SOCKET, SO_ATTACH_FILTER, {len=18, filter=0x7ffde1bf5dd0}, 16) = 0\n");
  EXPECT_EQ(set(4, SOL_SOCKET, 51, fprog, 16, 16),
            "setsockopt(4, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, {len=18, filter=0x7ffde1bf5dd0}, 16) = 0\n");
  unsigned char null_fprog[16] = {};
  EXPECT_EQ(set(3, SOL_SOCKET, 26, null_fprog, 16, 16, -22),
            "setsockopt(3, SOL_SOCKET, SO_ATTACH_FILTER, {len=0, filter=NULL}, 16) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(set(3, SOL_SOCKET, 26, fprog, 8, 8, -22),
            "setsockopt(3, SOL_SOCKET, SO_ATTACH_FILTER, 0x7ffd972d9690, 8) = -1 EINVAL (Invalid argument)\n");

  uint32_t ring[7] = {4096, 1, 2048, 2, 10, 0, 0};
  EXPECT_EQ(set(4, SOL_PACKET, 5, ring, 16, 16),
            "setsockopt(4, SOL_PACKET, PACKET_RX_RING, {tp_block_size=4096, tp_block_nr=1, tp_frame_size=2048, "
            "tp_frame_nr=2}, 16) = 0\n");
  EXPECT_EQ(set(4, SOL_PACKET, 13, ring, 28, 28),
            "setsockopt(4, SOL_PACKET, PACKET_TX_RING, 0x7ffd972d9690, 28) = 0\n");  // a tpacket_req3
  EXPECT_EQ(set(4, SOL_PACKET, 13, ring, 8, 8, -22),
            "setsockopt(4, SOL_PACKET, PACKET_TX_RING, 0x7ffd972d9690, 8) = -1 EINVAL (Invalid argument)\n");

  uint32_t stats[3] = {0, 0, 0};
  EXPECT_EQ(get(4, SOL_PACKET, 6, stats, 12, 12, 12),
            "getsockopt(4, SOL_PACKET, PACKET_STATISTICS, {tp_packets=0, tp_drops=0, tp_freeze_q_cnt=0}, [12]) = 0\n");
  EXPECT_EQ(get(4, SOL_PACKET, 6, stats, 8, 8, 8),
            "getsockopt(4, SOL_PACKET, PACKET_STATISTICS, {tp_packets=0, tp_drops=0}, [8]) = 0\n");
  uint32_t groups[2] = {1, 0};
  EXPECT_EQ(get(3, SOL_NETLINK, 9, groups, 8, 8, 8),
            "getsockopt(3, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, [1, 0], [8]) = 0\n");
  EXPECT_EQ(get(5, SOL_NETLINK, 9, groups, 0, 12, 0),
            "getsockopt(5, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 0x7ffd972d9684, [12 => 0]) = 0\n");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// Families strace decodes field by field, as strace 6.1 printed connect()
// with these addresses (the calls failed; the decoding does not care).
TEST(StraceFormat, MoreAddressFamilies) {
  auto conn = [](std::initializer_list<std::pair<int, uint32_t>> words, std::initializer_list<std::pair<int, uint8_t>> bytes,
                 int family, int len) {
    unsigned char b[128] = {};
    b[0] = static_cast<unsigned char>(family);
    for (auto [off, v] : words) std::memcpy(b + off, &v, 4);
    for (auto [off, v] : bytes) b[off] = v;
    std::string l = line(EventBuilder(sys::kConnect, {3, kP, static_cast<uint64_t>(len)}, -97).blob(ST_BLOB_ADDR, b, len));
    return l.substr(0, l.find(") = "));
  };
  EXPECT_EQ(conn({{4, 1234}, {8, 2}}, {}, AF_VSOCK, 16),
            "connect(3, {sa_family=AF_VSOCK, svm_cid=VMADDR_CID_HOST, svm_port=0x4d2, svm_flags=0}, 16");
  EXPECT_EQ(conn({{4, 0xffffffff}, {8, 0xffffffff}}, {{12, 1}}, AF_VSOCK, 16),
            "connect(3, {sa_family=AF_VSOCK, svm_cid=VMADDR_CID_ANY, svm_port=VMADDR_PORT_ANY, "
            "svm_flags=VMADDR_FLAG_TO_HOST}, 16");
  EXPECT_EQ(conn({}, {}, AF_VSOCK, 12), "connect(3, {sa_family=AF_VSOCK, sa_data=\"\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\"}, 12");
  EXPECT_EQ(conn({{4, 1}}, {{8, 8}, {9, 1}, {10, 8}}, AF_MCTP, 16),
            "connect(3, {sa_family=AF_MCTP, smctp_network=0x1, smctp_addr={s_addr=0x8}, smctp_type=0x1, "
            "smctp_tag=0x8}, 16");
  EXPECT_EQ(conn({}, {{8, 0xff}}, AF_MCTP, 16),
            "connect(3, {sa_family=AF_MCTP, smctp_network=MCTP_NET_ANY, smctp_addr={s_addr=MCTP_ADDR_ANY}, "
            "smctp_type=0, smctp_tag=0}, 16");
  EXPECT_EQ(conn({{4, 1}, {8, 0xfffffffe}}, {}, AF_QIPCRTR, 12),
            "connect(3, {sa_family=AF_QIPCRTR, sq_node=0x1, sq_port=QRTR_PORT_CTRL}, 12");
  EXPECT_EQ(conn({{4, 0xffffffff}, {8, 7}}, {}, AF_QIPCRTR, 12),
            "connect(3, {sa_family=AF_QIPCRTR, sq_node=QRTR_NODE_BCAST, sq_port=0x7}, 12");
  EXPECT_EQ(conn({{8, 1}, {12, 2}}, {}, AF_NFC, 16),
            "connect(3, {sa_family=AF_NFC, dev_idx=0, target_idx=0x1, nfc_protocol=NFC_PROTO_MIFARE}, 16");
  EXPECT_EQ(conn({}, {}, AF_NFC, 24),
            "connect(3, {sa_family=AF_NFC, dev_idx=0, target_idx=0, nfc_protocol=0 /* NFC_PROTO_??? */, ...}, 24");
  EXPECT_EQ(conn({{4, 2}, {8, 0xbeef1234}}, {}, AF_IEEE802154, 20),
            "connect(3, {sa_family=AF_IEEE802154, addr={addr_type=0x2 /* IEEE802154_ADDR_SHORT */, pan_id=0x1234, "
            "short_addr=0xbeef}}, 20");
  EXPECT_EQ(conn({}, {}, AF_IEEE802154, 20),
            "connect(3, {sa_family=AF_IEEE802154, addr={addr_type=0 /* IEEE802154_ADDR_NONE */, pan_id=0}}, 20");
  EXPECT_EQ(conn({{4, 1}, {8, 3}}, {{2, 2}}, AF_XDP, 16),
            "connect(3, {sa_family=AF_XDP, sxdp_flags=XDP_COPY, sxdp_ifindex=if_nametoindex(\"lo\"), "
            "sxdp_queue_id=3}, 16");
  EXPECT_EQ(conn({}, {{3, 1}, {7, 1}, {8, 0xaa}, {14, 4}}, AF_IPX, 16),
            "connect(3, {sa_family=AF_IPX, sipx_port=htons(1), sipx_network=htonl(0x1), sipx_node=[0xaa, 00, 00, 00, "
            "00, 00], sipx_type=0x4}, 16");
  EXPECT_EQ(conn({}, {}, AF_IPX, 16),
            "connect(3, {sa_family=AF_IPX, sipx_port=htons(0), sipx_network=htonl(0), sipx_node=[00, 00, 00, 00, 00, "
            "00], sipx_type=00}, 16");
  EXPECT_EQ(conn({}, {{2, '1'}, {3, '2'}, {4, '3'}, {5, '4'}, {6, '5'}}, AF_X25, 18),
            "connect(3, {sa_family=AF_X25, sx25_addr={x25_addr=\"12345\"}}, 18");
  EXPECT_EQ(conn({}, {{2, 5}}, AF_NETLINK, 12),
            "connect(3, {sa_family=AF_NETLINK, nl_pad=0x5, nl_pid=0, nl_groups=00000000}, 12");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// cmsg_data strace 6.1 decodes, from sendmsg() lines it printed for
// control messages holding the bytes 1, 2, 3... (see nlload's cmsgs()).
// The msg_control= part of a sendmsg line whose control buffer is `c`
// (captured) of `controllen` bytes.
std::string msg_control_of(uint64_t controllen, const std::vector<unsigned char>& c, int64_t ret) {
  MsgHdr h;
  h.iov = 0x1000;
  h.iovlen = 1;
  h.control = 0x5000;
  h.controllen = controllen;
  Iov iov{0x2000, 1};
  std::string l = line(EventBuilder(sys::kSendmsg, {6, kP, 0}, ret)
                           .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                           .blob(ST_BLOB_IOVEC, &iov, sizeof iov)
                           .str(ST_BLOB_DATA, "x", 0, 0)
                           .blob(ST_BLOB_CONTROL, c.data(), c.size()));
  auto from = l.find("msg_control=");
  return l.substr(from, l.find(", msg_controllen=") - from);
}

TEST(StraceFormat, MoreCmsgData) {
  auto cmsg = [](int level, int type, const void* data, std::size_t n) {
    std::size_t space = 16 + ((n + 7) & ~std::size_t{7});
    std::vector<unsigned char> c(space);
    uint64_t len = 16 + n;
    std::memcpy(c.data(), &len, 8);
    std::memcpy(c.data() + 8, &level, 4);
    std::memcpy(c.data() + 12, &type, 4);
    std::memcpy(c.data() + 16, data, n);
    return msg_control_of(space, c, -22);
  };
  unsigned char d[48];
  for (int i = 0; i < 48; ++i) d[i] = static_cast<unsigned char>(i + 1);
  EXPECT_EQ(cmsg(SOL_SOCKET, 3, d, 48),
            "msg_control=[{cmsg_len=64, cmsg_level=SOL_SOCKET, cmsg_type=SCM_SECURITY, "
            "cmsg_data=\"\\1\\2\\3\\4\\5\\6\\7\\10\\t\\n\\v\\f\\r\\16\\17\\20\\21\\22\\23\\24\\25\\26\\27\\30\\31\\32\\33"
            "\\34\\35\\36\\37 !\\\"#$%&'()*+,-./0\"}]");
  EXPECT_EQ(cmsg(SOL_IP, 7, d, 48),
            "msg_control=[{cmsg_len=64, cmsg_level=SOL_IP, cmsg_type=IP_RETOPTS, cmsg_data=[0x1, 0x2, 0x3, 0x4, 0x5, "
            "0x6, 0x7, 0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, "
            "0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, ...]}]");
  EXPECT_EQ(cmsg(SOL_IP, 4, d, 48),
            "msg_control=[{cmsg_len=64, cmsg_level=SOL_IP, cmsg_type=0x4 /* IP_??? */}]");
  auto to = testing::inet4("127.0.0.1", 9);
  EXPECT_EQ(cmsg(SOL_IP, 20, &to, 16),
            "msg_control=[{cmsg_len=32, cmsg_level=SOL_IP, cmsg_type=IP_ORIGDSTADDR, cmsg_data={sa_family=AF_INET, "
            "sin_port=htons(9), sin_addr=inet_addr(\"127.0.0.1\")}}]");
  EXPECT_EQ(cmsg(SOL_IP, 11, d, 48),
            "msg_control=[{cmsg_len=64, cmsg_level=SOL_IP, cmsg_type=IP_RECVERR, cmsg_data={ee_errno=67305985, "
            "ee_origin=5, ee_type=6, ee_code=7, ee_info=202050057, ee_data=269422093, offender={sa_family=0x1211 /* "
            "AF_??? */, sa_data=\"\\23\\24\\25\\26\\27\\30\\31\\32\\33\\34\\35\\36\\37 \"}}}]");
  EXPECT_EQ(cmsg(SOL_IP, 3, d, 48).substr(0, 85),
            "msg_control=[{cmsg_len=64, cmsg_level=SOL_IP, cmsg_type=SCM_SECURITY, cmsg_data=\"\\1\\2");
  EXPECT_EQ(cmsg(SOL_SOCKET, 63, d, 16),
            "msg_control=[{cmsg_len=32, cmsg_level=SOL_SOCKET, cmsg_type=SO_TIMESTAMP_NEW, "
            "cmsg_data={tv_sec=578437695752307201, tv_usec=1157159078456920585}}]");
  EXPECT_EQ(cmsg(SOL_SOCKET, 64, d, 16),
            "msg_control=[{cmsg_len=32, cmsg_level=SOL_SOCKET, cmsg_type=SO_TIMESTAMPNS_NEW, "
            "cmsg_data={tv_sec=578437695752307201, tv_nsec=1157159078456920585}}]");
  EXPECT_EQ(cmsg(SOL_SOCKET, 37, d, 48),
            "msg_control=[{cmsg_len=64, cmsg_level=SOL_SOCKET, cmsg_type=SO_TIMESTAMPING_OLD, "
            "cmsg_data=[{tv_sec=578437695752307201, tv_nsec=1157159078456920585}, {tv_sec=1735880461161533969, "
            "tv_nsec=2314601843866147353}, {tv_sec=2893323226570760737, tv_nsec=3472044609275374121}]}]");
}

// Bytes left after the last whole cmsghdr: "..." and where they start, as
// strace's decode_msg_control() prints them; a cut by the kernel side's
// capture is a bare "...".
TEST(StraceFormat, ControlBytesLeftAfterTheLastCmsg) {
  std::vector<unsigned char> c(48);
  uint64_t len = 20;
  int level = SOL_SOCKET, type = SCM_RIGHTS, fd = 3;
  std::memcpy(c.data(), &len, 8);
  std::memcpy(c.data() + 8, &level, 4);
  std::memcpy(c.data() + 12, &type, 4);
  std::memcpy(c.data() + 16, &fd, 4);
  std::vector<unsigned char> c32(c.begin(), c.begin() + 32);
  EXPECT_EQ(msg_control_of(32, c32, 1),
            "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[3]}, ... /* 0x5018 */]");
  uint64_t short_len = 8;  // a second cmsghdr that claims less than itself
  std::memcpy(c.data() + 24, &short_len, 8);
  EXPECT_EQ(msg_control_of(48, c, 1),
            "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[3]}, {cmsg_len=8, "
            "cmsg_level=SOL_IP, cmsg_type=0 /* IP_??? */}, ... /* 0x5028 */]");
  EXPECT_EQ(msg_control_of(2048, c32, 1),
            "msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[3]}, ...]");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// An address longer than sockaddr_un: strace shows sun_path's 108 bytes and
// nothing of what follows (strace 6.1, connect with 120 bytes).
TEST(StraceFormat, UnixPathStopsAtSunPath) {
  unsigned char un[120];
  std::memset(un, 'q', sizeof un);
  un[0] = AF_UNIX;
  un[1] = 0;
  std::memset(un + 2, 'p', 108);
  EXPECT_EQ(line(EventBuilder(sys::kConnect, {3, kP, 120}, -97).blob(ST_BLOB_ADDR, un, sizeof un)),
            "connect(3, {sa_family=AF_UNIX, sun_path=\"" + std::string(108, 'p') +
                "\"}, 120) = -1 EAFNOSUPPORT (Address family not supported by protocol)\n");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// Arrays cut short by unreadable memory: strace shows where it stopped
// (strace 6.1, arrays ending past an unmapped page boundary).
TEST(StraceFormat, ArraysCutShortShowWhereReadingStopped) {
  // The iovec array: one of three readable.
  MsgHdr h;
  h.iov = 0x7f2807917ff0;
  h.iovlen = 3;
  Iov iov{0x5000, 1};
  EXPECT_EQ(line(EventBuilder(sys::kSendmsg, {3, kP, 0}, -14)
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, &iov, sizeof iov)
                     .str(ST_BLOB_DATA, "x", 0, 0)),
            "sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}, ... /* 0x7f2807918000 */], "
            "msg_iovlen=3, msg_controllen=0, msg_flags=0}, 0) = -1 EFAULT (Bad address)\n");
  // The mmsghdr array: two of three readable (the third's header blob is
  // empty: the kernel side could not read it).
  MsgHdr m;
  m.iov = 0x5010;
  m.iovlen = 1;
  EventBuilder e(307, {3, 0x7f2807917f80, 3, 0}, 2);
  for (uint8_t j = 0; j < 2; ++j)
    e.blob(ST_BLOB_MSGHDR, &m, sizeof m, j).blob(ST_BLOB_IOVEC, &iov, sizeof iov, j).str(ST_BLOB_DATA, "x", j, 0);
  e.blob(ST_BLOB_MSGHDR, nullptr, 0, 2).u32s(ST_BLOB_MMSGLEN, {1, 1, 0});
  EXPECT_EQ(line(e),
            "sendmmsg(3, [{msg_hdr={msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, "
            "msg_controllen=0, msg_flags=0}, msg_len=1}, {msg_hdr={msg_name=NULL, msg_namelen=0, "
            "msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, msg_len=1}, ... /* "
            "0x7f2807918000 */], 3, 0) = 2\n");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// AF_ALG as strace 6.1 printed bind() of these sockaddr_alg values.
TEST(StraceFormat, AlgAddresses) {
  auto bind_line = [](uint32_t feat, uint32_t mask, int len) {
    unsigned char a[88] = {};
    a[0] = AF_ALG;
    std::memcpy(a + 2, "hash", 5);
    std::memcpy(a + 16, &feat, 4);
    std::memcpy(a + 20, &mask, 4);
    std::memcpy(a + 24, "sha256", 7);
    std::string l =
        line(EventBuilder(sys::kBind, {static_cast<uint64_t>(-1), kP, static_cast<uint64_t>(len)}, -9).blob(ST_BLOB_ADDR, a, len));
    return l.substr(0, l.find(") = "));
  };
  EXPECT_EQ(bind_line(0, 0, 88),
            "bind(-1, {sa_family=AF_ALG, salg_type=\"hash\", salg_feat=0, salg_mask=0, salg_name=\"sha256\"}, 88");
  EXPECT_EQ(bind_line(1, 0x2000, 88),
            "bind(-1, {sa_family=AF_ALG, salg_type=\"hash\", salg_feat=0x1 /* CRYPTO_ALG_??? */, salg_mask=0x2000 /* "
            "CRYPTO_ALG_??? */, salg_name=\"sha256\"}, 88");
  EXPECT_EQ(bind_line(0x20, 0x100, 80),
            "bind(-1, {sa_family=AF_ALG, salg_type=\"hash\", salg_feat=0x20 /* CRYPTO_ALG_??? */, salg_mask=0x100 /* "
            "CRYPTO_ALG_??? */, salg_name=\"sha256\"}, 80");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// recvmmsg's timeout: tv_nsec unsigned, as strace 6.1 printed it.
TEST(StraceFormat, TimeoutNanosecondsUnsigned) {
  int64_t t[2] = {1, -5};
  EXPECT_EQ(line(EventBuilder(sys::kRecvmmsg, {3, 0x7ffdcead58f0, 1, MSG_DONTWAIT, kP}, -22)
                     .blob(ST_BLOB_TIMEOUT, t, sizeof t)),
            "recvmmsg(3, 0x7ffdcead58f0, 1, MSG_DONTWAIT, {tv_sec=1, tv_nsec=18446744073709551611}) = -1 EINVAL "
            "(Invalid argument)\n");
}

// sendfile, as strace 6.1 printed a C program's calls from a file (fd 5) to
// a unix socket (fd 3): the offset before and, when bytes moved, after.
TEST(StraceFormat, Sendfile) {
  uint64_t zero = 0, k1024 = 1024, k2990 = 2990, k3000 = 3000, k5000 = 5000;
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, kP, 1024}, 1024)
                     .blob(ST_BLOB_OFFSET, &zero, 8, 0)
                     .blob(ST_BLOB_OFFSET, &k1024, 8, 1)),
            "sendfile(3, 5, [0] => [1024], 1024)     = 1024\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, 0, 1000}, 1000)), "sendfile(3, 5, NULL, 1000)              = 1000\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 99, 0, 10}, -9)),
            "sendfile(3, 99, NULL, 10)               = -1 EBADF (Bad file descriptor)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, 8, 10}, -14).fault(ST_BLOB_OFFSET, 0)),
            "sendfile(3, 5, 0x8, 10)                 = -1 EFAULT (Bad address)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, kP, 100}, 10)
                     .blob(ST_BLOB_OFFSET, &k2990, 8, 0)
                     .blob(ST_BLOB_OFFSET, &k3000, 8, 1)),
            "sendfile(3, 5, [2990] => [3000], 100)   = 10\n");
  // Nothing moved, or an error: the value at entry only (unsigned, as strace).
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, kP, 100}, 0)
                     .blob(ST_BLOB_OFFSET, &k5000, 8, 0)
                     .blob(ST_BLOB_OFFSET, &k5000, 8, 1)),
            "sendfile(3, 5, [5000], 100)             = 0\n");
  int64_t neg = -5;
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, kP, 100}, -22).blob(ST_BLOB_OFFSET, &neg, 8, 0)),
            "sendfile(3, 5, [18446744073709551611], 100) = -1 EINVAL (Invalid argument)\n");
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}, -14)
                     .fault(ST_BLOB_OFFSET, 0)),
            "sendfile(-1, -1, 0xffffffffffffffff, 18446744073709551615) = -1 EFAULT (Bad address)\n");
  // Attached while the call was blocked (no entry): its value at exit.
  EXPECT_EQ(line(EventBuilder(sys::kSendfile, {3, 5, kP, 1024}, 1024).blob(ST_BLOB_OFFSET, &k1024, 8, 1)),
            "sendfile(3, 5, [1024], 1024)            = 1024\n");
}

#if defined(__x86_64__)
TEST(StraceFormat, StreamsCallsPrintFiveRawArguments) {
  EXPECT_EQ(line(EventBuilder(sys::kGetpmsg, {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 7}, -38)),
            "getpmsg(0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, "
            "0xffffffffffffffff) = -1 ENOSYS (Function not implemented)\n");
  EXPECT_EQ(line(EventBuilder(sys::kPutpmsg, {3, 0, 0, 0, 0}, -38)),
            "putpmsg(0x3, 0, 0, 0, 0)                = -1 ENOSYS (Function not implemented)\n");
}
#endif

// -y on SCM_RIGHTS: the k-th fd of the control buffer (across its cmsgs) is
// described by the blobs with iov ST_SCM_FD_IOV + k.
TEST(StraceFormat, ScmRightsFdsUnderDecodeFds) {
  MsgHdr h;
  h.iov = 0x4000;
  h.iovlen = 1;
  h.control = 0x5000;
  h.controllen = 48;
  Iov iov[1] = {{0x6000, 1}};
  unsigned char control[48] = {};
  auto put = [&](std::size_t at, uint64_t len, std::initializer_list<int32_t> fds) {
    int32_t sol = SOL_SOCKET, rights = 1;
    std::memcpy(control + at, &len, 8);
    std::memcpy(control + at + 8, &sol, 4);
    std::memcpy(control + at + 12, &rights, 4);
    std::size_t i = 0;
    for (int32_t fd : fds) std::memcpy(control + at + 16 + 4 * i++, &fd, 4);
  };
  put(0, 24, {5, 3});
  put(24, 20, {8});
  auto path = [](const char* name, uint32_t mode, uint32_t rdev) {
    st_fdpath p{};
    p.mode = mode;
    p.rdev = rdev;
    p.magic = 0xef53;
    std::string b(reinterpret_cast<const char*>(&p), sizeof p);
    return b + name;
  };
  st_fdinfo file{};  // family 0: not a socket
  st_fdinfo unix_sock{};
  unix_sock.family = AF_UNIX;
  unix_sock.type = SOCK_STREAM;
  unix_sock.ino = 3441578;
  unix_sock.peer_ino = 3441579;
  unix_sock.hashed = 1;
  EventBuilder e(sys::kSendmsg, {3, kP, 0}, 1);
  e.blob(ST_BLOB_MSGHDR, &h, sizeof h)
      .blob(ST_BLOB_IOVEC, iov, 16)
      .str(ST_BLOB_DATA, "x")
      .blob(ST_BLOB_CONTROL, control, 48)
      .blob(ST_BLOB_FDINFO, &file, sizeof file, 0, ST_SCM_FD_IOV)
      .str(ST_BLOB_FDPATH, path("/dev/null", S_IFCHR | 0666, 1u << 20 | 3), 0, ST_SCM_FD_IOV)
      .blob(ST_BLOB_FDINFO, &unix_sock, sizeof unix_sock, 0, ST_SCM_FD_IOV + 1)
      .blob(ST_BLOB_FDINFO, &file, sizeof file, 0, ST_SCM_FD_IOV + 2)
      .str(ST_BLOB_FDPATH, path("/tmp/x", S_IFREG | 0600, 0), 0, ST_SCM_FD_IOV + 2);
  std::string control_text =
      "msg_control=[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5</dev/null<char 1:3>>, "
      "3<UNIX-STREAM:[3441578->3441579]>]}, {cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, "
      "cmsg_data=[8</tmp/x>]}]";
  StraceOptions y;
  y.annotate_fds = true;
  EXPECT_NE(line(e, y).find(control_text), std::string::npos) << line(e, y);
  // Without -y the same event shows bare numbers.
  EXPECT_NE(line(e).find("cmsg_data=[5, 3]}, {cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[8]}"),
            std::string::npos)
      << line(e);
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// AX.25, RxRPC and Bluetooth addresses as strace 6.1 printed nlload's
// connect() calls with them.
TEST(StraceFormat, Ax25RxrpcBluetoothAddresses) {
  auto conn = [](const std::vector<uint8_t>& bytes, int family, int len, int limit = 32) {
    unsigned char b[128] = {};
    std::memcpy(b, bytes.data(), bytes.size());
    b[0] = static_cast<unsigned char>(family);
    StraceOptions opt;
    opt.string_limit = limit;
    std::string l;
    format_syscall(EventBuilder(sys::kConnect, {3, kP, static_cast<uint64_t>(len)}, -97).blob(ST_BLOB_ADDR, b, len),
                   opt, WallClock(0), l);
    return l.substr(0, l.find(") = "));
  };
  auto call = [](std::vector<uint8_t>& b, std::size_t at, const char* text, int ssid) {
    if (b.size() < at + 7) b.resize(at + 7);
    for (int k = 0; k < 6; ++k) b[at + k] = static_cast<uint8_t>((*text ? *text++ : ' ') << 1);
    b[at + 6] = static_cast<uint8_t>(ssid << 1);
  };
  std::vector<uint8_t> ax(2);
  call(ax, 2, "N0CALL", 3);
  EXPECT_EQ(conn(ax, AF_AX25, 16), "connect(3, {sa_family=AF_AX25, sax25_call=N0CALL-3, sax25_ndigis=0}, 16");
  EXPECT_EQ(conn(ax, AF_AX25, 14),
            "connect(3, {sa_family=AF_AX25, sa_data=\"\\234`\\206\\202\\230\\230\\6\\0\\0\\0\\0\\0\"}, 14");
  EXPECT_EQ(conn(ax, AF_AX25, 72),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call=N0CALL-3, sax25_ndigis=0}}, 72");
  EXPECT_EQ(conn(ax, AF_AX25, 24),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call=N0CALL-3, sax25_ndigis=0}, ...}, 24");
  std::vector<uint8_t> digis(2);
  call(digis, 2, "AB", 12);
  digis.resize(16);
  digis[12] = 3;
  call(digis, 16, "", 0);
  call(digis, 23, "ab1", 1);
  call(digis, 30, "A B", 15);
  EXPECT_EQ(conn(digis, AF_AX25, 30),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call=AB-12, sax25_ndigis=3}, fsa_digipeater=[*, "
            "{ax25_call=\"\\xc2\\xc4\\x62\\x40\\x40\\x40\\x02\"} /* ab1-1 */, ...]}, 30");
  EXPECT_EQ(conn(digis, AF_AX25, 37),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call=AB-12, sax25_ndigis=3}, fsa_digipeater=[*, "
            "{ax25_call=\"\\xc2\\xc4\\x62\\x40\\x40\\x40\\x02\"} /* ab1-1 */, "
            "{ax25_call=\"\\x82\\x40\\x84\\x40\\x40\\x40\\x1e\"} /* A B-15 */]}, 37");
  std::vector<uint8_t> filled(128);
  for (std::size_t j = 0; j < filled.size(); ++j) filled[j] = static_cast<uint8_t>(j * 7 + 1);
  filled[1] = 0;
  EXPECT_EQ(conn(filled, AF_AX25, 16),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call={ax25_call=\"\\x0f\\x16\\x1d\\x24\\x2b\\x32\\x39\"}, "
            "sax25_ndigis=1784896597}, fsa_digipeater=[...]}, 16");
  EXPECT_EQ(conn(filled, AF_AX25, 24),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call={ax25_call=\"\\x0f\\x16\\x1d\\x24\\x2b\\x32\\x39\"}, "
            "sax25_ndigis=1784896597}, fsa_digipeater=[{ax25_call=\"\\x71\\x78\\x7f\\x86\\x8d\\x94\\x9b\"} "
            "/* 8<?CFJ-13 */, ...], ...}, 24");
  // -s 4 cuts the digipeaters after four.
  EXPECT_EQ(conn(filled, AF_AX25, 72, 4),
            "connect(3, {sa_family=AF_AX25, fsa_ax25={sax25_call={ax25_call=\"\\x0f\\x16\\x1d\\x24\\x2b\\x32\\x39\"}, "
            "sax25_ndigis=1784896597}, fsa_digipeater=[{ax25_call=\"\\x71\\x78\\x7f\\x86\\x8d\\x94\\x9b\"} "
            "/* 8<?CFJ-13 */, {ax25_call=\"\\xa2\\xa9\\xb0\\xb7\\xbe\\xc5\\xcc\"} /* QTX[_b-6 */, "
            "{ax25_call=\"\\xd3\\xda\\xe1\\xe8\\xef\\xf6\\xfd\"} /* imptw{-14 */, "
            "{ax25_call=\"\\x04\\x0b\\x12\\x19\\x20\\x27\\x2e\"}, ...]}, 72");

  std::vector<uint8_t> rx = {0, 0, 1, 0, SOCK_DGRAM, 0, 28, 0, AF_INET6, 0, 0x1f, 0, 127, 0, 0, 1};
  EXPECT_EQ(conn(rx, AF_RXRPC, 36),
            "connect(3, {sa_family=AF_RXRPC, srx_service=0x1 /* CM_SERVICE */, transport_type=SOCK_DGRAM, "
            "transport_len=28, transport={sin6={sin6_family=AF_INET6, sin6_port=htons(7936), "
            "sin6_flowinfo=htonl(2130706433), inet_pton(AF_INET6, \"::\", &sin6_addr), sin6_scope_id=0}}}, 36");
  rx[6] = 16;
  rx[8] = AF_INET;
  EXPECT_EQ(conn(rx, AF_RXRPC, 40),
            "connect(3, {sa_family=AF_RXRPC, srx_service=0x1 /* CM_SERVICE */, transport_type=SOCK_DGRAM, "
            "transport_len=16, transport={sin={sin_family=AF_INET, sin_port=htons(7936), "
            "sin_addr=inet_addr(\"127.0.0.1\")}}}, 40");
  EXPECT_EQ(conn(rx, AF_RXRPC, 20),
            "connect(3, {sa_family=AF_RXRPC, sa_data=\"\\1\\0\\2\\0\\20\\0\\2\\0\\37\\0\\177\\0\\0\\1\\0\\0\\0\\0\"}, 20");
  std::vector<uint8_t> rx2 = {0, 0, 0xc4, 0x09, 0, 0, 6, 0, AF_INET, 0, 'x'};
  EXPECT_EQ(conn(rx2, AF_RXRPC, 36),
            "connect(3, {sa_family=AF_RXRPC, srx_service=0x9c4 /* YFS_FS_SERVICE */, transport_type=0 /* SOCK_??? */, "
            "transport_len=6, transport={sin={sin_family=AF_INET, \"x\\0\\0\\0\"}}}, 36");
  EXPECT_EQ(conn(filled, AF_RXRPC, 36),
            "connect(3, {sa_family=AF_RXRPC, srx_service=0x160f /* ???_SERVICE */, transport_type=0x241d /* SOCK_??? "
            "*/, transport_len=12843, transport={family=0x4039 /* AF_??? */, "
            "\"GNU\\\\cjqx\\177\\206\\215\\224\\233\\242\\251\\260\\267\\276\\305\\314\\323\\332\\341\\350\\357\\366\"}}, 36");

  std::vector<uint8_t> bt = {0, 0, 1, 0x10, 2, 0, 0, 0, 0x40, 0, 1};
  EXPECT_EQ(conn(bt, AF_BLUETOOTH, 4), "connect(3, {sa_family=AF_BLUETOOTH, hci_dev=htobs(4097)}, 4");
  EXPECT_EQ(conn(bt, AF_BLUETOOTH, 6),
            "connect(3, {sa_family=AF_BLUETOOTH, hci_dev=htobs(4097), hci_channel=HCI_CHANNEL_MONITOR}, 6");
  EXPECT_EQ(conn(bt, AF_BLUETOOTH, 8), "connect(3, {sa_family=AF_BLUETOOTH, sco_bdaddr=01:10:02:00:00:00}, 8");
  EXPECT_EQ(conn(bt, AF_BLUETOOTH, 9), "connect(3, {sa_family=AF_BLUETOOTH, sa_data=\"\\1\\20\\2\\0\\0\\0@\"}, 9");
  EXPECT_EQ(conn(bt, AF_BLUETOOTH, 10),
            "connect(3, {sa_family=AF_BLUETOOTH, rc_bdaddr=01:10:02:00:00:00, rc_channel=64}, 10");
  EXPECT_EQ(conn(bt, AF_BLUETOOTH, 14),
            "connect(3, {sa_family=AF_BLUETOOTH, l2_psm=htobs(L2CAP_PSM_DYN_START), l2_bdaddr=02:00:00:00:40:00, "
            "l2_cid=htobs(L2CAP_CID_SIGNALING), l2_bdaddr_type=BDADDR_BREDR}, 14");
  EXPECT_EQ(conn(filled, AF_BLUETOOTH, 12),
            "connect(3, {sa_family=AF_BLUETOOTH, l2_psm=htobs(L2CAP_PSM_DYN_START+1550), l2_bdaddr=1d:24:2b:32:39:40, "
            "l2_cid=htobs(L2CAP_CID_DYN_START+19975)}, 12");
  std::vector<uint8_t> l2 = {0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1};
  EXPECT_EQ(conn(l2, AF_BLUETOOTH, 14),
            "connect(3, {sa_family=AF_BLUETOOTH, l2_psm=htobs(0x5 /* L2CAP_PSM_??? */), l2_bdaddr=00:00:00:00:00:00, "
            "l2_cid=htobs(0x8 /* L2CAP_CID_??? */), l2_bdaddr_type=BDADDR_LE_PUBLIC}, 14");
  l2[2] = 0x81;
  l2[10] = 0x7f;
  l2[12] = 2;
  EXPECT_EQ(conn(l2, AF_BLUETOOTH, 14),
            "connect(3, {sa_family=AF_BLUETOOTH, l2_psm=htobs(L2CAP_PSM_LE_DYN_START+1), l2_bdaddr=00:00:00:00:00:00, "
            "l2_cid=htobs(L2CAP_CID_LE_DYN_END), l2_bdaddr_type=BDADDR_LE_RANDOM}, 14");
}

}  // namespace
}  // namespace socktrace
