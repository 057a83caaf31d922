// strace's decode_sockaddr(): a sockaddr field by field, by family.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace socktrace::strace {

// A sockaddr as strace's decode_sockaddr() prints it from `len` captured
// bytes (addrlen is the length the program passed); arrays in it (AX.25
// digipeaters) show at most `limit` elements, as strace's -s.
void append_sockaddr_bytes(std::string& out, const std::byte* data, std::size_t len, int addrlen,
                           uint64_t limit = 32);

}  // namespace socktrace::strace
