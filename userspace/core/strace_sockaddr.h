// strace's decode_sockaddr(): a sockaddr field by field, by family.
#pragma once

#include <cstddef>
#include <string>

namespace socktrace::strace {

// A sockaddr as strace's decode_sockaddr() prints it from `len` captured
// bytes (addrlen is the length the program passed).
void append_sockaddr_bytes(std::string& out, const std::byte* data, std::size_t len, int addrlen);

}  // namespace socktrace::strace
