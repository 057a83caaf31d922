// The syscall trace against its ground truth: strace itself, watching the
// same run. socktrace traces `strace -f -e trace=network -o A netload` (with
// -f it follows strace's tracees too), so both see the very same syscalls,
// pointers, ports and pids; per task, the lines must be identical.
#include <arpa/inet.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/syscalls.h"
#include "harness.h"

namespace socktrace::testing {
namespace {

// "1234  text" (strace -f -o FILE's prefix, %-5u and a space) -> pid, text.
bool split_pid(const std::string& line, int* pid, std::string* text) {
  std::size_t i = 0;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 || i >= line.size() || line[i] != ' ') return false;
  *pid = std::stoi(line.substr(0, i));
  while (i < line.size() && line[i] == ' ') ++i;
  *text = line.substr(i);
  return true;
}

// strace aligns " = result" at column 40 of the whole line (pid prefix
// included); a joined line gets the alignment a whole line would have had.
std::string realign(int pid, const std::string& text) {
  static const std::regex padded(R"(^(.*\))( +)(= .*)$)");
  std::smatch m;
  if (!std::regex_match(text, m, padded)) return text;
  std::string call = m[1];
  std::size_t prefix = std::max<std::size_t>(std::to_string(pid).size(), 5) + 1;
  std::size_t col = prefix + call.size();
  return call + std::string(col < 40 ? 40 - col : 1, ' ') + std::string(m[3]);
}

// Lines per task. strace splits a syscall that another task's output
// interrupts into "name(args <unfinished ...>" and "<... name resumed>rest";
// socktrace emits each syscall whole at its exit, so join them. Signal lines
// ("--- SIGCHLD ... ---") are strace's, not part of the network trace.
std::map<int, std::vector<std::string>> by_task(const std::vector<std::string>& lines) {
  static const std::string kUnfinished = " <unfinished ...>";
  std::map<int, std::vector<std::string>> out;
  std::map<int, std::string> pending;
  for (const auto& line : lines) {
    int pid;
    std::string text;
    if (!split_pid(line, &pid, &text)) continue;
    if (text.starts_with("--- ")) continue;
    if (text.ends_with(kUnfinished)) {
      pending[pid] = text.substr(0, text.size() - kUnfinished.size());
      continue;
    }
    if (text.starts_with("<... ")) {
      auto close = text.find(" resumed>");
      if (close != std::string::npos && pending.count(pid)) {
        text = realign(pid, pending[pid] + text.substr(close + 9));
        pending.erase(pid);
      }
    }
    out[pid].push_back(text);
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(Syscalls, LineForLineIdenticalToStrace) {
  REQUIRE_BPF();
  TempDir dir;
  std::string a = dir.path("strace.txt"), b = dir.path("socktrace.txt");
  RunResult r = run_socktrace({"-f", "-o", b, "--", "strace", "-f", "-e", "trace=network", "-o", a,
                               NETLOAD_BINARY, dir.path("")},
                              60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto want = by_task(read_lines(a));
  auto got = by_task(read_lines(b));
  // The workload's main task, its forked child and its two threads.
  ASSERT_GE(want.size(), 4u) << joined(read_lines(a));
  std::set<std::string> names;
  for (const auto& [pid, lines] : want) {
    EXPECT_EQ(joined(got[pid]), joined(lines)) << "task " << pid;
    for (const auto& l : lines) names.insert(l.substr(0, l.find('(')));
  }
  // Every syscall of the %network class was exercised and compared.
  for (const auto& s : network_syscalls())
    EXPECT_TRUE(names.count(std::string(s.name))) << s.name << " not in the workload's trace";
  // sendfile's offset forms and errors, each compared above (the result
  // is aligned at strace's column).
  std::string all = joined(read_lines(b));
  for (const char* form : {R"(\d+, \[0\] => \[1024\], 1024\) += 1024)", R"(\d+, NULL, 1000\) += 1000)",
                           R"(\d+, \[2990\] => \[3000\], 100\) += 10)", R"(\d+, \[5000\], 100\) += 0)",
                           R"(-1, NULL, 10\) += -1 EBADF)", R"(\d+, 0x8, 10\) += -1 EFAULT)",
                           R"(\d+, \[100\] => \[150\], 50\) += 50)"})
    EXPECT_TRUE(std::regex_search(all, std::regex(std::string(R"(sendfile\(\d+, )") + form))) << form;
}

// Netlink and the option levels strace decodes field by field: nlload's
// requests and the kernel's replies (route dumps, errors with extended
// acks, sock_diag lookups), SOL_NETLINK/SOL_PACKET/SOL_RAW options and
// option structs, at the default string limit, a small one (which cuts
// message and attribute arrays and payload strings) and a larger one (which
// lets the loopback link's IFLA_AF_SPEC, past its 32nd attribute, show).
TEST(Syscalls, NetlinkLineForLineIdenticalToStrace) {
  REQUIRE_BPF();
  for (const char* limit : {"32", "4", "64"}) {
    TempDir dir;
    std::string a = dir.path("strace.txt"), b = dir.path("socktrace.txt");
    RunResult r = run_socktrace({"-s", limit, "-f", "-o", b, "--", "strace", "-s", limit, "-f", "-e", "trace=network",
                                 "-o", a, NLLOAD_BINARY, dir.path("")},
                                60);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto want = by_task(read_lines(a));
    auto got = by_task(read_lines(b));
    ASSERT_EQ(want.size(), 1u) << joined(read_lines(a));
    int netlink = 0;
    for (const auto& [pid, lines] : want) {
      EXPECT_EQ(joined(got[pid]), joined(lines)) << "-s " << limit;
      for (const auto& l : lines) netlink += l.find("nlmsg_type=") != std::string::npos;
    }
    EXPECT_GE(netlink, 20) << "-s " << limit;
  }
}

// sendfile alone, with no option that loads the entry program for other
// reasons: its offset before the call still comes from the entry.
TEST(Syscalls, SendfileAloneIdenticalToStrace) {
  REQUIRE_BPF();
  TempDir dir;
  std::string a = dir.path("strace.txt"), b = dir.path("socktrace.txt");
  RunResult r = run_socktrace({"-e", "trace=sendfile", "-f", "-o", b, "--", "strace", "-f", "-e", "trace=sendfile", "-o",
                               a, NETLOAD_BINARY, dir.path("")},
                              60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto want = by_task(read_lines(a));
  auto got = by_task(read_lines(b));
  int calls = 0;
  for (const auto& [pid, lines] : want) {
    EXPECT_EQ(joined(got[pid]), joined(lines)) << "task " << pid;
    for (const auto& l : lines) calls += l.starts_with("sendfile(");
  }
  EXPECT_EQ(calls, 7) << joined(read_lines(a));
}

// -y against strace -yy: the socket behind every fd, described the way
// strace finds it over sock_diag (strace's own sock_diag traffic, which
// socktrace -f sees too, belongs to strace's pid and is not compared).
TEST(Syscalls, DecodeFdsLikeStraceYy) {
  REQUIRE_BPF();
  TempDir dir;
  std::string a = dir.path("strace.txt"), b = dir.path("socktrace.txt");
  RunResult r = run_socktrace({"-y", "-f", "-o", b, "--", "strace", "-f", "-yy", "-e", "trace=network", "-o", a,
                               NETLOAD_BINARY, dir.path("")},
                              60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto want = by_task(read_lines(a));
  auto got = by_task(read_lines(b));
  ASSERT_GE(want.size(), 4u);
  int annotated = 0;
  for (const auto& [pid, lines] : want) {
    EXPECT_EQ(joined(got[pid]), joined(lines)) << "task " << pid;
    for (const auto& l : lines) annotated += l.find("<TCP:[") != std::string::npos;
  }
  EXPECT_GT(annotated, 10);
  // sendfile's two fds: a socket and a file, and a file to a file (paths as
  // readlink(/proc/PID/fd/N) gives them, compared above).
  std::string all = joined(read_lines(b));
  EXPECT_TRUE(std::regex_search(all, std::regex(R"(sendfile\(\d+<TCP:\[127\.0\.0\.1:\d+->127\.0\.0\.1:\d+\]>, )"
                                                R"(\d+</[^>]*/netload-\d+\.data>, \[0\] => \[1024\], 1024\))")))
      << all;
  EXPECT_TRUE(std::regex_search(
      all, std::regex(R"(sendfile\(\d+</[^>]*/netload-\d+\.data\.copy>, \d+</[^>]*/netload-\d+\.data>, \[100\])")));
  // fds passed with SCM_RIGHTS, sent and received.
  for (const char* call : {"sendmsg", "recvmsg"})
    EXPECT_TRUE(std::regex_search(all, std::regex(std::string(call) + R"(\(.*cmsg_type=SCM_RIGHTS, cmsg_data=\[\d+</dev/null<char 1:3>>, \d+<UNIX-STREAM:\[\d+->\d+\]>\]\})")))
        << call;
}

// No -p and no command: every process on the host, as perf trace -a.
TEST(Syscalls, HostWideTraceSeesOtherProcesses) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("out");
  pid_t load;
  {
    Socktrace tracer({"-o", out});
    load = spawn([&] { return std::system((std::string(NETLOAD_BINARY) + " " + dir.path("")).c_str()) == 0 ? 0 : 1; });
    ASSERT_EQ(wait_child(load), 0);
    EXPECT_EQ(tracer.stop(SIGINT), 0) << tracer.stderr_text();
  }
  std::set<std::string> names;
  for (const auto& [pid, lines] : by_task(read_lines(out)))
    for (const auto& l : lines) names.insert(l.substr(0, l.find('(')));
  for (const auto& s : network_syscalls()) EXPECT_TRUE(names.count(std::string(s.name))) << s.name;
}

// The entry program runs for every syscall on the host: it is loaded only
// when a traced call needs its entry recorded (value-result lengths, -T...).
TEST(Syscalls, EntryProgramOnlyWhenACallNeedsIt) {
  REQUIRE_BPF();
  TempDir dir;
  {
    Socktrace tracer({"-e", "trace=sendto,connect,bind", "-o", dir.path("a")});
    auto names = bpf_programs_held_by(tracer.pid());
    EXPECT_TRUE(names.count("on_sys_exit"));
    EXPECT_FALSE(names.count("on_sys_enter"));
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-o", dir.path("b")}, std::vector<std::string>{"-e", "trace=recvfrom", "-o", dir.path("c")},
        std::vector<std::string>{"-T", "-e", "trace=sendto", "-o", dir.path("d")},
        std::vector<std::string>{"-y", "-e", "trace=sendto", "-o", dir.path("e")},
        std::vector<std::string>{"-e", "trace=sendfile", "-o", dir.path("f")}}) {
    Socktrace tracer(args);
    auto names = bpf_programs_held_by(tracer.pid());
    EXPECT_TRUE(names.count("on_sys_exit")) << args[0];
    EXPECT_TRUE(names.count("on_sys_enter")) << args[0];
  }
}

// A TCP server with two threads that each accept one connection and echo.
int threaded_server(int port_fd_write, Gate* done) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(l, reinterpret_cast<sockaddr*>(&a), sizeof(a)) || listen(l, 8)) return 1;
  socklen_t len = sizeof(a);
  getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  if (write(port_fd_write, &port, sizeof(port)) != sizeof(port)) return 1;
  auto serve = [l] {
    int c = accept(l, nullptr, nullptr);
    char buf[16];
    ssize_t n = recvfrom(c, buf, sizeof(buf), 0, nullptr, nullptr);
    if (n > 0) sendto(c, buf, static_cast<size_t>(n), 0, nullptr, 0);
    close(c);
  };
  std::thread t1(serve), t2(serve);
  t1.join();
  t2.join();
  done->wait();
  return 5;
}

// The threads of `pid` blocked in system call `nr` (the first field of
// /proc/PID/task/TID/syscall; "running" for a thread on a CPU).
int threads_in_syscall(pid_t pid, long nr) {
  int n = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::istringstream line(read_file(task.path() / "syscall"));
    long got = -1;
    n += (line >> got) && got == nr;
  }
  return n;
}

TEST(Syscalls, AttachToRunningThreadedServerAndEndWithIt) {
  REQUIRE_BPF();
  TempDir dir;
  int port_pipe[2];
  ASSERT_EQ(pipe(port_pipe), 0);
  Gate done;
  pid_t server = spawn([&] { return threaded_server(port_pipe[1], &done); });
  int port = 0;
  ASSERT_EQ(read(port_pipe[0], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  // Both threads blocked in accept() before socktrace attaches.
  ASSERT_TRUE(eventually([&] { return threads_in_syscall(server, SYS_accept) == 2; }))
      << "the server's threads are not both in accept()";
  std::string out = dir.path("out");
  Socktrace tracer({"-p", std::to_string(server), "-o", out});
  for (int i = 0; i < 2; ++i) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ASSERT_EQ(send(c, "ping", 4, 0), 4);
    char buf[8];
    ASSERT_EQ(recv(c, buf, sizeof(buf), 0), 4);
    close(c);
  }
  done.open();
  EXPECT_EQ(wait_child(server), 5);
  // socktrace ends by itself once the process is gone.
  EXPECT_EQ(tracer.wait_exit(10'000), 0) << tracer.stderr_text();
  auto lines = read_lines(out);
  std::map<int, int> accepts_by_tid, echoes_by_tid;
  int exits = 0;
  for (const auto& line : lines) {
    int tid;
    std::string text;
    ASSERT_TRUE(split_pid(line, &tid, &text)) << "no pid prefix on a multi-threaded trace: " << line;
    // The accept() was already under way when socktrace attached: its exit
    // is traced with the arguments, as strace -p shows a resumed call.
    if (text.starts_with("accept(")) ++accepts_by_tid[tid];
    if (text.starts_with("recvfrom(") && text.ends_with(", \"ping\", 16, 0, NULL, NULL) = 4")) ++echoes_by_tid[tid];
    if (text.starts_with("+++ exited with ")) ++exits;
    if (tid == server) {
      EXPECT_NE(text, "+++ exited with 0 +++") << "the process exits with 5";
    }
  }
  EXPECT_EQ(accepts_by_tid.size(), 2u) << joined(lines);
  EXPECT_EQ(echoes_by_tid.size(), 2u) << joined(lines);
  // One exit line per task, as strace -f prints, unless an exit event was
  // lost, which socktrace must then say (a ring buffer full, a program run
  // skipped as BPF recursion). On one CPU the main thread can reach its
  // exit_group() while the second thread, already joined, is still on its
  // way to the exit tracepoint: that thread's line must still come (a
  // one-CPU 6.12 guest once lost it to socktrace's /proc sweep).
  std::string err = tracer.stderr_text();
  if (err.find(" lost (") == std::string::npos || err.find(" 0 lost (") != std::string::npos)
    EXPECT_EQ(exits, 3) << "one exit line per task, as strace -f prints\n" << joined(lines) << err;
  else
    EXPECT_GE(exits, 2) << joined(lines) << err;
}

// A process whose main thread leaves (pthread_exit(), exit(2)) lives on in its
// other threads, while /proc shows its leader as a zombie: socktrace -p
// keeps tracing them (their calls, their exit) and ends with the last one.
TEST(Syscalls, MainThreadExitLeavesTheOthersTraced) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("out");
  Gate go;
  pid_t p = spawn([&] {
    go.wait();
    std::thread([] {
      // Past socktrace's once-a-second look at /proc, twice.
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      int s = socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(9);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      sendto(s, "x", 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      close(s);
    }).detach();
    // pthread_exit() as the kernel sees it: exit(2), this thread alone.
    // (pthread_exit() itself unwinds, which spawn()'s catch would stop.)
    syscall(SYS_exit, 0);
    return 1;
  });
  Socktrace tracer({"-p", std::to_string(p), "-o", out});
  go.open();
  EXPECT_EQ(wait_child(p), 0);
  EXPECT_EQ(tracer.wait_exit(30'000), 0) << tracer.stderr_text();
  std::string text;
  int sends = 0;
  for (const auto& l : read_lines(out)) {
    text += l + "\n";
    if (l.find("sendto(") != std::string::npos && l.find("sin_port=htons(9)") != std::string::npos) ++sends;
  }
  EXPECT_EQ(sends, 1) << "the thread left running after the main thread's exit was not traced:\n"
                      << text << tracer.stderr_text();
}

TEST(Syscalls, ExitsWithTheCommandsStatus) {
  REQUIRE_BPF();
  RunResult r = run_socktrace({"-o", "/dev/null", "--", "/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  r = run_socktrace({"-o", "/dev/null", "--", "/bin/sh", "-c", "kill -TERM $$"});
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.err;
}

// The command is forked at a gate and joins the filter before it execs: its
// first syscall is traced. netload is deterministic, so a separate strace run
// of it makes the same calls.
TEST(Syscalls, CommandIsTracedFromItsFirstSyscall) {
  REQUIRE_BPF();
  TempDir dir;
  std::string a = dir.path("strace.txt"), b = dir.path("socktrace.txt");
  RunResult r = run_socktrace({"-f", "-o", b, "--", NETLOAD_BINARY, dir.path("")}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(std::system(("strace -f -e trace=network -o " + a + " " + NETLOAD_BINARY + " " + dir.path("") +
                         " >/dev/null 2>&1").c_str()),
            0);
  auto count = [](const std::map<int, std::vector<std::string>>& tasks) {
    std::map<std::string, int> n;
    for (const auto& [pid, lines] : tasks)
      for (const auto& l : lines) ++n[l.substr(0, l.find('('))];
    return n;
  };
  auto want = by_task(read_lines(a));
  auto got = by_task(read_lines(b));
  EXPECT_EQ(count(got), count(want));
  // The first line of the main task is the same call.
  ASSERT_FALSE(got.empty());
  ASSERT_FALSE(want.empty());
  const auto& first_want = want.begin()->second.front();
  const auto& first_got = got.begin()->second.front();
  EXPECT_EQ(first_got.substr(0, first_got.find('(')), first_want.substr(0, first_want.find('(')));
}

TEST(Syscalls, JsonLinesCarryTheContract) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("out");
  RunResult r = run_socktrace({"--json", "-o", out, "--", NETLOAD_BINARY, dir.path("")}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int syscalls = 0, refused = 0;
  for (const auto& line : read_lines(out)) {
    JsonLine j = parse_flat_json(line);
    ASSERT_TRUE(j.count("event")) << line;
    for (const char* key : {"ts_ns", "pid", "tid", "comm"}) EXPECT_TRUE(j.count(key)) << key << " in " << line;
    if (j["event"] != "syscall") continue;
    ++syscalls;
    for (const char* key : {"name", "args", "ret", "errno", "dur_ns"}) EXPECT_TRUE(j.count(key)) << key << " in " << line;
    if (j["name"] == "connect" && j["errno"] == "ECONNREFUSED") {
      EXPECT_EQ(j["ret"], "-1");
      ++refused;
    }
  }
  EXPECT_GT(syscalls, 50);
  EXPECT_EQ(refused, 1);
}

TEST(Syscalls, SummaryCountsEveryCall) {
  REQUIRE_BPF();
  TempDir dir;
  std::string a = dir.path("strace.txt"), b = dir.path("summary.txt");
  RunResult r = run_socktrace({"-c", "-f", "-o", b, "--", "strace", "-f", "-e", "trace=network", "-o", a,
                               NETLOAD_BINARY, dir.path("")},
                              60);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> calls, errors;
  for (const auto& [pid, lines] : by_task(read_lines(a)))
    for (const auto& l : lines) {
      if (l.starts_with("+++")) continue;
      std::string name = l.substr(0, l.find('('));
      ++calls[name];
      if (l.find(") = -1 ") != std::string::npos) ++errors[name];
    }
  // "% time seconds usecs/call calls errors syscall" rows.
  std::map<std::string, int> got_calls, got_errors;
  std::regex row(R"(^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d*)\s*(\w+)$)");
  for (const auto& l : read_lines(b)) {
    std::smatch m;
    if (std::regex_match(l, m, row) && m[3] != "total") {
      got_calls[m[3]] = std::stoi(m[1]);
      got_errors[m[3]] = m[2].length() ? std::stoi(m[2]) : 0;
    }
  }
  EXPECT_EQ(got_calls, calls);
  for (auto& [name, n] : errors) EXPECT_EQ(got_errors[name], n) << name;
}

TEST(Syscalls, StringLimitZeroCapturesNoPayload) {
  REQUIRE_BPF();
  TempDir dir;
  std::string out = dir.path("out");
  RunResult r = run_socktrace({"-s", "0", "-e", "trace=sendto", "-o", out, "--", NETLOAD_BINARY, dir.path("")}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int sends = 0;
  for (const auto& l : read_lines(out)) {
    if (!l.starts_with("sendto(")) continue;
    ++sends;
    EXPECT_NE(l.find(", \"\"...,"), std::string::npos) << l;
  }
  EXPECT_GT(sends, 0);
}

TEST(Syscalls, BadInputIsOneLineAndExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases = {
      {{"-p", "999999999"}, "no process with pid"},
      {{"-p", "abc"}, "-p"},
      {{"-e", "trace=connect,opne", "--", "/bin/true"}, "'opne' is not a syscall"},
      {{"--", "no-such-command-socktrace"}, "command not found"},
      {{"-o", "/proc/socktrace-no/x", "--", "/bin/true"}, "/proc/socktrace-no/x"},
      {{"-s", "5000", "--", "/bin/true"}, "-s"},
  };
  for (const auto& c : cases) {
    RunResult r = run_socktrace(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace socktrace::testing
