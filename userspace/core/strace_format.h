// strace 6.1's text for the %network syscalls, line for line as
// `strace -f -o FILE` writes it, made from the arguments and the user memory
// the kernel side captured (include/socktrace/events.h, ST_BLOB_*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/event.h"

namespace socktrace {

struct StraceOptions {
  int string_limit = 32;   // -s
  bool durations = false;  // -T
  int timestamps = 0;      // 1: -t, 2: -tt, 3: -ttt
  bool pid_prefix = false; // "%-5u " of the tid, as strace -f -o FILE
  bool annotate_fds = false;  // -y: `3<TCP:[127.0.0.1:40000->127.0.0.1:5000]>`
};

// Appends one line, '\n' included.
void format_syscall(const SyscallEvent& e, const StraceOptions& opt, const WallClock& clock,
                    std::string& out);
// "+++ exited with N +++", "+++ killed by SIGKILL +++",
// "+++ killed by SIGSEGV (core dumped) +++".
void format_exit(const ProcEvent& e, const StraceOptions& opt, const WallClock& clock,
                 std::string& out);

// The pieces below are strace's decoders, shared with the JSON view.
namespace strace {

// strace's string_quote(): "..." with C escapes and minimal octal escapes.
// `truncated` appends strace's "..." after the closing quote.
void append_quoted(std::string& out, const std::byte* data, std::size_t n, bool truncated = false);
// The same without the surrounding quotes (for JSON values).
void append_escaped(std::string& out, const std::byte* data, std::size_t n);

void append_family(std::string& out, uint32_t family);          // AF_INET, 0x4d2 /* AF_??? */
void append_sock_type(std::string& out, uint32_t type);         // SOCK_STREAM|SOCK_CLOEXEC
void append_sock_flags(std::string& out, uint32_t flags);       // accept4 flags
void append_protocol(std::string& out, uint32_t family, uint32_t protocol);  // socket()'s
void append_msg_flags(std::string& out, uint32_t flags);        // MSG_DONTWAIT|MSG_NOSIGNAL
void append_shutdown_how(std::string& out, uint32_t how);       // SHUT_RDWR
void append_sockopt_level(std::string& out, uint32_t level);    // SOL_SOCKET
void append_sockopt_name(std::string& out, uint32_t level, uint32_t name, bool get);
// A sockaddr as strace's decode_sockaddr() prints it from `len` captured
// bytes (addrlen is the length the program passed).
void append_sockaddr_bytes(std::string& out, const std::byte* data, std::size_t len, int addrlen);

}  // namespace strace

}  // namespace socktrace
