// UDP and unix stream socket lives in `socktrace states`: created, bound,
// connected, listened on, accepted and gone (close of the last reference,
// process exit), with exact op sequences per socket and the owner of each.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"

namespace socktrace::testing {
namespace {

using namespace std::chrono_literals;
using Path = std::vector<std::string>;

// One socket's steps: "op OLD>NEW".
struct Life {
  Path steps;
  std::vector<JsonLine> events;
};

// The UDP/unix events of process `pid`, by socket inode, in arrival order.
std::map<std::string, Life> lives_of(const std::vector<JsonLine>& lines, pid_t pid, const std::string& proto) {
  std::map<std::string, Life> out;
  for (const auto& l : lines) {
    if (l.at("event") != "state" || !l.count("op") || l.at("proto") != proto) continue;
    if (l.at("pid") != std::to_string(pid)) continue;
    auto& life = out[l.at("ino")];
    life.steps.push_back(l.at("op") + " " + l.at("ss_old") + ">" + l.at("ss_new"));
    life.events.push_back(l);
  }
  return out;
}

const Life* find_life(const std::map<std::string, Life>& lives, const std::string& first_step) {
  for (const auto& [ino, life] : lives)
    if (!life.steps.empty() && life.steps.front() == first_step) return &life;
  return nullptr;
}

int udp_connect(int fd, int family, int port) {
  socklen_t len;
  sockaddr_storage a = loopback_addr(family, port, &len);
  return connect(fd, reinterpret_cast<sockaddr*>(&a), len);
}

sockaddr_un unix_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  path.copy(a.sun_path, sizeof(a.sun_path) - 1);
  return a;
}

// How many sockets of `proto` that `pid` had (a line of its) have ended
// (-> CLOSE, or TCP's -> TIME_WAIT), by whichever process.
std::size_t ended_sockets(const std::vector<JsonLine>& lines, pid_t pid, const std::string& proto) {
  std::set<std::string> its, ended;
  for (const auto& l : lines) {
    if (l.at("event") != "state" || !l.count("proto") || l.at("proto") != proto) continue;
    std::string sock = l.at("cookie") + " " + (l.count("ino") ? l.at("ino") : "");
    if (l.at("pid") == std::to_string(pid)) its.insert(sock);
    if (l.at("new") == "CLOSE" || l.at("new") == "TIME_WAIT") ended.insert(sock);
  }
  std::size_t n = 0;
  for (const auto& sock : its) n += ended.count(sock);
  return n;
}

// Runs `body` in a child while `states --json` (with `extra` arguments)
// traces; returns the lines once the child's sockets have ended, `ends`
// of them per protocol. `programs`: the BPF programs socktrace held;
// `err`: its stderr.
std::vector<JsonLine> trace_child(TempDir& dir, const std::function<int()>& body, pid_t* child,
                                  const std::map<std::string, std::size_t>& ends,
                                  const std::vector<std::string>& extra = {},
                                  std::map<std::string, std::string>* programs = nullptr,
                                  std::string* err = nullptr) {
  std::vector<std::string> args = {"states", "--json", "-o", dir.path("out.json")};
  args.insert(args.end(), extra.begin(), extra.end());
  Socktrace st(args);
  if (programs) *programs = bpf_programs_held_by(st.pid());
  *child = spawn(body);
  EXPECT_EQ(wait_child(*child), 0);
  // The end of a UDP socket released at exit can come a little after the
  // child is reaped (the ring buffer is polled): wait for it, never a time.
  eventually([&] {
    auto lines = complete_json_lines(dir.path("out.json"));
    for (const auto& [proto, n] : ends)
      if (ended_sockets(lines, *child, proto) < n) return false;
    return true;
  });
  EXPECT_EQ(st.stop(), 0) << st.stderr_text();
  if (err) *err = st.stderr_text();
  return read_json_lines(dir.path("out.json"));
}

// The programs that read the socket lives' syscall steps, where the kernel
// lets fexit programs attach (bpf/sockets.bpf.c); accept()'s for TCP.
const char* const kLivesFexit[] = {"on_sock_fexit_socket", "on_sock_fexit_socketpair", "on_sock_fexit_bind",
                                   "on_sock_fexit_connect", "on_sock_fexit_listen", "on_sock_fexit_accept",
                                   "on_sock_fexit_accept4", "on_sock_fentry_close", "on_fexit_accept",
                                   "on_fexit_accept4"};
constexpr const char* kNoFexitLine = "fexit programs cannot attach to syscalls here";

// Debian's kernels let fexit programs attach (tools/kernel-suite.sh says
// so in its guests): there the lives must not fall back to syscall
// tracepoints.
bool fexit_expected() {
  const char* v = std::getenv("SOCKTRACE_EXPECT_FEXIT");
  return v && std::string(v) == "1";
}

void udp_bind_connect_close(int family) {
  TempDir dir;
  int port = 0;
  Gate port_gate;
  pid_t child = 0;
  auto lines = trace_child(
      dir,
      [&] {
        int fd = udp_bound(family);
        if (fd < 0 || udp_connect(fd, family, 9) != 0) return 1;
        port_gate.open(local_port(fd));
        close(fd);
        return 0;
      },
      &child, {{"udp", 1}});
  port = port_gate.wait();
  auto lives = lives_of(lines, child, "udp");
  ASSERT_EQ(lives.size(), 1u);
  const Life& life = lives.begin()->second;
  EXPECT_EQ(life.steps, (Path{"socket CLOSE>UNCONN", "bind UNCONN>UNCONN", "connect UNCONN>ESTAB", "close ESTAB>CLOSE"}));
  std::string lo = family == AF_INET ? "127.0.0.1" : "::1";
  std::string fam = family == AF_INET ? "4" : "6";
  ASSERT_EQ(life.events.size(), 4u);
  EXPECT_EQ(life.events[0].at("sport"), "0");
  EXPECT_EQ(life.events[1].at("saddr"), lo);
  EXPECT_EQ(life.events[1].at("sport"), std::to_string(port));
  EXPECT_EQ(life.events[1].at("dport"), "0");
  EXPECT_EQ(life.events[2].at("daddr"), lo);
  EXPECT_EQ(life.events[2].at("dport"), "9");
  EXPECT_EQ(life.events[3].at("sport"), std::to_string(port));
  for (const auto& e : life.events) {
    EXPECT_EQ(e.at("family"), fam);
    EXPECT_EQ(e.at("comm"), life.events[0].at("comm"));
    EXPECT_EQ(e.at("owner"), "known");
  }
  EXPECT_EQ(life.events[0].at("in_old_ns"), "null");
  EXPECT_NE(life.events[3].at("in_old_ns"), "null");
}

TEST(SockLives, UdpIpv4BindConnectClose) {
  REQUIRE_BPF();
  udp_bind_connect_close(AF_INET);
}

TEST(SockLives, UdpIpv6BindConnectClose) {
  REQUIRE_BPF();
  udp_bind_connect_close(AF_INET6);
}

// --proto: only those protocols' events. TCP alone attaches no syscall
// tracepoint at all (every syscall of the host would pay for one): the UDP
// and unix programs are not loaded, and accepted sockets are named without
// accept()'s tracepoints.
TEST(SockLives, ProtoShowsOnlyThoseProtocols) {
  REQUIRE_BPF();
  for (const std::vector<std::string>& protos :
       {std::vector<std::string>{"tcp"}, std::vector<std::string>{"udp"}, std::vector<std::string>{"unix", "tcp"}}) {
    TempDir dir;
    std::vector<std::string> extra;
    for (const std::string& p : protos) extra.insert(extra.end(), {"--proto", p});
    std::map<std::string, std::string> programs;
    std::string err;
    // The child's UDP socket, its socketpair, and its listener, accepted
    // socket and client (TIME_WAIT), as far as --proto shows them.
    std::map<std::string, std::size_t> proto_ends;
    for (const std::string& p : protos) proto_ends[p] = p == "udp" ? 1 : p == "unix" ? 2 : 3;
    pid_t child = 0;
    auto lines = trace_child(
        dir,
        [&] {
          int u = udp_bound(AF_INET);
          if (u < 0 || udp_connect(u, AF_INET, 9) != 0) return 1;
          close(u);
          int pair[2];
          if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair)) return 2;
          close(pair[0]);
          close(pair[1]);
          int l = tcp_listener();
          int c = connect_to(AF_INET, local_port(l));
          int a = accept(l, nullptr, nullptr);
          if (c < 0 || a < 0) return 3;
          close(c);
          close(a);
          close(l);
          return 0;
        },
        &child, proto_ends, extra, &programs, &err);
    std::set<std::string> seen;
    for (const JsonLine& l : lines)
      if (l.count("pid") && l.at("pid") == std::to_string(child) && l.at("event") == "state") seen.insert(l.at("proto"));
    EXPECT_EQ(seen, std::set<std::string>(protos.begin(), protos.end())) << extra[1];
    int tracepoints = 0, fexits = 0;
    for (const auto& [name, type] : programs) tracepoints += type == "tracepoint";
    for (const char* name : kLivesFexit) fexits += programs.count(name) && programs.at(name) == "tracing";
    bool said = err.find(kNoFexitLine) != std::string::npos;
    if (protos == std::vector<std::string>{"tcp"}) {
      EXPECT_EQ(tracepoints, 0);
      EXPECT_EQ(fexits, 0);
      EXPECT_FALSE(said) << err;
    } else if (fexits > 0 || fexit_expected()) {
      // Where fexit programs attach, the lives come from them alone:
      // nothing slows the host's other syscalls.
      EXPECT_EQ(fexits, 10) << extra[1];
      EXPECT_EQ(tracepoints, 0) << extra[1];
      EXPECT_FALSE(said) << err;
    } else {
      // Else from syscall tracepoints, and said once on stderr.
      EXPECT_GT(tracepoints, 0) << extra[1];
      EXPECT_NE(err.find(kNoFexitLine), std::string::npos) << err;
      EXPECT_EQ(err.find(kNoFexitLine), err.rfind(kNoFexitLine)) << err;
    }
  }
  RunResult bad = run_socktrace({"states", "--proto", "sctp"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--proto"), std::string::npos) << bad.err;
  RunResult timeline = run_socktrace({"states", "--timeline", "--proto", "udp"});
  EXPECT_EQ(timeline.exit_code, 2);
  EXPECT_EQ(timeline.err, "socktrace: --timeline shows TCP connections only: drop --timeline to see UDP or unix "
                          "sockets' lives\n");
}

// No close(): the socket goes with the process. The cgroup hook sees it in
// the exiting task.
TEST(SockLives, UdpClosedByProcessExit) {
  REQUIRE_BPF();
  TempDir dir;
  pid_t child = 0;
  auto lines = trace_child(
      dir,
      [&] {
        int fd = udp_bound(AF_INET);
        return fd < 0 ? 1 : 0;
      },
      &child, {{"udp", 1}});
  auto lives = lives_of(lines, child, "udp");
  ASSERT_EQ(lives.size(), 1u);
  EXPECT_EQ(lives.begin()->second.steps, (Path{"socket CLOSE>UNCONN", "bind UNCONN>UNCONN", "exit UNCONN>CLOSE"}));
}

// A socket with two fds ends at the second close, not the first; one kept
// by a forked child ends when that child closes it, attributed to it.
TEST(SockLives, UdpEndsWithItsLastReference) {
  REQUIRE_BPF();
  TempDir dir;
  pid_t child = 0;
  Gate grandchild_gate;
  auto lines = trace_child(
      dir,
      [&] {
        int fd = udp_bound(AF_INET);
        int copy = dup(fd);
        close(fd);
        close(copy);
        int kept = udp_bound(AF_INET);
        pid_t gc = fork();
        if (gc == 0) {
          grandchild_gate.wait();
          close(kept);
          _exit(0);
        }
        close(kept);
        grandchild_gate.open(gc);
        return wait_child(gc);
      },
      &child, {{"udp", 2}});
  auto lives = lives_of(lines, child, "udp");
  ASSERT_EQ(lives.size(), 2u);
  const Life* first = nullptr;
  for (const auto& [ino, life] : lives)
    if (life.steps.size() == 3) first = &life;
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->steps, (Path{"socket CLOSE>UNCONN", "bind UNCONN>UNCONN", "close UNCONN>CLOSE"}));
  // The kept socket's close is the grandchild's.
  std::vector<std::string> grandchild_steps;
  for (const auto& l : lines)
    if (l.at("event") == "state" && l.count("op") && l.at("proto") == "udp" &&
        lives.count(l.at("ino")) && l.at("pid") != std::to_string(child))
      grandchild_steps.push_back(l.at("op") + " " + l.at("ss_old") + ">" + l.at("ss_new"));
  EXPECT_EQ(grandchild_steps, (Path{"close UNCONN>CLOSE"}));
}

TEST(SockLives, UnixStreamListenConnectAcceptClose) {
  REQUIRE_BPF();
  TempDir dir;
  std::string path = dir.path("s.sock");
  pid_t child = 0;
  auto lines = trace_child(
      dir,
      [&] {
        sockaddr_un a = unix_addr(path);
        int l = socket(AF_UNIX, SOCK_STREAM, 0);
        if (bind(l, reinterpret_cast<sockaddr*>(&a), sizeof(a)) || listen(l, 4)) return 1;
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a))) return 1;
        int s = accept(l, nullptr, nullptr);
        if (s < 0) return 1;
        close(c);
        close(s);
        close(l);
        return 0;
      },
      &child, {{"unix", 3}});
  auto lives = lives_of(lines, child, "unix");
  ASSERT_EQ(lives.size(), 3u);
  const Life* listener = find_life(lives, "socket CLOSE>UNCONN");
  const Life* accepted = find_life(lives, "accept CLOSE>ESTAB");
  ASSERT_NE(accepted, nullptr);
  const Life* client = nullptr;
  for (const auto& [ino, life] : lives)
    if (&life != accepted && life.steps.size() == 3) client = &life;
  for (const auto& [ino, life] : lives)
    if (&life != accepted && life.steps.size() == 4) listener = &life;
  ASSERT_TRUE(listener && client);
  EXPECT_EQ(listener->steps,
            (Path{"socket CLOSE>UNCONN", "bind UNCONN>UNCONN", "listen UNCONN>LISTEN", "close LISTEN>CLOSE"}));
  EXPECT_EQ(client->steps, (Path{"socket CLOSE>UNCONN", "connect UNCONN>ESTAB", "close ESTAB>CLOSE"}));
  EXPECT_EQ(accepted->steps, (Path{"accept CLOSE>ESTAB", "close ESTAB>CLOSE"}));
  EXPECT_EQ(listener->events[1].at("saddr"), path);
  EXPECT_EQ(listener->events[0].at("saddr"), "");
  EXPECT_EQ(client->events[1].at("daddr"), path);  // connected to the listener's name
  EXPECT_EQ(accepted->events[0].at("saddr"), path);
  EXPECT_EQ(accepted->events[0].at("peer_ino"), client->events[0].at("ino"));
  EXPECT_EQ(listener->events[0].at("family"), "0");
}

// socketpair's two connected sockets, one with a second fd: the process
// exits holding them all, and both end with it.
TEST(SockLives, UnixStreamClosedByProcessExit) {
  REQUIRE_BPF();
  TempDir dir;
  pid_t child = 0;
  auto lines = trace_child(
      dir,
      [&] {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
        if (dup(sv[0]) < 0) return 1;
        return 0;
      },
      &child, {{"unix", 2}});
  auto lives = lives_of(lines, child, "unix");
  ASSERT_EQ(lives.size(), 2u);
  for (const auto& [ino, life] : lives) EXPECT_EQ(life.steps, (Path{"socketpair CLOSE>ESTAB", "exit ESTAB>CLOSE"}));
}

// close() of one of two fds leaves the socket; the second close ends it.
TEST(SockLives, UnixStreamEndsAtLastClose) {
  REQUIRE_BPF();
  TempDir dir;
  pid_t child = 0;
  Gate step;
  auto lines = trace_child(
      dir,
      [&] {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        int copy = dup(fd);
        close(fd);
        close(copy);
        return 0;
      },
      &child, {{"unix", 1}});
  auto lives = lives_of(lines, child, "unix");
  ASSERT_EQ(lives.size(), 1u);
  EXPECT_EQ(lives.begin()->second.steps, (Path{"socket CLOSE>UNCONN", "close UNCONN>CLOSE"}));
}

// Where the kernel lets fentry programs attach (Debian's 6.1 and 6.12), a
// unix socket's end is seen however its last reference goes: dup2() over
// its fd, close_range(), close-on-exec. Elsewhere only close() and exit are
// seen (docs/states.md), and this test is skipped.
TEST(SockLives, UnixStreamEndsHoweverItsLastReferenceGoes) {
  REQUIRE_BPF();
  if (!fexit_expected()) {  // (in the guests it is: no socktrace start spent asking)
    TempDir probe;
    Socktrace st({"states", "--json", "-o", probe.path("out.json")});
    bool hooked = bpf_programs_held_by(st.pid()).count("on_unix_release") > 0;
    EXPECT_EQ(st.stop(), 0);
    if (!hooked)
      GTEST_SKIP() << "this kernel allows no fentry program: unix sockets' ends are seen at close() and exit only";
  }
  TempDir dir;
  pid_t child = 0;
  auto lines = trace_child(
      dir,
      [&] {
        int replaced = socket(AF_UNIX, SOCK_STREAM, 0);
        int ranged = socket(AF_UNIX, SOCK_STREAM, 0);
        int on_exec = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int other = dup(0);
        if (replaced < 0 || ranged < 0 || on_exec < 0 || other < 0) return 1;
        if (dup2(other, replaced) != replaced) return 2;
        if (syscall(SYS_close_range, ranged, ranged, 0) != 0) return 3;
        execl("/bin/true", "true", static_cast<char*>(nullptr));
        return 4;
      },
      &child, {{"unix", 3}});
  auto lives = lives_of(lines, child, "unix");
  ASSERT_EQ(lives.size(), 3u);
  for (const auto& [ino, life] : lives)
    EXPECT_EQ(life.steps, (Path{"socket CLOSE>UNCONN", "close UNCONN>CLOSE"})) << ino;
}

// The text output names the protocol and the step.
TEST(SockLives, TextLinesNameProtocolAndStep) {
  REQUIRE_BPF();
  TempDir dir;
  {
    Socktrace st({"states", "-o", dir.path("out.txt")});
    pid_t child = spawn([] {
      int fd = udp_bound(AF_INET);
      close(fd);
      return 0;
    });
    ASSERT_EQ(wait_child(child), 0);
    // The child's close shown.
    eventually([&] {
      std::istringstream text(slurp(dir.path("out.txt")));
      for (std::string line; std::getline(text, line);)
        if (line.find(" " + std::to_string(child) + " ") != std::string::npos &&
            line.find("(udp close)") != std::string::npos)
          return true;
      return false;
    });
    ASSERT_EQ(st.stop(), 0) << st.stderr_text();
  }
  std::ifstream in(dir.path("out.txt"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("CLOSE       -> UNCONN       - (udp socket)"), std::string::npos) << text;
  EXPECT_NE(text.find("UNCONN      -> CLOSE"), std::string::npos) << text;
  EXPECT_NE(text.find("(udp close)"), std::string::npos) << text;
}

}  // namespace
}  // namespace socktrace::testing
