// The `args` object of --json "syscall" events: C parameter names as keys,
// strace's symbolic names as values.

#include "core/syscall_json.h"

#include <string>

#include <gtest/gtest.h>

#include "core/errno_names.h"
#include "strace_event_builder.h"

namespace socktrace {
namespace {

using testing::EventBuilder;
using testing::Iov;
using testing::MsgHdr;

using testing::kP;

std::string json(const SyscallEvent& e, int limit = 32) {
  fmt::memory_buffer out;
  append_syscall_args_json(e, limit, out);
  return fmt::to_string(out);
}

TEST(SyscallJson, SocketAndPair) {
  EXPECT_EQ(json(EventBuilder(sys::kSocket, {AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP}, 3)),
            R"({"domain":"AF_INET","type":"SOCK_STREAM|SOCK_CLOEXEC","protocol":"IPPROTO_TCP"})");
  int fds[2] = {5, 6};
  EXPECT_EQ(json(EventBuilder(sys::kSocketpair, {AF_UNIX, SOCK_STREAM, 0, kP}, 0).blob(ST_BLOB_FDS, fds, 8)),
            R"({"domain":"AF_UNIX","type":"SOCK_STREAM","protocol":0,"sv":[5,6]})");
}

TEST(SyscallJson, Addresses) {
  auto a = testing::inet4("127.0.0.1", 5000);
  EXPECT_EQ(json(EventBuilder(sys::kConnect, {3, kP, 16}, -111).blob(ST_BLOB_ADDR, &a, 16)),
            R"({"fd":3,"addr":{"family":"AF_INET","addr":"127.0.0.1","port":5000},"addrlen":16})");
  auto b = testing::inet6("::1", 443, 0, 0);
  EXPECT_EQ(json(EventBuilder(sys::kBind, {4, kP, 28}, 0).blob(ST_BLOB_ADDR, &b, 28)),
            R"({"fd":4,"addr":{"family":"AF_INET6","addr":"::1","port":443,"flowinfo":0,"scope_id":0},"addrlen":28})");
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, "\0abs\"x", 6);
  EXPECT_EQ(json(EventBuilder(sys::kBind, {6, kP, 8}, 0).blob(ST_BLOB_ADDR, &un, 8)),
            R"({"fd":6,"addr":{"family":"AF_UNIX","path":"@abs\\\"x"},"addrlen":8})");
  EXPECT_EQ(json(EventBuilder(sys::kBind, {6, 0, 16}, -14)), R"({"fd":6,"addr":null,"addrlen":16})");
  EXPECT_EQ(json(EventBuilder(sys::kAccept4, {3, kP, kP, SOCK_NONBLOCK}, 7)
                     .u32s(ST_BLOB_INLENS, {128})
                     .u32s(ST_BLOB_OUTLENS, {16})
                     .blob(ST_BLOB_ADDR, &a, 16)),
            R"({"fd":3,"addr":{"family":"AF_INET","addr":"127.0.0.1","port":5000},"addrlen":16,"flags":"SOCK_NONBLOCK"})");
}

TEST(SyscallJson, DataFlagsAndTruncation) {
  EXPECT_EQ(json(EventBuilder(sys::kSendto, {3, kP, 6, MSG_NOSIGNAL, 0, 0}, 6).str(ST_BLOB_DATA, "hi\n\"\1x")),
            R"({"fd":3,"data":"hi\\n\\\"\\1x","len":6,"flags":"MSG_NOSIGNAL","addr":null,"addrlen":0})");
  EXPECT_EQ(json(EventBuilder(sys::kRecvfrom, {3, kP, 100, 0, 0, 0}, 10).str(ST_BLOB_DATA, "abcd"), 4),
            R"({"fd":3,"data":"abcd","truncated":true,"len":100,"flags":"0","addr":null,"addrlen":null})");
  EXPECT_EQ(json(EventBuilder(sys::kRecvfrom, {3, kP, 100, MSG_DONTWAIT, 0, 0}, -11)),
            R"({"fd":3,"data":null,"len":100,"flags":"MSG_DONTWAIT","addr":null,"addrlen":null})");
  EXPECT_EQ(json(EventBuilder(sys::kShutdown, {3, SHUT_WR}, 0)), R"({"fd":3,"how":"SHUT_WR"})");
  EXPECT_EQ(json(EventBuilder(sys::kListen, {3, 128}, 0)), R"({"fd":3,"backlog":128})");
}

TEST(SyscallJson, Sockopts) {
  int one = 1;
  EXPECT_EQ(json(EventBuilder(sys::kSetsockopt, {3, SOL_SOCKET, SO_REUSEADDR, kP, 4}, 0).blob(ST_BLOB_OPTVAL, &one, 4)),
            R"({"fd":3,"level":"SOL_SOCKET","optname":"SO_REUSEADDR","optval":1,"optlen":4})");
  EXPECT_EQ(json(EventBuilder(sys::kGetsockopt, {3, IPPROTO_TCP, 13, kP, kP}, 0)
                     .u32s(ST_BLOB_INLENS, {16})
                     .u32s(ST_BLOB_OUTLENS, {5})
                     .str(ST_BLOB_OPTVAL, "cubic")),
            R"({"fd":3,"level":"SOL_TCP","optname":"TCP_CONGESTION","optval":"cubic","optlen":5})");
}

TEST(SyscallJson, Messages) {
  MsgHdr h;
  h.iov = 0x1000;
  h.iovlen = 2;
  Iov iov[2] = {{0x2000, 4}, {0x3000, 100}};
  EXPECT_EQ(json(EventBuilder(sys::kRecvmsg, {4, kP, 0}, 5)
                     .u32s(ST_BLOB_INLENS, {0, 0})
                     .blob(ST_BLOB_MSGHDR, &h, sizeof h)
                     .blob(ST_BLOB_IOVEC, iov, sizeof iov)
                     .str(ST_BLOB_DATA, "hell", 0, 0)
                     .str(ST_BLOB_DATA, "o", 0, 1)),
            R"({"fd":4,"msg":{"name":null,"namelen":0,"iov":[{"data":"hell","len":4},{"data":"o","len":100}],)"
            R"("iovlen":2,"controllen":0,"flags":"0"},"flags":"0"})");
  MsgHdr one;
  one.iov = 0x1000;
  one.iovlen = 1;
  Iov i{0x2000, 2};
  EXPECT_EQ(json(EventBuilder(sys::kSendmmsg, {4, kP, 1, 0}, 1)
                     .blob(ST_BLOB_MSGHDR, &one, sizeof one)
                     .blob(ST_BLOB_IOVEC, &i, 16)
                     .str(ST_BLOB_DATA, "hi")
                     .u32s(ST_BLOB_MMSGLEN, {2})),
            R"({"fd":4,"msgs":[{"msg_hdr":{"name":null,"namelen":0,"iov":[{"data":"hi","len":2}],"iovlen":1,)"
            R"("controllen":0,"flags":"0"},"msg_len":2}],"vlen":1,"flags":"0"})");
}

TEST(ErrnoNames, NamesAndMessages) {
  EXPECT_EQ(errno_name(111), "ECONNREFUSED");
  EXPECT_EQ(errno_name(11), "EAGAIN");
  EXPECT_EQ(errno_name(95), "EOPNOTSUPP");
  EXPECT_EQ(errno_name(35), "EDEADLK");
  EXPECT_EQ(errno_name(512), "ERESTARTSYS");
  EXPECT_EQ(errno_name(41), "");
  EXPECT_EQ(errno_name(-1), "");
  EXPECT_EQ(errno_message(115), "Operation now in progress");
  EXPECT_EQ(errno_message(600), "");
}

TEST(SyscallJson, Sendfile) {
  uint64_t before = 0, after = 1024;
  EXPECT_EQ(json(EventBuilder(sys::kSendfile, {4, 5, kP, 1024}, 1024)
                     .blob(ST_BLOB_OFFSET, &before, 8, 0)
                     .blob(ST_BLOB_OFFSET, &after, 8, 1)),
            R"({"out_fd":4,"in_fd":5,"offset":0,"offset_out":1024,"count":1024})");
  EXPECT_EQ(json(EventBuilder(sys::kSendfile, {4, 5, 0, 1000}, 1000)),
            R"({"out_fd":4,"in_fd":5,"offset":null,"offset_out":null,"count":1000})");
  uint64_t past = 5000;
  EXPECT_EQ(json(EventBuilder(sys::kSendfile, {4, 5, kP, 100}, 0)
                     .blob(ST_BLOB_OFFSET, &past, 8, 0)
                     .blob(ST_BLOB_OFFSET, &past, 8, 1)),
            R"({"out_fd":4,"in_fd":5,"offset":5000,"offset_out":null,"count":100})");
  EXPECT_EQ(json(EventBuilder(sys::kSendfile, {4, 5, 8, 10}, -14).fault(ST_BLOB_OFFSET, 0)),
            R"({"out_fd":4,"in_fd":5,"offset":null,"offset_out":null,"count":10})");
}

}  // namespace
}  // namespace socktrace
