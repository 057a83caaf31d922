// -y annotations, each expected string copied from strace 6.1 -yy output on
// the netload workload (see tests/integration/netload.cpp).
#include "core/fd_annotation.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

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

FdInfo file(std::string name, uint32_t mode, bool dname = false, uint32_t magic = 0xef53) {
  FdInfo f;
  auto& x = f.file.emplace();
  x.name = std::move(name);
  x.mode = mode;
  x.dname = dname;
  x.magic = magic;
  return f;
}

// Files, each string copied from strace 6.1 -yy (getpeername on each fd).
TEST(FdAnnotation, FilesAsStraceYy) {
  FdInfo f = file("/tmp/sf/data", S_IFREG | 0644);
  EXPECT_EQ(annotate(5, &f), "5</tmp/sf/data>");
  f = file("/dev/null", S_IFCHR | 0666);
  f.file->rdev = 1u << 20 | 3;
  EXPECT_EQ(annotate(5, &f), "5</dev/null<char 1:3>>");
  f = file("/dev/loop0", S_IFBLK | 0660);
  f.file->rdev = 7u << 20 | 0;
  EXPECT_EQ(annotate(14, &f), "14</dev/loop0<block 7:0>>");
  f = file("/tmp/sf/we<ir>d na\"me\n\\x", S_IFREG | 0600);
  EXPECT_EQ(annotate(8, &f), R"(8</tmp/sf/we\74ir\76d na\"me\n\\x>)");
  f = file("/tmp/sf/\xc3\xa9\xc3\xbc\x01\x7f", S_IFREG | 0600);
  EXPECT_EQ(annotate(17, &f), R"(17</tmp/sf/\303\251\303\274\1\177>)");
  f = file("/tmp/sf/deleted", S_IFREG | 0600);
  f.file->deleted = true;
  EXPECT_EQ(annotate(11, &f), "11</tmp/sf/deleted>(deleted)");
  f = file("/", S_IFDIR | 0755);
  EXPECT_EQ(annotate(13, &f), "13</>");
}

TEST(FdAnnotation, FilesWithMadeUpNames) {
  FdInfo f = file("", S_IFIFO | 0600, true, 0x50495045);
  f.file->ino = 2933364;
  EXPECT_EQ(annotate(3, &f), "3<pipe:[2933364]>");
  f = file("[eventfd]", 0600, true, 0x09041934);
  EXPECT_EQ(annotate(6, &f), "6<anon_inode:[eventfd]>");
  f = file("memfd:mf x", S_IFREG | 0777, true, 0x01021994);
  EXPECT_EQ(annotate(7, &f), "7</memfd:mf x>(deleted)");
  // A filesystem whose names socktrace cannot make up: the bare fd.
  f = file("x", S_IFREG, true, 0x12345678);
  EXPECT_EQ(annotate(9, &f), "9");
}

}  // namespace
}  // namespace socktrace
