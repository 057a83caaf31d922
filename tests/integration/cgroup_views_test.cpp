// `top` and `check` with --cgroup: two cgroups (X, Y) and two network
// namespaces (A, B) of the test's own, servers and clients of each cgroup in
// A, Y's in B too, and sockets on the host; every count must equal
// `ip netns exec NS ss -tan` restricted to the cgroup's sockets, on the same
// run. A socket belongs to the cgroup it was created in (an accepted one to
// its listener's): the test process joins X or Y just for the socket() or
// listen() calls, and a sleeping process per (cgroup, namespace) is what
// socktrace finds the namespaces through.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"
#include "netns.h"
#include "kernel/filters.h"

namespace socktrace::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A cgroup of the test's own (`below`: at that path under it, e.g. a
// container's); its processes killed and it removed at the end.
class Cgroup {
 public:
  explicit Cgroup(const std::string& tag, const std::string& below = "") {
    auto root = find_cgroup2_root();
    if (!root) throw std::runtime_error("no cgroup v2 hierarchy");
    top_ = *root + "/socktrace-cv-" + std::to_string(getpid()) + "-" + tag;
    path_ = below.empty() ? top_ : top_ + "/" + below;
    fs::create_directories(path_);
  }
  ~Cgroup() { remove(top_); }
  const std::string& path() const { return path_; }
  // A process that sleeps in this cgroup and in `ns` (nullptr: the host's)
  // until the cgroup is killed.
  void hold(const Netns* ns) {
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::ofstream(path_ + "/cgroup.procs") << "0" << std::flush;
      if (ns) {
        int fd = open(ns->path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(1);
      }
      for (;;) pause();
    }
    // Ready when it is in the cgroup and the namespace.
    for (int i = 0; i < 200; ++i) {
      std::ifstream procs(path_ + "/cgroup.procs");
      bool in = false;
      for (int p; procs >> p;) in = in || p == pid;
      struct stat a{}, b{};
      std::string want = ns ? ns->path() : "/proc/self/ns/net";
      if (in && stat(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), &a) == 0 && stat(want.c_str(), &b) == 0 &&
          a.st_ino == b.st_ino)
        return;
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("holder did not settle");
  }

 private:
  static void remove(const std::string& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory(ec)) remove(e.path().string());
    std::ofstream(dir + "/cgroup.kill") << "1";
    for (int i = 0; i < 100 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) std::this_thread::sleep_for(20ms);
  }
  std::string top_;
  std::string path_;
};

// X is a containerd container of a Kubernetes pod (as the kubelet's systemd
// driver names their cgroups); Y a plain cgroup.
const std::string kPodUid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
std::string container_id() {
  char id[65];
  std::snprintf(id, sizeof(id), "c9e1%08x%052d", static_cast<unsigned>(getpid()), 0);
  return id;
}
std::string container_cgroup() {
  std::string pod_slice = kPodUid;
  std::replace(pod_slice.begin(), pod_slice.end(), '-', '_');
  return "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + pod_slice +
         ".slice/cri-containerd-" + container_id() + ".scope";
}

// The calling process in `cg` (nullptr: where it was) until the end of the
// scope: the sockets it creates meanwhile are that cgroup's.
class InCgroup {
 public:
  explicit InCgroup(const Cgroup* cg) {
    if (!cg) return;
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    while (std::getline(self, line))
      if (line.rfind("0::", 0) == 0) back_ = *find_cgroup2_root() + line.substr(3);
    if (back_.empty() || !join(cg->path())) throw std::runtime_error("join " + cg->path());
  }
  ~InCgroup() {
    if (!back_.empty() && !join(back_)) std::abort();
  }

 private:
  static bool join(const std::string& dir) {
    std::ofstream procs(dir + "/cgroup.procs");
    procs << "0" << std::flush;
    return procs.good();
  }
  std::string back_;
};

// A server in one namespace whose listener is `server`'s, and connections
// to it whose client sockets are `client`'s (nullptr: the test's own cgroup).
class Server {
 public:
  Server(const Netns* ns, const Cgroup* server) : ns_(ns) {
    Inside in(ns_);
    InCgroup cg(server);
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof(a);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(listener_, 4096) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("listen");
    port_ = ntohs(a.sin_port);
    fds_.push_back(listener_);
  }
  ~Server() {
    for (int fd : fds_) close(fd);
  }
  int port() const { return port_; }
  void established(const Cgroup* client, int n) {
    for (int i = 0; i < n; ++i) {
      auto [c, s] = pair(client);
      fds_.push_back(c);
      fds_.push_back(s);
    }
  }
  // The client closes: the client an orphan in FIN-WAIT-2 (a timewait
  // socket, no cgroup), the server's side in CLOSE-WAIT.
  void close_wait(const Cgroup* client, int n) {
    for (int i = 0; i < n; ++i) {
      auto [c, s] = pair(client);
      close(c);
      fds_.push_back(s);
    }
  }
  // The server closes first: its side in TIME-WAIT (its listener's cgroup).
  void time_wait(const Cgroup* client, int n) {
    for (int i = 0; i < n; ++i) {
      auto [c, s] = pair(client);
      close(s);
      std::this_thread::sleep_for(5ms);
      close(c);
    }
  }
  void udp(const Cgroup* owner, int n) {
    Inside in(ns_);
    InCgroup cg(owner);
    for (int i = 0; i < n; ++i) {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in a = loopback(0);
      bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      fds_.push_back(fd);
    }
  }

 private:
  std::pair<int, int> pair(const Cgroup* client) {
    int c = -1;
    {
      Inside in(ns_);
      InCgroup cg(client);
      c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
    Inside in(ns_);
    sockaddr_in a = loopback(port_);
    if (connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) throw std::runtime_error("connect");
    int s = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) throw std::runtime_error("accept");
    return {c, s};
  }
  const Netns* ns_;
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fds_;
};

Counts minus(Counts a, const Counts& b) {
  for (auto& [k, v] : b) {
    a[k] -= v;
    if (a[k] == 0) a.erase(k);
  }
  return a;
}

std::string port(int p) { return ":" + std::to_string(p); }

// X serves in A (clients from Y); Y serves in A (clients from X) and in B
// (its own clients); the host serves itself. X's processes live in A, Y's in
// A and B.
struct CgroupWorld {
  Netns a{"socktrace-cv", "a"}, b{"socktrace-cv", "b"};
  Cgroup x{"x", container_cgroup()}, y{"y"};
  Server xa{&a, &x}, ya{&a, &y}, yb{&b, &y}, host{nullptr, nullptr};
  CgroupWorld() {
    x.hold(&a);
    y.hold(&a);
    y.hold(&b);
    xa.established(&y, 3);
    xa.close_wait(&y, 2);
    xa.time_wait(&y, 2);
    ya.established(&x, 1);
    ya.time_wait(&x, 1);
    yb.established(&y, 2);
    yb.time_wait(&y, 2);
    yb.udp(&y, 1);
    host.established(nullptr, 2);
    host.time_wait(nullptr, 1);
    settle_netns(&a);
    settle_netns(&b);
    settle_netns(nullptr);
  }
  // Y's clients' orphans in A (FIN-WAIT-2 timewait sockets).
  Counts orphans() const {
    int n = ss_counts_in(&a, "-tan", "dport = " + port(xa.port()))["FIN_WAIT2"];
    return n ? Counts{{"FIN_WAIT2", n}} : Counts{};
  }
  // What ss lists of X's sockets: in A, X's server's (local port) and X's
  // clients' to Y's server.
  Counts x_tcp() const {
    return ss_counts_in(&a, "-tan", "sport = " + port(xa.port()) + " or dport = " + port(ya.port()));
  }
  // Y's: in A its server's and its clients' to X's server, but not those
  // clients' orphaned FIN-WAIT-2 sockets (timewait sockets: the kernel keeps
  // no cgroup for them, and no listener of Y's names them); all of B.
  Counts y_tcp() const {
    Counts in_a = ss_counts_in(&a, "-tan", "sport = " + port(ya.port()) + " or dport = " + port(xa.port()));
    return sum(minus(in_a, orphans()), ss_counts_in(&b, "-tan"));
  }
};

TEST(CgroupViews, TopOnceEqualsSsForEachCgroup) {
  REQUIRE_BPF();  // root: cgroups, ip netns, setns
  CgroupWorld w;
  Counts x = w.x_tcp(), y = w.y_tcp();
  // What the test made, and nothing else.
  EXPECT_EQ(str(x), str(Counts{{"LISTEN", 1}, {"ESTABLISHED", 4}, {"CLOSE_WAIT", 2}, {"TIME_WAIT", 2}}));
  EXPECT_EQ(str(y), str(Counts{{"LISTEN", 2}, {"ESTABLISHED", 8}, {"TIME_WAIT", 3}}));
  EXPECT_EQ(str(w.orphans()), str(Counts{{"FIN_WAIT2", 2}}));
  Counts y_udp = ss_counts_in(&w.b, "-uan");
  for (const auto& [args, tcp, udp] :
       std::vector<std::tuple<std::vector<std::string>, Counts, Counts>>{
           {{"--cgroup", w.x.path()}, x, Counts{}},
           {{"--container", container_id().substr(0, 12)}, x, Counts{}},
           {{"--cgroup", w.y.path()}, y, y_udp},
           {{"--cgroup", w.x.path(), "--cgroup", w.y.path()}, sum(x, y), y_udp},
           // Both cgroups, B's namespace only: Y's sockets there.
           {{"--cgroup", w.x.path(), "--cgroup", w.y.path(), "--netns", w.b.name()}, ss_counts_in(&w.b, "-tan"),
            y_udp}}) {
    std::vector<std::string> cmd = {"top", "--once", "--json"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    RunResult r = run_socktrace(cmd);
    SCOPED_TRACE(str(tcp));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    JsonLine j = parse_flat_json(r.out);
    EXPECT_EQ(j["event"], "hist");
    EXPECT_EQ(str(json_counts(j["tcp"])), str(tcp)) << r.out;
    EXPECT_EQ(str(json_counts(j["udp"])), str(udp)) << r.out;

    // The same sockets one by one: `top --list` in the same scope.
    cmd.insert(cmd.begin() + 1, "--list");
    r = run_socktrace(cmd);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    TempDir dir;
    std::string path = dir.path("list.json");
    { std::ofstream(path) << r.out; }
    Counts listed_tcp, listed_udp;
    for (const auto& row : last_list_rows(path)) {
      ASSERT_EQ(row.size(), 12u) << r.out;
      ++(row[0] == "tcp" ? listed_tcp : listed_udp)[row[1]];
      if (args[0] == "--container" && row[1] != "TIME_WAIT" && row[1] != "FIN_WAIT2") {
        EXPECT_EQ(row[11], container_id()) << row[1] << " " << row[2] << " " << row[3];
      }
    }
    EXPECT_EQ(str(listed_tcp), str(tcp)) << r.out;
    EXPECT_EQ(str(listed_udp), str(udp)) << r.out;
  }
  EXPECT_EQ(str(w.x_tcp()), str(x));
  EXPECT_EQ(str(w.y_tcp()), str(y));
}

// Sockets made before top started change state after it, new ones come for
// X, for Y and on the host: X's live histogram follows with the events the
// kernel filtered to X, ends equal to ss restricted to X's sockets, and
// reconciles without drift.
TEST(CgroupViews, LiveTopFollowsItsCgroupOnly) {
  REQUIRE_BPF();
  CgroupWorld w;
  TempDir dir;
  std::string out = dir.path("top.json");
  Socktrace top({"top", "--json", "--interval", "0.2", "--reconcile", "1", "--cgroup", w.x.path()}, out);
  w.xa.established(&w.y, 2);
  w.xa.close_wait(&w.y, 1);
  w.xa.time_wait(&w.y, 3);
  w.ya.established(&w.x, 2);
  w.ya.close_wait(&w.x, 1);  // X's client closes: its orphan FIN-WAIT-2 seen entering it
  w.yb.established(&w.y, 4);
  w.host.established(nullptr, 3);
  settle_netns(&w.a);
  const Counts made = {{"LISTEN", 1}, {"ESTABLISHED", 8}, {"CLOSE_WAIT", 3}, {"FIN_WAIT2", 1}, {"TIME_WAIT", 5}};
  Counts tcp_ss;
  std::string last;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    last = last_hist(out);
    if (last.empty()) continue;
    tcp_ss = w.x_tcp();
    if (json_counts(parse_flat_json(last)["tcp"]) == tcp_ss && tcp_ss == made) break;
  }
  ASSERT_FALSE(last.empty()) << top.stderr_text();
  JsonLine j = parse_flat_json(last);
  EXPECT_EQ(str(json_counts(j["tcp"])), str(tcp_ss)) << last << "\n" << top.stderr_text();
  EXPECT_EQ(str(tcp_ss), str(made));
  EXPECT_EQ(str(json_counts(j["udp"])), str(Counts{}));
  EXPECT_GE(std::stol(j["transitions"]), 6L * 3);
  std::string reconciled;
  deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    reconciled = last_hist(out);
    JsonLine r = parse_flat_json(reconciled);
    if (!r["reconciles"].empty() && std::stol(r["reconciles"]) >= 2) break;
  }
  JsonLine r = parse_flat_json(reconciled);
  ASSERT_FALSE(r["reconciles"].empty()) << reconciled;
  EXPECT_GE(std::stol(r["reconciles"]), 2) << reconciled;
  if (r["lost"] == "0") {
    EXPECT_EQ(r["drift_total"], "0") << top.stderr_text();
  }
  EXPECT_EQ(str(json_counts(r["tcp"])), str(w.x_tcp())) << reconciled;
  EXPECT_NE(top.stderr_text().find("cgroup " + w.x.path()), std::string::npos) << top.stderr_text();
  EXPECT_EQ(top.stop(), 0);
}

TEST(CgroupViews, CheckCountsTheCgroup) {
  REQUIRE_BPF();
  CgroupWorld w;
  Counts x = w.x_tcp();
  ASSERT_EQ(x["ESTABLISHED"], 4);
  RunResult ok = run_socktrace({"check", "--cgroup", w.x.path(), "--critical", "ESTABLISHED=4"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  for (const auto& [state, n] : x)
    EXPECT_NE(ok.out.find(" " + state + "=" + std::to_string(n) + ";"), std::string::npos) << state << ": " << ok.out;
  RunResult crit = run_socktrace({"check", "--cgroup", w.x.path(), "--critical", "CLOSE_WAIT=1"});
  EXPECT_EQ(crit.exit_code, 2) << crit.out << crit.err;
  EXPECT_EQ(crit.out.rfind("SOCKTRACE CRITICAL - CLOSE_WAIT=2 > 1", 0), 0u) << crit.out;
  // Sampled (BPF): the same counts.
  RunResult sampled =
      run_socktrace({"check", "--cgroup", w.y.path(), "--sample", "0.3", "--critical", "ESTABLISHED=7"});
  EXPECT_EQ(sampled.exit_code, 2) << sampled.out << sampled.err;
  EXPECT_EQ(sampled.out.rfind("SOCKTRACE CRITICAL - ESTABLISHED=8 > 7", 0), 0u) << sampled.out;
  for (const auto& [state, n] : w.y_tcp())
    EXPECT_NE(sampled.out.find(" " + state + "=" + std::to_string(n) + ";"), std::string::npos)
        << state << ": " << sampled.out;
}

// The objects of a JSON array (a hist object's "groups"), each parsed flat.
std::vector<JsonLine> json_objects(const std::string& array) {
  std::vector<JsonLine> out;
  int depth = 0;
  bool in_string = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < array.size(); ++i) {
    char c = array[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' && depth++ == 0) start = i;
    else if (c == '}' && --depth == 0) out.push_back(parse_flat_json(array.substr(start, i - start + 1)));
  }
  return out;
}

JsonLine group_of(const std::vector<JsonLine>& groups, const std::string& key) {
  for (const JsonLine& g : groups)
    if (g.at("key") == key) return g;
  return {};
}

// `ss -tanp` lines of process `pid` in `ns` (nullptr: the host), per state.
Counts ss_counts_of_pid(const Netns* ns, int pid) {
  std::string cmd = (ns ? "ip netns exec " + ns->name() + " " : std::string()) + "ss -Htanp | grep 'pid=" +
                    std::to_string(pid) + ",'";
  return ss_state_counts(run_capture(cmd));
}

// top --by: the rows of X's container, of each cgroup, of each namespace and
// of the test process equal ss restricted to their sockets on the same run.
TEST(CgroupViews, TopByGroupsEqualSs) {
  REQUIRE_BPF();
  CgroupWorld w;
  const std::string root = *find_cgroup2_root();
  const std::string x_rel = w.x.path().substr(root.size()), y_rel = w.y.path().substr(root.size());
  Counts x = w.x_tcp(), y = w.y_tcp(), a = ss_counts_in(&w.a, "-tan"), b = ss_counts_in(&w.b, "-tan");
  Counts mine = sum(sum(ss_counts_of_pid(&w.a, getpid()), ss_counts_of_pid(&w.b, getpid())),
                    ss_counts_of_pid(nullptr, getpid()));
  auto groups = [](const std::vector<std::string>& args) {
    std::vector<std::string> cmd = {"top", "--once", "--json"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    RunResult r = run_socktrace(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    JsonLine j = parse_flat_json(r.out);
    EXPECT_EQ(j["by"], args[1]) << r.out;
    return std::make_pair(j, json_objects(j["groups"]));
  };
  {
    auto [j, g] = groups({"--by", "container", "--sort", "close-wait"});
    EXPECT_EQ(j["sort"], "CLOSE_WAIT");
    JsonLine c = group_of(g, container_id());
    ASSERT_FALSE(c.empty()) << j["groups"];
    EXPECT_EQ(str(json_counts(c["tcp"])), str(x)) << j["groups"];
    EXPECT_EQ(c["container_id"], container_id());
    EXPECT_EQ(c["container_runtime"], "containerd");
    EXPECT_EQ(c["pod_uid"], kPodUid);
    EXPECT_EQ(c["cgroup"], x_rel);
  }
  {
    auto [j, g] = groups({"--by", "cgroup"});
    EXPECT_EQ(str(json_counts(group_of(g, x_rel)["tcp"])), str(x)) << j["groups"];
    EXPECT_EQ(str(json_counts(group_of(g, y_rel)["tcp"])), str(y)) << j["groups"];
    EXPECT_EQ(str(json_counts(group_of(g, y_rel)["udp"])), str(ss_counts_in(&w.b, "-uan"))) << j["groups"];
    EXPECT_EQ(group_of(g, x_rel)["pod_uid"], kPodUid);
  }
  {
    auto [j, g] = groups({"--by", "netns"});
    std::string a_ino = std::to_string(inode_of(w.a.path())), b_ino = std::to_string(inode_of(w.b.path()));
    EXPECT_EQ(str(json_counts(group_of(g, a_ino)["tcp"])), str(a)) << j["groups"];
    EXPECT_EQ(str(json_counts(group_of(g, b_ino)["tcp"])), str(b)) << j["groups"];
    EXPECT_EQ(group_of(g, b_ino)["netns"], b_ino);
  }
  {
    auto [j, g] = groups({"--by", "process"});
    std::string key = "socktrace_integ/" + std::to_string(getpid());
    EXPECT_EQ(str(json_counts(group_of(g, key)["tcp"])), str(mine)) << j["groups"];
    EXPECT_EQ(group_of(g, key)["pid"], std::to_string(getpid()));
  }
  // Narrowed by --cgroup: Y's cgroup only, in its two namespaces.
  {
    auto [j, g] = groups({"--by", "netns", "--cgroup", w.y.path()});
    ASSERT_EQ(g.size(), 2u) << j["groups"];
    EXPECT_EQ(str(json_counts(j["tcp"])), str(y));
    EXPECT_EQ(str(json_counts(group_of(g, std::to_string(inode_of(w.b.path())))["tcp"])), str(b)) << j["groups"];
  }
  // The same run's ss did not move.
  EXPECT_EQ(str(w.x_tcp()), str(x));
  EXPECT_EQ(str(ss_counts_in(&w.a, "-tan")), str(a));
  // Text: the table names the container by its short id and its pod.
  RunResult text = run_socktrace({"top", "--once", "--by", "container", "--sort", "CLOSE_WAIT"});
  EXPECT_NE(text.out.find("sockets by container, sorted by CLOSE_WAIT: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\n" + container_id().substr(0, 12) + "  " + kPodUid + " "), std::string::npos) << text.out;
}

// check --by container: the container over the threshold trips it and is named.
TEST(CgroupViews, CheckByContainerNamesTheOneOver) {
  REQUIRE_BPF();
  CgroupWorld w;
  ASSERT_EQ(w.x_tcp()["CLOSE_WAIT"], 2);
  std::string name = "container " + container_id().substr(0, 12) + " (pod " + kPodUid + ")";
  RunResult crit = run_socktrace({"check", "--by", "container", "--critical", "CLOSE_WAIT=1"});
  EXPECT_EQ(crit.exit_code, 2) << crit.out << crit.err;
  EXPECT_EQ(crit.out.rfind("SOCKTRACE CRITICAL - ", 0), 0u) << crit.out;
  EXPECT_NE(crit.out.find(name + ": CLOSE_WAIT=2 > 1"), std::string::npos) << crit.out;
  RunResult warn = run_socktrace(
      {"check", "--by", "container", "--cgroup", w.x.path(), "--warning", "CLOSE_WAIT=1", "--critical", "CLOSE_WAIT=5"});
  EXPECT_EQ(warn.exit_code, 1) << warn.out << warn.err;
  EXPECT_EQ(warn.out.rfind("SOCKTRACE WARNING - " + name + ": CLOSE_WAIT=2 > 1 | ", 0), 0u) << warn.out;
  RunResult ok = run_socktrace({"check", "--by", "container", "--cgroup", w.x.path(), "--critical", "CLOSE_WAIT=2"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.rfind("SOCKTRACE OK - 1 group within the thresholds | ", 0), 0u) << ok.out;
  // Sampled with BPF: the same.
  RunResult sampled = run_socktrace({"check", "--by", "container", "--sample", "0.3", "--critical", "CLOSE_WAIT=1"});
  EXPECT_EQ(sampled.exit_code, 2) << sampled.out << sampled.err;
  EXPECT_NE(sampled.out.find(name + ": CLOSE_WAIT=2 > 1"), std::string::npos) << sampled.out;
  // Rates and ages are not per group: one line, exit 3.
  RunResult bad = run_socktrace({"check", "--by", "container", "--critical", "CLOSE_WAIT:age=5"});
  EXPECT_EQ(bad.exit_code, 3) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

// The kubelet's log directory and link for X's container ("nginx" of pod
// shop/web-7f9c) under a fake host root, as a DaemonSet mounts the node's.
void kubelet_logs_for_x(const std::string& host_root) {
  std::string pod_dir = "/var/log/pods/shop_web-7f9c_" + kPodUid;
  fs::create_directories(host_root + pod_dir + "/nginx");
  std::ofstream(host_root + pod_dir + "/nginx/0.log") << "";
  fs::create_directories(host_root + "/var/log/containers");
  fs::create_symlink(pod_dir + "/nginx/0.log",
                     host_root + "/var/log/containers/web-7f9c_shop_nginx-" + container_id() + ".log");
}

// --host-root: X's container and pod named from the kubelet's logs, in top's
// JSON rows and table and in check's status line; without names, the ids
// as before; a bad --host-root is one line, exit 2 (check: 3).
TEST(CgroupViews, ByContainerNamesFromTheHostRoot) {
  REQUIRE_BPF();
  CgroupWorld w;
  TempDir dir;
  const std::string host = dir.path("host");
  kubelet_logs_for_x(host);

  RunResult r = run_socktrace({"top", "--once", "--by", "container", "--json", "--host-root", host});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  JsonLine j = parse_flat_json(r.out);
  JsonLine c = group_of(json_objects(j["groups"]), container_id());
  ASSERT_FALSE(c.empty()) << j["groups"];
  EXPECT_EQ(c["container_id"], container_id());
  EXPECT_EQ(c["pod_uid"], kPodUid);
  EXPECT_EQ(c["container_name"], "nginx") << j["groups"];
  EXPECT_EQ(c["pod_name"], "web-7f9c") << j["groups"];
  EXPECT_EQ(c["pod_namespace"], "shop") << j["groups"];
  EXPECT_EQ(str(json_counts(c["tcp"])), str(w.x_tcp())) << j["groups"];

  // Another root with nothing in it: the row as it was, no name fields.
  fs::create_directories(dir.path("empty"));
  RunResult bare = run_socktrace({"top", "--once", "--by", "container", "--json", "--host-root", dir.path("empty")});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  JsonLine b = group_of(json_objects(parse_flat_json(bare.out)["groups"]), container_id());
  EXPECT_EQ(b["container_id"], container_id());
  EXPECT_EQ(b.count("container_name"), 0u) << bare.out;
  EXPECT_EQ(b.count("pod_name"), 0u) << bare.out;

  RunResult text = run_socktrace({"top", "--once", "--by", "container", "--host-root", host});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  std::size_t row = text.out.find("\n" + container_id().substr(0, 12) + "  " + kPodUid + " ");
  ASSERT_NE(row, std::string::npos) << text.out;
  std::string line = text.out.substr(row + 1, text.out.find('\n', row + 1) - row - 1);
  EXPECT_EQ(line.substr(line.rfind("  ") + 2), "shop/web-7f9c/nginx") << text.out;
  EXPECT_NE(text.out.find("  UDP  NAME\n"), std::string::npos) << text.out;

  std::string name = "container nginx (pod shop/web-7f9c, " + container_id().substr(0, 12) + ")";
  RunResult crit = run_socktrace({"check", "--by", "container", "--critical", "CLOSE_WAIT=1", "--host-root", host});
  EXPECT_EQ(crit.exit_code, 2) << crit.out << crit.err;
  EXPECT_NE(crit.out.find(name + ": CLOSE_WAIT=2 > 1"), std::string::npos) << crit.out;
  RunResult sampled = run_socktrace(
      {"check", "--by", "container", "--sample", "0.3", "--critical", "CLOSE_WAIT=1", "--host-root", host});
  EXPECT_EQ(sampled.exit_code, 2) << sampled.out << sampled.err;
  EXPECT_NE(sampled.out.find(name + ": CLOSE_WAIT=2 > 1"), std::string::npos) << sampled.out;

  for (std::string mode : {"top", "check"}) {
    RunResult bad = run_socktrace({mode, "--by", "container", "--host-root", dir.path("missing")});
    EXPECT_EQ(bad.exit_code, mode == "check" ? 3 : 2) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
    EXPECT_NE(bad.err.find("--host-root"), std::string::npos) << bad.err;
    EXPECT_EQ(bad.out, "");
  }
}

// top --by container --metrics: X's container as one labelled series per
// state, equal to ss; the exposition passes promtool.
TEST(CgroupViews, MetricsByContainer) {
  REQUIRE_BPF();
  CgroupWorld w;
  TempDir dir;
  Socktrace top({"top", "--json", "--interval", "0.2", "--by", "container", "--metrics", "127.0.0.1:0"},
                dir.path("top.json"));
  std::string err = top.stderr_text();
  std::size_t at = err.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << err;
  int port = std::stoi(err.substr(at + 17));
  std::string labels = "by=\"container\",group=\"" + container_id() + "\",container_id=\"" + container_id() +
                       "\",container_runtime=\"containerd\",pod_uid=\"" + kPodUid + "\",proto=\"tcp\"";
  std::string body;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    body = http_response(port, "/metrics");
    if (body.find(labels) != std::string::npos) break;
  }
  for (const auto& [state, n] : w.x_tcp())
    EXPECT_NE(body.find("socktrace_group_sockets{" + labels + ",state=\"" + state + "\"} " + std::to_string(n) + "\n"),
              std::string::npos)
        << state << "\n"
        << body;
  EXPECT_EQ(top.stop(), 0);
  if (access("/usr/bin/promtool", X_OK) != 0) {
    if (in_ci()) FAIL() << "promtool missing (tools/deps.sh installs package prometheus)";
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  std::string file = dir.path("metrics.txt");
  std::ofstream(file) << body.substr(body.find("\r\n\r\n") + 4);
  EXPECT_EQ(run_capture("promtool check metrics < " + file + " 2>&1; echo rc=$?"), "rc=0\n");
}

// Does process `pid` hold network namespace `ino` open (an fd on it)?
bool holds_netns(pid_t pid, uint64_t ino) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::string link = fs::read_symlink(e.path(), ec).string();
    struct stat st{};
    // Opened as /proc/PID/ns/net it reads net:[INODE]; as /run/netns/NAME, that path.
    if (link.rfind("net:[", 0) != 0 && link.rfind("/run/netns/", 0) != 0) continue;
    if (stat(e.path().c_str(), &st) == 0 && st.st_ino == ino) return true;
    if (link == "net:[" + std::to_string(ino) + "]") return true;
  }
  return false;
}

// A live top --by netns takes in a namespace made after it started, and lets
// go of it when no process and no name holds it any more (held open by
// socktrace, it would never be freed).
TEST(CgroupViews, LiveByNetnsFollowsNamespacesAndLetsGo) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("top.json");
  Socktrace top({"top", "--json", "--interval", "0.2", "--by", "netns"}, out);
  auto c = std::make_unique<Netns>("socktrace-cv", "c");
  uint64_t ino = inode_of(c->path());
  std::string key = std::to_string(ino);
  auto server = std::make_unique<Server>(c.get(), nullptr);
  server->established(nullptr, 2);
  auto row = [&] {
    std::string last = last_hist(out);
    return last.empty() ? JsonLine{} : group_of(json_objects(parse_flat_json(last)["groups"]), key);
  };
  Counts want = ss_counts_in(c.get(), "-tan");
  ASSERT_EQ(str(want), str(Counts{{"LISTEN", 1}, {"ESTABLISHED", 4}}));
  JsonLine g;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    g = row();
    if (!g.empty() && json_counts(g["tcp"]) == want) break;
  }
  EXPECT_EQ(str(json_counts(g["tcp"])), str(want)) << top.stderr_text();
  EXPECT_TRUE(holds_netns(top.pid(), ino));
  server.reset();  // the sockets closed, then the name: nothing holds it but socktrace
  c.reset();
  bool held = true;
  deadline = std::chrono::steady_clock::now() + 10s;
  while (held && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    held = holds_netns(top.pid(), ino);
  }
  EXPECT_FALSE(held);
  EXPECT_TRUE(eventually([&] { return row().empty(); }, 10000)) << last_hist(out);
  EXPECT_EQ(top.stop(), 0);
}

TEST(CgroupViews, BadCgroupIsAUsageError) {
  for (const char* mode : {"top", "check"}) {
    for (std::vector<std::string> filter :
         {std::vector<std::string>{"--cgroup", "/socktrace-no-such-cgroup"}, {"--container", "0123abcdzz"}}) {
      std::vector<std::string> args = {mode};
      args.insert(args.end(), filter.begin(), filter.end());
      if (std::string(mode) == "top") args.push_back("--once");
      RunResult r = run_socktrace(args);
      SCOPED_TRACE(std::string(mode) + " " + filter[0]);
      EXPECT_EQ(r.exit_code, std::string(mode) == "check" ? 3 : 2) << r.err;
      EXPECT_EQ(r.err.rfind("socktrace: ", 0), 0u) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
    RunResult sort = run_socktrace({mode, "--sort", "CLOSE_WAIT"});
    EXPECT_EQ(sort.exit_code, std::string(mode) == "check" ? 3 : 2) << sort.err;
    RunResult by = run_socktrace({mode, "--by", "pod"});
    EXPECT_EQ(by.exit_code, std::string(mode) == "check" ? 3 : 2) << by.err;
    EXPECT_EQ(std::count(by.err.begin(), by.err.end(), '\n'), 1) << by.err;
    RunResult help = run_socktrace({mode, "--help"});
    EXPECT_NE(help.out.find("--by"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--cgroup"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--container"), std::string::npos) << help.out;
  }
}

}  // namespace
}  // namespace socktrace::testing
