// `top` and `check` with --netns: two network namespaces of the test's own
// (ip netns add, unique names, deleted at the end), sockets in known states
// inside each and on the host at the same time; every count must equal
// `ip netns exec NS ss -tan` / `ss -uan` of that namespace on the same run.
// The sockets are made by this process's thread switched into a namespace
// with setns (a socket stays in the namespace it was created in).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"
#include "netns.h"

namespace socktrace::testing {
namespace {

using namespace std::chrono_literals;

// Sockets in still states in one namespace (or on the host), all
// close-on-exec: socktrace, forked from this process, must not hold them.
// Every socket() runs inside the namespace; the rest follows the socket.
class Sockets {
 public:
  explicit Sockets(const Netns* ns) : ns_(ns) {
    Inside in(ns_);
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(listener_, 4096) != 0)
      throw std::runtime_error("listen");
    fds_.push_back(listener_);
  }
  ~Sockets() {
    for (int fd : fds_) close(fd);
  }
  int port() const { return local_port(listener_); }
  void established(int n) {
    for (int i = 0; i < n; ++i) {
      auto [c, s] = pair();
      fds_.push_back(c);
      fds_.push_back(s);
    }
  }
  // The client closes: its socket an orphan in FIN-WAIT-2, the server's in CLOSE-WAIT.
  void close_wait(int n) {
    for (int i = 0; i < n; ++i) {
      auto [c, s] = pair();
      close(c);
      fds_.push_back(s);
    }
  }
  // The server closes first, then the client: the server's side in TIME-WAIT.
  void time_wait(int n) {
    for (int i = 0; i < n; ++i) {
      auto [c, s] = pair();
      close(s);
      std::this_thread::sleep_for(5ms);
      close(c);
    }
  }
  void udp(int n) {
    Inside in(ns_);
    for (int i = 0; i < n; ++i) {
      int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      sockaddr_in a = loopback(0);
      bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      fds_.push_back(fd);
    }
  }

 private:
  std::pair<int, int> pair() {
    Inside in(ns_);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(port());
    if (connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) throw std::runtime_error("connect");
    int s = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (s < 0) throw std::runtime_error("accept");
    return {c, s};
  }
  const Netns* ns_;
  int listener_ = -1;
  std::vector<int> fds_;
};

// The world of these tests: namespaces A and B with the test's sockets in
// known states, and sockets on the host (which neither must count).
struct NetnsWorld {
  Netns a{"socktrace-nv", "a"}, b{"socktrace-nv", "b"};
  Sockets in_a{&a}, in_b{&b}, host{nullptr};
  NetnsWorld() {
    in_a.established(3);
    in_a.close_wait(2);
    in_a.time_wait(2);
    in_a.udp(1);
    in_b.established(1);
    in_b.time_wait(3);
    host.established(2);
    host.time_wait(1);
    settle_netns(&a);
    settle_netns(&b);
  }
};

TEST(NetnsViews, TopOnceEqualsSsInEachNamespace) {
  REQUIRE_BPF();  // root: ip netns, setns
  NetnsWorld w;
  Counts a_tcp = ss_counts_in(&w.a, "-tan"), a_udp = ss_counts_in(&w.a, "-uan");
  Counts b_tcp = ss_counts_in(&w.b, "-tan"), b_udp = ss_counts_in(&w.b, "-uan");
  // What the test made there, and nothing else: a fresh namespace.
  EXPECT_EQ(str(a_tcp), str(Counts{{"LISTEN", 1}, {"ESTABLISHED", 6}, {"CLOSE_WAIT", 2}, {"FIN_WAIT2", 2},
                                   {"TIME_WAIT", 2}}));
  EXPECT_EQ(str(b_tcp), str(Counts{{"LISTEN", 1}, {"ESTABLISHED", 2}, {"TIME_WAIT", 3}}));
  // By name, by path, by inode; and both at once.
  for (const auto& [args, tcp, udp] :
       std::vector<std::tuple<std::vector<std::string>, Counts, Counts>>{
           {{"--netns", w.a.name()}, a_tcp, a_udp},
           {{"--netns", w.b.path()}, b_tcp, b_udp},
           {{"--netns", std::to_string(w.a.inode())}, a_tcp, a_udp},
           {{"--netns", w.a.name(), "--netns", w.b.name()}, sum(a_tcp, b_tcp), sum(a_udp, b_udp)}}) {
    std::vector<std::string> cmd = {"top", "--once", "--json"};
    cmd.insert(cmd.end(), args.begin(), args.end());
    RunResult r = run_socktrace(cmd);
    SCOPED_TRACE(args.back());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    JsonLine j = parse_flat_json(r.out);
    EXPECT_EQ(j["event"], "hist");
    EXPECT_EQ(str(json_counts(j["tcp"])), str(tcp)) << r.out;
    EXPECT_EQ(str(json_counts(j["udp"])), str(udp)) << r.out;
  }
  // The same run's ss did not move.
  EXPECT_EQ(str(ss_counts_in(&w.a, "-tan")), str(a_tcp));
  EXPECT_EQ(str(ss_counts_in(&w.b, "-tan")), str(b_tcp));
}

// Sockets made before top started change state after it, new ones come in
// A, in B and on the host: the live histogram of A follows with the events
// the kernel filtered to A, ends equal to A's ss, and reconciles without drift.
// `mode` (top, or log --hist-interval) with --netns A while sockets come and
// go in A, B and on the host: its hist objects equal ss in A.
void follows_namespace_a(const std::vector<std::string>& mode, const std::string& out) {
  NetnsWorld w;
  std::vector<std::string> args = mode;
  args.insert(args.end(), {"--netns", w.a.name()});
  Socktrace top(args, mode[0] == "log" ? "" : out);
  w.in_a.established(2);
  w.in_a.close_wait(1);
  w.in_a.time_wait(3);
  w.in_a.udp(1);
  w.in_b.established(4);
  w.in_b.time_wait(2);
  w.host.established(3);
  w.host.time_wait(2);
  const Counts made = {{"LISTEN", 1}, {"ESTABLISHED", 10}, {"CLOSE_WAIT", 3}, {"FIN_WAIT2", 3}, {"TIME_WAIT", 5}};
  Counts tcp_ss, udp_ss;
  std::string last;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    last = last_hist(out);
    if (last.empty()) continue;
    JsonLine j = parse_flat_json(last);
    tcp_ss = ss_counts_in(&w.a, "-tan");
    udp_ss = ss_counts_in(&w.a, "-uan");
    if (json_counts(j["tcp"]) == tcp_ss && json_counts(j["udp"]) == udp_ss && tcp_ss == made) break;
  }
  ASSERT_FALSE(last.empty()) << top.stderr_text();
  JsonLine j = parse_flat_json(last);
  EXPECT_EQ(str(json_counts(j["tcp"])), str(tcp_ss)) << last << "\n" << top.stderr_text();
  EXPECT_EQ(str(json_counts(j["udp"])), str(udp_ss)) << last;
  EXPECT_EQ(str(tcp_ss), str(made));
  EXPECT_EQ(str(udp_ss), str(Counts{{"CLOSE", 2}}));
  // Transitions came from the events (A's only: B's and the host's would be more).
  EXPECT_GE(std::stol(j["transitions"]), 6L * 3);
  // A reconciliation on the settled state: nothing drifted (unless events were lost).
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
  EXPECT_EQ(str(json_counts(r["tcp"])), str(ss_counts_in(&w.a, "-tan"))) << reconciled;
  EXPECT_NE(top.stderr_text().find("netns " + std::to_string(w.a.inode())), std::string::npos) << top.stderr_text();
  EXPECT_EQ(top.stop(), 0);
}

TEST(NetnsViews, LiveTopFollowsItsNamespaceOnly) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("top.json");
  follows_namespace_a({"top", "--json", "--interval", "0.2", "--reconcile", "1"}, out);
}

// log --hist-interval keeps the same histogram from the log's own events.
TEST(NetnsViews, LogHistFollowsItsNamespaceOnly) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("log.json");
  follows_namespace_a({"log", "-o", out, "--hist-interval", "0.2"}, out);
}

TEST(NetnsViews, CheckCountsTheNamespace) {
  REQUIRE_BPF();  // root: ip netns, setns
  NetnsWorld w;
  Counts a = ss_counts_in(&w.a, "-tan"), b = ss_counts_in(&w.b, "-tan");
  ASSERT_EQ(a["ESTABLISHED"], 6);
  ASSERT_EQ(b["ESTABLISHED"], 2);
  auto check = [](std::vector<std::string> args) {
    args.insert(args.begin(), "check");
    return run_socktrace(args);
  };
  RunResult ok = check({"--netns", w.a.name(), "--critical", "ESTABLISHED=6"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.rfind("SOCKTRACE OK - ", 0), 0u) << ok.out;
  for (const auto& [state, n] : a) EXPECT_NE(ok.out.find(" " + state + "=" + std::to_string(n) + ";"), std::string::npos) << state << ": " << ok.out;
  RunResult crit = check({"--netns", w.a.name(), "--critical", "ESTABLISHED=5"});
  EXPECT_EQ(crit.exit_code, 2) << crit.out << crit.err;
  EXPECT_EQ(crit.out.rfind("SOCKTRACE CRITICAL - ESTABLISHED=6 > 5", 0), 0u) << crit.out;
  RunResult warn = check({"--netns", w.b.path(), "--warning", "TIME_WAIT=2", "--critical", "ESTABLISHED=2"});
  EXPECT_EQ(warn.exit_code, 1) << warn.out << warn.err;
  EXPECT_EQ(warn.out.rfind("SOCKTRACE WARNING - TIME_WAIT=3 > 2", 0), 0u) << warn.out;
  RunResult both = check({"--netns", w.a.name(), "--netns", w.b.name(), "--critical", "ESTABLISHED=7"});
  EXPECT_EQ(both.exit_code, 2) << both.out << both.err;
  EXPECT_EQ(both.out.rfind("SOCKTRACE CRITICAL - ESTABLISHED=8 > 7", 0), 0u) << both.out;
  // Per family (counts only).
  RunResult fam = check({"--perfdata-family", "--netns", w.a.name(), "--critical", "ESTABLISHED=5"});
  EXPECT_EQ(fam.exit_code, 2) << fam.out << fam.err;
  EXPECT_NE(fam.out.find(" tcp_ESTABLISHED=6;"), std::string::npos) << fam.out;
  EXPECT_NE(fam.out.find(" tcp_TIME_WAIT=2;"), std::string::npos) << fam.out;
}

// check --sample: the counts from a live histogram of the namespace (BPF).
TEST(NetnsViews, CheckSampledCountsTheNamespace) {
  REQUIRE_BPF();
  NetnsWorld w;
  RunResult r = run_socktrace({"check", "--netns", w.a.name(), "--sample", "0.3", "--critical", "ESTABLISHED=5",
                               "--warning", "CLOSE_WAIT=1"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("SOCKTRACE CRITICAL - ESTABLISHED=6 > 5", 0), 0u) << r.out;
  for (const auto& [state, n] : ss_counts_in(&w.a, "-tan"))
    EXPECT_NE(r.out.find(" " + state + "=" + std::to_string(n) + ";"), std::string::npos) << state << ": " << r.out;
  RunResult ok = run_socktrace({"check", "--netns", w.b.name(), "--sample", "0.3", "--critical", "ESTABLISHED=2"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

// What top and check do not take (-f) and bad filters are a one-line usage
// error (2; check 3), and --help does not offer -f.
TEST(NetnsViews, UnsupportedFiltersAreUsageErrors) {
  for (const char* mode : {"top", "check"}) {
    int code = std::string(mode) == "check" ? 3 : 2;
    for (std::vector<std::string> filter : {std::vector<std::string>{"-f"},
                                            {"--cgroup", "/sys/fs/cgroup"},
                                            {"--container", "0123abcd"},
                                            {"--netns", "socktrace-no-such-netns"},
                                            {"--netns", "/tmp"}}) {
      std::vector<std::string> args = {mode};
      args.insert(args.end(), filter.begin(), filter.end());
      if (std::string(mode) == "top") args.push_back("--once");
      RunResult r = run_socktrace(args);
      SCOPED_TRACE(std::string(mode) + " " + filter[0]);
      EXPECT_EQ(r.exit_code, code) << r.err;
      EXPECT_EQ(r.err.rfind("socktrace: ", 0), 0u) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
      EXPECT_EQ(r.err.find("not built yet"), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty()) << r.out;
    }
    RunResult help = run_socktrace({mode, "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("--netns"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--cgroup"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--container"), std::string::npos) << help.out;
    for (const char* absent : {"--follow-forks"})
      EXPECT_EQ(help.out.find(absent), std::string::npos) << mode << " --help offers " << absent << ":\n" << help.out;
  }
}

}  // namespace
}  // namespace socktrace::testing
