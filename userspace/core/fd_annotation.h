// -y: the socket or file behind an fd, as strace -yy prints it:
// `3<TCP:[127.0.0.1:40000->127.0.0.1:5000]>`, `4<UNIX-STREAM:[1743008->1743009]>`,
// `3<NETLINK:[ROUTE:27845]>`; a socket sock_diag would not list (unbound,
// or a TCP socket still in CLOSE) shows its inode: `3<TCP:[1742992]>`. A
// file shows its path as readlink(/proc/PID/fd/N) gives it: `5</tmp/data>`,
// `0</dev/null<char 1:3>>`, `3<pipe:[2933364]>`, `7</memfd:x>(deleted)`.
#pragma once

#include <cstdint>
#include <string>

#include "core/event.h"

namespace socktrace {

// Whether sock_diag lists bound, unconnected, non-listening TCP sockets (Linux
// 6.5+, the default); before, strace -yy shows such a socket by its inode,
// and so does this. Set once at start from kernel/sock_diag's probe.
void set_diag_lists_bound_tcp(bool listed);

// Appends `fd`, annotated when `info` describes a socket or a file.
void append_annotated_fd(std::string& out, int64_t fd, const FdInfo* info);

}  // namespace socktrace
