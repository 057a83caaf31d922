// netload: a deterministic loopback workload for the syscall-trace
// integration tests. They run it under `strace -f -e trace=network` and
// socktrace at once and compare the two traces task by task, line by line,
// so every task's sequence of %network syscalls must be the same on every
// run: one main thread, two worker threads (joined) and one forked child
// (waited for), each doing its steps in a fixed order.
//
// It exercises every syscall of strace's %network class: the 18 socket
// calls, sendfile (from a file to a socket and to a file, with and without
// an offset, and its errors), and on x86-64 getpmsg/putpmsg (ENOSYS).
// Everything is on loopback and every wait is bounded: a receive or accept
// that could find its queue still empty (loopback delivery runs in softirq,
// which may be deferred to ksoftirqd) is preceded by poll() with a timeout;
// poll is not in %network, so it leaves the compared trace alone.
//
// Nothing here may make hidden network syscalls (no getaddrinfo, no NSS):
// the trace must contain exactly the calls written below. glibc maps each
// wrapper used here 1:1 to the syscall of the same name.
//
// Usage: netload DIR (DIR holds the filesystem unix socket). Exit 0 when
// every call returned what it should; otherwise a message on stderr and 1.
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace socktrace::netload {
namespace {

// Longest wait for data that loopback has already been handed.
constexpr int poll_timeout_ms = 2000;
// The forked child's exit status the tests look for.
constexpr int child_exit_status = 3;

// Longer than strace's default -s 32, so it is printed truncated.
constexpr std::string_view long_payload =
    "GET /socktrace/integration/netload HTTP/1.1 -- a payload longer than 32 bytes";
// Every escape class strace has: quote, backslash, newline, tab, NUL,
// control bytes, DEL and high bytes.
constexpr char binary_bytes[] = "q\"b\\n\nt\t\0\x01\x1f\x7f\x80\xff end";
constexpr std::string_view binary_payload{binary_bytes, sizeof(binary_bytes) - 1};

class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what) { throw Failure(what); }

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// The syscall succeeded; returns its result.
long expect_ok(long rc, const std::string& what) {
  if (rc < 0) fail(what + ": " + errno_text(errno));
  return rc;
}

void expect_eq(long rc, long want, const std::string& what) {
  if (rc < 0 && want >= 0) fail(what + ": " + errno_text(errno));
  if (rc != want) fail(what + ": returned " + std::to_string(rc) + ", expected " + std::to_string(want));
}

// The syscall failed with exactly `err`.
void expect_errno(long rc, int err, const std::string& what) {
  const int got = errno;
  if (rc != -1) fail(what + ": returned " + std::to_string(rc) + ", expected " + errno_text(err));
  if (got != err) fail(what + ": failed with " + errno_text(got) + ", expected " + errno_text(err));
}

void expect_true(bool ok, const std::string& what) {
  if (!ok) fail(what);
}

// A move-only owned descriptor; close() is not in %network, so when it
// runs does not matter to the trace.
class Fd {
 public:
  explicit Fd(int fd, const std::string& what) : fd_(static_cast<int>(expect_ok(fd, what))) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void wait_for(int fd, short events, const std::string& what) {
  pollfd p{fd, events, 0};
  const int n = ::poll(&p, 1, poll_timeout_ms);
  expect_ok(n, "poll " + what);
  if (n == 0) fail(what + ": timed out after " + std::to_string(poll_timeout_ms) + " ms");
}

void wait_readable(int fd, const std::string& what) { wait_for(fd, POLLIN, what); }

sockaddr* sa(auto* addr) { return reinterpret_cast<sockaddr*>(addr); }
const sockaddr* sa(const auto* addr) { return reinterpret_cast<const sockaddr*>(addr); }

sockaddr_in loopback4(in_port_t port = 0) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in6 loopback6(in_port_t port = 0) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_addr = in6addr_loopback;
  return a;
}

// getsockname/getpeername of an inet socket, checked for family and size.
template <typename Addr>
Addr local_name(int fd, const std::string& what) {
  Addr a{};
  socklen_t len = sizeof(a);
  expect_ok(::getsockname(fd, sa(&a), &len), "getsockname " + what);
  expect_eq(len, sizeof(a), "getsockname " + what + " length");
  return a;
}

template <typename Addr>
Addr peer_name(int fd, const std::string& what) {
  Addr a{};
  socklen_t len = sizeof(a);
  expect_ok(::getpeername(fd, sa(&a), &len), "getpeername " + what);
  expect_eq(len, sizeof(a), "getpeername " + what + " length");
  return a;
}

in_port_t port_of(const sockaddr_in& a) { return ntohs(a.sin_port); }
in_port_t port_of(const sockaddr_in6& a) { return ntohs(a.sin6_port); }

void set_int(int fd, int level, int name, int value, const std::string& what) {
  expect_eq(::setsockopt(fd, level, name, &value, sizeof(value)), 0, "setsockopt " + what);
}

int get_int(int fd, int level, int name, const std::string& what) {
  int value = 0;
  socklen_t len = sizeof(value);
  expect_eq(::getsockopt(fd, level, name, &value, &len), 0, "getsockopt " + what);
  expect_eq(len, sizeof(value), "getsockopt " + what + " length");
  return value;
}

// send() is sendto(fd, buf, len, flags, NULL, 0) in glibc; written out so
// the call in the trace is the call in the source.
void send_all(int fd, std::string_view data, int flags, const std::string& what) {
  expect_eq(::sendto(fd, data.data(), data.size(), flags, nullptr, 0), static_cast<long>(data.size()),
            "sendto " + what);
}

// Receives exactly data.size() bytes from a stream and compares them. A
// short read only happens if loopback split the segment; loop for it.
void recv_expect(int fd, std::string_view want, const std::string& what) {
  std::string got(want.size(), '\0');
  std::size_t have = 0;
  while (have < want.size()) {
    wait_readable(fd, "recvfrom " + what);
    const long n = ::recvfrom(fd, got.data() + have, got.size() - have, 0, nullptr, nullptr);
    expect_ok(n, "recvfrom " + what);
    if (n == 0) fail("recvfrom " + what + ": early end of stream after " + std::to_string(have) + " bytes");
    have += static_cast<std::size_t>(n);
  }
  if (got != want) fail("recvfrom " + what + ": payload differs");
}

void recv_eof(int fd, const std::string& what) {
  char c;
  wait_readable(fd, "recvfrom " + what);
  expect_eq(::recvfrom(fd, &c, sizeof(c), 0, nullptr, nullptr), 0, "recvfrom " + what + " (end of stream)");
}

// ---- TCP ------------------------------------------------------------------

// IPv4: options on both ends, accept with an address, getpeername on both,
// a long payload one way and a binary one back, then half-close.
void tcp4_round_trip() {
  Fd lst(::socket(AF_INET, SOCK_STREAM, 0), "socket tcp4 listener");
  set_int(lst.get(), SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
  auto bind_addr = loopback4();
  expect_eq(::bind(lst.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind tcp4 listener");
  expect_eq(::listen(lst.get(), 8), 0, "listen tcp4");
  const auto server = local_name<sockaddr_in>(lst.get(), "tcp4 listener");

  Fd cli(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), "socket tcp4 client");
  set_int(cli.get(), IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
  expect_true(get_int(cli.get(), SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF") > 0, "SO_RCVBUF is not positive");
  expect_eq(get_int(cli.get(), SOL_SOCKET, SO_TYPE, "SO_TYPE"), SOCK_STREAM, "SO_TYPE");
  expect_eq(::connect(cli.get(), sa(&server), sizeof(server)), 0, "connect tcp4");
  const auto client = local_name<sockaddr_in>(cli.get(), "tcp4 client");

  wait_readable(lst.get(), "accept tcp4");
  sockaddr_in peer{};
  socklen_t peer_len = sizeof(peer);
  Fd srv(::accept(lst.get(), sa(&peer), &peer_len), "accept tcp4");
  expect_eq(peer_len, sizeof(peer), "accept tcp4 address length");
  expect_eq(port_of(peer), port_of(client), "accept tcp4 peer port");
  expect_eq(port_of(peer_name<sockaddr_in>(srv.get(), "tcp4 server side")), port_of(client),
            "getpeername tcp4 server side port");
  expect_eq(port_of(peer_name<sockaddr_in>(cli.get(), "tcp4 client")), port_of(server),
            "getpeername tcp4 client port");

  send_all(cli.get(), long_payload, 0, "tcp4 long payload");
  recv_expect(srv.get(), long_payload, "tcp4 long payload");
  send_all(srv.get(), binary_payload, MSG_NOSIGNAL, "tcp4 binary payload");
  recv_expect(cli.get(), binary_payload, "tcp4 binary payload");

  expect_eq(::shutdown(cli.get(), SHUT_WR), 0, "shutdown tcp4 SHUT_WR");
  recv_eof(srv.get(), "tcp4 after SHUT_WR");

  // Zero linger: the close resets instead of lingering in TIME_WAIT.
  const linger lg{1, 0};
  expect_eq(::setsockopt(srv.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0, "setsockopt SO_LINGER");
}

// IPv6: accept with a NULL address, getpeername of the accepted socket.
void tcp6_round_trip() {
  Fd lst(::socket(AF_INET6, SOCK_STREAM, 0), "socket tcp6 listener");
  auto bind_addr = loopback6();
  expect_eq(::bind(lst.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind tcp6 listener");
  expect_eq(::listen(lst.get(), 8), 0, "listen tcp6");
  const auto server = local_name<sockaddr_in6>(lst.get(), "tcp6 listener");

  Fd cli(::socket(AF_INET6, SOCK_STREAM, 0), "socket tcp6 client");
  expect_eq(::connect(cli.get(), sa(&server), sizeof(server)), 0, "connect tcp6");
  const auto client = local_name<sockaddr_in6>(cli.get(), "tcp6 client");

  wait_readable(lst.get(), "accept tcp6");
  Fd srv(::accept(lst.get(), nullptr, nullptr), "accept tcp6 (NULL address)");
  const auto peer = peer_name<sockaddr_in6>(srv.get(), "tcp6 server side");
  expect_eq(port_of(peer), port_of(client), "getpeername tcp6 port");
  expect_true(std::memcmp(&peer.sin6_addr, &in6addr_loopback, sizeof(in6_addr)) == 0,
              "getpeername tcp6: peer is not ::1");

  send_all(cli.get(), "hello over ipv6", 0, "tcp6 request");
  recv_expect(srv.get(), "hello over ipv6", "tcp6 request");
  send_all(srv.get(), long_payload, 0, "tcp6 reply");
  recv_expect(cli.get(), long_payload, "tcp6 reply");
}

// A connect to a loopback port that was bound and closed just before.
void refused_connect() {
  sockaddr_in target{};
  {
    Fd probe(::socket(AF_INET, SOCK_STREAM, 0), "socket refused probe");
    auto bind_addr = loopback4();
    expect_eq(::bind(probe.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind refused probe");
    target = local_name<sockaddr_in>(probe.get(), "refused probe");
  }
  Fd cli(::socket(AF_INET, SOCK_STREAM, 0), "socket refused client");
  expect_errno(::connect(cli.get(), sa(&target), sizeof(target)), ECONNREFUSED, "connect to a closed port");
}

// A non-blocking listener: accept4 on its empty queue fails with EAGAIN;
// then a non-blocking connect (EINPROGRESS, SO_ERROR 0) and a real accept4.
void nonblocking_connect() {
  Fd lst(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), "socket non-blocking listener");
  auto bind_addr = loopback4();
  expect_eq(::bind(lst.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind non-blocking listener");
  expect_eq(::listen(lst.get(), 8), 0, "listen non-blocking");
  const auto server = local_name<sockaddr_in>(lst.get(), "non-blocking listener");
  expect_errno(::accept4(lst.get(), nullptr, nullptr, SOCK_CLOEXEC), EAGAIN, "accept4 on an empty queue");

  Fd cli(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), "socket non-blocking client");
  // The SYN-ACK is processed at release_sock, after the state check, so a
  // loopback non-blocking connect still reports EINPROGRESS.
  expect_errno(::connect(cli.get(), sa(&server), sizeof(server)), EINPROGRESS, "non-blocking connect");
  wait_for(cli.get(), POLLOUT, "non-blocking connect completion");
  expect_eq(get_int(cli.get(), SOL_SOCKET, SO_ERROR, "SO_ERROR"), 0, "SO_ERROR after connect");

  wait_readable(lst.get(), "accept4 non-blocking");
  sockaddr_in peer{};
  socklen_t peer_len = sizeof(peer);
  Fd srv(::accept4(lst.get(), sa(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC), "accept4");
  expect_eq(port_of(peer), port_of(local_name<sockaddr_in>(cli.get(), "non-blocking client")),
            "accept4 peer port");
}

// ---- UDP ------------------------------------------------------------------

struct UdpPair {
  Fd rx;
  Fd tx;
  sockaddr_in rx_addr;
};

// A bound receiver with a 1 s SO_RCVTIMEO (so no receive can block for
// good) and an unbound sender.
UdpPair udp_pair(const std::string& what) {
  Fd rx(::socket(AF_INET, SOCK_DGRAM, 0), "socket " + what + " receiver");
  auto bind_addr = loopback4();
  expect_eq(::bind(rx.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind " + what + " receiver");
  const auto rx_addr = local_name<sockaddr_in>(rx.get(), what + " receiver");
  const timeval tv{1, 0};
  expect_eq(::setsockopt(rx.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0, "setsockopt SO_RCVTIMEO");
  Fd tx(::socket(AF_INET, SOCK_DGRAM, 0), "socket " + what + " sender");
  return {std::move(rx), std::move(tx), rx_addr};
}

// sendmmsg of three datagrams on a connected socket; recvmmsg with
// MSG_WAITFORONE; then two more, received by a recvmmsg with a timeout.
void udp_mmsg() {
  auto p = udp_pair("udp mmsg");
  expect_eq(::connect(p.tx.get(), sa(&p.rx_addr), sizeof(p.rx_addr)), 0, "connect udp");

  constexpr std::array<std::string_view, 3> batch{"datagram one", "datagram two", "datagram three"};
  std::array<iovec, 3> out_iov{};
  std::array<mmsghdr, 3> out{};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    out_iov[i] = {const_cast<char*>(batch[i].data()), batch[i].size()};
    out[i].msg_hdr.msg_iov = &out_iov[i];
    out[i].msg_hdr.msg_iovlen = 1;
  }
  expect_eq(::sendmmsg(p.tx.get(), out.data(), 3, 0), 3, "sendmmsg 3 datagrams");

  std::array<std::array<char, 64>, 3> buf{};
  std::array<iovec, 3> in_iov{};
  std::array<mmsghdr, 3> in{};
  auto reset_in = [&] {
    for (std::size_t i = 0; i < in.size(); ++i) {
      in_iov[i] = {buf[i].data(), buf[i].size()};
      in[i] = {};
      in[i].msg_hdr.msg_iov = &in_iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
    }
  };
  reset_in();
  // Loopback normally delivers all three before sendmmsg returns; had
  // softirq been deferred, MSG_WAITFORONE could return fewer: fetch the rest.
  std::size_t got = 0;
  while (got < batch.size()) {
    const long n = ::recvmmsg(p.rx.get(), in.data() + got, static_cast<unsigned>(batch.size() - got),
                              MSG_WAITFORONE, nullptr);
    expect_ok(n, "recvmmsg MSG_WAITFORONE");
    if (n == 0) fail("recvmmsg MSG_WAITFORONE: returned 0");
    got += static_cast<std::size_t>(n);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    expect_true(std::string_view(buf[i].data(), in[i].msg_len) == batch[i],
                "recvmmsg MSG_WAITFORONE: datagram " + std::to_string(i) + " differs");
  }

  expect_eq(::sendmmsg(p.tx.get(), out.data(), 2, 0), 2, "sendmmsg 2 datagrams");
  reset_in();
  // Without MSG_WAITFORONE it waits for both; the timeout is only checked
  // between datagrams (recvmmsg(2) BUGS), SO_RCVTIMEO bounds each wait.
  timespec timeout{0, 500'000'000};
  expect_eq(::recvmmsg(p.rx.get(), in.data(), 2, 0, &timeout), 2, "recvmmsg with timeout");
  for (std::size_t i = 0; i < 2; ++i) {
    expect_true(std::string_view(buf[i].data(), in[i].msg_len) == batch[i],
                "recvmmsg with timeout: datagram " + std::to_string(i) + " differs");
  }
}

// sendmsg with msg_name and two iovecs; recvmsg into two iovecs with the
// sender's name.
void udp_msg() {
  auto p = udp_pair("udp msg");
  std::string head = "head:";
  std::string tail = "tail\n";
  std::array<iovec, 2> out_iov{{{head.data(), head.size()}, {tail.data(), tail.size()}}};
  msghdr out{};
  out.msg_name = &p.rx_addr;
  out.msg_namelen = sizeof(p.rx_addr);
  out.msg_iov = out_iov.data();
  out.msg_iovlen = out_iov.size();
  expect_eq(::sendmsg(p.tx.get(), &out, 0), static_cast<long>(head.size() + tail.size()), "sendmsg");
  const auto sender = local_name<sockaddr_in>(p.tx.get(), "udp msg sender");

  std::array<char, 4> first{};
  std::array<char, 32> second{};
  std::array<iovec, 2> in_iov{{{first.data(), first.size()}, {second.data(), second.size()}}};
  sockaddr_in from{};
  msghdr in{};
  in.msg_name = &from;
  in.msg_namelen = sizeof(from);
  in.msg_iov = in_iov.data();
  in.msg_iovlen = in_iov.size();
  wait_readable(p.rx.get(), "recvmsg");
  expect_eq(::recvmsg(p.rx.get(), &in, 0), static_cast<long>(head.size() + tail.size()), "recvmsg");
  expect_eq(in.msg_namelen, sizeof(from), "recvmsg name length");
  expect_eq(port_of(from), port_of(sender), "recvmsg sender port");
  const std::string joined = std::string(first.data(), first.size()) +
                             std::string(second.data(), head.size() + tail.size() - first.size());
  expect_true(joined == head + tail, "recvmsg: payload differs");
}

// One task's own UDP round trip, run on each worker thread.
void udp_round_trip(int worker) {
  const std::string what = "worker " + std::to_string(worker);
  Fd a(::socket(AF_INET, SOCK_DGRAM, 0), "socket " + what + " a");
  Fd b(::socket(AF_INET, SOCK_DGRAM, 0), "socket " + what + " b");
  auto bind_addr = loopback4();
  expect_eq(::bind(a.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind " + what + " a");
  const auto a_addr = local_name<sockaddr_in>(a.get(), what + " a");

  const std::string ping = "ping from " + what;
  expect_eq(::sendto(b.get(), ping.data(), ping.size(), 0, sa(&a_addr), sizeof(a_addr)),
            static_cast<long>(ping.size()), "sendto " + what + " ping");
  std::array<char, 64> buf{};
  sockaddr_in from{};
  socklen_t from_len = sizeof(from);
  wait_readable(a.get(), what + " ping");
  const long n = ::recvfrom(a.get(), buf.data(), buf.size(), 0, sa(&from), &from_len);
  expect_eq(n, static_cast<long>(ping.size()), "recvfrom " + what + " ping");
  expect_true(std::string_view(buf.data(), ping.size()) == ping, "recvfrom " + what + ": ping differs");

  const std::string pong = "pong to " + what;
  expect_eq(::sendto(a.get(), pong.data(), pong.size(), 0, sa(&from), from_len),
            static_cast<long>(pong.size()), "sendto " + what + " pong");
  wait_readable(b.get(), what + " pong");
  expect_eq(::recvfrom(b.get(), buf.data(), buf.size(), 0, nullptr, nullptr), static_cast<long>(pong.size()),
            "recvfrom " + what + " pong");
  expect_true(std::string_view(buf.data(), pong.size()) == pong, "recvfrom " + what + ": pong differs");
}

// ---- Unix and netlink -----------------------------------------------------

void unix_socketpair() {
  std::array<int, 2> sv{-1, -1};
  expect_eq(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv.data()), 0, "socketpair");
  Fd left(sv[0], "socketpair left");
  Fd right(sv[1], "socketpair right");
  send_all(left.get(), "over the pair\n", 0, "socketpair request");
  recv_expect(right.get(), "over the pair\n", "socketpair request");
  send_all(right.get(), binary_payload, 0, "socketpair reply");
  recv_expect(left.get(), binary_payload, "socketpair reply");
}

// Two fds passed over a unix pair with SCM_RIGHTS, a file and a socket:
// under -y strace -yy describes each in cmsg_data, sent and received.
void scm_rights() {
  std::array<int, 2> sv{-1, -1};
  expect_eq(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv.data()), 0, "socketpair scm");
  Fd left(sv[0], "socketpair scm left");
  Fd right(sv[1], "socketpair scm right");
  Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC), "open /dev/null");
  const std::array<int, 2> passed{null.get(), left.get()};
  char byte = 'f';
  iovec iov{&byte, 1};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(passed))> control{};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(passed));
  std::memcpy(CMSG_DATA(cm), passed.data(), sizeof(passed));
  expect_eq(::sendmsg(left.get(), &msg, 0), 1, "sendmsg SCM_RIGHTS");

  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(passed))> received{};
  msg.msg_control = received.data();
  msg.msg_controllen = received.size();
  wait_readable(right.get(), "recvmsg SCM_RIGHTS");
  expect_eq(::recvmsg(right.get(), &msg, MSG_CMSG_CLOEXEC), 1, "recvmsg SCM_RIGHTS");
  cm = CMSG_FIRSTHDR(&msg);
  expect_true(cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(passed)),
              "recvmsg SCM_RIGHTS: no two fds");
  std::array<int, 2> got{};
  std::memcpy(got.data(), CMSG_DATA(cm), sizeof(got));
  for (int fd : got) ::close(fd);
}

// A datagram socket bound to an abstract name, and one datagram to it from
// an unbound sender (which has no name).
void unix_abstract() {
  const std::string name = std::string(1, '\0') + "socktrace-test-" + std::to_string(::getpid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, name.data(), name.size());
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());

  Fd rx(::socket(AF_UNIX, SOCK_DGRAM, 0), "socket unix abstract");
  expect_eq(::bind(rx.get(), sa(&addr), addr_len), 0, "bind unix abstract");
  sockaddr_un bound{};
  socklen_t bound_len = sizeof(bound);
  expect_eq(::getsockname(rx.get(), sa(&bound), &bound_len), 0, "getsockname unix abstract");
  expect_eq(bound_len, addr_len, "getsockname unix abstract length");
  expect_true(std::memcmp(bound.sun_path, name.data(), name.size()) == 0, "getsockname unix abstract: name differs");

  Fd tx(::socket(AF_UNIX, SOCK_DGRAM, 0), "socket unix abstract sender");
  constexpr std::string_view note = "to an abstract name";
  expect_eq(::sendto(tx.get(), note.data(), note.size(), 0, sa(&addr), addr_len), static_cast<long>(note.size()),
            "sendto unix abstract");
  std::array<char, 64> buf{};
  sockaddr_un from{};
  socklen_t from_len = sizeof(from);
  wait_readable(rx.get(), "recvfrom unix abstract");
  expect_eq(::recvfrom(rx.get(), buf.data(), buf.size(), 0, sa(&from), &from_len), static_cast<long>(note.size()),
            "recvfrom unix abstract");
  // An unbound datagram sender has no name at all (unix_copy_addr sets
  // msg_namelen 0), unlike getname on an unbound socket, which is the family.
  expect_eq(from_len, 0, "recvfrom unix abstract: unbound sender name length");
}

// A stream listener at DIR/netload-<pid>.sock; connect, accept4 with an
// address, getpeername of the client, one message each way.
void unix_path(const std::string& dir) {
  const std::string path = dir + "/netload-" + std::to_string(::getpid()) + ".sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) fail("socket path too long for sun_path: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());

  Fd lst(::socket(AF_UNIX, SOCK_STREAM, 0), "socket unix path listener");
  expect_eq(::bind(lst.get(), sa(&addr), sizeof(addr)), 0, "bind unix path " + path);
  expect_eq(::listen(lst.get(), 4), 0, "listen unix path");
  Fd cli(::socket(AF_UNIX, SOCK_STREAM, 0), "socket unix path client");
  // A unix stream connect is complete once queued on the listener.
  expect_eq(::connect(cli.get(), sa(&addr), sizeof(addr)), 0, "connect unix path");
  sockaddr_un peer{};
  socklen_t peer_len = sizeof(peer);
  Fd srv(::accept4(lst.get(), sa(&peer), &peer_len, SOCK_CLOEXEC), "accept4 unix path");
  expect_eq(peer_len, offsetof(sockaddr_un, sun_path), "accept4 unix path: unbound client name length");

  sockaddr_un server{};
  socklen_t server_len = sizeof(server);
  expect_eq(::getpeername(cli.get(), sa(&server), &server_len), 0, "getpeername unix path");
  expect_true(path == server.sun_path, "getpeername unix path: name differs");

  send_all(cli.get(), "over a path", 0, "unix path request");
  recv_expect(srv.get(), "over a path", "unix path request");
  ::unlink(path.c_str());
}

void netlink_bind() {
  Fd nl(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), "socket netlink");
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_pid = 0;  // the kernel assigns the port id
  expect_eq(::bind(nl.get(), sa(&addr), sizeof(addr)), 0, "bind netlink");
  sockaddr_nl bound{};
  socklen_t len = sizeof(bound);
  expect_eq(::getsockname(nl.get(), sa(&bound), &len), 0, "getsockname netlink");
  expect_eq(len, sizeof(bound), "getsockname netlink length");
  expect_eq(bound.nl_family, AF_NETLINK, "getsockname netlink family");
  expect_true(bound.nl_pid != 0, "getsockname netlink: no port id assigned");
}

// ---- sendfile ----------------------------------------------------------------

// A file of 3000 bytes sent to a TCP socket as a web server does: from an
// offset (strace: "[0] => [1024]"), from the file position (NULL), short at
// the end of the file, nothing past it ("[5000]", unchanged), and the
// errors: a bad in_fd, an unreadable offset. Then file to file, so that
// both fd arguments are files under -y. The receiver never reads: how a
// stream would split the bytes between reads is not deterministic.
void sendfile_calls(const std::string& dir) {
  const std::string path = dir + "/netload-" + std::to_string(::getpid()) + ".data";
  const std::string copy_path = path + ".copy";
  Fd file(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), "open " + path);
  const std::string content(3000, 'x');
  expect_eq(::write(file.get(), content.data(), content.size()), static_cast<long>(content.size()), "write " + path);

  Fd lst(::socket(AF_INET, SOCK_STREAM, 0), "socket sendfile listener");
  auto bind_addr = loopback4();
  expect_eq(::bind(lst.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind sendfile listener");
  expect_eq(::listen(lst.get(), 4), 0, "listen sendfile");
  const auto server = local_name<sockaddr_in>(lst.get(), "sendfile listener");
  Fd cli(::socket(AF_INET, SOCK_STREAM, 0), "socket sendfile client");
  expect_eq(::connect(cli.get(), sa(&server), sizeof(server)), 0, "connect sendfile");
  wait_readable(lst.get(), "accept sendfile");
  Fd srv(::accept(lst.get(), nullptr, nullptr), "accept sendfile");

  off_t off = 0;
  expect_eq(::sendfile(cli.get(), file.get(), &off, 1024), 1024, "sendfile from offset 0");
  expect_eq(off, 1024, "sendfile offset after");
  expect_eq(::lseek(file.get(), 0, SEEK_SET), 0, "lseek");
  expect_eq(::sendfile(cli.get(), file.get(), nullptr, 1000), 1000, "sendfile from the file position");
  off = 2990;
  expect_eq(::sendfile(cli.get(), file.get(), &off, 100), 10, "sendfile short at the end of the file");
  off = 5000;
  expect_eq(::sendfile(cli.get(), file.get(), &off, 100), 0, "sendfile past the end of the file");
  expect_errno(::sendfile(cli.get(), -1, nullptr, 10), EBADF, "sendfile from a bad fd");
  expect_errno(::sendfile(cli.get(), file.get(), reinterpret_cast<off_t*>(8), 10), EFAULT,
               "sendfile with an unreadable offset");

  Fd copy(::open(copy_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), "open " + copy_path);
  off = 100;
  expect_eq(::sendfile(copy.get(), file.get(), &off, 50), 50, "sendfile file to file");
  ::unlink(copy_path.c_str());
  ::unlink(path.c_str());
}

// getpmsg and putpmsg (STREAMS) were never implemented by Linux, but
// strace's %network class has them where the syscall table does (x86-64).
void streams_calls() {
#if defined(SYS_getpmsg) && defined(SYS_putpmsg)
  expect_errno(::syscall(SYS_getpmsg, 3, 0, 0, 0, 0), ENOSYS, "getpmsg");
  expect_errno(::syscall(SYS_putpmsg, 3, 0, 0, 0, 0), ENOSYS, "putpmsg");
#endif
}

// ---- Other tasks ----------------------------------------------------------

void worker_threads() {
  std::array<std::string, 2> errors;
  std::array<std::thread, 2> workers;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    workers[i] = std::thread([i, &errors] {
      try {
        udp_round_trip(static_cast<int>(i) + 1);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& e : errors) {
    if (!e.empty()) fail(e);
  }
}

// The child's half of forked_client. The workers are joined before the
// fork, so the child is a plain single-threaded copy; it leaves through
// _exit so that no atexit handler or inherited stdio buffer runs twice.
[[noreturn]] void child_client(const sockaddr_in& server) {
  int status = child_exit_status;
  try {
    Fd cli(::socket(AF_INET, SOCK_STREAM, 0), "child: socket");
    expect_eq(::connect(cli.get(), sa(&server), sizeof(server)), 0, "child: connect");
    send_all(cli.get(), "from the child", 0, "child request");
    recv_expect(cli.get(), "to the child", "child reply");
  } catch (const std::exception& e) {
    std::cerr << "netload: " << e.what() << '\n';
    status = 1;
  }
  std::cerr.flush();
  ::_exit(status);
}

// A forked child does a TCP client round trip against this process and
// exits with child_exit_status.
void forked_client() {
  Fd lst(::socket(AF_INET, SOCK_STREAM, 0), "socket fork listener");
  auto bind_addr = loopback4();
  expect_eq(::bind(lst.get(), sa(&bind_addr), sizeof(bind_addr)), 0, "bind fork listener");
  expect_eq(::listen(lst.get(), 4), 0, "listen fork");
  const auto server = local_name<sockaddr_in>(lst.get(), "fork listener");

  std::cout.flush();
  std::cerr.flush();
  const pid_t child = ::fork();
  expect_ok(child, "fork");
  if (child == 0) {
    lst.reset();
    child_client(server);
  }

  std::string error;
  try {
    wait_readable(lst.get(), "accept from the child");
    Fd srv(::accept(lst.get(), nullptr, nullptr), "accept from the child");
    recv_expect(srv.get(), "from the child", "child request");
    send_all(srv.get(), "to the child", 0, "child reply");
  } catch (const std::exception& e) {
    error = e.what();
  }
  // Always reap the child, so a failure here leaves no process behind.
  int status = 0;
  expect_eq(::waitpid(child, &status, 0), child, "waitpid");
  if (!error.empty()) fail(error);
  expect_true(WIFEXITED(status) && WEXITSTATUS(status) == child_exit_status,
              "child did not exit with status " + std::to_string(child_exit_status));
}

int run(const std::string& dir) {
  tcp4_round_trip();
  tcp6_round_trip();
  refused_connect();
  nonblocking_connect();
  udp_mmsg();
  udp_msg();
  unix_socketpair();
  scm_rights();
  unix_abstract();
  unix_path(dir);
  netlink_bind();
  sendfile_calls(dir);
  streams_calls();
  worker_threads();
  forked_client();
  return 0;
}

}  // namespace
}  // namespace socktrace::netload

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << (argc > 0 ? argv[0] : "netload") << " DIR\n";
    return 2;
  }
  try {
    return socktrace::netload::run(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "netload: " << e.what() << '\n';
    return 1;
  }
}
