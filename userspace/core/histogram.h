// The live socket-state histogram behind `top`, `check` and `/metrics`: a
// sock_diag snapshot plus the state events that followed, per socket (by
// cookie, which the kernel never reuses), so that a replayed or repeated
// event cannot count twice and each socket's owner and endpoints are known
// for the "top N" tables.
//
// What the events cannot show is polled (see PolledSockets): request
// sockets (ss's SYN-RECV: a TCP_NEW_SYN_RECV request_sock is created and
// freed without inet_sock_set_state), bound-only TCP sockets (ss's UNCONN:
// bind() sets no state) and UDP (no state tracepoint).
//
// Periodic reconciliation against a full dump counts and corrects drift;
// sockets that changed while the dump ran are not drift.
//
// Pure: sock_diag results come in as SockRecords.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/event.h"

namespace socktrace {

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
// Kernel TCP_* numbering, TCP_BOUND_INACTIVE (13, Linux 6.5) included.
inline constexpr std::size_t kStateSlots = 14;
using StateCounts = std::array<uint64_t, kStateSlots>;
// The states ss shows, in kernel order (as top's table): TCP, and UDP's
// (ESTAB, UNCONN).
inline constexpr uint8_t kTcpShown[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
inline constexpr uint8_t kUdpShown[] = {1, 7};
// A state's slot in StateCounts: states past the table count in slot 0.
inline uint8_t state_slot(uint8_t state) { return state < kStateSlots ? state : 0; }

// One socket as sock_diag lists it (or as an event reveals it).
struct SockRecord {
  uint64_t cookie = 0;
  uint8_t proto = kProtoTcp;
  uint8_t state = 0;  // as ss shows it: a request socket is SYN_RECV, a timewait socket its substate
  Address saddr;
  Address daddr;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint32_t pid = 0;  // owner, 0 when unknown
  Comm comm;
  uint32_t netns = 0;      // network namespace inode (0: not known)
  uint64_t cgroup_id = 0;  // cgroup v2 the socket was created in (0: none known, e.g. timewait)
  // Monotonic time it entered `state`; since_bound: at or before that
  // (a socket older than socktrace: the dump's time, or what sock_diag
  // tells, e.g. the last ACK of a CLOSE_WAIT one).
  uint64_t since_ns = 0;
  bool since_bound = true;
  // As sock_diag reported them (`top --list`): ss's Recv-Q and Send-Q, and
  // tcp_info's bytes_acked / bytes_received (-1: not known).
  uint32_t rx_queue = 0;
  uint32_t tx_queue = 0;
  int64_t tx_bytes = -1;
  int64_t rx_bytes = -1;
};

// A process that held a socket.
struct OwnerRef {
  uint32_t pid = 0;
  Comm comm;
};

// The socket longest in a state, and its owner.
struct Oldest {
  bool any = false;
  uint64_t age_ns = 0;
  bool bound = false;  // at least this old (it is older than what socktrace saw)
  uint32_t pid = 0;
  Comm comm;
};
using OldestByState = std::array<Oldest, kStateSlots>;

// What -p / --comm / --port / --cgroup admit. Empty sets admit everything.
struct HistFilter {
  std::vector<uint32_t> pids;
  std::string comm;
  std::vector<uint16_t> ports;  // local or remote
  // --cgroup/--container: the ids of the selected cgroups and of every
  // cgroup below them (sorted), which sock_diag's sockets are held to.
  // Events need no check: the kernel filtered them on the same cgroups.
  bool by_cgroup = false;
  std::vector<uint64_t> cgroups;
  bool empty() const { return pids.empty() && comm.empty() && ports.empty() && !by_cgroup; }
  bool by_owner() const { return !pids.empty() || !comm.empty(); }
  bool admits(uint32_t pid, std::string_view comm, uint16_t sport, uint16_t dport) const;
  bool admits_cgroup(uint64_t cgroup_id) const;
  bool admits(const SockRecord& r) const {
    return admits(r.pid, r.comm.view(), r.sport, r.dport) && admits_cgroup(r.cgroup_id);
  }
};

// Request and timewait sockets have no cgroup of their own: one whose local
// port is a listener's of the same namespace in `records` (a server's side)
// gets that listener's cgroup. Others keep 0 (a client's TIME-WAIT socket
// cannot be told apart from anyone else's once its process is gone).
void inherit_listener_cgroups(std::vector<SockRecord>& records);

// A count of sockets by one key (owner, local port, remote address).
struct TopEntry {
  std::string key;
  uint64_t count = 0;
};

struct TopTables {
  std::vector<TopEntry> owners;   // "nginx/1234"
  std::vector<TopEntry> lports;   // "8080"
  std::vector<TopEntry> raddrs;   // "10.0.0.7"
  // How many distinct keys there are (the tables hold the n largest).
  std::size_t owners_total = 0, lports_total = 0, raddrs_total = 0;
};

struct DriftReport {
  uint64_t stale = 0;    // tracked, but sock_diag no longer lists it
  uint64_t missing = 0;  // listed, but not tracked
  uint64_t wrong = 0;    // tracked in another state
  uint64_t total() const { return stale + missing + wrong; }
};

class Histogram {
 public:
  explicit Histogram(HistFilter filter = {}) : filter_(std::move(filter)) {}

  // Replaces the event-tracked TCP sockets with a full TCP dump. Request
  // sockets and bound-only sockets in it are polled ones (set_polled).
  void seed(const std::vector<SockRecord>& tcp);
  // A TCP transition (kernel or derived). Returns false when the filter does
  // not admit its socket.
  bool apply(const StateEvent& e);
  // `cookie` is `pid`'s now (accept() in a pre-fork server's worker); no
  // longer counted when the filter does not admit that owner.
  void reown(uint64_t cookie, uint32_t pid, const Comm& comm);
  // Replaces what is polled for `proto`: for TCP a dump of SYN_RECV and
  // bound-only sockets (full SYN_RECV sockets that are tracked are skipped),
  // for UDP every UDP socket.
  void set_polled(uint8_t proto, const std::vector<SockRecord>& records);

  // A point in the apply() sequence: take it just before a dump starts.
  // Until reconcile(), -> CLOSE cookies are remembered (a socket closed
  // while the dump ran is not missing).
  uint64_t mark();
  // Cookies whose tracked state differs from `tcp` (a full dump begun at
  // `mark`), ignoring sockets an event touched since `mark`.
  std::vector<uint64_t> differing(const std::vector<SockRecord>& tcp, uint64_t mark) const;
  // Counts what still differs as drift and takes sock_diag's word for it.
  DriftReport reconcile(const std::vector<SockRecord>& tcp, uint64_t mark);

  // Counts as ss shows them (tracked + polled).
  StateCounts tcp() const;
  const StateCounts& udp() const { return udp_counts_; }
  uint64_t tcp_total() const;
  uint64_t udp_total() const;
  // Kernel transitions applied, by (old, new); derived ones included.
  const std::map<std::pair<uint8_t, uint8_t>, uint64_t>& transitions() const { return transitions_; }
  uint64_t transitions_total() const { return transitions_total_; }
  // Entries into `state` (new connections: see new_connections()).
  uint64_t entries(uint8_t state) const { return entries_[state < kStateSlots ? state : 0]; }
  // Connections started: active opens (CLOSE -> SYN_SENT) and children of
  // listeners (LISTEN -> SYN_RECV).
  uint64_t new_connections() const;
  const DriftReport& drift_total() const { return drift_total_; }
  uint64_t reconciles() const { return reconciles_; }
  std::size_t tracked() const { return socks_.size(); }
  const HistFilter& filter() const { return filter_; }
  // New cgroups below the selected ones (sorted ids): later dumps admit them.
  void set_cgroups(std::vector<uint64_t> ids) { filter_.cgroups = std::move(ids); }
  // Forgets the tracked sockets of a namespace no longer read (its last
  // process gone: they go with it); not drift.
  void drop_netns(uint32_t netns);

  // Every socket counted (tracked, polled TCP, UDP), for per-group views.
  struct Counted {
    uint8_t proto;
    uint8_t state;
    uint32_t pid;
    std::string_view comm;
    uint32_t netns;
    uint64_t cgroup_id;
  };
  void for_each_counted(const std::function<void(const Counted&)>& f) const;

  // The `n` largest owners / local ports / remote addresses of TCP sockets
  // in `state` (tracked and polled).
  TopTables top(uint8_t state, std::size_t n) const;
  // Socket counts by (proto, state, owner pid, comm), for metrics.
  struct OwnerCount {
    uint8_t proto;
    uint8_t state;
    uint32_t pid;
    std::string comm;
    uint64_t count;
  };
  std::vector<OwnerCount> by_owner() const;
  // Per state, the TCP socket in it longest at now_ns (tracked and polled).
  OldestByState oldest(uint64_t now_ns) const;

  // What the histogram knows of one counted socket (`top --list`).
  struct Known {
    uint8_t state = 0;
    uint32_t pid = 0;
    Comm comm;
    uint64_t cgroup_id = 0;
    uint64_t since_ns = 0;  // entered `state` (see SockRecord)
    bool since_bound = true;
    // Its earlier owners, the first first (an accepted socket of a
    // pre-fork server: the listener's owner, then the worker's); empty
    // when it never changed hands while socktrace watched.
    std::vector<OwnerRef> owners_before;
  };
  std::optional<Known> known(uint8_t proto, uint64_t cookie) const;

 private:
  struct Sock {
    uint8_t state = 0;
    uint16_t family = 0;
    uint16_t sport = 0;
    uint16_t dport = 0;
    uint32_t pid = 0;
    uint32_t netns = 0;
    uint64_t cgroup_id = 0;
    Address daddr;
    Comm comm;
    uint64_t gen = 0;  // last apply()
    uint64_t since_ns = 0;  // entered `state`
    bool since_bound = true;
  };
  void count(uint8_t state, int64_t delta);
  // `s` passes from its owner to `pid`: the owner is remembered.
  void hand_over(uint64_t cookie, Sock& s, uint32_t pid, const Comm& comm);
  // Polled records keep the time they entered their state across polls.
  static void keep_since(std::vector<SockRecord>& now, const std::vector<SockRecord>& before);
  void index_polled();
  void put(uint64_t cookie, const SockRecord& r, uint64_t gen);
  void erase(uint64_t cookie);
  static bool polled_state(uint8_t state);
  template <typename F>
  void for_each_tcp(F&& f) const;

  HistFilter filter_;
  std::unordered_map<uint64_t, Sock> socks_;       // event-tracked TCP sockets, by cookie
  // (netns, local port) -> cookie of a tracked listener
  std::map<std::pair<uint32_t, uint16_t>, uint64_t> listeners_;
  std::unordered_map<uint64_t, uint64_t> closed_;  // cookie -> gen of its -> CLOSE (since the last reconcile)
  std::vector<SockRecord> polled_tcp_;
  std::vector<SockRecord> polled_udp_;
  // cookie -> index in polled_tcp_ / polled_udp_
  std::unordered_map<uint64_t, std::size_t> polled_tcp_index_, polled_udp_index_;
  // cookie -> the earlier owners of a tracked socket that changed hands
  std::unordered_map<uint64_t, std::vector<OwnerRef>> owners_before_;
  StateCounts tracked_counts_{};
  StateCounts polled_tcp_counts_{};
  StateCounts udp_counts_{};
  std::map<std::pair<uint8_t, uint8_t>, uint64_t> transitions_;
  StateCounts entries_{};
  uint64_t transitions_total_ = 0;
  uint64_t gen_ = 0;
  DriftReport drift_total_;
  uint64_t reconciles_ = 0;
  bool recording_closes_ = false;  // between mark() and reconcile()
};

}  // namespace socktrace
