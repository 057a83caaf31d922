#include "core/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/error.h"

namespace socktrace {

namespace {
constexpr std::size_t kFlushAt = 64 * 1024;
}

Output::Output(const std::string& path, const OutputPolicy& policy) : path_(path), policy_(policy) {
  if (!path.empty() && path != "-") {
    open_file(!policy_.append);
    owned_ = true;
  }
  tty_ = isatty(fd_);
  struct stat st{};
  pipe_ = fstat(fd_, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  buf_.reserve(kFlushAt * 2);
}

// O_NOFOLLOW: a symlink planted at the path is refused, never followed.
void Output::open_file(bool truncate) {
  // Read access only to find a torn last line when appending.
  int flags = (truncate ? O_WRONLY | O_TRUNC : O_RDWR | O_APPEND) | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(path_.c_str(), flags, 0640);
  if (fd < 0) {
    int err = errno;
    std::string hint = err == ELOOP ? " (it is a symlink; socktrace does not follow symlinks for output)"
                                    : " (choose a writable path with -o)";
    throw UsageError(errno_message("cannot write output file " + path_, err) + hint);
  }
  struct stat st{};
  file_size_ = fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (!truncate && file_size_ > 0) {
    // A line torn by a crash or a full disk would not parse: cut it off.
    char last = '\n';
    if (pread(fd, &last, 1, static_cast<off_t>(file_size_ - 1)) == 1 && last != '\n') {
      std::string tail(std::min<uint64_t>(file_size_, 1 << 20), '\0');
      off_t from = static_cast<off_t>(file_size_ - tail.size());
      ssize_t got = pread(fd, tail.data(), tail.size(), from);
      auto nl = got > 0 ? tail.rfind('\n', static_cast<std::size_t>(got) - 1) : std::string::npos;
      uint64_t keep = nl == std::string::npos ? 0 : static_cast<uint64_t>(from) + nl + 1;
      if (ftruncate(fd, static_cast<off_t>(keep)) == 0) {
        spdlog::warn("{}: cut off a torn last line ({} bytes)", path_, file_size_ - keep);
        file_size_ = keep;
      }
    }
  }
  if (fd_ > 2 && owned_) ::close(fd_);
  fd_ = fd;
  if (!policy_.file_header.empty() && file_size_ == 0) {
    if (write_all(policy_.file_header)) {
      file_size_ += policy_.file_header.size();
      bytes_written_ += policy_.file_header.size();
    }
  }
}

void Output::set_file_header(std::string header) {
  bool only_header = owned_ && buf_.empty() && !policy_.file_header.empty() &&
                     file_size_ == policy_.file_header.size();
  uint64_t old_size = policy_.file_header.size();
  policy_.file_header = std::move(header);
  if (!only_header || ftruncate(fd_, 0) != 0) return;
  file_size_ = 0;
  bytes_written_ -= old_size;
  lseek(fd_, 0, SEEK_SET);
  if (write_all(policy_.file_header)) {
    file_size_ += policy_.file_header.size();
    bytes_written_ += policy_.file_header.size();
  }
}

Output::~Output() {
  flush();
  if (owned_) ::close(fd_);
}

void Output::write(std::string_view s) {
  if (!ok_) return;
  // Rotation happens between lines: every call holds whole lines.
  if (policy_.max_size && owned_ && file_size_ + buf_.size() + s.size() > policy_.max_size &&
      file_size_ + buf_.size() > 0) {
    flush();
    rotate();
  }
  buf_.append(s);
  if (buf_.size() >= kFlushAt || tty_) flush();
}

// FILE -> FILE.1 -> ... -> FILE.N; the oldest is overwritten by the rename.
// Only the files that exist are shifted (up to the first missing one): a
// large --max-files costs nothing until the files are there.
void Output::rotate() {
  int keep = std::max(policy_.max_files, 1);
  int top = 1;
  while (top < keep && ::access((path_ + "." + std::to_string(top)).c_str(), F_OK) == 0) ++top;
  for (int i = top - 1; i >= 1; --i) {
    std::string from = path_ + "." + std::to_string(i), to = path_ + "." + std::to_string(i + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
      spdlog::warn("{}", errno_message("rotate " + from, errno));
  }
  if (::rename(path_.c_str(), (path_ + ".1").c_str()) != 0)
    spdlog::warn("{}", errno_message("rotate " + path_, errno));
  ++rotations_;
  try {
    open_file(true);
  } catch (const UsageError& e) {
    spdlog::error("{}", e.what());
    ok_ = policy_.keep_going;
  }
}

void Output::reopen() {
  if (!owned_) return;
  flush();
  try {
    open_file(false);
  } catch (const UsageError& e) {
    spdlog::error("{}", e.what());
  }
}

// Writes everything or nothing: after a failure the file is cut back to
// where it was, so no line is left half-written.
bool Output::write_all(std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (done > 0 && owned_) (void)!ftruncate(fd_, static_cast<off_t>(file_size_));
      errno = err;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void Output::flush() {
  // `socktrace states | head -1` on a quiet host: head is gone but nothing
  // is written to notice it. A pipe whose reader closed polls as POLLERR.
  if (ok_ && pipe_ && buf_.empty()) {
    pollfd p{fd_, 0, 0};
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) ok_ = false;
  }
  if (!ok_ || buf_.empty()) {
    buf_.clear();
    return;
  }
  if (write_all(buf_)) {
    file_size_ += buf_.size();
    bytes_written_ += buf_.size();
    if (failing_) {
      spdlog::info("{}: writing again ({} lines lost while it failed)", path_, lines_lost_);
      failing_ = false;
    }
  } else {
    int err = errno;
    if (policy_.keep_going && err != EPIPE) {
      lines_lost_ += static_cast<uint64_t>(std::count(buf_.begin(), buf_.end(), '\n'));
      ++write_errors_;
      if (!failing_)
        spdlog::error("{}; dropping lines until writing works again (they are counted)",
                      errno_message("write to " + path_, err));
      failing_ = true;
    } else {
      if (err != EPIPE)
        spdlog::error("{}", errno_message("write to " + (owned_ ? path_ : std::string("stdout")), err));
      ok_ = false;
    }
  }
  buf_.clear();
}

}  // namespace socktrace
