// A netlink sock_diag client: what `ss` reads, without /proc/net/tcp (which
// becomes unusably slow with many sockets).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/timewait.h"

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
  // tcp_info's tcpi_last_ack_recv (ms since the last ACK came), asked for in
  // dumps that include CLOSE_WAIT; -1: not known. A CLOSE_WAIT socket
  // entered it when the peer's FIN came, which carried an ACK: it has been
  // in CLOSE_WAIT at least this long.
  int64_t last_ack_recv_ms = -1;
  // The socket's drop counter (sk_drops, SK_MEMINFO_DROPS; `ss -m`'s `d`),
  // in dumps that ask for it (kDiagMeminfo); -1: not asked.
  int64_t drops = -1;
  // tcp_info's tcpi_bytes_acked and tcpi_bytes_received (`ss -i`), in TCP
  // dumps that ask for it (kDiagTcpInfo); -1: not asked, or a request or
  // timewait socket (no tcp_info), or a kernel whose tcp_info lacks them.
  int64_t bytes_acked = -1;
  int64_t bytes_received = -1;
  // The network namespace it was dumped from (DiagScope::dump; 0 otherwise).
  uint32_t netns = 0;
  // The cgroup v2 id a full socket was created in (INET_DIAG_CGROUP_ID,
  // Linux 5.10+); 0 for request and timewait sockets, which have none.
  uint64_t cgroup_id = 0;
  // An inet_timewait_sock (TIME-WAIT, or a FIN-WAIT-2 orphan): timer 3, no inode.
  bool timewait() const { return timer == kTimewaitTimer && inode == 0; }
  static constexpr uint8_t kTimewaitTimer = 3;  // idiag_timer of an inet_timewait_sock
};

// Every TCP socket (IPv4 and IPv6, all states) of this process's network
// namespace, one at a time as they are read: no vector of them all (20 MB
// beside 131 072 TIME_WAIT sockets). Throws RuntimeError when netlink fails.
void for_each_tcp_socket(const std::function<void(const DiagSocket&)>& each);
// Every socket of `protocol` (IPPROTO_TCP, IPPROTO_UDP) whose state bit is
// set in `states` (1 << TCP_*; TCP_SYN_RECV includes request sockets,
// 1 << 13 (TCP_BOUND_INACTIVE) asks for bound-only TCP sockets, which are
// listed as TCP_CLOSE). The kernel filters: a narrow mask is a cheap dump.
std::vector<DiagSocket> dump_sockets(uint8_t protocol, uint32_t states);

// What a dump asks for beyond inet_diag_msg (bits).
enum DiagExtra : unsigned {
  kDiagMeminfo = 1,  // DiagSocket::drops
  kDiagTcpInfo = 2,  // DiagSocket::bytes_acked, bytes_received (and last_ack_recv_ms in every state)
};

// The network namespaces a view reads: socktrace's own (none added), or the
// ones added (--netns), each through a sock_diag socket opened inside it
// once (a socket stays in the namespace it was created in) and kept.
class DiagScope {
 public:
  DiagScope() = default;
  ~DiagScope();
  DiagScope(const DiagScope&) = delete;
  DiagScope& operator=(const DiagScope&) = delete;

  // `ns_fd`: an open namespace file (/run/netns/NAME, /proc/PID/ns/net) of
  // the namespace with inode `netns`; kept (duplicated) for reopening.
  void add(uint32_t netns, int ns_fd);
  bool own() const { return namespaces_.empty(); }
  // Lets go of the namespaces added that are not in `keep` (a namespace
  // held open would outlive its last process); returns them.
  std::vector<uint32_t> retain(const std::vector<uint32_t>& keep);
  // The namespaces added, by inode (empty: socktrace's own).
  const std::vector<uint32_t>& netns() const { return netns_; }
  // dump_sockets() in every namespace of the scope, each socket's netns set;
  // `extra`: DiagExtra bits.
  // Throws RuntimeError when netlink fails.
  std::vector<DiagSocket> dump(uint8_t protocol, uint32_t states, unsigned extra = 0);

 private:
  struct Ns {
    uint32_t netns;
    int ns_fd;
    int netlink;  // -1: not open (yet, or again after a failed dump)
  };
  std::vector<Ns> namespaces_;
  std::vector<uint32_t> netns_;
};

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
  // Opens the netlink socket of namespace `netns` now, through `ns_fd` (an
  // open namespace file): lookups there need no process living in it.
  void adopt(uint32_t netns, int ns_fd);
  // Closes the netlink socket of `netns`, which holds the namespace.
  void forget(uint32_t netns);
  // Every TCP listener of namespace `netns` (entered through one of `pids`
  // when it is not ours) with its drop counter; empty when unreachable.
  // Throws RuntimeError when netlink fails.
  std::vector<DiagSocket> listeners(uint32_t netns, std::initializer_list<uint32_t> pids);

 private:
  int socket_for(uint32_t netns, std::initializer_list<uint32_t> pids);
  uint32_t own_netns_;
  std::vector<std::pair<uint32_t, int>> sockets_;  // netns inode -> netlink fd (-1: unreachable so far)
};

// What sock_diag says about the socket of `e`, for the TIME_WAIT tracker.
TwLookup timewait_lookup(DiagProber& prober, const StateEvent& e);

// Does sock_diag list a bound, unconnected, non-listening TCP socket (Linux
// 6.5+)? Probed once with a socket bound to 127.0.0.1 (false when the probe
// cannot run). strace -yy shows such a socket by address only where it does.
bool diag_lists_bound_tcp();

// Inode of this process's network namespace (what BPF reads as ns.inum).
uint32_t current_netns();

}  // namespace socktrace
