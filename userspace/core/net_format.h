// Addresses and endpoints as ss and strace print them.
#pragma once

#include <cstdint>
#include <string>

#include "core/event.h"

namespace socktrace {

// "127.0.0.1", "::1", "::ffff:127.0.0.1" (v4-mapped, as inet_ntop writes it).
std::string format_ip(const Address& a);
// "127.0.0.1:80", "[::1]:80".
std::string format_endpoint(const Address& a, uint16_t port);
// A unix socket's name as ss prints it: "/run/x.sock", "@abstract" (the
// leading NUL shown as '@'), "*" when unbound; bytes below 0x20 and from
// 0x7f up as \ooo (a name is the binder's choice: it must not reach a
// terminal raw).
std::string format_unix_name(const std::string& path);
// 4 or 6 for AF_INET / AF_INET6, 0 otherwise.
int family_version(uint16_t family);

}  // namespace socktrace
