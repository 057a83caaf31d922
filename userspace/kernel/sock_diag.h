// A netlink sock_diag client: what `ss` reads, without /proc/net/tcp (which
// becomes unusably slow with many sockets).
#pragma once

#include <cstdint>
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
};

// Every TCP socket (IPv4 and IPv6, all states) of this process's network
// namespace. Throws RuntimeError when netlink fails.
std::vector<DiagSocket> dump_tcp_sockets();

// Inode of this process's network namespace (what BPF reads as ns.inum).
uint32_t current_netns();

}  // namespace socktrace
