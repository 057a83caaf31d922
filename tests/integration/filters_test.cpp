// --cgroup, --netns and --comm against real processes: the test makes its
// own cgroups (in the v2 hierarchy) and network namespaces (ip netns), puts
// a server or a client inside, the other end and an unrelated workload
// outside, and checks that exactly the inside syscalls and the inside
// sockets' transitions come out.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"
#include "kernel/filters.h"

namespace socktrace::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A cgroup of the test's own, below the v2 root; removed with everything
// below it (any process of the test still inside is killed first).
class ScopedCgroup {
 public:
  explicit ScopedCgroup(const std::string& name) {
    auto root = find_cgroup2_root();
    if (!root) throw std::runtime_error("no cgroup v2 hierarchy");
    path_ = *root + "/socktrace-test-" + std::to_string(getpid()) + "-" + name;
    fs::create_directories(path_);
  }
  ~ScopedCgroup() { remove(path_); }
  const std::string& path() const { return path_; }
  uint64_t id() const { return inode_of(path_); }
  // A cgroup below this one, created now.
  std::string make_child(const std::string& rel) {
    fs::create_directories(path_ + "/" + rel);
    return path_ + "/" + rel;
  }

 private:
  static void remove(const std::string& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory(ec)) remove(e.path().string());
    std::ofstream(dir + "/cgroup.kill") << "1";
    for (int i = 0; i < 100 && rmdir(dir.c_str()) != 0 && errno == EBUSY; ++i) std::this_thread::sleep_for(20ms);
  }
  std::string path_;
};

// Moves the calling process into `cgroup` (before it opens any socket: a
// socket stays in the cgroup it was created in).
bool join_cgroup(const std::string& cgroup) {
  std::ofstream procs(cgroup + "/cgroup.procs");
  procs << "0";
  procs.flush();
  return procs.good();
}

// A network namespace of the test's own, with its loopback up.
class ScopedNetns {
 public:
  ScopedNetns() {
    name_ = "socktrace-test-" + std::to_string(getpid());
    if (std::system(("ip netns add " + name_).c_str()) != 0) throw std::runtime_error("ip netns add failed");
    std::system(("ip -n " + name_ + " link set lo up").c_str());
  }
  ~ScopedNetns() { std::system(("ip netns delete " + name_ + " 2>/dev/null").c_str()); }
  std::string path() const { return "/run/netns/" + name_; }
  uint64_t inode() const { return inode_of(path()); }
  // Moves the calling process into the namespace.
  bool enter() const {
    int fd = open(path().c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) close(fd);
    return ok;
  }

 private:
  std::string name_;
};

void drain(int fd) {
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

// One connection between two processes: the client sends a request and
// waits for the server's close (the server closes first: a passive close on
// the client, an active one on the server). `setup` runs first in the side
// named by `inside_is_server` (joins a cgroup, renames itself...).
struct Pair {
  pid_t server = 0, client = 0;
  int port = 0;
};

Pair run_pair(bool inside_is_server, const std::function<bool()>& setup,
              const std::function<bool()>& outside_setup = [] { return true; }) {
  Gate port_gate;
  Pair p;
  p.server = spawn([&] {
    if (!(inside_is_server ? setup() : outside_setup())) return 10;
    int l = listen_on(AF_INET);
    if (l < 0) return 11;
    port_gate.open(local_port(l));
    int c = accept(l, nullptr, nullptr);
    if (c < 0) return 12;
    char buf[16];
    if (read(c, buf, sizeof(buf)) <= 0) return 13;
    close(c);
    close(l);
    return 0;
  });
  p.port = port_gate.wait();
  p.client = spawn([&] {
    if (!(inside_is_server ? outside_setup() : setup())) return 20;
    int fd = connect_to(AF_INET, p.port);
    if (fd < 0) return 21;
    if (write(fd, "hello", 5) != 5) return 22;
    drain(fd);
    close(fd);
    return 0;
  });
  EXPECT_EQ(wait_child(p.server), 0);
  EXPECT_EQ(wait_child(p.client), 0);
  return p;
}

// Unrelated loopback traffic, outside every filter, concurrent with the
// test's own: connections, each with its syscalls and transitions.
pid_t spawn_noise(int rounds = 30, const std::function<bool()>& setup = [] { return true; }) {
  return spawn([=] {
    if (!setup()) return 30;
    for (int i = 0; i < rounds; ++i) {
      int l = listen_on(AF_INET);
      int c = connect_to(AF_INET, local_port(l));
      int a = accept(l, nullptr, nullptr);
      close(c);
      drain(a);
      close(a);
      close(l);
    }
    return 0;
  });
}

using Path = std::vector<std::string>;
const Path kListener = {"CLOSE>LISTEN", "LISTEN>CLOSE"};
// The server's accepted socket, closed first by the server.
const Path kServerChild = {"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>FIN_WAIT1", "FIN_WAIT1>FIN_WAIT2",
                           "FIN_WAIT2>TIME_WAIT"};
// The client's socket, closed second.
const Path kClient = {"CLOSE>SYN_SENT", "SYN_SENT>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT", "CLOSE_WAIT>LAST_ACK",
                      "LAST_ACK>CLOSE"};

// Transitions by socket cookie, in order.
std::map<std::string, Path> paths(const std::vector<JsonLine>& lines) {
  std::map<std::string, Path> out;
  for (const auto& l : lines)
    if (l.at("event") == "state") out[l.at("cookie")].push_back(l.at("old") + ">" + l.at("new"));
  return out;
}

std::multiset<Path> path_set(const std::vector<JsonLine>& lines) {
  std::multiset<Path> out;
  for (const auto& [cookie, p] : paths(lines)) out.insert(p);
  return out;
}

// The same without the end of a socket that went through a timewait socket:
// once its owner has exited, a socket in another network namespace can no
// longer be looked up there, and its FIN_WAIT2 -> CLOSE stays as it is.
std::multiset<Path> path_set_to_fin_wait2(const std::vector<JsonLine>& lines) {
  std::multiset<Path> out;
  for (auto [cookie, p] : paths(lines)) {
    if (!p.empty() && p.back().starts_with("FIN_WAIT2>")) p.pop_back();
    out.insert(p);
  }
  return out;
}

bool lost_any(const std::vector<JsonLine>& lines) {
  for (const auto& l : lines)
    if (l.at("event") == "lost") return true;
  return false;
}

// Waits until the states output at `out` shows these sockets' paths (as
// `of` sees them; a loss ends the wait): states writes at every poll, and
// the stop drains the rest, so no fixed wait is needed.
void wait_for_paths(const std::string& out, const std::multiset<Path>& want,
                    std::multiset<Path> (*of)(const std::vector<JsonLine>&) = path_set) {
  eventually([&] {
    auto lines = complete_json_lines(out);
    return lost_any(lines) || of(lines) == want;
  });
}

std::string dump_states(const std::vector<JsonLine>& lines) {
  std::string s;
  for (const auto& l : lines) {
    if (l.count("name")) s += l.at("pid") + " " + l.at("name") + "\n";
    if (l.count("old")) s += l.at("pid") + " " + l.at("cookie") + " " + l.at("old") + ">" + l.at("new") + "\n";
  }
  return s;
}

// Names of the syscalls of `pid`, in order.
std::vector<std::string> syscalls_of(const std::vector<JsonLine>& lines, pid_t pid) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.at("event") == "syscall" && l.at("pid") == std::to_string(pid)) out.push_back(l.at("name"));
  return out;
}

TEST(CgroupFilter, StatesServerInsideClientOutside) {
  REQUIRE_BPF();
  ScopedCgroup cg("server");
  TempDir dir;
  std::string out = dir.path("states.json");
  Socktrace st({"states", "--json", "--cgroup", cg.path(), "-o", out});
  pid_t noise = spawn_noise();
  Pair p = run_pair(true, [&] { return join_cgroup(cg.path()); });
  EXPECT_EQ(wait_child(noise), 0);
  wait_for_paths(out, {kListener, kServerChild});  // the server's TIME_WAIT is found by a sock_diag lookup
  ASSERT_EQ(st.stop(), 0) << st.stderr_text();
  auto lines = read_json_lines(out);
  // Only the server's sockets: in the cgroup, on its port. The client's
  // socket, which was outside, never shows, although the child socket's
  // first transition ran in the client's context.
  for (const auto& l : lines) {
    if (l.at("event") != "state") continue;
    EXPECT_EQ(l.at("sock_cgroup_id"), std::to_string(cg.id())) << dump_states(lines);
    EXPECT_EQ(l.at("sport"), std::to_string(p.port)) << dump_states(lines);
    EXPECT_EQ(l.at("pid"), std::to_string(p.server)) << dump_states(lines);
  }
  if (!lost_any(lines)) {
    EXPECT_EQ(path_set(lines), (std::multiset<Path>{kListener, kServerChild})) << dump_states(lines);
  }
}

TEST(CgroupFilter, StatesClientInsideServerOutside) {
  REQUIRE_BPF();
  ScopedCgroup cg("client");
  TempDir dir;
  std::string out = dir.path("states.json");
  Socktrace st({"states", "--json", "--cgroup", cg.path(), "-o", out});
  pid_t noise = spawn_noise();
  Pair p = run_pair(false, [&] { return join_cgroup(cg.path()); });
  EXPECT_EQ(wait_child(noise), 0);
  ASSERT_EQ(st.stop(), 0) << st.stderr_text();
  auto lines = read_json_lines(out);
  for (const auto& l : lines) {
    if (l.at("event") != "state") continue;
    EXPECT_EQ(l.at("sock_cgroup_id"), std::to_string(cg.id())) << dump_states(lines);
    EXPECT_EQ(l.at("dport"), std::to_string(p.port)) << dump_states(lines);
    EXPECT_EQ(l.at("pid"), std::to_string(p.client)) << dump_states(lines);
  }
  if (!lost_any(lines)) {
    EXPECT_EQ(path_set(lines), (std::multiset<Path>{kClient})) << dump_states(lines);
  }
}

TEST(CgroupFilter, SyscallsOfTheInsideProcessOnly) {
  REQUIRE_BPF();
  for (bool inside_is_server : {true, false}) {
    SCOPED_TRACE(inside_is_server ? "server inside" : "client inside");
    ScopedCgroup cg(inside_is_server ? "sys-server" : "sys-client");
    TempDir dir;
    std::string out = dir.path("syscalls.json");
    Socktrace st({"--json", "--cgroup", cg.path(), "-o", out});
    pid_t noise = spawn_noise();
    Pair p = run_pair(inside_is_server, [&] { return join_cgroup(cg.path()); });
    EXPECT_EQ(wait_child(noise), 0);
    ASSERT_EQ(st.stop(), 0) << st.stderr_text();
    auto lines = read_json_lines(out);
    pid_t inside = inside_is_server ? p.server : p.client;
    for (const auto& l : lines) {
      if (l.at("event") != "syscall") continue;
      EXPECT_EQ(l.at("pid"), std::to_string(inside)) << dump_states(lines);
      EXPECT_EQ(l.at("cgroup_id"), std::to_string(cg.id())) << dump_states(lines);
    }
    if (lost_any(lines)) continue;
    std::vector<std::string> got = syscalls_of(lines, inside);
    if (inside_is_server) {
      // glibc's accept() is the accept syscall on x86-64 (accept4 elsewhere).
      ASSERT_EQ(got.size(), 5u) << dump_states(lines);
      EXPECT_EQ(got[0], "socket");
      EXPECT_EQ(got[1], "bind");
      EXPECT_EQ(got[2], "listen");
      EXPECT_EQ(got[3], "getsockname");
      EXPECT_TRUE(got[4] == "accept" || got[4] == "accept4") << got[4];
    } else {
      EXPECT_EQ(got, (std::vector<std::string>{"socket", "connect"})) << dump_states(lines);
    }
  }
}

// The watched cgroup gets a sub-cgroup (two levels) after socktrace started;
// a server in it is covered, in both modes.
TEST(CgroupFilter, CgroupCreatedAfterStartIsCovered) {
  REQUIRE_BPF();
  ScopedCgroup cg("parent");
  TempDir dir;
  std::string states_out = dir.path("states.json"), sys_out = dir.path("syscalls.json");
  Socktrace states({"states", "--json", "--cgroup", cg.path(), "-o", states_out});
  Socktrace syscalls({"--json", "--cgroup", cg.path(), "-o", sys_out});
  std::string late = cg.make_child("late/deeper");
  pid_t noise = spawn_noise();
  Pair p = run_pair(true, [&] { return join_cgroup(late); });
  EXPECT_EQ(wait_child(noise), 0);
  wait_for_paths(states_out, {kListener, kServerChild});
  ASSERT_EQ(states.stop(), 0) << states.stderr_text();
  ASSERT_EQ(syscalls.stop(), 0) << syscalls.stderr_text();

  auto lines = read_json_lines(states_out);
  for (const auto& l : lines)
    if (l.at("event") == "state") {
      EXPECT_EQ(l.at("sock_cgroup_id"), std::to_string(inode_of(late))) << dump_states(lines);
    }
  if (!lost_any(lines)) {
    EXPECT_EQ(path_set(lines), (std::multiset<Path>{kListener, kServerChild})) << dump_states(lines);
  }

  lines = read_json_lines(sys_out);
  for (const auto& l : lines)
    if (l.at("event") == "syscall") {
      EXPECT_EQ(l.at("pid"), std::to_string(p.server)) << dump_states(lines);
    }
  if (!lost_any(lines)) {
    EXPECT_EQ(syscalls_of(lines, p.server).size(), 5u) << dump_states(lines);
  }
}

// A connection inside a network namespace of its own, the same connection
// outside at the same time: --netns keeps the inside one (by path for
// states, by inode for syscalls), with the namespace's inode on every event.
TEST(NetnsFilter, KeepsOnlyThatNamespace) {
  REQUIRE_BPF();
  ScopedNetns ns;
  ASSERT_NE(ns.inode(), 0u);
  TempDir dir;
  std::string states_out = dir.path("states.json"), sys_out = dir.path("syscalls.json");
  Socktrace states({"states", "--json", "--netns", ns.path(), "-o", states_out});
  Socktrace syscalls({"--json", "--netns", std::to_string(ns.inode()), "-o", sys_out});
  pid_t noise = spawn_noise();
  Pair outside = run_pair(true, [] { return true; });
  Pair inside = run_pair(true, [&] { return ns.enter(); }, [&] { return ns.enter(); });
  EXPECT_EQ(wait_child(noise), 0);
  Path server_child(kServerChild.begin(), kServerChild.end() - 1);
  wait_for_paths(states_out, {kListener, server_child, kClient}, path_set_to_fin_wait2);
  ASSERT_EQ(states.stop(), 0) << states.stderr_text();
  ASSERT_EQ(syscalls.stop(), 0) << syscalls.stderr_text();

  auto lines = read_json_lines(states_out);
  std::string ino = std::to_string(ns.inode());
  for (const auto& l : lines)
    if (l.at("event") == "state") {
      EXPECT_EQ(l.at("netns"), ino) << dump_states(lines);
      EXPECT_TRUE(l.at("pid") == std::to_string(inside.server) || l.at("pid") == std::to_string(inside.client))
          << dump_states(lines);
    }
  if (!lost_any(lines)) {
    EXPECT_EQ(path_set_to_fin_wait2(lines), (std::multiset<Path>{kListener, server_child, kClient})) << dump_states(lines);
  }

  lines = read_json_lines(sys_out);
  for (const auto& l : lines)
    if (l.at("event") == "syscall") {
      EXPECT_EQ(l.at("netns"), ino) << dump_states(lines);
      // The states instance opens its sock_diag socket inside the namespace
      // (setns, socket, setns back) when it first looks a socket up there:
      // a socket() call in that namespace, rightly traced.
      if (l.at("pid") == std::to_string(states.pid())) {
        EXPECT_EQ(l.at("name"), "socket") << dump_states(lines);
        continue;
      }
      EXPECT_TRUE(l.at("pid") == std::to_string(inside.server) || l.at("pid") == std::to_string(inside.client))
          << dump_states(lines);
    }
  if (!lost_any(lines)) {
    EXPECT_EQ(syscalls_of(lines, inside.server).size(), 5u) << dump_states(lines);
    EXPECT_EQ(syscalls_of(lines, inside.client), (std::vector<std::string>{"socket", "connect"})) << dump_states(lines);
  }
  (void)outside;
}

// --comm: the server renames itself; its sockets and syscalls are kept, the
// client's (another name) are not.
TEST(CommFilter, KeepsOnlyThatCommand) {
  REQUIRE_BPF();
  const char* name = "st-comm-inside";
  TempDir dir;
  std::string states_out = dir.path("states.json"), sys_out = dir.path("syscalls.json");
  Socktrace states({"states", "--json", "--comm", name, "-o", states_out});
  Socktrace syscalls({"--json", "--comm", name, "-o", sys_out});
  pid_t noise = spawn_noise();
  Pair p = run_pair(true, [&] { return prctl(PR_SET_NAME, name) == 0; });
  EXPECT_EQ(wait_child(noise), 0);
  wait_for_paths(states_out, {kListener, kServerChild});
  ASSERT_EQ(states.stop(), 0) << states.stderr_text();
  ASSERT_EQ(syscalls.stop(), 0) << syscalls.stderr_text();
  for (const std::string& out : {states_out, sys_out}) {
    auto lines = read_json_lines(out);
    for (const auto& l : lines) {
      if (l.at("event") == "lost") continue;
      EXPECT_EQ(l.at("comm"), name) << dump_states(lines);
      EXPECT_EQ(l.at("pid"), std::to_string(p.server)) << dump_states(lines);
    }
    if (lost_any(lines)) continue;
    if (out == states_out)
      EXPECT_EQ(path_set(lines), (std::multiset<Path>{kListener, kServerChild})) << dump_states(lines);
    else
      EXPECT_EQ(syscalls_of(lines, p.server).size(), 5u) << dump_states(lines);
  }
}

// A Kubernetes-style container cgroup (systemd driver, containerd) made by
// the test: --container PREFIX finds it, and every event names the container
// and its pod.
TEST(ContainerFilter, PrefixResolvesAndEventsNameContainerAndPod) {
  REQUIRE_BPF();
  ScopedCgroup cg("k8s");
  char id[65];
  std::snprintf(id, sizeof(id), "5ec7%08x%052d", static_cast<unsigned>(getpid()), 0);
  const std::string pod = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
  std::string pod_slice = pod;
  std::replace(pod_slice.begin(), pod_slice.end(), '-', '_');
  std::string ctr = cg.make_child("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + pod_slice +
                                  ".slice/cri-containerd-" + std::string(id) + ".scope");
  TempDir dir;
  // states reads names under a host root holding the kubelet's logs for
  // the container; the syscall trace has none for it (the id is the test's).
  const std::string host = dir.path("host"), pod_dir = "/var/log/pods/shop_web-7f9c_" + pod;
  std::filesystem::create_directories(host + pod_dir + "/nginx");
  std::filesystem::create_directories(host + "/var/log/containers");
  std::filesystem::create_symlink(pod_dir + "/nginx/0.log",
                                  host + "/var/log/containers/web-7f9c_shop_nginx-" + std::string(id) + ".log");
  std::string states_out = dir.path("states.json"), sys_out = dir.path("syscalls.json");
  std::string prefix(id, 12);
  Socktrace states({"states", "--json", "--container", prefix, "--host-root", host, "-o", states_out});
  Socktrace syscalls({"--json", "--container", prefix, "-o", sys_out});
  EXPECT_NE(syscalls.stderr_text().find(ctr), std::string::npos) << syscalls.stderr_text();
  pid_t noise = spawn_noise();
  Pair p = run_pair(false, [&] { return join_cgroup(ctr); });
  EXPECT_EQ(wait_child(noise), 0);
  ASSERT_EQ(states.stop(), 0) << states.stderr_text();
  ASSERT_EQ(syscalls.stop(), 0) << syscalls.stderr_text();
  for (const std::string& out : {states_out, sys_out}) {
    auto lines = read_json_lines(out);
    std::size_t seen = 0, connects = 0;
    for (const auto& l : lines) {
      if (l.at("event") == "lost") continue;
      connects += l.at("event") == "connect";
      seen += l.at("event") != "connect";
      EXPECT_EQ(l.at("pid"), std::to_string(p.client)) << dump_states(lines);
      EXPECT_EQ(l.at("container_id"), id) << dump_states(lines);
      EXPECT_EQ(l.at("container_runtime"), "containerd");
      EXPECT_EQ(l.at("pod_uid"), pod);
      if (out == states_out) {
        EXPECT_EQ(l.at("container_name"), "nginx") << dump_states(lines);
        EXPECT_EQ(l.at("pod_name"), "web-7f9c");
        EXPECT_EQ(l.at("pod_namespace"), "shop");
      } else {
        EXPECT_EQ(l.count("container_name"), 0u) << dump_states(lines);
        EXPECT_EQ(l.count("pod_name"), 0u) << dump_states(lines);
      }
    }
    if (!lost_any(lines)) {
      EXPECT_EQ(seen, out == states_out ? kClient.size() : 2u) << dump_states(lines);
      EXPECT_EQ(connects, out == states_out ? 1u : 0u) << dump_states(lines);  // the client's active open
    }
  }
}

TEST(FilterErrors, BadScopeIsOneLineExitTwoBeforeAnythingStarts) {
  REQUIRE_BPF();
  TempDir dir;
  auto root = find_cgroup2_root();
  ASSERT_TRUE(root);
  std::vector<std::vector<std::string>> bad = {
      {"--cgroup", "/socktrace-no-such-cgroup"},
      {"--cgroup", "/tmp"},  // not cgroup v2
      {"--cgroup", *root + "/socktrace-no-such-cgroup"},
      {"--container", "feedfacecafe0123456789"},  // no such container
      {"--container", "not-an-id"},
      {"--netns", "/tmp"},
      {"--netns", "socktrace-no-such-netns"},
      {"--netns", "0"},
      {"--comm", "a-name-longer-than-15"},
  };
  for (const char* v1 : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/systemd"})
    if (access(v1, F_OK) == 0) bad.push_back({"--cgroup", v1});
  for (const auto& filter : bad) {
    for (std::vector<std::string> mode : {std::vector<std::string>{}, {"states"}, {"states", "--timeline"}}) {
      std::string out = dir.path("out");
      std::vector<std::string> args = mode;
      args.insert(args.end(), filter.begin(), filter.end());
      args.insert(args.end(), {"-o", out});
      RunResult r = run_socktrace(args);
      std::string what = filter[0] + " " + filter[1] + " (" + (mode.empty() ? "syscalls" : mode[0]) + ")";
      EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
      EXPECT_EQ(r.err.rfind("socktrace: ", 0), 0u) << what << ": " << r.err;
      EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << what << ": " << r.err;
      EXPECT_EQ(r.err.find("Ctrl-C"), std::string::npos) << what;
      // Checked before the output file is created, let alone BPF loaded.
      EXPECT_FALSE(fs::exists(out)) << what;
    }
  }
}

}  // namespace
}  // namespace socktrace::testing
