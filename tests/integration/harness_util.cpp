#include "harness.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace socktrace::testing {

bool sanitized_build() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

bool bpf_usable(std::string* why) {
  if (geteuid() != 0) {
    *why = "integration tests need root (BPF programs are loaded)";
    return false;
  }
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    *why = "kernel has no BTF";
    return false;
  }
  return true;
}

JsonLine parse_flat_json(const std::string& s) {
  std::string_view line = s;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  auto fields = parse_json_object(line);
  if (!fields) throw std::runtime_error("not one JSON object: " + s);
  JsonLine out;
  for (auto& [key, field] : *fields) out.emplace(key, std::move(field.text));
  return out;
}

std::vector<JsonLine> read_json_lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<JsonLine> out;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(parse_flat_json(line));
  return out;
}

namespace {
std::string read_available(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

pid_t start(const std::vector<std::string>& args, int out_fd, int err_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    if (out_fd >= 0) dup2(out_fd, 1);
    dup2(err_fd, 2);
    std::vector<char*> argv;
    // SOCKTRACE_TEST_BINARY: run the tests against another build (e.g. of
    // main, for before/after figures).
    const char* other = getenv("SOCKTRACE_TEST_BINARY");
    std::string bin = other && *other ? other : SOCKTRACE_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}
}  // namespace

Socktrace::Socktrace(std::vector<std::string> args, const std::string& stdout_path) {
  int out_fd = -1;
  if (!stdout_path.empty()) out_fd = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  start_and_wait_ready(args, out_fd);
  if (out_fd >= 0) close(out_fd);
}

Socktrace::Socktrace(std::vector<std::string> args, int stdout_fd) { start_and_wait_ready(args, stdout_fd); }

void Socktrace::start_and_wait_ready(const std::vector<std::string>& args, int stdout_fd) {
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC)) throw std::runtime_error("pipe");
  pid_ = start(args, stdout_fd, err_pipe[1]);
  close(err_pipe[1]);
  err_fd_ = err_pipe[0];
  fcntl(err_fd_, F_SETFL, O_NONBLOCK);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // States modes say "Ctrl-C to stop"; the syscall trace says, as strace,
  // "Process N attached".
  while (err_.find("Ctrl-C to stop") == std::string::npos && err_.find(" attached\n") == std::string::npos) {
    pollfd p{err_fd_, POLLIN, 0};
    poll(&p, 1, 100);
    err_ += read_available(err_fd_);
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      stopped_ = true;
      throw std::runtime_error("socktrace exited before it was ready: " + err_);
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("socktrace not ready: " + err_);
  }
}

Socktrace::~Socktrace() {
  if (!stopped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (err_fd_ >= 0) close(err_fd_);
}

int Socktrace::wait_exit(int timeout_ms) {
  int status = 0;
  for (int waited = 0; !stopped_ && waited <= timeout_ms; waited += 50) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      stopped_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!stopped_) return -1;
  fcntl(err_fd_, F_SETFL, 0);
  err_ += read_available(err_fd_);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::string& Socktrace::stderr_now() {
  if (!stopped_) err_ += read_available(err_fd_);
  return err_;
}

int Socktrace::stop(int sig) {
  kill(pid_, sig);
  return wait_exit(10'000);
}

RunResult run_socktrace(const std::vector<std::string>& args, int timeout_sec) {
  TempDir dir;
  std::string out_path = dir.path("out"), err_path = dir.path("err");
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = start(args, out_fd, err_fd);
  close(out_fd);
  close(err_fd);
  RunResult r;
  int status = 0;
  bool done = false;
  for (int i = 0; i < timeout_sec * 20 && !done; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) done = true;
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    r.exit_code = -2;  // hung
  } else {
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::ifstream o(out_path), e(err_path);
  r.out.assign(std::istreambuf_iterator<char>(o), {});
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  return r;
}

pid_t spawn(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    int rc = 1;
    try {
      rc = body();
    } catch (...) {
    }
    _exit(rc);
  }
  return pid;
}

namespace {
// The fields of /proc/PID/stat after the command name, from the state on
// (field 3); empty when there is no such process.
std::vector<std::string> proc_stat_fields(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // "PID (COMM) S ...": the name may hold spaces and parentheses.
  auto end = stat.rfind(") ");
  std::vector<std::string> fields;
  if (end == std::string::npos) return fields;
  std::istringstream rest(stat.substr(end + 2));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}
}  // namespace

char proc_state(pid_t pid) {
  auto fields = proc_stat_fields(pid);
  return fields.empty() ? 0 : fields[0][0];
}

long proc_cpu_ticks(pid_t pid) {
  auto fields = proc_stat_fields(pid);
  // Fields 14 and 15: utime and stime.
  return fields.size() < 13 ? -1 : std::stol(fields[11]) + std::stol(fields[12]);
}

int wait_child(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Gate::Gate() {
  if (pipe(fds_)) throw std::runtime_error("pipe");
}
Gate::~Gate() {
  close(fds_[0]);
  close(fds_[1]);
}
void Gate::open(int value) {
  if (write(fds_[1], &value, sizeof(value)) != sizeof(value)) throw std::runtime_error("gate write");
}
int Gate::wait() {
  int value = 0;
  if (read(fds_[0], &value, sizeof(value)) != sizeof(value)) return -1;
  return value;
}

}  // namespace socktrace::testing

namespace socktrace::testing {

std::string run_capture(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = st;
  return out;
}

namespace {

// "key:\tvalue" of one fdinfo file.
std::map<std::string, std::string> read_fdinfo(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::size_t v = colon + 1;
    while (v < line.size() && (line[v] == '\t' || line[v] == ' ')) ++v;
    out[line.substr(0, colon)] = line.substr(v);
  }
  return out;
}

void add_held(pid_t pid, BpfIds& ids) {
  std::error_code ec;
  std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto info = read_fdinfo(e.path());
    if (info.count("link_id")) ids.links.push_back(std::stoi(info["link_id"]));
    if (info.count("prog_id")) ids.progs.push_back(std::stoi(info["prog_id"]));
    if (info.count("map_id")) ids.maps.push_back(std::stoi(info["map_id"]));
  }
}
}  // namespace

BpfIds bpf_ids_held_by(pid_t pid) {
  BpfIds ids;
  add_held(pid, ids);
  return ids;
}

std::vector<JsonLine> complete_json_lines(const std::string& path) {
  std::vector<JsonLine> out;
  std::string text = slurp(path);
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    if (nl > start) out.push_back(parse_flat_json(text.substr(start, nl - start)));
  return out;
}

bool eventually(const std::function<bool()>& done, int limit_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::map<std::string, std::string> bpf_programs_held_by(pid_t pid) {
  std::map<std::string, std::string> programs;
  for (int id : bpf_ids_held_by(pid).progs) {
    // "ID: TYPE  name NAME  tag ..."
    std::istringstream line(run_capture("bpftool prog show id " + std::to_string(id) + " 2>/dev/null"));
    std::string first, type, word, name;
    line >> first >> type >> word >> name;
    if (word == "name") programs[name] = type;
  }
  return programs;
}

// By the bpf() syscall rather than bpftool: a test polls these until the
// kernel has freed the objects, and starting bpftool each time costs
// seconds in the kernel-test guests (QEMU, no acceleration).
namespace {
bool bpf_id_exists(int (*get_fd)(__u32), int id) {
  int fd = get_fd(static_cast<__u32>(id));
  if (fd >= 0) {
    close(fd);
    return true;
  }
  return errno != ENOENT;
}
}  // namespace

bool bpf_prog_exists(int id) { return bpf_id_exists(bpf_prog_get_fd_by_id, id); }

bool bpf_link_exists(int id) { return bpf_id_exists(bpf_link_get_fd_by_id, id); }

std::vector<int> orphan_socktrace_programs() {
  // The entry points of bpf/*.bpf.c (names may be cut to 15 characters).
  static const char* kNames[] = {"on_process_fork", "on_process_exit", "on_inet_sock_set_state",
                                 "on_tcp_send_reset", "on_tcp_receive_reset", "on_exit_accept4",
                                 "on_exit_accept", "on_sys_enter", "on_sys_exit"};
  auto candidates = [] {
    std::set<int> ids;
    std::istringstream in(run_capture("bpftool prog show 2>/dev/null"));
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
      auto at = line.find(" name ");
      if (at == std::string::npos) continue;
      std::string name = line.substr(at + 6, line.find(' ', at + 6) - (at + 6));
      for (const char* n : kNames)
        if (name.size() >= 15 && std::string(n).rfind(name, 0) == 0) ids.insert(std::stoi(line));
        else if (name == n) ids.insert(std::stoi(line));
    }
    return ids;
  };
  auto held_anywhere = [] {
    BpfIds ids;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      std::string n = e.path().filename();
      if (!n.empty() && std::isdigit(static_cast<unsigned char>(n[0]))) add_held(std::stoi(n), ids);
    }
    return std::set<int>(ids.progs.begin(), ids.progs.end());
  };
  // A program whose last fd is being closed right now is briefly neither
  // held nor gone: only what stays unheld over a second counts.
  std::set<int> orphans;
  for (int round = 0; round < 3; ++round) {
    std::set<int> now = candidates(), held = held_anywhere(), unheld;
    for (int id : now)
      if (!held.count(id)) unheld.insert(id);
    if (round == 0) {
      orphans = unheld;
    } else {
      std::set<int> both;
      for (int id : orphans)
        if (unheld.count(id)) both.insert(id);
      orphans = both;
    }
    if (orphans.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return {orphans.begin(), orphans.end()};
}

// TcpExt TWRecycled of /proc/net/netstat: timewait sockets connect() reused.
long tw_recycled() {
  std::ifstream f("/proc/net/netstat");
  std::string names, values;
  while (std::getline(f, names) && std::getline(f, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value)
      if (name == "TWRecycled") return std::stol(value);
  }
  return -1;
}

namespace {
// ss's state names -> the kernel's, which socktrace uses.
std::string kernel_name(const std::string& ss) {
  static const std::map<std::string, std::string> m = {
      {"ESTAB", "ESTABLISHED"},     {"SYN-SENT", "SYN_SENT"},     {"SYN-RECV", "SYN_RECV"},
      {"FIN-WAIT-1", "FIN_WAIT1"},  {"FIN-WAIT-2", "FIN_WAIT2"},  {"TIME-WAIT", "TIME_WAIT"},
      {"UNCONN", "CLOSE"},          {"CLOSE-WAIT", "CLOSE_WAIT"}, {"LAST-ACK", "LAST_ACK"},
      {"LISTEN", "LISTEN"},         {"CLOSING", "CLOSING"}};
  auto it = m.find(ss);
  return it == m.end() ? ss : it->second;
}
}  // namespace

std::vector<std::vector<std::string>> last_list_rows(const std::string& path) {
  std::string text = run_capture(
      "grep '^{\"event\":\"sockets\"' " + path +
      " | tail -n 1 | jq -r '.sockets[] | [.proto, .state, \"\\(.saddr):\\(.sport)\", \"\\(.daddr):\\(.dport)\", .pid, "
      ".rx_queue, .tx_bytes, .rx_bytes, .in_state_ns, .in_state_bound, (.owners_before | map(.pid | tostring) | "
      "join(\",\")), (.container_id // \"\")] | map(tostring) | join(\"\\t\")'");
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, '\t');) cells.push_back(f);
    if (!line.empty() && line.back() == '\t') cells.push_back("");
    rows.push_back(cells);
  }
  return rows;
}

Counts ss_state_counts(const std::string& ss_output) {
  Counts c;
  std::istringstream in(ss_output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string state;
    if (l >> state) ++c[kernel_name(state)];
  }
  return c;
}

Counts json_counts(const std::string& object) {
  Counts c;
  static const std::regex re("\"([A-Z_0-9]+)\":([0-9]+)");
  for (std::sregex_iterator it(object.begin(), object.end(), re), end; it != end; ++it) {
    long n = std::stol((*it)[2]);
    if (n) c[(*it)[1]] = n;
  }
  return c;
}

std::string str(const Counts& c) {
  std::string s;
  for (auto& [k, v] : c) s += k + "=" + std::to_string(v) + " ";
  return s;
}

std::string http_response(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in a = loopback(port);
  std::string resp;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) resp.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  return resp;
}

std::string http_body(int port, const std::string& path) {
  std::string resp = http_response(port, path);
  auto body = resp.find("\r\n\r\n");
  return body == std::string::npos ? "" : resp.substr(body + 4);
}

Counts sum(Counts a, const Counts& b) {
  for (auto& [k, v] : b) a[k] += v;
  return a;
}

namespace {
// ss's filter expression for sockets with a local or remote port in `ports`.
std::string ss_filter(const std::vector<int>& ports) {
  std::string f;
  for (int p : ports) f += (f.empty() ? "" : " or ") + ("sport = :" + std::to_string(p)) + " or dport = :" + std::to_string(p);
  return "'( " + f + " )'";
}
}  // namespace

Counts ss_counts_on_ports(const std::string& flags, const std::vector<int>& ports) {
  return ss_state_counts(run_capture("ss -H " + flags + " " + ss_filter(ports)));
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

std::string last_hist(const std::string& path) {
  std::ifstream f(path);
  std::string line, last;
  while (std::getline(f, line))
    if (line.find("\"event\":\"hist\"") != std::string::npos) last = line;
  return last;
}

uint64_t inode_of(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

int tcp_listener(int backlog, bool defer_accept) {
  int fd = listen_on(AF_INET, backlog);
  if (fd >= 0 && defer_accept) {
    int secs = 30;
    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs));
  }
  return fd;
}

TcpPair tcp_pair(int listener) {
  TcpPair p;
  p.client = connect_to(AF_INET, local_port(listener));
  p.server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  return p;
}

}  // namespace socktrace::testing
