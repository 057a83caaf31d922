// A netlink sock_diag client: what `ss` reads, without /proc/net/tcp (which
// becomes unusably slow with many sockets).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "core/event.h"

namespace socktrace {

struct DiagSocket {
  Address saddr;
  Address daddr;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t state = 0;  // kernel TCP_* numbering (TIME_WAIT and NEW_SYN_RECV included)
  uint32_t rx_queue = 0;
  uint32_t tx_queue = 0;
  uint32_t uid = 0;
  uint64_t inode = 0;
  uint64_t cookie = 0;
  uint8_t timer = 0;        // idiag_timer: 3 for a timewait socket
  uint32_t expires_ms = 0;  // time left on that timer
};

// Every TCP socket (IPv4 and IPv6, all states) of this process's network
// namespace. Throws RuntimeError when netlink fails.
std::vector<DiagSocket> dump_tcp_sockets();

// Looks up one TCP socket by its exact 4-tuple and cookie, as `ss` would
// list it (timewait sockets included), from network namespaces other than
// socktrace's own too. A netlink socket is opened once per namespace, inside
// it (entered through /proc/PID/ns/net of a process known to live there).
class DiagProber {
 public:
  DiagProber();
  ~DiagProber();
  DiagProber(const DiagProber&) = delete;
  DiagProber& operator=(const DiagProber&) = delete;

  enum class Result { kFound, kGone, kUnknown };
  // `e`'s socket (netns, family, addresses, ports, cookie); `pids` are
  // processes that may live in e.netns (to enter it when it is not ours).
  Result lookup(const StateEvent& e, std::initializer_list<uint32_t> pids, DiagSocket* out);

 private:
  int socket_for(uint32_t netns, std::initializer_list<uint32_t> pids);
  uint32_t own_netns_;
  std::vector<std::pair<uint32_t, int>> sockets_;  // netns inode -> netlink fd (-1: unreachable so far)
};

// Inode of this process's network namespace (what BPF reads as ns.inum).
uint32_t current_netns();

}  // namespace socktrace
