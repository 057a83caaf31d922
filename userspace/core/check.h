// `socktrace check`: thresholds on state counts and rates, one status line
// with perfdata, and the monitoring-plugin exit code (Nagios/Icinga/Zabbix).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.h"
#include "core/trouble.h"

namespace socktrace {

inline constexpr int kCheckOk = 0;
inline constexpr int kCheckWarning = 1;
inline constexpr int kCheckCritical = 2;
inline constexpr int kCheckUnknown = 3;

// STATE=N: alert when more than N TCP sockets are in STATE (ss spelling
// accepted: CLOSE-WAIT). STATE=N/s: when more than N sockets per second
// entered STATE over the sample window; new=N/s: connections started per
// second. total=N: all TCP sockets. udp:STATE=N for UDP (ESTABLISHED, CLOSE).
// STATE:age=SEC: when the socket longest in STATE has been in it more than
// SEC seconds. retrans=N/s, rst=N/s, connect_failed=N/s,
// listen_overflow=N/s: trouble per second over the sample window (see
// core/trouble.h).
struct Threshold {
  std::string label;  // perfdata label: "CLOSE_WAIT", "new_per_s", "udp_ESTABLISHED", "CLOSE_WAIT_age_s",
                      // "retrans_per_s"
  enum class Kind { kCount, kUdpCount, kTotal, kRate, kNewRate, kAge, kTrouble } kind = Kind::kCount;
  uint8_t state = 0;
  Trouble trouble = Trouble::kRetrans;  // kTrouble
  double limit = 0;
  bool is_rate() const { return kind == Kind::kRate || kind == Kind::kNewRate || kind == Kind::kTrouble; }
};

// Nothing and `*error` set (one phrase, with an example) on bad input.
std::optional<Threshold> parse_threshold(std::string_view text, std::string* error);

// Socket counts per protocol family, as the Linuxfabrik network-connections
// plugin splits them (tcp = TCP over IPv4, tcp6, udp, udp6). A socket
// counts in the family it was created with: an IPv6 socket talking to a
// v4-mapped address is tcp6.
struct FamilyCounts {
  StateCounts tcp4{};
  StateCounts tcp6{};
  StateCounts udp4{};
  StateCounts udp6{};
};

struct CheckSample {
  StateCounts tcp{};
  StateCounts udp{};
  double seconds = 0;          // sample window (0: no rates measured)
  StateCounts entries{};       // transitions into each state during it
  uint64_t new_connections = 0;
  uint64_t lost = 0;           // events lost during it (rates are then lower bounds)
  // Per TCP state, the process with the most sockets in it ("leaky/1234")
  // and that count; named when the state's threshold trips.
  std::array<TopEntry, kStateSlots> top_owner{};
  OldestByState oldest{};      // per TCP state, its oldest socket
  TroubleArray trouble{};      // retransmissions, RSTs... during the window (core/trouble.h)
  // Per kind, the process with the most of it; named when its threshold trips.
  std::array<TopEntry, kTroubleKinds> trouble_top{};
  // --perfdata-family: perfdata per family (tcp_STATE, tcp6_STATE, udp_STATE,
  // udp6_STATE) instead of per state; thresholds still apply to the sums.
  std::optional<FamilyCounts> families;
};

struct CheckResult {
  int exit_code = kCheckOk;
  std::string line;  // "SOCKTRACE OK - ... | perfdata", no newline
};

// Counts a sock_diag snapshot (TCP as `ss -tan` lists it, every UDP socket)
// per family, exactly as Histogram counts the whole of it.
FamilyCounts count_by_family(const std::vector<SockRecord>& tcp, const std::vector<SockRecord>& udp,
                             const HistFilter& filter);
// The sums of both families, per protocol: what CheckSample::tcp/udp hold.
StateCounts sum_families(const StateCounts& v4, const StateCounts& v6);

CheckResult evaluate_check(const CheckSample& s, const std::vector<Threshold>& warning,
                           const std::vector<Threshold>& critical);

// check --by: one group's counts (a container, cgroup, netns, process).
struct GroupSample {
  std::string name;  // as the status line names it: "container c9e1a2b3c4d5 (pod 0a1b...)"
  StateCounts tcp{};
  StateCounts udp{};
};
// Count thresholds (STATE=N, udp:STATE=N, total=N) held to each group: any
// group over one trips the check, and the status line names each such group
// (the worst status first, at most 5, then how many more); perfdata is
// `whole`'s, as without --by.
CheckResult evaluate_group_check(const CheckSample& whole, const std::vector<GroupSample>& groups,
                                 const std::vector<Threshold>& warning, const std::vector<Threshold>& critical);

}  // namespace socktrace
