// -y annotations, each expected string copied from strace 6.1 -yy output on
// the netload workload (see tests/integration/netload.cpp).
#include "core/fd_annotation.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

Address v4(const char* s) {
  Address a;
  a.family = AF_INET;
  inet_pton(AF_INET, s, a.bytes.data());
  return a;
}

Address v6(const char* s) {
  Address a;
  a.family = AF_INET6;
  inet_pton(AF_INET6, s, a.bytes.data());
  return a;
}

std::string annotate(int64_t fd, const FdInfo* f) {
  std::string out;
  append_annotated_fd(out, fd, f);
  return out;
}

FdInfo tcp(bool hashed) {
  FdInfo f;
  f.family = AF_INET;
  f.type = SOCK_STREAM;
  f.protocol = 6;
  f.ino = 1742992;
  f.hashed = hashed;
  return f;
}

TEST(FdAnnotation, PlainFdWithoutInfo) {
  EXPECT_EQ(annotate(3, nullptr), "3");
  FdInfo not_socket;
  EXPECT_EQ(annotate(7, &not_socket), "7");
}

TEST(FdAnnotation, TcpNotYetListedShowsInode) { 
  FdInfo f = tcp(false);
  EXPECT_EQ(annotate(3, &f), "3<TCP:[1742992]>");
}

TEST(FdAnnotation, TcpListenerAndConnection) {
  FdInfo f = tcp(true);
  f.saddr = v4("127.0.0.1");
  f.sport = 33097;
  EXPECT_EQ(annotate(3, &f), "3<TCP:[127.0.0.1:33097]>");
  f.sport = 47670;
  f.daddr = v4("127.0.0.1");
  f.dport = 33097;
  EXPECT_EQ(annotate(4, &f), "4<TCP:[127.0.0.1:47670->127.0.0.1:33097]>");
}

TEST(FdAnnotation, Tcp6) {
  FdInfo f = tcp(true);
  f.family = AF_INET6;
  f.saddr = v6("::1");
  f.daddr = v6("::1");
  f.sport = 40383;
  f.dport = 39032;
  EXPECT_EQ(annotate(5, &f), "5<TCPv6:[[::1]:40383->[::1]:39032]>");
  f.hashed = false;
  f.ino = 1742995;
  EXPECT_EQ(annotate(3, &f), "3<TCPv6:[1742995]>");
}

TEST(FdAnnotation, Udp) {
  FdInfo f = tcp(true);
  f.type = SOCK_DGRAM;
  f.protocol = 17;
  f.saddr = v4("127.0.0.1");
  f.sport = 57087;
  EXPECT_EQ(annotate(3, &f), "3<UDP:[127.0.0.1:57087]>");
  f.hashed = false;
  f.ino = 1743004;
  EXPECT_EQ(annotate(3, &f), "3<UDP:[1743004]>");
}

TEST(FdAnnotation, Unix) {
  FdInfo f;
  f.family = AF_UNIX;
  f.type = SOCK_STREAM;
  f.ino = 1743008;
  f.peer_ino = 1743009;
  f.hashed = true;
  EXPECT_EQ(annotate(3, &f), "3<UNIX-STREAM:[1743008->1743009]>");
  f.peer_ino = 0;
  f.ino = 1743012;
  f.path = std::string("/tmp/nl/netload-27845.sock\0", 27);
  EXPECT_EQ(annotate(3, &f), "3<UNIX-STREAM:[1743012,\"/tmp/nl/netload-27845.sock\"]>");
  f.type = SOCK_DGRAM;
  f.ino = 1743010;
  f.path = std::string("\0socktrace-test-27845", 21);
  EXPECT_EQ(annotate(3, &f), "3<UNIX:[1743010,@\"socktrace-test-27845\"]>");
  f.path.clear();
  EXPECT_EQ(annotate(4, &f), "4<UNIX:[1743010]>");
}

TEST(FdAnnotation, Netlink) {
  FdInfo f;
  f.family = AF_NETLINK;
  f.protocol = 0;
  f.ino = 1743015;
  EXPECT_EQ(annotate(3, &f), "3<NETLINK:[1743015]>");
  f.hashed = true;
  f.nl_portid = 27845;
  EXPECT_EQ(annotate(3, &f), "3<NETLINK:[ROUTE:27845]>");
}

}  // namespace
}  // namespace socktrace
