// strace's decode_netlink(): the nlmsghdr array of a buffer sent to or
// received from a netlink socket, with NLMSG_ERROR, NLMSG_DONE, and the
// first-level payloads of NETLINK_SOCK_DIAG (inet, unix and netlink diag
// requests and replies) and NETLINK_ROUTE (ifinfomsg, ifaddrmsg, rtmsg,
// ndmsg with their attributes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace socktrace::strace {

// `data` holds the first data.size() of the `len` bytes of the buffer.
// `protocol` is the socket's NETLINK_* protocol when strace would know it
// (it finds it over sock_diag, which lists only sockets with a port id),
// else -1: then only the control messages are decoded. `limit` is -s:
// strace shows at most that many messages, attributes and string bytes.
void append_netlink(std::string& o, std::span<const std::byte> data, uint64_t len, int protocol, uint64_t limit);

}  // namespace socktrace::strace
