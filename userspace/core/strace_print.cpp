#include "core/strace_print.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace socktrace::strace {

std::string_view xlookup(std::span<const Xlat> table, uint64_t v) {
  for (const Xlat& x : table)
    if (x.val == v) return x.name;
  return {};
}

bool contains(std::span<const uint8_t> set, uint32_t v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}
void put_u(std::string& o, uint64_t v) {
  fmt::format_int f(v);
  o.append(f.data(), f.size());
}
void put_d(std::string& o, int64_t v) {
  fmt::format_int f(v);
  o.append(f.data(), f.size());
}
// printf's "%#x": no prefix for zero.
void put_hex(std::string& o, uint64_t v) {
  if (v == 0) {
    o += '0';
    return;
  }
  fmt::format_to(std::back_inserter(o), "{:#x}", v);
}
// strace's printaddr().
void put_addr(std::string& o, uint64_t a) {
  if (a == 0)
    o += "NULL";
  else
    fmt::format_to(std::back_inserter(o), "{:#x}", a);
}

// printxval(): the name, or the number in hex with the default as a comment.
void put_xval(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt) {
  std::string_view n = xlookup(table, v);
  if (!n.empty()) {
    o += n;
    return;
  }
  put_hex(o, v);
  o += " /* ";
  o += dflt;
  o += " */";
}

// printflags(): known bits joined by '|'; unknown rest as |0x..; with no
// known bit at all, the number and the default as a comment.
void put_flags(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt) {
  if (v == 0) {
    o += '0';
    return;
  }
  bool any = false;
  for (const Xlat& x : table) {
    if (x.val && (v & x.val) == x.val) {
      if (any) o += '|';
      o += x.name;
      any = true;
      v &= ~uint64_t{x.val};
    }
  }
  if (any) {
    if (v) {
      o += '|';
      put_hex(o, v);
    }
    return;
  }
  put_hex(o, v);
  o += " /* ";
  o += dflt;
  o += " */";
}
void quote_body(std::string& o, const unsigned char* p, std::size_t n, unsigned style) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = p[i];
    if ((style & kQuoteZeroTerminated) && c == 0) break;
    if (style & kQuoteForceHex) {
      o += "\\x";
      o += kHex[c >> 4];
      o += kHex[c & 15];
      continue;
    }
    switch (c) {
      case '"': o += "\\\""; continue;
      case '\\': o += "\\\\"; continue;
      case '\f': o += "\\f"; continue;
      case '\n': o += "\\n"; continue;
      case '\r': o += "\\r"; continue;
      case '\t': o += "\\t"; continue;
      case '\v': o += "\\v"; continue;
      default: break;
    }
    if (c >= 0x20 && c < 0x7f && !((style & kQuoteAngles) && (c == '<' || c == '>'))) {
      o += static_cast<char>(c);
      continue;
    }
    // Octal with as few digits as possible, unless an octal digit follows
    // and would be read as part of the escape.
    o += '\\';
    bool full = i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '7';
    if (full) {
      o += static_cast<char>('0' + (c >> 6));
      o += static_cast<char>('0' + ((c >> 3) & 7));
    } else if (c >> 3) {
      if (c >> 6) o += static_cast<char>('0' + (c >> 6));
      o += static_cast<char>('0' + ((c >> 3) & 7));
    }
    o += static_cast<char>('0' + (c & 7));
  }
}

void quote(std::string& o, const void* p, std::size_t n, unsigned style) {
  o += '"';
  quote_body(o, static_cast<const unsigned char*>(p), n, style);
  o += '"';
}

void put_inet_addr(std::string& o, const std::byte* a4) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, a4, buf, sizeof buf);
  o += "inet_addr(\"";
  o += buf;
  o += "\")";
}

void put_inet6_addr(std::string& o, const std::byte* a16, std::string_view field) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a16, buf, sizeof buf);
  o += "inet_pton(AF_INET6, \"";
  o += buf;
  o += "\", &";
  o += field;
  o += ')';
}

// PRINT_FIELD_IFINDEX: strace asks the tracer's host for the name.
void put_ifindex(std::string& o, uint32_t idx) {
  char name[IF_NAMESIZE];
  if (idx != 0 && if_indextoname(idx, name)) {
    o += "if_nametoindex(\"";
    o += name;
    o += "\")";
  } else {
    put_u(o, idx);
  }
}

void append_quoted(std::string& out, const std::byte* data, std::size_t n, bool truncated) {
  quote(out, data, n);
  if (truncated) out += "...";
}

void append_escaped(std::string& out, const std::byte* data, std::size_t n) {
  quote_body(out, reinterpret_cast<const unsigned char*>(data), n, kQuotePlain);
}

}  // namespace socktrace::strace
