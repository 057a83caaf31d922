// `top --by container|cgroup|netns|process`: the histogram's sockets in one
// row per group with its state counts, sorted by a chosen state, the
// largest `limit` rows kept and the rest summed into one "other" row (so
// that text, JSON and /metrics stay bounded on a node with thousands of
// containers). Pure: names come in through GroupNames, so the unit tests
// group hand-built histograms.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/cgroups.h"
#include "core/histogram.h"

namespace socktrace {

enum class GroupBy { kContainer, kCgroup, kNetns, kProcess };

// "container", "cgroup", "netns", "process"; nothing for anything else.
std::optional<GroupBy> parse_group_by(std::string_view text);
const char* group_by_name(GroupBy by);
// A TCP state for --sort, as socktrace or ss spells it (CLOSE_WAIT,
// close-wait); nothing for anything else.
std::optional<uint8_t> parse_sort_state(std::string_view text);

// What the grouping asks about a socket's cgroup (either may be empty).
struct GroupNames {
  std::function<const ContainerInfo*(uint64_t cgroup_id)> container;
  std::function<std::string(uint64_t cgroup_id)> cgroup_path;  // as /proc/PID/cgroup shows it; "" unknown
};

// Rows per default: the largest 20 groups, then "other".
inline constexpr std::size_t kGroupRows = 20;

struct Group {
  // The row's name: a container id, a cgroup path, a netns inode,
  // "comm/pid"; "-" for sockets of no container (--by container), "?" for
  // sockets whose cgroup (or owner) is not known, "other" for the sum of the
  // groups past the limit.
  std::string key;
  bool other = false;
  std::size_t members = 1;  // groups summed in this row ("other": more than one)
  // Where known (by kind): container and pod (container, cgroup), the
  // cgroup's path (cgroup; container: its own, the shortest of its
  // sockets'), the namespace
  // (netns), the owner (process).
  std::string container_id, container_runtime, pod_uid, cgroup;
  // The container's name, its pod's and the pod's namespace, where the
  // runtimes' state on disk names them (runtime_names.h); "" otherwise.
  std::string container_name, pod_name, pod_namespace;
  uint32_t netns = 0;
  uint32_t pid = 0;
  std::string comm;
  StateCounts tcp{};
  StateCounts udp{};
  uint64_t tcp_total() const;
  uint64_t udp_total() const;
};

// One row per group, sorted by `sort` (a TCP state; nothing: all TCP
// sockets) descending, then by all TCP sockets, then by key; the first
// `limit` kept, the rest summed into a last row keyed "other".
std::vector<Group> group_sockets(const Histogram& h, GroupBy by, const GroupNames& names,
                                 std::optional<uint8_t> sort, std::size_t limit = kGroupRows);

// How the text table and check's status line name a container's row, one
// word: "NAMESPACE/POD/CONTAINER" in Kubernetes, "CONTAINER" elsewhere,
// "NAMESPACE/POD" for a pod's container of no known name; "" when nothing
// names it.
std::string container_label(const Group& g);
// How check --by names a group in its status line: "container nginx (pod
// default/web-7f9c, c9e100004f2a)", "container c9e100004f2a (pod UID)",
// "cgroup PATH", "netns INODE", "process comm/pid".
std::string group_status_name(GroupBy by, const Group& g);

// The text table of `top --by` (header line and one line per row; --by
// container and cgroup: NAME, container_label(), last, as docker ps shows
// NAMES).
void append_groups_text(fmt::memory_buffer& b, GroupBy by, std::optional<uint8_t> sort,
                        const std::vector<Group>& groups);
// The JSON array of a hist object's "groups" field.
void append_groups_json(fmt::memory_buffer& b, GroupBy by, const std::vector<Group>& groups);
// socktrace_group_sockets{by=...,<group labels>,protocol,state} per row and
// non-zero state: at most (limit + 1) * 13 series. A row with a container
// names it with container_name, pod and namespace when any is known (an
// empty label is no label to Prometheus: rows without names keep their
// series as they were).
void append_groups_metrics(fmt::memory_buffer& b, GroupBy by, const std::vector<Group>& groups);

}  // namespace socktrace
