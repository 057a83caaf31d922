#include "core/groups.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/json.h"
#include "core/metrics.h"
#include "core/names.h"

namespace socktrace {

namespace {


uint64_t sum(const StateCounts& c) {
  uint64_t n = 0;
  for (uint64_t v : c) n += v;
  return n;
}

void add_container(Group& g, const ContainerInfo& c) {
  g.container_id = c.id;
  g.container_runtime = c.runtime;
  g.pod_uid = c.pod_uid;
  g.container_name = c.name;
  g.pod_name = c.pod_name;
  g.pod_namespace = c.pod_namespace;
}

std::string short_id(const std::string& id) { return id.size() == 64 ? id.substr(0, 12) : id; }

}  // namespace

std::optional<GroupBy> parse_group_by(std::string_view text) {
  if (text == "container") return GroupBy::kContainer;
  if (text == "cgroup") return GroupBy::kCgroup;
  if (text == "netns") return GroupBy::kNetns;
  if (text == "process") return GroupBy::kProcess;
  return std::nullopt;
}

const char* group_by_name(GroupBy by) {
  switch (by) {
    case GroupBy::kContainer: return "container";
    case GroupBy::kCgroup: return "cgroup";
    case GroupBy::kNetns: return "netns";
    case GroupBy::kProcess: return "process";
  }
  return "?";
}

std::optional<uint8_t> parse_sort_state(std::string_view text) {
  std::string name(text);
  for (char& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name == "ESTAB") name = "ESTABLISHED";  // ss's spelling
  auto s = tcp_state_from_name(name);
  if (!s || std::find(std::begin(kTcpShown), std::end(kTcpShown), *s) == std::end(kTcpShown)) return std::nullopt;
  return s;
}

uint64_t Group::tcp_total() const { return sum(tcp); }
uint64_t Group::udp_total() const { return sum(udp); }

std::vector<Group> group_sockets(const Histogram& h, GroupBy by, const GroupNames& names,
                                 std::optional<uint8_t> sort, std::size_t limit) {
  std::map<std::string, Group> groups;
  h.for_each_counted([&](const Histogram::Counted& c) {
    Group g;
    const ContainerInfo* container =
        c.cgroup_id && names.container && (by == GroupBy::kContainer || by == GroupBy::kCgroup)
            ? names.container(c.cgroup_id)
            : nullptr;
    switch (by) {
      case GroupBy::kContainer:
        g.key = !c.cgroup_id ? "?" : container ? container->id : "-";
        if (container) {
          add_container(g, *container);
          if (names.cgroup_path) g.cgroup = names.cgroup_path(c.cgroup_id);
        }
        break;
      case GroupBy::kCgroup: {
        std::string path = c.cgroup_id && names.cgroup_path ? names.cgroup_path(c.cgroup_id) : "";
        // A cgroup removed since (its sockets outlive it): its id.
        g.key = !c.cgroup_id ? "?" : path.empty() ? fmt::format("#{}", c.cgroup_id) : path;
        g.cgroup = path;
        if (container) add_container(g, *container);
        break;
      }
      case GroupBy::kNetns:
        g.key = c.netns ? std::to_string(c.netns) : "?";
        g.netns = c.netns;
        break;
      case GroupBy::kProcess:
        g.key = c.pid ? fmt::format("{}/{}", printable(c.comm), c.pid) : "?";
        g.pid = c.pid;
        if (c.pid) g.comm = std::string(c.comm);
        break;
    }
    auto [it, inserted] = groups.try_emplace(g.key, g);
    // A container's sockets may sit in cgroups below its own: name its own
    // (the shortest path), whichever socket comes first.
    if (!inserted && by == GroupBy::kContainer && !g.cgroup.empty() &&
        (it->second.cgroup.empty() || g.cgroup.size() < it->second.cgroup.size() ||
         (g.cgroup.size() == it->second.cgroup.size() && g.cgroup < it->second.cgroup)))
      it->second.cgroup = g.cgroup;
    (c.proto == kProtoUdp ? it->second.udp : it->second.tcp)[state_slot(c.state)] += 1;
  });
  std::vector<Group> rows;
  rows.reserve(groups.size());
  for (auto& [key, g] : groups) rows.push_back(std::move(g));
  auto value = [&](const Group& g) { return sort ? g.tcp[*sort] : g.tcp_total(); };
  std::sort(rows.begin(), rows.end(), [&](const Group& a, const Group& b) {
    if (value(a) != value(b)) return value(a) > value(b);
    if (a.tcp_total() != b.tcp_total()) return a.tcp_total() > b.tcp_total();
    return a.key < b.key;
  });
  if (rows.size() > limit) {
    Group other;
    other.key = "other";
    other.other = true;
    other.members = rows.size() - limit;
    for (std::size_t i = limit; i < rows.size(); ++i)
      for (std::size_t s = 0; s < kStateSlots; ++s) {
        other.tcp[s] += rows[i].tcp[s];
        other.udp[s] += rows[i].udp[s];
      }
    rows.resize(limit);
    rows.push_back(std::move(other));
  }
  return rows;
}

std::string container_label(const Group& g) {
  std::string pod = g.pod_name.empty() ? "" : fmt::format("{}/{}", g.pod_namespace, g.pod_name);
  if (pod.empty()) return g.container_name;
  return g.container_name.empty() ? pod : fmt::format("{}/{}", pod, g.container_name);
}

std::string group_status_name(GroupBy by, const Group& g) {
  std::string name = fmt::format("{} ", group_by_name(by));
  if (by != GroupBy::kContainer) {
    name += printable(g.key);
    if (!g.pod_uid.empty()) name += fmt::format(" (pod {})", g.pod_uid);
    return name;
  }
  std::string id = short_id(g.key);
  std::string pod = g.pod_name.empty() ? "" : fmt::format("{}/{}", g.pod_namespace, g.pod_name);
  if (!g.container_name.empty())
    return name + fmt::format("{} ({}{})", g.container_name, pod.empty() ? "" : fmt::format("pod {}, ", pod), id);
  name += id;
  if (!pod.empty())
    name += fmt::format(" (pod {})", pod);
  else if (!g.pod_uid.empty())
    name += fmt::format(" (pod {})", g.pod_uid);
  return name;
}

void append_groups_text(fmt::memory_buffer& b, GroupBy by, std::optional<uint8_t> sort,
                        const std::vector<Group>& groups) {
  auto out = std::back_inserter(b);
  std::size_t shown = groups.size(), total = groups.size();
  if (!groups.empty() && groups.back().other) total = groups.size() - 1 + groups.back().members;
  fmt::format_to(out, "sockets by {}, sorted by {}: {} group{}{}\n", group_by_name(by),
                 sort ? tcp_state_name(*sort) : "TCP total", total, total == 1 ? "" : "s",
                 shown < total ? fmt::format(" (the {} largest, the rest as \"other\")", shown - 1) : "");
  // Container ids as docker ps shows them (12 digits); pods beside them.
  auto name = [&](const Group& g) {
    return by == GroupBy::kContainer && !g.other && g.key.size() == 64 ? g.key.substr(0, 12) : printable(g.key);
  };
  std::size_t width = std::string_view(group_by_name(by)).size();
  for (const Group& g : groups) width = std::max(width, name(g).size());
  width = std::min<std::size_t>(width, 64);
  bool pods = by == GroupBy::kContainer || by == GroupBy::kCgroup;
  std::string head = fmt::format("{:<{}}", fmt::format("{}", group_by_name(by)), width);
  for (char& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (pods) head += fmt::format("  {:<36}", "POD");
  auto column = [](uint8_t s) { return std::max<std::size_t>(tcp_state_name(s).size(), 5); };
  for (uint8_t s : kTcpShown) head += fmt::format(" {:>{}}", tcp_state_name(s), column(s));
  head += fmt::format(" {:>5}", "UDP");
  if (pods) head += "  NAME";
  fmt::format_to(out, "{}\n", head);
  for (const Group& g : groups) {
    std::string row = fmt::format("{:<{}}", name(g), width);
    if (pods) row += fmt::format("  {:<36}", g.pod_uid.empty() ? "-" : g.pod_uid);
    for (uint8_t s : kTcpShown) row += fmt::format(" {:>{}}", g.tcp[s], column(s));
    row += fmt::format(" {:>5}", g.udp_total());
    if (pods) {
      std::string label = container_label(g);
      row += fmt::format("  {}", label.empty() ? "-" : label);
    }
    fmt::format_to(out, "{}\n", row);
  }
}

void append_groups_json(fmt::memory_buffer& b, GroupBy by, const std::vector<Group>& groups) {
  b.push_back('[');
  bool first = true;
  for (const Group& g : groups) {
    if (!first) b.push_back(',');
    first = false;
    fmt::memory_buffer tcp, udp;
    {
      JsonObject t(tcp);
      for (uint8_t s : kTcpShown) t.field(tcp_state_name(s), g.tcp[s]);
      tcp.push_back('}');
      JsonObject u(udp);
      for (uint8_t s : kUdpShown) u.field(tcp_state_name(s), g.udp[s]);
      udp.push_back('}');
    }
    JsonObject o(b);
    o.field("key", std::string_view(g.key));
    if (g.other) o.field("other", true).field("groups", uint64_t{g.members});
    if (!g.container_id.empty())
      o.field("container_id", std::string_view(g.container_id))
          .field("container_runtime", std::string_view(g.container_runtime));
    if (!g.pod_uid.empty()) o.field("pod_uid", std::string_view(g.pod_uid));
    if (!g.container_name.empty()) o.field("container_name", std::string_view(g.container_name));
    if (!g.pod_name.empty())
      o.field("pod_name", std::string_view(g.pod_name)).field("pod_namespace", std::string_view(g.pod_namespace));
    if (!g.cgroup.empty()) o.field("cgroup", std::string_view(g.cgroup));
    if (by == GroupBy::kNetns && g.netns) o.field("netns", g.netns);
    if (by == GroupBy::kProcess && g.pid) o.field("pid", g.pid).field("comm", std::string_view(g.comm));
    o.raw_field("tcp", std::string_view(tcp.data(), tcp.size()))
        .raw_field("udp", std::string_view(udp.data(), udp.size()))
        .field("tcp_total", g.tcp_total())
        .field("udp_total", g.udp_total());
    b.push_back('}');
  }
  b.push_back(']');
}

void append_groups_metrics(fmt::memory_buffer& b, GroupBy by, const std::vector<Group>& groups) {
  auto out = std::back_inserter(b);
  fmt::format_to(out,
                 "# HELP socktrace_group_sockets Sockets per state of each {} (the {} largest; the rest summed in "
                 "group=\"other\")\n# TYPE socktrace_group_sockets gauge\n",
                 group_by_name(by), kGroupRows);
  for (const Group& g : groups) {
    std::string labels = fmt::format("by=\"{}\",group=\"{}\"", group_by_name(by), escape_label(g.key));
    if (!g.container_id.empty())
      labels += fmt::format(",container_id=\"{}\",container_runtime=\"{}\"", escape_label(g.container_id),
                            escape_label(g.container_runtime));
    if (!g.pod_uid.empty()) labels += fmt::format(",pod_uid=\"{}\"", escape_label(g.pod_uid));
    if (!g.container_id.empty() && (!g.container_name.empty() || !g.pod_name.empty()))
      labels += fmt::format(",container_name=\"{}\",pod=\"{}\",namespace=\"{}\"", escape_label(g.container_name),
                            escape_label(g.pod_name), escape_label(g.pod_namespace));
    if (by == GroupBy::kCgroup && !g.cgroup.empty()) labels += fmt::format(",cgroup=\"{}\"", escape_label(g.cgroup));
    if (by == GroupBy::kNetns && g.netns) labels += fmt::format(",netns=\"{}\"", g.netns);
    if (by == GroupBy::kProcess && g.pid)
      labels += fmt::format(",pid=\"{}\",comm=\"{}\"", g.pid, escape_label(g.comm));
    auto series = [&](const char* proto, uint8_t s, uint64_t n) {
      if (n)
        fmt::format_to(out, "socktrace_group_sockets{{{},proto=\"{}\",state=\"{}\"}} {}\n", labels, proto,
                       tcp_state_name(s), n);
    };
    for (uint8_t s : kTcpShown) series("tcp", s, g.tcp[s]);
    for (uint8_t s : kUdpShown) series("udp", s, g.udp[s]);
  }
}

}  // namespace socktrace
