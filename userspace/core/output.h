// Where a view's lines go: stdout or a file created 0640 without following
// a symlink planted at its path. Buffered; a reader that went away (EPIPE,
// `socktrace ... | head`) ends the trace quietly.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace socktrace {

class Output {
 public:
  // "" or "-" is stdout. Throws UsageError when the file cannot be created.
  explicit Output(const std::string& path);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Appends; flushes when the buffer is full.
  void write(std::string_view s);
  // Takes the buffer's contents (used by views that format in place).
  void write(const fmt::memory_buffer& b) { write(std::string_view(b.data(), b.size())); }
  void flush();
  // False once the reader has gone away (noticed by the next write, or by
  // flush() on an idle pipe) or a write failed.
  bool ok() const { return ok_; }
  bool is_terminal() const { return tty_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = 1;
  bool owned_ = false;
  bool ok_ = true;
  bool tty_ = false;
  bool pipe_ = false;  // a pipe or socket: its reader can go away
  std::string buf_;
};

}  // namespace socktrace
