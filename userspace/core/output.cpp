#include "core/output.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/error.h"

namespace socktrace {

namespace {
constexpr std::size_t kFlushAt = 64 * 1024;
}

std::string errno_message(const std::string& what, int err) {
  return what + ": " + std::strerror(err);
}

Output::Output(const std::string& path) : path_(path) {
  if (!path.empty() && path != "-") {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      int err = errno;
      std::string hint = err == ELOOP ? " (it is a symlink; socktrace does not follow symlinks for output)"
                                      : " (choose a writable path with -o)";
      throw UsageError(errno_message("cannot write output file " + path, err) + hint);
    }
    owned_ = true;
  }
  tty_ = isatty(fd_);
  struct stat st{};
  pipe_ = fstat(fd_, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  buf_.reserve(kFlushAt * 2);
}

Output::~Output() {
  flush();
  if (owned_) ::close(fd_);
}

void Output::write(std::string_view s) {
  if (!ok_) return;
  buf_.append(s);
  if (buf_.size() >= kFlushAt || tty_) flush();
}

void Output::flush() {
  // `socktrace states | head -1` on a quiet host: head is gone but nothing
  // is written to notice it. A pipe whose reader closed polls as POLLERR.
  if (ok_ && pipe_ && buf_.empty()) {
    pollfd p{fd_, 0, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) ok_ = false;
  }
  std::size_t done = 0;
  while (ok_ && done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EPIPE) spdlog::error("{}", errno_message("write to " + (owned_ ? path_ : std::string("stdout")), errno));
      ok_ = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  buf_.clear();
}

}  // namespace socktrace
