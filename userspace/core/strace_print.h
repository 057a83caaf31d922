// strace's primitive printers, shared by the strace text and the JSON view:
// numbers as printf prints them, symbolic constants from name tables
// (printxval/printflags), quoted strings (string_quote), addresses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace socktrace::strace {

struct Xlat {
  uint32_t val;
  std::string_view name;
};

std::string_view xlookup(std::span<const Xlat> table, uint64_t v);
bool contains(std::span<const uint8_t> set, uint32_t v);

void put_u(std::string& o, uint64_t v);
void put_d(std::string& o, int64_t v);
// printf's "%#x": no prefix for zero.
void put_hex(std::string& o, uint64_t v);
// strace's printaddr(): NULL or the address in hex.
void put_addr(std::string& o, uint64_t a);
// printxval(): the name, or the number in hex with the default as a comment.
void put_xval(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt);
// printflags(): known bits joined by '|'; unknown rest as |0x..; with no
// known bit at all, the number and the default as a comment.
void put_flags(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt);

// A T at byte `off` of `b`, or T{} when `b` is too short: captured memory
// has no alignment and may be cut short.
template <class T>
T load(std::span<const std::byte> b, std::size_t off) {
  T v{};
  if (off + sizeof(T) <= b.size()) std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

// kQuoteAngles: '<' and '>' in octal too, as strace writes an fd's path
// inside "<...>".
enum QuoteStyle : unsigned { kQuotePlain = 0, kQuoteZeroTerminated = 1, kQuoteForceHex = 2, kQuoteAngles = 4 };

// string_quote()'s body: C escapes and minimal octal escapes.
void quote_body(std::string& o, const unsigned char* p, std::size_t n, unsigned style);
void quote(std::string& o, const void* p, std::size_t n, unsigned style = kQuotePlain);

// strace's string_quote(): "..." with C escapes and minimal octal escapes.
// `truncated` appends strace's "..." after the closing quote.
void append_quoted(std::string& out, const std::byte* data, std::size_t n, bool truncated = false);
// The same without the surrounding quotes (for JSON values).
void append_escaped(std::string& out, const std::byte* data, std::size_t n);

// inet_addr("127.0.0.1")
void put_inet_addr(std::string& o, const std::byte* a4);
// inet_pton(AF_INET6, "::1", &field)
void put_inet6_addr(std::string& o, const std::byte* a16, std::string_view field);
// PRINT_FIELD_IFINDEX: if_nametoindex("lo") when the tracer's host knows the
// index, else the number.
void put_ifindex(std::string& o, uint32_t idx);

}  // namespace socktrace::strace
