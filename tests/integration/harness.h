// Integration-test harness: runs the real socktrace binary and the test's
// own loopback workloads in forked processes, and reads back JSON lines.
#pragma once

#include <netinet/in.h>

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "../support/files.h"
#include "../support/json_line.h"
#include "../support/sockets.h"

namespace socktrace::testing {

// Skips the test when BPF cannot be used here (not root, no BTF), except
// under CI=true, where that is a failure.
#define REQUIRE_BPF()                                                     \
  do {                                                                    \
    std::string why_;                                                     \
    if (!::socktrace::testing::bpf_usable(&why_)) {                       \
      if (::socktrace::testing::in_ci()) FAIL() << "BPF unavailable in CI: " << why_; \
      GTEST_SKIP() << why_;                                               \
    }                                                                     \
  } while (0)

bool bpf_usable(std::string* why);
bool in_ci();
// Built with AddressSanitizer (the ASan+UBSan run): its consumer is several
// times slower than the kernel side.
bool sanitized_build();

// One JSON object line's top-level members: key -> the value's text (a
// string unescaped, anything else as written). Read with
// parse_json_object() (support/json_line.h): a line that is not one valid
// JSON object throws.
using JsonLine = std::map<std::string, std::string>;
JsonLine parse_flat_json(const std::string& line);
std::vector<JsonLine> read_json_lines(const std::string& path);
// The whole lines of `path` as flat objects: socktrace may be writing its
// last line as the test reads.
std::vector<JsonLine> complete_json_lines(const std::string& path);

// A running socktrace, started with `args`, its stdout to `stdout_path`
// (when not empty) and stderr captured. Waits for its ready line.
class Socktrace {
 public:
  explicit Socktrace(std::vector<std::string> args, const std::string& stdout_path = "");
  // Its stdout is `stdout_fd` (which the caller still owns and closes).
  Socktrace(std::vector<std::string> args, int stdout_fd);
  ~Socktrace();
  // Sends `sig`, waits; returns the exit code (-1: killed or still running).
  int stop(int sig = SIGINT);
  // Waits up to timeout_ms for it to exit by itself; returns the exit code,
  // or -1 if it is still running.
  int wait_exit(int timeout_ms);
  const std::string& stderr_text() const { return err_; }
  // Its stderr so far, while it runs (what it wrote since is read first).
  const std::string& stderr_now();
  pid_t pid() const { return pid_; }

 private:
  void start_and_wait_ready(const std::vector<std::string>& args, int stdout_fd);
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
  bool stopped_ = false;
};

// Runs socktrace to completion (for errors): exit code and stderr.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult run_socktrace(const std::vector<std::string>& args, int timeout_sec = 60);

// Waits until `done` holds, checking every 100 ms for up to `limit_ms`;
// returns whether it held. The way to wait for output: never a fixed time.
bool eventually(const std::function<bool()>& done, int limit_ms = 15000);

// BPF objects a process holds through its fds (/proc/PID/fdinfo): program
// ids (of its program fds and of its links' programs), link ids, map ids.
struct BpfIds {
  std::vector<int> progs, links, maps;
};
BpfIds bpf_ids_held_by(pid_t pid);
// The BPF programs a process holds, name -> type ("tracepoint", "tracing",
// "cgroup_sock"...) as `bpftool prog show` prints them (names cut at 15
// bytes, as the kernel keeps them).
std::map<std::string, std::string> bpf_programs_held_by(pid_t pid);
// Whether the kernel still has a BPF program / link with this id (bpftool).
bool bpf_prog_exists(int id);
bool bpf_link_exists(int id);
// Ids of loaded programs named as socktrace's that no process holds an fd
// to (directly or through a link): leaked, e.g. pinned. Programs of other
// socktrace instances running at the same time are held, so not counted.
std::vector<int> orphan_socktrace_programs();

// One HTTP GET to 127.0.0.1:port: the whole response (status line,
// headers, body; "" when nothing answered), or only its body.
std::string http_response(int port, const std::string& path);
std::string http_body(int port, const std::string& path);

// The state letter of /proc/PID/stat (R, S, D, Z...), 0 when there is no
// such process.
char proc_state(pid_t pid);
// CPU ticks (user + system) the process has used, from /proc/PID/stat; -1
// when there is no such process.
long proc_cpu_ticks(pid_t pid);

// Forks `body` into a child process; returns its pid. The child _exits with
// body's return value.
pid_t spawn(const std::function<int()>& body);
// Waits for the child and returns its exit status (-1 on signal).
int wait_child(pid_t pid);

// Pipe used to sequence forked workloads: one side waits for the other.
class Gate {
 public:
  Gate();
  ~Gate();
  void open(int value = 0);  // writes one int
  int wait();                // reads one int
 private:
  int fds_[2];
};

// TcpExt TWRecycled of /proc/net/netstat: timewait sockets connect() reused
// (tcp_tw_reuse), -1 when unreadable.
long tw_recycled();

// State counts (non-zero only), by the kernel's state names as socktrace
// prints them: of `ss -H` output, and of a hist object ("tcp":{...}).
using Counts = std::map<std::string, long>;
Counts ss_state_counts(const std::string& ss_output);
Counts json_counts(const std::string& object);
std::string str(const Counts& c);  // "STATE=N STATE=N " for messages
// a + b, state by state.
Counts sum(Counts a, const Counts& b);
// `ss -H <flags>` (e.g. -tan, -uan) counts per state, of the sockets whose
// local or remote port is one of `ports`.
Counts ss_counts_on_ports(const std::string& flags, const std::vector<int>& ports);

// The rows of the last `sockets` object of a `top --list --json` output, one
// tab-separated line each: proto, state, local, peer, pid, rx_queue,
// tx_bytes, rx_bytes, in_state_ns, in_state_bound, earlier owners' pids,
// container_id ("" when none).
std::vector<std::vector<std::string>> last_list_rows(const std::string& path);

// The output of a shell command (popen); its wait status in *status if given.
std::string run_capture(const std::string& cmd, int* status = nullptr);
// A file's whole text ("" when unreadable), and its lines.
std::string read_file(const std::string& path);
std::vector<std::string> read_lines(const std::string& path);
// The last "hist" line socktrace wrote to `path` ("" when none yet).
std::string last_hist(const std::string& path);
// The inode number of `path` (a cgroup's id, a namespace's), 0 when absent.
uint64_t inode_of(const std::string& path);

// listen_on(AF_INET, backlog) (support/sockets.h), and with
// `defer_accept` (TCP_DEFER_ACCEPT), the handshake's last ACK is ignored
// until data comes: the request socket stays in SYN-RECV while the client
// is ESTABLISHED.
int tcp_listener(int backlog = 4096, bool defer_accept = false);
// One loopback connection to `listener`: its client and accepted server fd.
struct TcpPair {
  int client = -1;
  int server = -1;
};
TcpPair tcp_pair(int listener);

}  // namespace socktrace::testing
