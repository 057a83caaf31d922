// Loopback sockets for the integration tests' workloads: one listener, one
// connect, one port lookup for IPv4 and IPv6 alike. Every socket is
// close-on-exec: socktrace, started by the tests, must not hold them.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace socktrace::testing {

// 127.0.0.1:port.
inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// The loopback address of `family` (AF_INET: 127.0.0.1, AF_INET6: ::1) with
// `port`; *len is its length.
inline sockaddr_storage loopback_addr(int family, int port, socklen_t* len) {
  sockaddr_storage ss{};
  if (family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    a->sin6_addr = in6addr_loopback;
    *len = sizeof(*a);
  } else {
    *reinterpret_cast<sockaddr_in*>(&ss) = loopback(port);
    *len = sizeof(sockaddr_in);
  }
  return ss;
}

// The local port of a bound socket of either family (0 when unbound).
inline int local_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// A TCP listener on the loopback address of `family`, on a port the kernel
// picks (local_port() tells it); -1 when it cannot be had. No SO_REUSEADDR:
// port 0 then never picks a port that still has TIME-WAIT sockets of an
// earlier test (they would be counted too).
inline int listen_on(int family = AF_INET, int backlog = 16) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  socklen_t len;
  sockaddr_storage a = loopback_addr(family, 0, &len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0 || listen(fd, backlog) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A TCP connection to `port` on the loopback address of `family`: the
// connected fd, or -errno.
inline int connect_to(int family, int port) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  socklen_t len;
  sockaddr_storage a = loopback_addr(family, port, &len);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

// A UDP socket bound to the loopback address of `family`; -1 on failure.
inline int udp_bound(int family) {
  int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  socklen_t len;
  sockaddr_storage a = loopback_addr(family, 0, &len);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace socktrace::testing
