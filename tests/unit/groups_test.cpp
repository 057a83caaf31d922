// top --by / check --by: grouping a hand-built histogram by container,
// cgroup, netns and process; the sort, the "other" row that bounds the rows
// (and so the metric series), and the group check's status line.
#include "core/groups.h"

#include <sys/socket.h>

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/check.h"
#include "core/names.h"

namespace socktrace {
namespace {

// A socket of netns `netns` and cgroup `cgroup`.
SockRecord rec_in(uint64_t cookie, uint8_t state, uint32_t netns, uint64_t cgroup, uint32_t pid = 0,
               const std::string& comm = "", uint8_t proto = kProtoTcp) {
  SockRecord r;
  r.cookie = cookie;
  r.proto = proto;
  r.state = state;
  r.saddr.family = r.daddr.family = AF_INET;
  r.sport = static_cast<uint16_t>(1000 + cookie);
  r.dport = 80;
  r.netns = netns;
  r.cgroup_id = cgroup;
  r.pid = pid;
  std::copy(comm.begin(), comm.end(), r.comm.chars.begin());
  return r;
}

const std::string kA(64, 'a'), kB(64, 'b');

// Cgroups 10, 11 (below 10): container A in pod p-1; 20: container B; 30:
// no container.
struct Names {
  std::map<uint64_t, ContainerInfo> containers = {
      {10, {"containerd", kA, "p-1"}}, {11, {"containerd", kA, "p-1"}}, {20, {"docker", kB, ""}}};
  std::map<uint64_t, std::string> paths = {{10, "/k/a"}, {11, "/k/a/sub"}, {20, "/docker/b"}, {30, "/system.slice/x"}};
  GroupNames get() {
    GroupNames n;
    n.container = [this](uint64_t id) -> const ContainerInfo* {
      auto it = containers.find(id);
      return it == containers.end() ? nullptr : &it->second;
    };
    n.cgroup_path = [this](uint64_t id) {
      auto it = paths.find(id);
      return it == paths.end() ? std::string() : it->second;
    };
    return n;
  }
};

Histogram world() {
  Histogram h;
  h.seed({rec_in(1, kTcpEstablished, 7, 10, 100, "nginx"), rec_in(2, kTcpCloseWait, 7, 11, 100, "nginx"),
          rec_in(3, kTcpCloseWait, 7, 11, 101, "worker"), rec_in(4, kTcpEstablished, 8, 20, 200, "redis"),
          rec_in(5, kTcpEstablished, 8, 20, 200, "redis"), rec_in(6, kTcpEstablished, 8, 20, 200, "redis"),
          rec_in(7, kTcpListen, 1, 30, 300, "sshd"), rec_in(8, kTcpTimeWait, 1, 0)});
  h.set_polled(kProtoUdp, {rec_in(9, kTcpClose, 8, 20, 200, "redis", kProtoUdp)});
  return h;
}

const Group* find(const std::vector<Group>& g, const std::string& key) {
  for (const Group& x : g)
    if (x.key == key) return &x;
  return nullptr;
}

TEST(Groups, ByContainerFoldsCgroupsBelowAndNamesThePod) {
  Names n;
  std::vector<Group> g = group_sockets(world(), GroupBy::kContainer, n.get(), std::nullopt);
  ASSERT_EQ(g.size(), 4u);  // A, B, no container, unknown
  // Sorted by all TCP sockets: B (3), A (3; B's key... ties by key), then the rest.
  EXPECT_EQ(g[0].key, kA);
  EXPECT_EQ(g[1].key, kB);
  const Group* a = find(g, kA);
  EXPECT_EQ(a->tcp[kTcpEstablished], 1u);
  EXPECT_EQ(a->tcp[kTcpCloseWait], 2u);
  EXPECT_EQ(a->pod_uid, "p-1");
  EXPECT_EQ(a->container_runtime, "containerd");
  const Group* b = find(g, kB);
  EXPECT_EQ(b->tcp[kTcpEstablished], 3u);
  EXPECT_EQ(b->udp_total(), 1u);
  EXPECT_TRUE(b->pod_uid.empty());
  EXPECT_EQ(find(g, "-")->tcp[kTcpListen], 1u);   // sshd: no container
  EXPECT_EQ(find(g, "?")->tcp[kTcpTimeWait], 1u);  // no cgroup known
}

TEST(Groups, SortByAState) {
  Names n;
  std::vector<Group> g = group_sockets(world(), GroupBy::kContainer, n.get(), kTcpCloseWait);
  EXPECT_EQ(g[0].key, kA);
  g = group_sockets(world(), GroupBy::kContainer, n.get(), kTcpEstablished);
  EXPECT_EQ(g[0].key, kB);
  EXPECT_EQ(parse_sort_state("close-wait"), kTcpCloseWait);
  EXPECT_EQ(parse_sort_state("ESTAB"), kTcpEstablished);
  EXPECT_FALSE(parse_sort_state("SLEEPING"));
  EXPECT_FALSE(parse_group_by("pod"));
}

TEST(Groups, ByCgroupNetnsProcess) {
  Names n;
  std::vector<Group> c = group_sockets(world(), GroupBy::kCgroup, n.get(), std::nullopt);
  ASSERT_NE(find(c, "/k/a/sub"), nullptr);
  EXPECT_EQ(find(c, "/k/a/sub")->tcp[kTcpCloseWait], 2u);
  EXPECT_EQ(find(c, "/k/a/sub")->container_id, kA);
  EXPECT_EQ(find(c, "/k/a")->tcp_total(), 1u);
  EXPECT_EQ(find(c, "/system.slice/x")->container_id, "");
  std::vector<Group> ns = group_sockets(world(), GroupBy::kNetns, n.get(), std::nullopt);
  EXPECT_EQ(find(ns, "7")->tcp_total(), 3u);
  EXPECT_EQ(find(ns, "8")->tcp_total(), 3u);
  EXPECT_EQ(find(ns, "8")->netns, 8u);
  EXPECT_EQ(find(ns, "1")->tcp_total(), 2u);
  std::vector<Group> p = group_sockets(world(), GroupBy::kProcess, n.get(), std::nullopt);
  EXPECT_EQ(find(p, "redis/200")->tcp_total(), 3u);
  EXPECT_EQ(find(p, "redis/200")->udp_total(), 1u);
  EXPECT_EQ(find(p, "nginx/100")->tcp_total(), 2u);
  EXPECT_EQ(find(p, "?")->tcp[kTcpTimeWait], 1u);
}

// 50 namespaces of i sockets each: the 5 largest kept, the other 45 summed.
TEST(Groups, RowsAndSeriesAreBounded) {
  std::vector<SockRecord> socks;
  uint64_t cookie = 1;
  for (uint32_t ns = 1; ns <= 50; ++ns)
    for (uint32_t i = 0; i < ns; ++i) socks.push_back(rec_in(cookie++, kTcpEstablished, ns, 0));
  Histogram h;
  h.seed(socks);
  std::vector<Group> g = group_sockets(h, GroupBy::kNetns, {}, std::nullopt, 5);
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0].key, "50");
  EXPECT_EQ(g[4].key, "46");
  EXPECT_TRUE(g[5].other);
  EXPECT_EQ(g[5].key, "other");
  EXPECT_EQ(g[5].members, 45u);
  uint64_t total = 0;
  for (const Group& x : g) total += x.tcp_total();
  EXPECT_EQ(total, socks.size());  // nothing lost to the bound
  fmt::memory_buffer m;
  append_groups_metrics(m, GroupBy::kNetns, group_sockets(h, GroupBy::kNetns, {}, std::nullopt));
  std::string text = fmt::to_string(m);
  std::size_t series = 0;
  for (std::size_t at = text.find("\nsocktrace_group_sockets{"); at != std::string::npos;
       at = text.find("\nsocktrace_group_sockets{", at + 1))
    ++series;
  EXPECT_EQ(series, kGroupRows + 1);  // 20 namespaces and "other", one state each
  EXPECT_NE(text.find("socktrace_group_sockets{by=\"netns\",group=\"50\",netns=\"50\",proto=\"tcp\","
                      "state=\"ESTABLISHED\"} 50\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("group=\"other\",proto=\"tcp\",state=\"ESTABLISHED\"} " +
                      std::to_string(socks.size() - (50 + 31) * 20 / 2)),
            std::string::npos)
      << text;
}

TEST(Groups, JsonAndTextCarryTheLabels) {
  Names n;
  std::vector<Group> g = group_sockets(world(), GroupBy::kContainer, n.get(), kTcpCloseWait);
  fmt::memory_buffer j;
  append_groups_json(j, GroupBy::kContainer, g);
  std::string json = fmt::to_string(j);
  EXPECT_EQ(json.rfind("[{\"key\":\"" + kA + "\",\"container_id\":\"" + kA +
                           "\",\"container_runtime\":\"containerd\",\"pod_uid\":\"p-1\",\"cgroup\":\"/k/a\",\"tcp\":{",
                       0),
            0u)
      << json;
  EXPECT_NE(json.find("\"CLOSE_WAIT\":2"), std::string::npos);
  fmt::memory_buffer t;
  append_groups_text(t, GroupBy::kContainer, kTcpCloseWait, g);
  std::string text = fmt::to_string(t);
  EXPECT_EQ(text.rfind("sockets by container, sorted by CLOSE_WAIT: 4 groups\nCONTAINER", 0), 0u) << text;
  EXPECT_NE(text.find("\naaaaaaaaaaaa  p-1 "), std::string::npos) << text;
}

// Names from the runtimes (runtime_names.h), where known: JSON fields, the
// text table's NAME column, metric labels and check's status line; rows
// without them as before.
TEST(Groups, ContainerNamesWhereKnown) {
  Names n;
  n.containers[10].name = n.containers[11].name = "nginx";
  n.containers[10].pod_name = n.containers[11].pod_name = "web-7f9c";
  n.containers[10].pod_namespace = n.containers[11].pod_namespace = "shop";
  n.containers[20].name = "redis";
  std::vector<Group> g = group_sockets(world(), GroupBy::kContainer, n.get(), std::nullopt);
  const Group* a = find(g, kA);
  const Group* b = find(g, kB);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->container_name, "nginx");
  EXPECT_EQ(a->pod_name, "web-7f9c");
  EXPECT_EQ(a->pod_namespace, "shop");

  fmt::memory_buffer j;
  append_groups_json(j, GroupBy::kContainer, g);
  std::string json = fmt::to_string(j);
  EXPECT_NE(json.find("\"pod_uid\":\"p-1\",\"container_name\":\"nginx\",\"pod_name\":\"web-7f9c\","
                      "\"pod_namespace\":\"shop\",\"cgroup\":\"/k/a\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"container_runtime\":\"docker\",\"container_name\":\"redis\",\"cgroup\""),
            std::string::npos)
      << json;
  EXPECT_EQ(json.find("\"pod_name\":\"\""), std::string::npos) << json;

  fmt::memory_buffer t;
  append_groups_text(t, GroupBy::kContainer, std::nullopt, g);
  std::string text = fmt::to_string(t);
  std::string head = text.substr(text.find('\n') + 1);
  head = head.substr(0, head.find('\n'));
  EXPECT_EQ(head.substr(head.size() - 11), "  UDP  NAME") << text;
  // Every row ends in its name; none known: "-".
  EXPECT_NE(text.find("\naaaaaaaaaaaa  p-1 "), std::string::npos) << text;
  EXPECT_NE(text.find(" 0  shop/web-7f9c/nginx\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" 1  redis\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n-    "), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 4), "  -\n") << text;

  fmt::memory_buffer m;
  append_groups_metrics(m, GroupBy::kContainer, g);
  std::string metrics = fmt::to_string(m);
  EXPECT_NE(metrics.find("socktrace_group_sockets{by=\"container\",group=\"" + kA + "\",container_id=\"" + kA +
                         "\",container_runtime=\"containerd\",pod_uid=\"p-1\",container_name=\"nginx\","
                         "pod=\"web-7f9c\",namespace=\"shop\",proto=\"tcp\",state=\"CLOSE_WAIT\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(",container_runtime=\"docker\",container_name=\"redis\",pod=\"\",namespace=\"\",proto="),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("{by=\"container\",group=\"-\",proto=\"tcp\""), std::string::npos) << metrics;

  EXPECT_EQ(group_status_name(GroupBy::kContainer, *a), "container nginx (pod shop/web-7f9c, aaaaaaaaaaaa)");
  EXPECT_EQ(group_status_name(GroupBy::kContainer, *b), "container redis (bbbbbbbbbbbb)");
  Group pod_only = *a;
  pod_only.container_name.clear();
  EXPECT_EQ(group_status_name(GroupBy::kContainer, pod_only), "container aaaaaaaaaaaa (pod shop/web-7f9c)");
  EXPECT_EQ(container_label(pod_only), "shop/web-7f9c");
  Group unnamed = pod_only;
  unnamed.pod_name.clear();
  unnamed.pod_namespace.clear();
  EXPECT_EQ(group_status_name(GroupBy::kContainer, unnamed), "container aaaaaaaaaaaa (pod p-1)");
  EXPECT_EQ(container_label(unnamed), "");
  unnamed.pod_uid.clear();
  EXPECT_EQ(group_status_name(GroupBy::kContainer, unnamed), "container aaaaaaaaaaaa");
  std::vector<Group> by_cgroup = group_sockets(world(), GroupBy::kCgroup, n.get(), std::nullopt);
  EXPECT_EQ(group_status_name(GroupBy::kCgroup, *find(by_cgroup, "/k/a")), "cgroup /k/a (pod p-1)");
  EXPECT_EQ(find(by_cgroup, "/k/a")->container_name, "nginx");
}

TEST(Groups, CheckNamesEveryGroupOverAThreshold) {
  std::string err;
  std::vector<Threshold> warning = {*parse_threshold("CLOSE_WAIT=1", &err)};
  std::vector<Threshold> critical = {*parse_threshold("CLOSE_WAIT=2", &err)};
  CheckSample whole;
  whole.tcp[kTcpCloseWait] = 5;
  GroupSample a{"container aaaaaaaaaaaa (pod p-1)", {}, {}}, b{"container bbbbbbbbbbbb", {}, {}},
      c{"container cccccccccccc", {}, {}};
  a.tcp[kTcpCloseWait] = 2;  // warning
  b.tcp[kTcpCloseWait] = 3;  // critical
  c.tcp[kTcpCloseWait] = 0;
  CheckResult r = evaluate_group_check(whole, {a, b, c}, warning, critical);
  EXPECT_EQ(r.exit_code, kCheckCritical);
  EXPECT_EQ(r.line.rfind("SOCKTRACE CRITICAL - container bbbbbbbbbbbb: CLOSE_WAIT=3 > 2; container aaaaaaaaaaaa "
                         "(pod p-1): CLOSE_WAIT=2 > 1 | ",
                         0),
            0u)
      << r.line;
  EXPECT_NE(r.line.find(" CLOSE_WAIT=5;1;2;0;"), std::string::npos) << r.line;  // the whole's perfdata
  CheckResult ok = evaluate_group_check(whole, {c}, warning, critical);
  EXPECT_EQ(ok.exit_code, kCheckOk);
  EXPECT_EQ(ok.line.rfind("SOCKTRACE OK - 1 group within the thresholds | ", 0), 0u) << ok.line;
}

}  // namespace
}  // namespace socktrace
