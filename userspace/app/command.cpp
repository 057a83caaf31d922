#include "app/command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/error.h"

namespace socktrace {

namespace {

bool is_executable_file(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> find_executable(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

GatedCommand::GatedCommand(const std::vector<std::string>& argv) {
  auto exe = find_executable(argv.at(0));
  if (!exe)
    throw UsageError(fmt::format("{}: command not found or not executable (check the name and $PATH)", argv[0]));
  int gate[2], err[2];
  if (pipe2(gate, O_CLOEXEC) != 0) throw RuntimeError(errno_message("pipe", errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(gate[0]);
    close(gate[1]);
    throw RuntimeError(errno_message("pipe", errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0) throw RuntimeError(errno_message("fork", errno));
  if (pid_ == 0) {
    // The child: only async-signal-safe calls from here on.
    close(gate[1]);
    close(err[0]);
    char go;
    if (read(gate[0], &go, 1) != 1) _exit(127);  // socktrace went away
    // socktrace ignores SIGPIPE; the command must not inherit that.
    ::signal(SIGPIPE, SIG_DFL);
    execv(exe->c_str(), args.data());
    int e = errno;
    (void)!write(err[1], &e, sizeof(e));
    _exit(127);
  }
  close(gate[0]);
  close(err[1]);
  gate_fd_ = gate[1];
  error_fd_ = err[0];
}

GatedCommand::~GatedCommand() {
  if (gate_fd_ >= 0) close(gate_fd_);
  if (error_fd_ >= 0) close(error_fd_);
  if (pid_ > 0 && !released_ && !status_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void GatedCommand::release() {
  char go = 1;
  released_ = true;
  if (write(gate_fd_, &go, 1) != 1) throw RuntimeError(errno_message("start the command", errno));
  close(gate_fd_);
  gate_fd_ = -1;
  int e = 0;
  ssize_t n;
  do n = read(error_fd_, &e, sizeof(e));
  while (n < 0 && errno == EINTR);
  close(error_fd_);
  error_fd_ = -1;
  if (n == sizeof(e)) {
    poll_exit();
    throw UsageError(errno_message("cannot run the command", e));
  }
}

bool GatedCommand::poll_exit() {
  if (status_) return true;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) status_ = st;
  return status_.has_value();
}

int GatedCommand::exit_code() const {
  if (!status_) return kExitRuntime;
  if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
  if (WIFSIGNALED(*status_)) return 128 + WTERMSIG(*status_);
  return kExitRuntime;
}

void GatedCommand::signal(int sig) const {
  if (pid_ > 0 && !status_) kill(pid_, sig);
}

}  // namespace socktrace
