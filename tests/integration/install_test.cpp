// What issue 19 ships, run for real: `check --perfdata-family` against ss
// per family, and a real Prometheus (Debian's `prometheus`, temporary config
// and storage on 127.0.0.1) scraping `socktrace log --metrics` started with
// the DaemonSet's own command and `socktrace top --metrics`: up == 1 and the
// per-state socket counts equal to ss's. Sockets are the test's own (a
// child process with its own comm, on its own ports): other tests and
// engineers open sockets on this host at the same time.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
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

const std::string kSourceDir = [] {
  std::string f = __FILE__;  // .../tests/integration/install_test.cpp
  return f.substr(0, f.rfind("/tests/integration/"));
}();

// ss's state names -> socktrace's.
std::string from_ss(const std::string& s) {
  static const std::map<std::string, std::string> names = {
      {"ESTAB", "ESTABLISHED"},       {"SYN-SENT", "SYN_SENT"},   {"SYN-RECV", "SYN_RECV"},
      {"FIN-WAIT-1", "FIN_WAIT1"},    {"FIN-WAIT-2", "FIN_WAIT2"}, {"TIME-WAIT", "TIME_WAIT"},
      {"CLOSE-WAIT", "CLOSE_WAIT"},   {"LAST-ACK", "LAST_ACK"},   {"LISTEN", "LISTEN"},
      {"CLOSING", "CLOSING"},         {"UNCONN", "CLOSE"}};
  auto it = names.find(s);
  return it == names.end() ? s : it->second;
}

// `ss -Htan` per state, narrowed by an ss filter expression and/or to
// sockets a process named `comm` holds (ss -p).
Counts ss_tcp_counts(const std::string& args, const std::string& comm = "") {
  Counts c;
  std::istringstream in(run_capture("ss -Htan" + std::string(comm.empty() ? "" : "p") + " " + args + " 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    if (!comm.empty() && line.find("((\"" + comm + "\",") == std::string::npos) continue;
    std::istringstream f(line);
    std::string state;
    f >> state;
    ++c[from_ss(state)];
  }
  return c;
}

std::string port_filter(const std::vector<int>& ports) {
  std::string f = "'(";
  for (size_t i = 0; i < ports.size(); ++i)
    f += (i ? " or " : " ") + std::string("sport = :") + std::to_string(ports[i]) + " or dport = :" +
         std::to_string(ports[i]);
  return f + " )'";
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A listener of `family` on loopback with `established` connections and
// `close_wait` more whose clients closed (server side CLOSE_WAIT, client
// orphan FIN_WAIT2). Returns the port; the fds stay open in `keep`.
int known_sockets(int family, int established, int close_wait, std::vector<int>& keep) {
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_addr = in6addr_loopback;
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof(*a);
  }
  int l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (bind(l, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(l, 64) != 0) return -1;
  getsockname(l, reinterpret_cast<sockaddr*>(&ss), &len);
  keep.push_back(l);
  for (int i = 0; i < established + close_wait; ++i) {
    int c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(c, reinterpret_cast<sockaddr*>(&ss), len) != 0) return -1;
    int s = accept4(l, nullptr, nullptr, SOCK_CLOEXEC);
    keep.push_back(s);
    if (i < established)
      keep.push_back(c);
    else
      close(c);
  }
  return ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                  : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

// "tcp6_LISTEN=2;;;0;" -> 2 for every label in a perfdata string.
std::map<std::string, long> perfdata(const std::string& line) {
  std::map<std::string, long> m;
  auto bar = line.find(" | ");
  if (bar == std::string::npos) return m;
  std::regex item("([A-Za-z0-9_]+)=([0-9]+);");
  std::string perf = line.substr(bar + 3);
  for (std::sregex_iterator it(perf.begin(), perf.end(), item), end; it != end; ++it)
    m[(*it)[1]] = std::stol((*it)[2]);
  return m;
}

TEST(CheckFamilyLive, PerfdataPerFamilyEqualsSs) {
  std::vector<int> keep;
  int p4 = known_sockets(AF_INET, 2, 1, keep);
  int p6 = known_sockets(AF_INET6, 1, 2, keep);
  ASSERT_GT(p4, 0);
  if (p6 < 0) {
    for (int fd : keep) close(fd);
    if (in_ci()) FAIL() << "no IPv6 loopback";
    GTEST_SKIP() << "no IPv6 loopback (::1) here";
  }
  // The FIN of the closed clients has come: 3 CLOSE_WAIT, their 3 clients
  // in FIN_WAIT2.
  eventually([&] {
    Counts ss = ss_tcp_counts(port_filter({p4, p6}));
    return ss["CLOSE_WAIT"] == 3 && ss["FIN_WAIT2"] == 3;
  });
  std::string ports = std::to_string(p4) + "," + std::to_string(p6);
  RunResult r = run_socktrace({"check", "--perfdata-family", "--port", ports, "--warning", "CLOSE_WAIT=2"});
  // 3 CLOSE_WAIT in all (1 on IPv4, 2 on IPv6): thresholds apply to the sum.
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  // The test process holds them all: the status line names it, as without
  // --perfdata-family.
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("^SOCKTRACE WARNING - CLOSE_WAIT=3 > 2 \\(top process [^ ]+/" + std::to_string(getpid()) +
                        " with 3\\) \\| tcp_ESTABLISHED=")))
      << r.out;
  auto perf = perfdata(r.out);
  for (auto [family, prefix] : {std::pair{"-4", "tcp_"}, std::pair{"-6", "tcp6_"}}) {
    Counts ss = ss_tcp_counts(std::string(family) + " " + port_filter({p4, p6}));
    for (const char* st : {"ESTABLISHED", "LISTEN", "CLOSE_WAIT", "FIN_WAIT2", "TIME_WAIT", "SYN_SENT"})
      EXPECT_EQ(perf[prefix + std::string(st)], ss[st]) << prefix << st << " vs ss " << family << ": " << r.out;
  }
  EXPECT_EQ(perf["tcp_ESTABLISHED"], 4);   // 2 pairs
  EXPECT_EQ(perf["tcp6_ESTABLISHED"], 2);  // 1 pair
  EXPECT_EQ(perf["tcp6_CLOSE_WAIT"], 2);
  EXPECT_EQ(perf["tcp_LISTEN"], 1);
  EXPECT_EQ(perf["tcp6_LISTEN"], 1);
  EXPECT_TRUE(perf.count("udp_CLOSE") && perf.count("udp6_ESTABLISHED")) << r.out;
  EXPECT_EQ(perf.count("ESTABLISHED"), 0u) << "unsplit labels too: " << r.out;
  for (int fd : keep) close(fd);
}

// Rates with --perfdata-family: measured over the window (BPF) as without
// it, the counts split per family from the snapshot that follows.
TEST(CheckFamilyLive, RatesAreMeasuredBesideTheFamilies) {
  REQUIRE_BPF();
  RunResult r = run_socktrace({"check", "--perfdata-family", "--sample", "1", "--warning", "new=1000000/s",
                               "--critical", "retrans=1000000/s", "--warning", "TIME_WAIT=1000000/s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("SOCKTRACE OK - ", 0), 0u) << r.out;
  for (const char* label : {" new_per_s=", " retrans_per_s=", " TIME_WAIT_per_s=", " tcp_LISTEN=", " tcp6_LISTEN=",
                            " udp6_CLOSE="})
    EXPECT_NE(r.out.find(label), std::string::npos) << label << ": " << r.out;
  EXPECT_NE(r.out.find(" retrans_per_s="), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" ESTABLISHED="), std::string::npos) << "unsplit labels too: " << r.out;
}

// ---- Prometheus ----

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '_' || c == '-' || c == '.')
      out += static_cast<char>(c);
    else {
      char hex[4];
      snprintf(hex, sizeof(hex), "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// An instant query against Prometheus's HTTP API; the vector's samples.
std::vector<Sample> query(int port, const std::string& promql) {
  std::string body = http_body(port, "/api/v1/query?query=" + url_encode(promql));
  std::vector<Sample> out;
  if (body.find("\"status\":\"success\"") == std::string::npos) return out;
  std::regex sample(R"re(\{"metric":\{([^}]*)\},"value":\[[0-9.e+]+,"([^"]+)"\]\})re");
  std::regex label(R"re("([A-Za-z_][A-Za-z0-9_]*)":"([^"]*)")re");
  for (std::sregex_iterator it(body.begin(), body.end(), sample), end; it != end; ++it) {
    Sample s;
    std::string labels = (*it)[1];
    for (std::sregex_iterator l(labels.begin(), labels.end(), label); l != end; ++l) s.labels[(*l)[1]] = (*l)[2];
    s.value = std::stod((*it)[2]);
    out.push_back(s);
  }
  return out;
}

// A command of the DaemonSet's containers (deploy/kubernetes/daemonset.yaml),
// without the binary: the list under the `which`th `command:`.
std::vector<std::string> daemonset_args(int which = 0) {
  std::ifstream f(kSourceDir + "/deploy/kubernetes/daemonset.yaml");
  std::vector<std::string> cmd;
  std::string line;
  bool in = false;
  int seen = 0;
  while (std::getline(f, line)) {
    if (line.find("command:") != std::string::npos && seen++ == which) {
      in = true;
      continue;
    }
    if (!in) continue;
    std::smatch m;
    if (!std::regex_match(line, m, std::regex(R"(\s+- (.*))"))) break;
    std::string v = m[1];
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    cmd.push_back(v);
  }
  if (!cmd.empty()) cmd.erase(cmd.begin());
  return cmd;
}

class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, const std::string& log) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = fopen(log.c_str(), "w");
      if (out) {
        dup2(fileno(out), 1);
        dup2(fileno(out), 2);
      }
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 100 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

// The DaemonSet's second container, `top --by container`, runs as written
// (its port made free) and serves the per-container series the alert uses.
TEST(PrometheusScrape, DaemonSetByContainerServesGroupSeries) {
  REQUIRE_BPF();
  std::vector<std::string> args = daemonset_args(1);
  ASSERT_GE(args.size(), 3u) << "no second container command in deploy/kubernetes/daemonset.yaml";
  ASSERT_EQ(args[0], "top");
  ASSERT_EQ(args[args.size() - 2], "--metrics");
  int port = free_port();
  args.back() = "127.0.0.1:" + std::to_string(port);
  // The node's directories are mounted under --host-root there; here, an
  // empty one (nothing to name).
  TempDir host;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--host-root") args[i + 1] = host.path("");
  // A container's CLOSE_WAIT sockets are in its own namespace; here, the
  // host's: some group (`-` for sockets of no container) has them.
  std::vector<int> keep;
  ASSERT_GT(known_sockets(AF_INET, 1, 2, keep), 0);
  Socktrace top(args);
  std::string body;
  for (int i = 0; i < 100 && body.find("socktrace_group_sockets{by=\"container\"") == std::string::npos; ++i) {
    body = http_body(port, "/metrics");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(body.find("# TYPE socktrace_group_sockets gauge"), std::string::npos) << body;
  EXPECT_NE(body.find("socktrace_group_sockets{by=\"container\",group=\"-\",proto=\"tcp\",state=\"CLOSE_WAIT\"}"),
            std::string::npos)
      << body;
  EXPECT_EQ(top.stop(), 0);
  for (int fd : keep) close(fd);
}

TEST(PrometheusScrape, UpAndSocketCountsEqualSs) {
  REQUIRE_BPF();
  const std::string prometheus = "/usr/bin/prometheus";
  if (access(prometheus.c_str(), X_OK) != 0) {
    if (in_ci()) FAIL() << "prometheus missing (tools/deps.sh installs package prometheus)";
    GTEST_SKIP() << "prometheus not installed (Debian package prometheus)";
  }
  std::vector<std::string> ds = daemonset_args();
  ASSERT_GE(ds.size(), 4u) << "no command in deploy/kubernetes/daemonset.yaml";
  ASSERT_EQ(ds[0], "log");

  // The workload: a process named stpromload holding 3 connections and 2
  // CLOSE_WAIT sockets on its port, made before socktrace starts (its
  // owners then come from /proc, as ss -p finds them).
  const std::string comm = "stpromload";
  Gate ready;
  pid_t load = spawn([&] {
    prctl(PR_SET_NAME, comm.c_str());
    std::vector<int> keep;
    int port = known_sockets(AF_INET, 3, 2, keep);
    ready.open(port);
    pause();
    return 0;
  });
  int port = ready.wait();
  ASSERT_GT(port, 0);
  // The FIN of its closed clients has come (as asserted at the end).
  eventually([&] {
    Counts ss = ss_tcp_counts(port_filter({port}));
    return ss["CLOSE_WAIT"] == 2 && ss["FIN_WAIT2"] == 2;
  });

  TempDir dir;
  int top_port = free_port(), log_port = free_port(), prom_port = free_port();
  // top: narrowed to the workload's port.
  Socktrace top({"top", "--json", "--interval", "0.5", "--port", std::to_string(port), "--metrics",
                 "127.0.0.1:" + std::to_string(top_port)},
                dir.path("top.json"));
  // log: the DaemonSet's command, with the test's file and port, a 1 s
  // histogram instead of 15 s, and narrowed to the workload's comm.
  std::vector<std::string> log_args = ds;
  for (size_t i = 0; i + 1 < log_args.size(); ++i) {
    if (log_args[i] == "-o") log_args[i + 1] = dir.path("socktrace.json");
    if (log_args[i] == "--metrics") log_args[i + 1] = "127.0.0.1:" + std::to_string(log_port);
    if (log_args[i] == "--hist-interval") log_args[i + 1] = "1";
    if (log_args[i] == "--host-root") log_args[i + 1] = dir.path("");
  }
  log_args.push_back("--comm");
  log_args.push_back(comm);
  Socktrace log(log_args);

  std::ofstream(dir.path("prometheus.yml"))
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
      << "  - job_name: top\n    static_configs:\n      - targets: ['127.0.0.1:" << top_port << "']\n"
      << "  - job_name: log\n    static_configs:\n      - targets: ['127.0.0.1:" << log_port << "']\n";
  Process prom({prometheus, "--config.file=" + dir.path("prometheus.yml"), "--storage.tsdb.path=" + dir.path("tsdb"),
                "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"},
               dir.path("prometheus.log"));

  // up == 1 for both jobs.
  std::map<std::string, double> up;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline && (up["top"] != 1 || up["log"] != 1)) {
    std::this_thread::sleep_for(500ms);
    ASSERT_TRUE(prom.running()) << read_file(dir.path("prometheus.log"));
    for (const Sample& s : query(prom_port, "up")) up[s.labels.at("job")] = s.value;
  }
  EXPECT_EQ(up["top"], 1) << read_file(dir.path("prometheus.log"));
  EXPECT_EQ(up["log"], 1) << log.stderr_text();

  // The counts as Prometheus stored them, against ss now (the workload's
  // sockets do not change; a scrape can lag one interval behind, so the
  // comparison is retried until it holds or 20 s pass).
  const std::vector<std::string> states = {"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                                           "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};
  Counts top_prom, log_prom, top_ss, log_ss;
  deadline = std::chrono::steady_clock::now() + 20s;
  do {
    std::this_thread::sleep_for(1s);
    top_prom.clear();
    log_prom.clear();
    for (const Sample& s : query(prom_port, "socktrace_sockets{job=\"top\",proto=\"tcp\"}"))
      top_prom[s.labels.at("state")] = static_cast<long>(s.value);
    for (const Sample& s : query(prom_port, "sum by (state) (socktrace_process_sockets{job=\"log\",proto=\"tcp\"})"))
      log_prom[s.labels.at("state")] = static_cast<long>(s.value);
    top_ss = ss_tcp_counts(port_filter({port}));
    log_ss = ss_tcp_counts("", comm);
    bool same = !top_prom.empty();
    for (const auto& st : states) same = same && top_prom[st] == top_ss[st] && log_prom[st] == log_ss[st];
    if (same) break;
  } while (std::chrono::steady_clock::now() < deadline);
  for (const auto& st : states) {
    EXPECT_EQ(top_prom[st], top_ss[st]) << "top, " << st << " (port " << port << ")";
    EXPECT_EQ(log_prom[st], log_ss[st]) << "log, " << st << " (comm " << comm << ")";
  }
  // What the workload made, so that an empty ss could not pass.
  EXPECT_EQ(top_ss["ESTABLISHED"], 6);
  EXPECT_EQ(top_ss["CLOSE_WAIT"], 2);
  EXPECT_EQ(top_ss["FIN_WAIT2"], 2);
  EXPECT_EQ(log_ss["ESTABLISHED"], 6);
  EXPECT_EQ(log_ss["LISTEN"], 1);

  // Every socktrace_* metric the fleet examples use is one socktrace serves
  // (the DaemonSet's `top --by container` included).
  std::vector<std::string> by_container = daemonset_args(1);
  ASSERT_GE(by_container.size(), 2u);
  int groups_port = free_port();
  by_container.back() = "127.0.0.1:" + std::to_string(groups_port);
  for (size_t i = 0; i + 1 < by_container.size(); ++i)
    if (by_container[i] == "--host-root") by_container[i + 1] = dir.path("");
  Socktrace groups(by_container);
  std::string grouped;  // its first refresh follows the ready line
  for (int i = 0; i < 100 && grouped.find("# TYPE socktrace_group_sockets ") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    grouped = http_body(groups_port, "/metrics");
  }
  std::string served = http_body(top_port, "/metrics") + http_body(log_port, "/metrics") + grouped;
  std::set<std::string> names;
  std::regex help("# TYPE (socktrace_[a-z_]+) ");
  for (std::sregex_iterator it(served.begin(), served.end(), help), end; it != end; ++it) names.insert((*it)[1]);
  std::regex used("socktrace_[a-z_]+");
  for (const char* file : {"/deploy/prometheus/socktrace-alerts.yml", "/deploy/grafana/socktrace-dashboard.json"}) {
    std::string text = read_file(kSourceDir + file);
    ASSERT_FALSE(text.empty()) << file;
    for (std::sregex_iterator it(text.begin(), text.end(), used), end; it != end; ++it)
      EXPECT_TRUE(names.count(it->str())) << file << " uses " << it->str() << ", which socktrace does not serve";
  }

  kill(load, SIGKILL);
  wait_child(load);
}

}  // namespace
}  // namespace socktrace::testing
