// `socktrace states --timeline` and TIME_WAIT against real loopback
// connections: exact paths and payload bytes per connection, TIME_WAIT as
// `ss -tan` shows it, a RST that must not look like TIME_WAIT, LISTEN queues
// as ss shows them, and the owner of a socket whose process has exited.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness.h"

namespace socktrace::testing {
namespace {

using namespace std::chrono_literals;

int tl_listen(int family, int backlog = 16) {
  int fd = socket(family, SOCK_STREAM, 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof(*a);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) return -1;
  return fd;
}

int tl_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

int tl_connect(int family, int port, bool nonblocking = false) {
  int fd = socket(family, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    a->sin6_addr = in6addr_loopback;
    len = sizeof(*a);
  }
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc != 0 && !(nonblocking && errno == EINPROGRESS)) {
    close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, std::size_t n, char c) {
  std::string buf(n, c);
  std::size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, buf.data() + done, n - done);
    if (w <= 0) return false;
    done += static_cast<std::size_t>(w);
  }
  return true;
}

// Reads exactly n bytes (0: until EOF); returns what was read.
std::size_t read_n(int fd, std::size_t n) {
  char buf[4096];
  std::size_t got = 0;
  while (n == 0 || got < n) {
    ssize_t r = read(fd, buf, n == 0 ? sizeof(buf) : std::min(sizeof(buf), n - got));
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

std::string run_ss(const std::string& args) {
  std::string out;
  FILE* p = popen(("ss -Hn " + args + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  pclose(p);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

std::string endpoint(int family, int port) {
  return (family == AF_INET ? "127.0.0.1:" : "[::1]:") + std::to_string(port);
}

// The ss -tan state of the socket local -> peer, "" when ss lists none.
std::string ss_state(int family, int lport, int pport) {
  std::string want_l = endpoint(family, lport), want_p = endpoint(family, pport);
  std::istringstream in(run_ss("-ta"));
  for (std::string line; std::getline(in, line);) {
    auto w = words(line);  // State Recv-Q Send-Q Local Peer
    if (w.size() >= 5 && w[3] == want_l && w[4] == want_p) return w[0];
  }
  return "";
}

// Waits (no timing asserted) until ss shows `state` for local -> peer.
bool wait_ss_state(int family, int lport, int pport, const std::string& state) {
  for (int i = 0; i < 200; ++i) {
    if (ss_state(family, lport, pport) == state) return true;
    std::this_thread::sleep_for(25ms);
  }
  return false;
}

// "[{"state":"SYN_SENT","ns":1},...]" -> "SYN_SENT ESTABLISHED ..."
std::string state_names(const std::string& states_json) {
  static const std::regex re("\"state\":\"([A-Z_0-9]+)\"");
  std::string out;
  for (auto it = std::sregex_iterator(states_json.begin(), states_json.end(), re); it != std::sregex_iterator(); ++it)
    out += (out.empty() ? "" : " ") + (*it)[1].str();
  return out;
}

// The conn object whose local port is `sport` and remote port `dport`.
const JsonLine* conn(const std::vector<JsonLine>& lines, int sport, int dport) {
  for (const auto& l : lines)
    if (l.at("event") == "conn" && l.at("sport") == std::to_string(sport) && l.at("dport") == std::to_string(dport))
      return &l;
  return nullptr;
}

// The state lines of the socket with local port `sport` and remote port
// `dport`, in order, by its cookie (CLOSE -> SYN_SENT has no local port yet).
std::vector<JsonLine> transitions(const std::vector<JsonLine>& lines, int sport, int dport) {
  std::string cookie;
  for (const auto& l : lines)
    if (l.at("event") == "state" && l.at("sport") == std::to_string(sport) && l.at("dport") == std::to_string(dport))
      cookie = l.at("cookie");
  std::vector<JsonLine> out;
  for (const auto& l : lines)
    if (l.at("event") == "state" && l.at("cookie") == cookie) out.push_back(l);
  return out;
}

std::string path_of(const std::vector<JsonLine>& ts) {
  std::string out;
  for (const auto& t : ts) out += (out.empty() ? "" : " ") + t.at("old") + ">" + t.at("new");
  return out;
}

// Both views at once: plain transitions and timelines.
struct Traces {
  TempDir dir;
  Socktrace states{{"states", "--json", "-o", dir.path("states.json")}};
  Socktrace timeline{{"states", "--timeline", "--json", "-o", dir.path("timeline.json")}};
  std::vector<JsonLine> state_lines, conn_lines;
  void stop() {
    ASSERT_EQ(states.stop(), 0) << states.stderr_text();
    ASSERT_EQ(timeline.stop(), 0) << timeline.stderr_text();
    // A transition missing from a path below must have been said lost here.
    for (const Socktrace* p : {&states, &timeline})
      EXPECT_TRUE(std::regex_search(p->stderr_text(), std::regex("[0-9]+ events, 0 lost"))) << p->stderr_text();
    state_lines = read_json_lines(dir.path("states.json"));
    conn_lines = read_json_lines(dir.path("timeline.json"));
  }
};

TEST(Timeline, ClientClosesFirstExactBytesAndTimeWaitAsSsShowsIt) {
  REQUIRE_BPF();
  Traces t;
  int l = tl_listen(AF_INET);
  int port = tl_port(l);
  int c = tl_connect(AF_INET, port);
  ASSERT_GE(c, 0);
  int s = accept(l, nullptr, nullptr);
  int cport = tl_port(c);
  ASSERT_TRUE(write_all(c, 1000, 'a'));
  ASSERT_EQ(read_n(s, 1000), 1000u);
  ASSERT_TRUE(write_all(s, 500, 'b'));
  ASSERT_EQ(read_n(c, 500), 500u);
  close(c);  // client first: FIN_WAIT1, FIN_WAIT2 (an orphan: a timewait socket in FIN-WAIT-2)
  ASSERT_TRUE(wait_ss_state(AF_INET, cport, port, "FIN-WAIT-2"));
  ASSERT_EQ(read_n(s, 0), 0u);  // EOF
  close(s);  // the peer's FIN: TIME-WAIT, with no tracepoint
  ASSERT_TRUE(wait_ss_state(AF_INET, cport, port, "TIME-WAIT"));
  close(l);
  t.stop();

  auto client = transitions(t.state_lines, cport, port);
  EXPECT_EQ(path_of(client), "CLOSE>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2 "
                             "FIN_WAIT2>TIME_WAIT");
  ASSERT_FALSE(client.empty());
  EXPECT_EQ(client.back().count("derived") ? client.back().at("derived") : "absent", "true");
  EXPECT_EQ(client.back().at("pid"), std::to_string(getpid()));
  // ss still lists it in TIME-WAIT at exit: no -> CLOSE was derived.
  EXPECT_EQ(ss_state(AF_INET, cport, port), "TIME-WAIT");

  const JsonLine* cc = conn(t.conn_lines, cport, port);
  ASSERT_NE(cc, nullptr);
  EXPECT_EQ(state_names(cc->at("states")), "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
  EXPECT_EQ(cc->at("tx_bytes"), "1000");
  EXPECT_EQ(cc->at("rx_bytes"), "500");
  EXPECT_EQ(cc->at("open"), "true");
  EXPECT_EQ(cc->at("timewait"), "true");
  EXPECT_EQ(cc->at("pid"), std::to_string(getpid()));

  const JsonLine* sc = conn(t.conn_lines, port, cport);
  ASSERT_NE(sc, nullptr);
  EXPECT_EQ(state_names(sc->at("states")), "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE");
  EXPECT_EQ(sc->at("tx_bytes"), "500");
  EXPECT_EQ(sc->at("rx_bytes"), "1000");
  EXPECT_EQ(sc->at("open"), "false");
  EXPECT_EQ(sc->at("complete"), "true");
  EXPECT_EQ(sc->at("timewait"), "false");
}

TEST(Timeline, ServerClosesFirstIpv6ExactBytes) {
  REQUIRE_BPF();
  Traces t;
  int l = tl_listen(AF_INET6);
  ASSERT_GE(l, 0);
  int port = tl_port(l);
  int c = tl_connect(AF_INET6, port);
  ASSERT_GE(c, 0);
  int s = accept(l, nullptr, nullptr);
  int cport = tl_port(c);
  ASSERT_TRUE(write_all(c, 700, 'q'));
  ASSERT_EQ(read_n(s, 700), 700u);
  ASSERT_TRUE(write_all(s, 300, 'r'));
  close(s);  // server first
  ASSERT_EQ(read_n(c, 0), 300u);  // then EOF
  ASSERT_TRUE(wait_ss_state(AF_INET6, port, cport, "FIN-WAIT-2"));
  close(c);
  ASSERT_TRUE(wait_ss_state(AF_INET6, port, cport, "TIME-WAIT"));
  close(l);
  t.stop();

  auto child = transitions(t.state_lines, port, cport);
  EXPECT_EQ(path_of(child), "LISTEN>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2 "
                            "FIN_WAIT2>TIME_WAIT");
  const JsonLine* sc = conn(t.conn_lines, port, cport);
  ASSERT_NE(sc, nullptr);
  EXPECT_EQ(state_names(sc->at("states")), "SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
  EXPECT_EQ(sc->at("tx_bytes"), "300");
  EXPECT_EQ(sc->at("rx_bytes"), "700");
  EXPECT_EQ(sc->at("family"), "6");
  EXPECT_EQ(sc->at("open"), "true");
  const JsonLine* cc = conn(t.conn_lines, cport, port);
  ASSERT_NE(cc, nullptr);
  EXPECT_EQ(state_names(cc->at("states")), "SYN_SENT ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE");
  EXPECT_EQ(cc->at("tx_bytes"), "700");
  EXPECT_EQ(cc->at("rx_bytes"), "300");
  EXPECT_EQ(cc->at("complete"), "true");
}

// A FIN_WAIT2 socket reset by its peer: the tracepoint shows FIN_WAIT2 ->
// CLOSE exactly as for TIME_WAIT entry; it must stay a close.
TEST(Timeline, ResetInFinWait2IsNoTimeWait) {
  REQUIRE_BPF();
  Traces t;
  int l = tl_listen(AF_INET);
  int port = tl_port(l);
  int c = tl_connect(AF_INET, port);
  ASSERT_GE(c, 0);
  int s = accept(l, nullptr, nullptr);
  int cport = tl_port(c);
  ASSERT_TRUE(write_all(c, 100, 'x'));
  ASSERT_EQ(read_n(s, 100), 100u);
  shutdown(c, SHUT_WR);  // FIN_WAIT1 -> FIN_WAIT2, the fd still open
  ASSERT_TRUE(wait_ss_state(AF_INET, cport, port, "FIN-WAIT-2"));
  linger lg{1, 0};
  setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  close(s);  // RST
  char b;
  EXPECT_EQ(read(c, &b, 1), -1);
  EXPECT_EQ(errno, ECONNRESET);
  close(c);
  close(l);
  // A time, not a condition: a reset close is shown as it is, at once; what
  // must not come is a derived TIME_WAIT from the timewait tracker's
  // once-a-second sock_diag look, which is given one look to make it.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(ss_state(AF_INET, cport, port), "");
  t.stop();

  auto client = transitions(t.state_lines, cport, port);
  EXPECT_EQ(path_of(client), "CLOSE>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2 "
                             "FIN_WAIT2>CLOSE");
  ASSERT_FALSE(client.empty());
  EXPECT_EQ(client.back().at("reset"), "true");
  EXPECT_EQ(client.back().count("derived"), 0u);
  auto child = transitions(t.state_lines, port, cport);
  // The abortive close (SO_LINGER 0) sends its RST right after -> CLOSE
  // (tcp_disconnect): that close is not flagged, and needs not be.
  EXPECT_EQ(path_of(child), "LISTEN>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>CLOSE");

  const JsonLine* cc = conn(t.conn_lines, cport, port);
  ASSERT_NE(cc, nullptr);
  EXPECT_EQ(state_names(cc->at("states")), "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE");
  EXPECT_EQ(cc->at("reset"), "true");
  EXPECT_EQ(cc->at("timewait"), "false");
  EXPECT_EQ(cc->at("open"), "false");
  EXPECT_EQ(cc->at("tx_bytes"), "100");
  EXPECT_EQ(cc->at("rx_bytes"), "0");
}

// Recv-Q / Send-Q of a LISTEN socket are its accept backlog and its limit;
// a full backlog holds limit + 1 connections.
TEST(Timeline, FullBacklogListenerQueuesAsSsShowsThem) {
  REQUIRE_BPF();
  TempDir dir;
  Socktrace st({"states", "--json", "-o", dir.path("out.json")});
  constexpr int kBacklog = 2;
  int l = tl_listen(AF_INET, kBacklog);
  int port = tl_port(l);
  std::vector<int> clients;
  for (int i = 0; i < kBacklog + 3; ++i) clients.push_back(tl_connect(AF_INET, port, true));
  std::string ss_line;
  for (int i = 0; i < 200; ++i) {  // until the backlog is full
    ss_line = run_ss("-tl 'sport = :" + std::to_string(port) + "'");
    auto w = words(ss_line);
    if (w.size() >= 3 && w[1] == std::to_string(kBacklog + 1)) break;
    std::this_thread::sleep_for(25ms);
  }
  auto w = words(ss_line);  // State Recv-Q Send-Q Local Peer
  ASSERT_GE(w.size(), 3u) << ss_line;
  EXPECT_EQ(w[1], std::to_string(kBacklog + 1));
  EXPECT_EQ(w[2], std::to_string(kBacklog));
  close(l);  // LISTEN -> CLOSE runs before the queue is purged
  for (int c : clients) close(c);
  eventually([&] {
    for (const auto& e : complete_json_lines(dir.path("out.json")))
      if (e.at("event") == "state" && e.at("sport") == std::to_string(port) && e.at("dport") == "0" &&
          e.at("old") == "LISTEN" && e.at("new") == "CLOSE")
        return true;
    return false;
  });
  ASSERT_EQ(st.stop(), 0) << st.stderr_text();

  bool seen = false;
  for (const auto& e : read_json_lines(dir.path("out.json"))) {
    if (e.at("event") != "state" || e.at("sport") != std::to_string(port) || e.at("dport") != "0") continue;
    if (e.at("old") == "LISTEN" && e.at("new") == "CLOSE") {
      seen = true;
      EXPECT_EQ(e.at("rx_queue"), w[1]);
      EXPECT_EQ(e.at("tx_queue"), w[2]);
    }
    if (e.at("new") == "LISTEN") {
      EXPECT_EQ(e.at("rx_queue"), "0");
      EXPECT_EQ(e.at("tx_queue"), std::to_string(kBacklog));
    }
  }
  EXPECT_TRUE(seen);
}

// The server closes first and exits; its orphaned socket moves to TIME_WAIT
// later, when the client closes, in softirq context. The derived transition
// and the timeline keep the exited owner.
TEST(Timeline, OwnerKeptAfterTheOwnerExited) {
  REQUIRE_BPF();
  Traces t;
  int l = tl_listen(AF_INET);
  int port = tl_port(l);
  Gate accepted;
  pid_t server = spawn([&] {
    prctl(PR_SET_NAME, "tw-owner");
    int s = accept(l, nullptr, nullptr);
    if (!write_all(s, 100, 'z')) return 1;
    close(s);
    accepted.open();
    return 0;
  });
  int c = tl_connect(AF_INET, port);
  ASSERT_GE(c, 0);
  int cport = tl_port(c);
  ASSERT_EQ(accepted.wait(), 0);
  ASSERT_EQ(wait_child(server), 0);  // the owner is gone
  ASSERT_TRUE(wait_ss_state(AF_INET, port, cport, "FIN-WAIT-2"));
  ASSERT_EQ(read_n(c, 0), 100u);
  close(c);
  ASSERT_TRUE(wait_ss_state(AF_INET, port, cport, "TIME-WAIT"));
  close(l);
  t.stop();

  auto child = transitions(t.state_lines, port, cport);
  ASSERT_FALSE(child.empty());
  EXPECT_EQ(child.back().at("old") + ">" + child.back().at("new"), "FIN_WAIT2>TIME_WAIT");
  EXPECT_EQ(child.back().at("derived"), "true");
  EXPECT_EQ(child.back().at("pid"), std::to_string(server));
  EXPECT_EQ(child.back().at("comm"), "tw-owner");
  const JsonLine* sc = conn(t.conn_lines, port, cport);
  ASSERT_NE(sc, nullptr);
  EXPECT_EQ(sc->at("pid"), std::to_string(server));
  EXPECT_EQ(sc->at("comm"), "tw-owner");
  EXPECT_EQ(state_names(sc->at("states")), "SYN_RECV ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
  EXPECT_EQ(sc->at("tx_bytes"), "100");
}

}  // namespace
}  // namespace socktrace::testing
