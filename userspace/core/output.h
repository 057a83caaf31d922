// Where a view's lines go: stdout or a file created 0640 without following
// a symlink planted at its path. Buffered; a reader that went away (EPIPE,
// `socktrace ... | head`) ends the trace quietly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace socktrace {

// How a long-running log writes its file (socktrace log).
struct OutputPolicy {
  uint64_t max_size = 0;  // rotate before the file would exceed this; 0: never
  int max_files = 5;      // rotated files kept: FILE.1 (newest) .. FILE.N
  bool append = false;    // keep what the file holds (a torn last line is cut off)
  bool keep_going = false;  // a failed write (disk full) drops those lines, counts them, and retries later
  std::string file_header;  // written at the top of every new file (a line, '\n' included)
};

class Output {
 public:
  // "" or "-" is stdout. Throws UsageError when the file cannot be created.
  explicit Output(const std::string& path, const OutputPolicy& policy = {});
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  // Appends; flushes when the buffer is full.
  void write(std::string_view s);
  // Takes the buffer's contents (used by views that format in place).
  void write(const fmt::memory_buffer& b) { write(std::string_view(b.data(), b.size())); }
  void flush();
  // Replaces the header of files started from now on (OutputPolicy::file_header),
  // and the current file's when it holds nothing else yet.
  void set_file_header(std::string header);
  // Closes and opens the path again (SIGHUP, after logrotate moved it).
  void reopen();
  // Lines dropped because a write failed (keep_going), and the failures.
  uint64_t lines_lost() const { return lines_lost_; }
  uint64_t write_errors() const { return write_errors_; }
  uint64_t rotations() const { return rotations_; }
  // Bytes that reached the file(s) (headers included).
  uint64_t bytes_written() const { return bytes_written_; }
  // False once the reader has gone away (noticed by the next write, or by
  // flush() on an idle pipe) or a write failed.
  bool ok() const { return ok_; }
  bool is_terminal() const { return tty_; }
  const std::string& path() const { return path_; }

 private:
  void open_file(bool truncate);
  void rotate();
  bool write_all(std::string_view data);

  std::string path_;
  OutputPolicy policy_;
  uint64_t file_size_ = 0;
  uint64_t lines_lost_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t rotations_ = 0;
  uint64_t bytes_written_ = 0;
  bool failing_ = false;
  int fd_ = 1;
  bool owned_ = false;
  bool ok_ = true;
  bool tty_ = false;
  bool pipe_ = false;  // a pipe or socket: its reader can go away
  std::string buf_;
};

}  // namespace socktrace
