// `socktrace states` against real loopback traffic: exact transition
// sequences per socket, the owner of each, and libbpf-tools tcpstates as a
// ground truth for the transitions themselves.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <memory>

#include <gtest/gtest.h>

#include "harness.h"

namespace socktrace::testing {
namespace {

using namespace std::chrono_literals;

void drain_until_eof(int fd) {
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

// One socket's transitions, in order.
struct SocketTrace {
  std::vector<std::string> path;  // "OLD>NEW"
  std::set<std::string> pids;
  std::vector<JsonLine> events;
};

// The events touching `port`, grouped by socket cookie, in arrival order.
std::map<std::string, SocketTrace> sockets_on_port(const std::vector<JsonLine>& lines, int port) {
  std::map<std::string, SocketTrace> out;
  std::string p = std::to_string(port);
  for (const auto& l : lines) {
    if (l.at("event") != "state") continue;
    if (l.count("proto") && l.at("proto") != "tcp") continue;  // UDP and unix lives
    if (l.at("sport") != p && l.at("dport") != p) continue;
    auto& s = out[l.at("cookie")];
    s.path.push_back(l.at("old") + ">" + l.at("new"));
    s.pids.insert(l.at("pid"));
    s.events.push_back(l);
  }
  return out;
}

const SocketTrace* find_starting(const std::map<std::string, SocketTrace>& socks, const std::string& first) {
  for (const auto& [cookie, s] : socks)
    if (!s.path.empty() && s.path.front() == first) return &s;
  return nullptr;
}

using Path = std::vector<std::string>;
const Path kListener = {"CLOSE>LISTEN", "LISTEN>CLOSE"};

// Waits until `n` sockets on `port` have reached their end in the JSON
// output at `path` (-> CLOSE, or -> TIME_WAIT, whose end is 60 s away):
// states writes what it sees at every poll, so the test waits for that
// rather than for a fixed time.
void wait_until_ended(const std::string& path, int port, std::size_t n) {
  eventually([&] {
    auto socks = sockets_on_port(complete_json_lines(path), port);
    if (socks.size() < n) return false;
    for (const auto& [cookie, sock] : socks) {
      const std::string& last = sock.path.back();
      if (last.size() < 6 || (last.substr(last.size() - 6) != ">CLOSE" && last.find(">TIME_WAIT") == std::string::npos))
        return false;
    }
    return true;
  });
}

// A running libbpf-tools tcpstates, its output in a file.
class Tcpstates {
 public:
  explicit Tcpstates(const std::string& out) {
    pid_ = fork();
    if (pid_ == 0) {
      freopen(out.c_str(), "w", stdout);
      freopen("/dev/null", "w", stderr);
      execl("/usr/sbin/tcpstates", "tcpstates", "-w", static_cast<char*>(nullptr));
      _exit(127);
    }
    // It prints no ready line (its stdout is a file: fully buffered); it
    // is ready once it holds its BPF link.
    for (int i = 0; i < 600 && bpf_ids_held_by(pid_).links.empty(); ++i) std::this_thread::sleep_for(50ms);
  }
  // Asleep in its poll: it has read every event that came before (its
  // buffer wakes it at each one). It reads nothing more after SIGINT.
  bool idle() const { return proc_state(pid_) == 'S'; }
  void stop() {
    kill(pid_, SIGINT);
    wait_child(pid_);
  }

 private:
  pid_t pid_;
};

struct TcpstatesLine {
  std::string pid, lport, rport, old_state, new_state;
};

std::vector<TcpstatesLine> read_tcpstates(const std::string& path, int port) {
  std::ifstream f(path);
  std::string line;
  std::vector<TcpstatesLine> out;
  std::string p = std::to_string(port);
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string x; in >> x;) w.push_back(x);
    // -w: SKADDR PID COMM IP LADDR LPORT RADDR RPORT OLD -> NEW MS
    if (w.size() < 12 || w[9] != "->") continue;
    TcpstatesLine t{w[1], w[5], w[7], w[8], w[10]};
    if (t.lport == p || t.rport == p) out.push_back(t);
  }
  return out;
}

TEST(States, Ipv4ClientClosesFirstOwnersAndTcpstates) {
  REQUIRE_BPF();
  TempDir dir;
  bool have_tcpstates = access("/usr/sbin/tcpstates", X_OK) == 0;
  if (in_ci()) {
    ASSERT_TRUE(have_tcpstates) << "libbpf-tools tcpstates is the ground truth here";
  }
  std::unique_ptr<Tcpstates> truth;
  if (have_tcpstates) truth = std::make_unique<Tcpstates>(dir.path("tcpstates.txt"));
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});

  Gate port_gate;
  pid_t server = spawn([&] {
    int l = listen_on(AF_INET);
    port_gate.open(local_port(l));
    int c = accept(l, nullptr, nullptr);
    drain_until_eof(c);
    close(c);
    close(l);
    return 0;
  });
  int port = port_gate.wait();
  pid_t client = spawn([&] {
    int s = connect_to(AF_INET, port);
    if (s < 0) return 1;
    if (write(s, "hello", 5) != 5) return 1;
    close(s);
    return 0;
  });
  ASSERT_EQ(wait_child(client), 0);
  ASSERT_EQ(wait_child(server), 0);
  wait_until_ended(dir.path("out.json"), port, 3);
  if (truth) eventually([&] { return truth->idle(); });
  ASSERT_EQ(st.stop(), 0) << st.stderr_text();
  if (truth) truth->stop();

  auto socks = sockets_on_port(read_json_lines(dir.path("out.json")), port);
  ASSERT_EQ(socks.size(), 3u);
  auto* listener = find_starting(socks, "CLOSE>LISTEN");
  auto* client_sock = find_starting(socks, "CLOSE>SYN_SENT");
  auto* child = find_starting(socks, "LISTEN>SYN_RECV");
  ASSERT_TRUE(listener && client_sock && child);
  EXPECT_EQ(listener->path, kListener);
  // The kernel's FIN_WAIT2 -> CLOSE is the swap to a timewait socket, which
  // sock_diag confirms: shown as the derived FIN_WAIT2 -> TIME_WAIT.
  EXPECT_EQ(client_sock->path, (Path{"CLOSE>SYN_SENT", "SYN_SENT>ESTABLISHED", "ESTABLISHED>FIN_WAIT1",
                                     "FIN_WAIT1>FIN_WAIT2", "FIN_WAIT2>TIME_WAIT"}));
  EXPECT_EQ(client_sock->events.back().at("derived"), "true");
  EXPECT_EQ(child->path, (Path{"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT",
                               "CLOSE_WAIT>LAST_ACK", "LAST_ACK>CLOSE"}));
  // Every transition belongs to the process that owns the socket.
  EXPECT_EQ(listener->pids, std::set<std::string>{std::to_string(server)});
  EXPECT_EQ(client_sock->pids, std::set<std::string>{std::to_string(client)});
  EXPECT_EQ(child->pids, std::set<std::string>{std::to_string(server)});
  EXPECT_EQ(client_sock->events.back().at("saddr"), "127.0.0.1");
  EXPECT_EQ(client_sock->events.back().at("family"), "4");
  // Held until accept() named the process that took it (issue 16).
  EXPECT_EQ(child->events.front().at("owner"), "accept");
  EXPECT_EQ(child->events.back().at("owner"), "known");  // accept() handed it over

  if (!truth) return;
  // tcpstates must see the same transitions (by ports and states).
  auto theirs = read_tcpstates(dir.path("tcpstates.txt"), port);
  std::multiset<std::string> ours_set, theirs_set;
  for (const auto& [cookie, s] : socks)
    for (const auto& e : s.events)
      // tcpstates shows the tracepoint: the swap into TIME_WAIT as -> CLOSE.
      ours_set.insert(e.at("sport") + " " + e.at("dport") + " " + e.at("old") + " " +
                      (e.count("derived") && e.at("new") == "TIME_WAIT" ? "CLOSE" : e.at("new")));
  // Not the first event's: CLOSE -> SYN_SENT shows local port 0.
  const std::string client_port = client_sock->events.back().at("sport");
  for (const auto& t : theirs) {
    // Before ~6.15 the child's LISTEN -> SYN_RECV fires before its peer is
    // copied from the request socket: tcpstates reads port 0 there, while
    // socktrace holds that transition until the child has its identity.
    bool unborn_child = t.old_state == "LISTEN" && t.new_state == "SYN_RECV" && t.rport == "0";
    theirs_set.insert(t.lport + " " + (unborn_child ? client_port : t.rport) + " " + t.old_state + " " +
                      t.new_state);
  }
  EXPECT_EQ(ours_set, theirs_set);
  // Owner score: tcpstates reports whoever was on the CPU.
  int right = 0;
  for (const auto& t : theirs) {
    bool server_side = t.lport == std::to_string(port);
    right += t.pid == std::to_string(server_side ? server : client);
  }
  std::cout << "tcpstates attributed " << right << "/" << theirs.size()
            << " transitions to the owning process; socktrace 12/12\n";
  RecordProperty("tcpstates_owner_right", right);
}

TEST(States, Ipv6ServerClosesFirst) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  Gate port_gate;
  pid_t server = spawn([&] {
    int l = listen_on(AF_INET6);
    port_gate.open(local_port(l));
    int c = accept(l, nullptr, nullptr);
    close(c);  // server closes first
    close(l);
    return 0;
  });
  int port = port_gate.wait();
  pid_t client = spawn([&] {
    int s = connect_to(AF_INET6, port);
    if (s < 0) return 1;
    drain_until_eof(s);
    close(s);
    return 0;
  });
  ASSERT_EQ(wait_child(client), 0);
  ASSERT_EQ(wait_child(server), 0);
  wait_until_ended(dir.path("out.json"), port, 3);
  ASSERT_EQ(st.stop(), 0) << st.stderr_text();

  auto socks = sockets_on_port(read_json_lines(dir.path("out.json")), port);
  auto* listener = find_starting(socks, "CLOSE>LISTEN");
  auto* client_sock = find_starting(socks, "CLOSE>SYN_SENT");
  auto* child = find_starting(socks, "LISTEN>SYN_RECV");
  ASSERT_TRUE(listener && client_sock && child);
  EXPECT_EQ(child->path, (Path{"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>FIN_WAIT1",
                               "FIN_WAIT1>FIN_WAIT2", "FIN_WAIT2>TIME_WAIT"}));
  EXPECT_EQ(client_sock->path, (Path{"CLOSE>SYN_SENT", "SYN_SENT>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT",
                                     "CLOSE_WAIT>LAST_ACK", "LAST_ACK>CLOSE"}));
  EXPECT_EQ(child->pids, std::set<std::string>{std::to_string(server)});
  EXPECT_EQ(client_sock->pids, std::set<std::string>{std::to_string(client)});
  EXPECT_EQ(child->events.back().at("family"), "6");
  EXPECT_EQ(child->events.back().at("saddr"), "::1");
  EXPECT_EQ(child->events.back().at("sport"), std::to_string(port));
}

TEST(States, RefusedConnection) {
  REQUIRE_BPF();
  TempDir dir;
  int l = listen_on(AF_INET);
  int port = local_port(l);
  close(l);  // nobody listens on `port` now
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  pid_t client = spawn([&] { return connect_to(AF_INET, port) == -ECONNREFUSED ? 0 : 1; });
  ASSERT_EQ(wait_child(client), 0);
  wait_until_ended(dir.path("out.json"), port, 1);
  ASSERT_EQ(st.stop(), 0);
  auto socks = sockets_on_port(read_json_lines(dir.path("out.json")), port);
  ASSERT_EQ(socks.size(), 1u);
  EXPECT_EQ(socks.begin()->second.path, (Path{"CLOSE>SYN_SENT", "SYN_SENT>CLOSE"}));
  EXPECT_EQ(socks.begin()->second.pids, std::set<std::string>{std::to_string(client)});
}

TEST(States, ListenerClosedWithPendingConnection) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  Gate port_gate, connected;
  pid_t server = spawn([&] {
    int l = listen_on(AF_INET);
    port_gate.open(local_port(l));
    connected.wait();
    close(l);  // the handshake completed, nobody accepted
    return 0;
  });
  int port = port_gate.wait();
  int s = connect_to(AF_INET, port);
  ASSERT_GE(s, 0);
  connected.open();
  ASSERT_EQ(wait_child(server), 0);
  char c;
  EXPECT_EQ(read(s, &c, 1), -1);  // reset by the dying child
  EXPECT_EQ(errno, ECONNRESET);
  close(s);
  wait_until_ended(dir.path("out.json"), port, 3);
  ASSERT_EQ(st.stop(), 0);
  auto socks = sockets_on_port(read_json_lines(dir.path("out.json")), port);
  auto* child = find_starting(socks, "LISTEN>SYN_RECV");
  auto* client_sock = find_starting(socks, "CLOSE>SYN_SENT");
  ASSERT_TRUE(child && client_sock);
  EXPECT_EQ(child->path, (Path{"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>CLOSE"}));
  EXPECT_EQ(child->pids, std::set<std::string>{std::to_string(server)});
  EXPECT_EQ(client_sock->path, (Path{"CLOSE>SYN_SENT", "SYN_SENT>ESTABLISHED", "ESTABLISHED>CLOSE"}));
  EXPECT_EQ(client_sock->pids, std::set<std::string>{std::to_string(getpid())});
}

TEST(States, AcceptInAnotherProcessTakesOwnership) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  int l = listen_on(AF_INET);
  int port = local_port(l);
  Gate go, accepted;
  // A pre-fork server: the listener is ours, a forked worker accepts.
  pid_t worker = spawn([&] {
    go.wait();
    int c = accept(l, nullptr, nullptr);
    accepted.open();
    drain_until_eof(c);
    close(c);
    return 0;
  });
  int s = connect_to(AF_INET, port);
  ASSERT_GE(s, 0);
  // The handshake is over before the worker accepts: the child waits
  // ESTABLISHED in the queue (ss lists it beside the client).
  eventually([&] { return ss_counts_on_ports("-tan", {port})["ESTABLISHED"] == 2; });
  go.open();
  accepted.wait();  // the close below must reach an accepted socket
  close(s);
  ASSERT_EQ(wait_child(worker), 0);
  close(l);
  wait_until_ended(dir.path("out.json"), port, 3);
  ASSERT_EQ(st.stop(), 0);
  auto socks = sockets_on_port(read_json_lines(dir.path("out.json")), port);
  auto* child = find_starting(socks, "LISTEN>SYN_RECV");
  ASSERT_TRUE(child);
  // Every transition is the worker's: the ones before accept() were held
  // until it named the worker (owner "accept"), the later ones are known.
  std::string w = std::to_string(worker);
  ASSERT_GE(child->events.size(), 3u);
  for (std::size_t i = 0; i < child->events.size(); ++i) EXPECT_EQ(child->events[i].at("pid"), w) << i;
  EXPECT_EQ(child->events[0].at("owner"), "accept");
  EXPECT_EQ(child->events[1].at("owner"), "accept");
  EXPECT_EQ(child->events.back().at("owner"), "known");
}

TEST(States, PidFilterKeepsOnlyThatProcess) {
  REQUIRE_BPF();
  TempDir dir;
  Gate port_gate, go;
  pid_t server = spawn([&] {
    int l = listen_on(AF_INET);
    port_gate.open(local_port(l));
    int c = accept(l, nullptr, nullptr);
    drain_until_eof(c);
    close(c);
    close(l);
    return 0;
  });
  int port = port_gate.wait();
  Socktrace st({"states", "--json", "-p", std::to_string(server), "-o", dir.path("out.json")});
  pid_t client = spawn([&] {
    int s = connect_to(AF_INET, port);
    close(s);
    return 0;
  });
  ASSERT_EQ(wait_child(client), 0);
  ASSERT_EQ(wait_child(server), 0);
  wait_until_ended(dir.path("out.json"), port, 2);  // the listener and its child: the client is not traced
  ASSERT_EQ(st.stop(), 0);
  auto lines = read_json_lines(dir.path("out.json"));
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) EXPECT_EQ(l.at("pid"), std::to_string(server));
  auto socks = sockets_on_port(lines, port);
  EXPECT_EQ(find_starting(socks, "CLOSE>SYN_SENT"), nullptr);  // the client is not traced
  // The listener predates the trace: its owner was seeded from sock_diag and
  // /proc, so its child is attributed from its first transition on.
  auto* child = find_starting(socks, "LISTEN>SYN_RECV");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->path, (Path{"LISTEN>SYN_RECV", "SYN_RECV>ESTABLISHED", "ESTABLISHED>CLOSE_WAIT",
                               "CLOSE_WAIT>LAST_ACK", "LAST_ACK>CLOSE"}));
  EXPECT_NE(find_starting(socks, "LISTEN>CLOSE"), nullptr);
}

TEST(States, TextOutputHasHeaderAndArrow) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states"}, dir.path("out.txt"));
  int l = listen_on(AF_INET);
  int port = local_port(l);
  int s = connect_to(AF_INET, port);
  close(s);
  close(l);
  eventually([&] { return slurp(dir.path("out.txt")).find("LISTEN      -> CLOSE") != std::string::npos; });
  ASSERT_EQ(st.stop(), 0);
  std::ifstream f(dir.path("out.txt"));
  std::string header, text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(text.rfind("TIME", 0), 0u);
  EXPECT_NE(text.find("127.0.0.1:" + std::to_string(port) + " "), std::string::npos);
  EXPECT_NE(text.find("CLOSE       -> LISTEN"), std::string::npos) << text;
  EXPECT_NE(st.stderr_text().find("0 lost"), std::string::npos) << st.stderr_text();
}

TEST(StatesErrors, BadInputExitsTwoWithOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  } cases[] = {
      {{"states", "-p", "abc"}, "--pid"},
      {{"states", "-p", "999999999"}, "no process with pid"},
      {{"states", "-o", "/nonexistent-dir/x"}, "cannot write output file"},
      {{"states", "--bogus"}, "--bogus"},
      {{"states", "--buffer-size", "3M"}, "--buffer-size"},
  };
  for (const auto& c : cases) {
    auto r = run_socktrace(c.args, 30);
    EXPECT_EQ(r.exit_code, 2) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("socktrace: ", 0), 0u) << r.err;
  }
}

TEST(StatesErrors, SymlinkAtOutputPathIsRefused) {
  TempDir dir;
  std::string target = dir.path("target"), link = dir.path("link");
  { std::ofstream(target) << "keep"; }
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  auto r = run_socktrace({"states", "-o", link}, 30);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("symlink"), std::string::npos) << r.err;
  std::ifstream t(target);
  std::string content((std::istreambuf_iterator<char>(t)), {});
  EXPECT_EQ(content, "keep");
}

}  // namespace
}  // namespace socktrace::testing

namespace socktrace::testing {
namespace {

TEST(StatesErrors, WithoutPrivilegesSaysWhichCapability) {
  REQUIRE_BPF();
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) is missing";
  // Drop to nobody with no capabilities, then run socktrace.
  TempDir dir;
  std::string err_path = dir.path("err");
  std::string cmd = std::string("/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all ") +
                    SOCKTRACE_BINARY + " states -o /dev/null 2>" + err_path;
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream f(err_path);
  std::string err((std::istreambuf_iterator<char>(f)), {});
  EXPECT_NE(err.find("CAP_BPF and CAP_PERFMON"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

}  // namespace
}  // namespace socktrace::testing

namespace socktrace::testing {
namespace {

// Every transition of a burst of connections arrives or is counted as lost:
// nothing disappears silently. On a quiet machine nothing is lost at all
// (tools/bench/run.sh: 0 of 200 002 in each run); under other load, an
// interrupt that lands while the program runs can make the kernel skip a
// nested run (a recursion miss), which must then be reported.
// What `states --json` showed of a churn on `port`.
struct ChurnShown {
  long transitions = 0;  // kernel transitions of the churn's sockets
  long lost = 0;         // reported in event:"lost" lines
  long losers = 0;       // children cloned twice for a handshake (their 2 not in transitions)
  std::map<std::string, std::vector<std::string>> seen;  // cookie + transition -> the lines showing it
  std::map<std::string, std::string> paths;               // cookie -> its transitions
};

ChurnShown churn_shown(const std::vector<JsonLine>& lines, int port) {
  ChurnShown c;
  std::string p = std::to_string(port);
  // As in ParallelChurns below: kernel transitions of this run's sockets. A
  // derived TIME_WAIT -> CLOSE (shown during the run when tcp_tw_reuse
  // recycles the timewait socket for a new connection of the churn) is
  // none; an older socket adopted at start is not this run's.
  std::set<std::string> born;
  for (const auto& e : lines)
    if (e.at("event") == "state" && !e.count("derived")) born.insert(e.at("cookie"));
  for (const auto& e : lines) {
    if (e.at("event") == "lost") c.lost += std::stol(e.at("count"));
    if (e.at("event") == "state" && e.count("derived") &&
        ((e.at("old") != "FIN_WAIT2" && e.at("old") != "CLOSING") || !born.count(e.at("cookie"))))
      continue;
    if (e.at("event") == "state" && (e.at("sport") == p || e.at("dport") == p)) {
      ++c.transitions;
      c.seen[e.at("cookie") + " " + e.at("sport") + ">" + e.at("dport") + " " + e.at("old") + ">" + e.at("new")]
          .push_back(e.at("ts_ns") + " pid " + e.at("pid") + " cookie " + e.at("cookie"));
      c.paths[e.at("cookie")] += " " + e.at("old") + ">" + e.at("new");
    }
  }
  // When two CPUs handle one handshake's ACK, the kernel clones a child for
  // each and destroys the loser at once: LISTEN -> SYN_RECV -> CLOSE, real
  // transitions (tcpstates shows them too), not a connection of the churn.
  for (const auto& [cookie, path] : c.paths) c.losers += path == " LISTEN>SYN_RECV SYN_RECV>CLOSE";
  c.transitions -= 2 * c.losers;
  return c;
}

TEST(States, ChurnDeliversEveryTransition) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  constexpr int kConnections = 3000;
  // 5 per end of each connection, plus the listener's 2 (ANCHORS.md).
  constexpr long kExpected = kConnections * 10 + 2;
  int l = listen_on(AF_INET, 4096);
  int port = local_port(l);
  std::thread server([&] {
    for (int i = 0; i < kConnections; ++i) {
      int c = accept(l, nullptr, nullptr);
      drain_until_eof(c);
      close(c);
    }
  });
  for (int i = 0; i < kConnections; ++i) {
    int s = connect_to(AF_INET, port);
    ASSERT_GE(s, 0);
    close(s);
  }
  server.join();
  close(l);
  // Every transition shown (the clients' TIME_WAIT once sock_diag confirms
  // it) or reported lost.
  eventually([&] {
    ChurnShown c = churn_shown(complete_json_lines(dir.path("out.json")), port);
    return c.transitions + c.lost >= kExpected;
  });
  ASSERT_EQ(st.stop(), 0);
  ChurnShown shown = churn_shown(read_json_lines(dir.path("out.json")), port);
  const long transitions = shown.transitions, lost = shown.lost;
  const auto& seen = shown.seen;
  const auto& paths = shown.paths;
  if (shown.losers) std::cout << shown.losers << " children cloned twice for a handshake and destroyed\n";
  std::string twice, odd;
  for (const auto& [key, where] : seen)
    if (where.size() > 1 && twice.size() < 2000) twice += key + ": " + where[0] + " / " + where[1] + "\n";
  for (const auto& [cookie, path] : paths)
    if (path.size() > 120 && odd.size() < 2000) odd += cookie + ":" + path + "\n";
  EXPECT_LE(transitions, kExpected) << "shown more than once:\n" << twice << "sockets with long paths:\n" << odd;
  EXPECT_GE(transitions + lost, kExpected) << "transitions vanished without being reported";
  EXPECT_LE(lost, kExpected / 20) << "more than 5% lost";
  EXPECT_NE(st.stderr_text().find(" " + std::to_string(lost) + " lost"), std::string::npos) << st.stderr_text();
  if (lost) std::cout << "lost " << lost << " of " << kExpected << " transitions (reported)\n";
}

// What socktrace showed of two parallel churns (ParallelChurns... below).
struct ParallelChurnResult {
  long transitions = 0;            // kernel transitions shown, each counted once
  long lost = 0;                   // reported in event:"lost" lines
  std::vector<std::string> twice;  // transitions shown more than once
  std::string summary;             // socktrace's stderr
};

// What `states --json` showed of the two churns on `ports` (the summary
// left empty).
ParallelChurnResult parallel_churns_shown(const std::vector<JsonLine>& lines, const int ports[2]) {
  ParallelChurnResult r;
  std::set<std::string> seen;
  std::map<std::string, std::string> paths;  // cookie -> its transitions
  std::string p0 = std::to_string(ports[0]), p1 = std::to_string(ports[1]);
  // Sockets of this run: a kernel transition of theirs was shown. An older
  // timewait socket adopted at start can have one of the ports as its
  // remote port (port numbers are reused); its derived end is not this run's.
  std::set<std::string> born;
  for (const auto& e : lines)
    if (e.at("event") == "state" && !e.count("derived")) born.insert(e.at("cookie"));
  for (const auto& e : lines) {
    if (e.at("event") == "lost") r.lost += std::stol(e.at("count"));
    if (e.at("event") != "state" || (e.count("proto") && e.at("proto") != "tcp")) continue;
    if (e.at("sport") != p0 && e.at("dport") != p0 && e.at("sport") != p1 && e.at("dport") != p1) continue;
    std::string old_state = e.at("old");
    // A derived FIN_WAIT2 -> TIME_WAIT stands for the kernel's FIN_WAIT2 ->
    // CLOSE; a later derived TIME_WAIT -> CLOSE is no kernel transition.
    if (e.count("derived") && e.at("derived") == "true" &&
        ((old_state != "FIN_WAIT2" && old_state != "CLOSING") || !born.count(e.at("cookie"))))
      continue;
    ++r.transitions;
    std::string key = e.at("cookie") + " " + old_state + ">" + e.at("new");
    if (!seen.insert(key).second) r.twice.push_back(key);
    paths[e.at("cookie")] += " " + old_state + ">" + e.at("new");
  }
  // A child cloned twice for one handshake and destroyed (see
  // ChurnDeliversEveryTransition): real, but not one of the connections.
  for (const auto& [cookie, path] : paths)
    if (path == " LISTEN>SYN_RECV SYN_RECV>CLOSE") r.transitions -= 2;
  return r;
}

ParallelChurnResult run_parallel_churns(int connections) {
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  int listeners[2] = {listen_on(AF_INET, 4096), listen_on(AF_INET, 4096)};
  int ports[2] = {local_port(listeners[0]), local_port(listeners[1])};
  Gate go;
  pid_t churns[2];
  for (int k = 0; k < 2; ++k) {
    churns[k] = spawn([&, k] {
      int l = listeners[k];
      go.wait();
      int accepted = 0, failed = 0;
      std::thread server([&] {
        for (int c; accepted < connections && (c = accept(l, nullptr, nullptr)) >= 0; ++accepted) {
          drain_until_eof(c);
          close(c);
        }
      });
      for (int i = 0; i < connections; ++i) {
        int s = connect_to(AF_INET, ports[k]);
        s >= 0 ? close(s) : ++failed;
      }
      if (failed) shutdown(l, SHUT_RDWR);  // a refused connect is never accepted: wake the server
      server.join();
      return failed;
    });
  }
  go.open();
  go.open();
  for (pid_t pid : churns) EXPECT_EQ(wait_child(pid), 0);
  for (int l : listeners) close(l);
  // Every transition shown or reported lost. A run in which the kernel ran
  // no program for some (see below) never gets there: it waits out the
  // limit, and is then tried again.
  const long expected = 2 * (connections * 10L + 2);
  eventually([&] {
    ParallelChurnResult now = parallel_churns_shown(complete_json_lines(dir.path("out.json")), ports);
    return now.transitions + now.lost >= expected;
  });
  EXPECT_EQ(st.stop(), 0);
  ParallelChurnResult r = parallel_churns_shown(read_json_lines(dir.path("out.json")), ports);
  r.summary = st.stderr_text();
  return r;
}

// Two churns at once in two processes, unpinned: transitions nest in each
// other on both CPUs all the time (the first state program is running, a
// softirq changes another socket's state, the kernel skips the nested run;
// 50-250 times in these 60 004 transitions), and the second state program
// must handle exactly those: no transition twice, none reported lost, all
// of them shown.
//
// A retry, for one thing only: on this project's VMs the kernel now and
// then runs no BPF program at all for a burst of hits of the tracepoint
// (28 to 270, about one run in 20) and counts no recursion miss for them;
// a bare counting tp_btf program misses the same hits, and ftrace records
// them. socktrace cannot see that, so a run that shows fewer transitions
// without reporting a loss is tried again, twice at most. A duplicate or a
// reported loss fails at once.
TEST(States, ParallelChurnsEveryTransitionOnceNoneLost) {
  REQUIRE_BPF();
  constexpr int kConnections = 3000;  // per churn
  constexpr long kExpected = 2 * (kConnections * 10L + 2);
  ParallelChurnResult r;
  for (int attempt = 0; attempt < 3; ++attempt) {
    r = run_parallel_churns(kConnections);
    ASSERT_EQ(r.twice, std::vector<std::string>{}) << "transitions shown twice\n" << r.summary;
    ASSERT_EQ(r.lost, 0) << r.summary;
    ASSERT_NE(r.summary.find(" 0 lost"), std::string::npos) << r.summary;
    ASSERT_LE(r.transitions, kExpected) << r.summary;
    if (r.transitions == kExpected) break;
    std::cout << "attempt " << attempt + 1 << ": " << kExpected - r.transitions
              << " transitions never reached BPF, none counted by the kernel; again\n";
  }
  EXPECT_EQ(r.transitions, kExpected) << r.summary;
}

}  // namespace
}  // namespace socktrace::testing

namespace socktrace::testing {
namespace {

// SIGTERM ends a trace like SIGINT: drained, summarized, exit 0.
TEST(States, SigtermDrainsAndExitsZero) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  int l = listen_on(AF_INET);
  int port = local_port(l);
  close(l);
  EXPECT_EQ(st.stop(SIGTERM), 0) << st.stderr_text();
  EXPECT_NE(st.stderr_text().find(" 0 lost"), std::string::npos) << st.stderr_text();
  auto socks = sockets_on_port(read_json_lines(dir.path("out.json")), port);
  ASSERT_EQ(socks.size(), 1u);
  EXPECT_EQ(socks.begin()->second.path, kListener);
}

// `socktrace states | head -1`: when the reader goes away, socktrace ends
// by itself instead of tracing into a broken pipe forever.
TEST(States, ClosedOutputPipeEndsTheTrace) {
  REQUIRE_BPF();
  int out_pipe[2];
  ASSERT_EQ(pipe2(out_pipe, O_CLOEXEC), 0);
  Socktrace st({"states"}, out_pipe[1]);
  close(out_pipe[1]);
  close(out_pipe[0]);  // the reader goes away
  int code = -1;
  for (int i = 0; i < 100 && code < 0; ++i) {
    int l = listen_on(AF_INET);  // transitions to write
    close(l);
    code = st.wait_exit(50);
  }
  EXPECT_EQ(code, 0) << "socktrace kept running with nobody reading its output: " << st.stderr_text();
}

}  // namespace
}  // namespace socktrace::testing
