#include "core/net_format.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace socktrace {

std::string format_ip(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.family == AF_INET) {
    // inet_ntop goes through sprintf: four small numbers are cheaper by hand.
    char* p = buf;
    for (int i = 0; i < 4; ++i) {
      unsigned v = a.bytes[i];
      if (i) *p++ = '.';
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
    }
    return std::string(buf, p);
  } else if (a.family == AF_INET6) {
    inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof(buf));
  } else {
    return fmt::format("<family {}>", a.family);
  }
  return buf;
}

std::string format_endpoint(const Address& a, uint16_t port) {
  if (a.family == AF_INET6) return fmt::format("[{}]:{}", format_ip(a), port);
  return fmt::format("{}:{}", format_ip(a), port);
}

int family_version(uint16_t family) {
  if (family == AF_INET) return 4;
  if (family == AF_INET6) return 6;
  return 0;
}

std::string format_unix_name(const std::string& path) {
  std::string_view p(path);
  std::string out;
  if (!p.empty() && p.front() == '\0') {
    out += '@';
    p.remove_prefix(1);
  } else {
    // A filesystem name is NUL-terminated inside its length.
    auto nul = p.find('\0');
    if (nul != std::string_view::npos) p = p.substr(0, nul);
    if (p.empty()) return "*";
  }
  for (char c : p) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\\')
      fmt::format_to(std::back_inserter(out), "\\{:03o}", u);
    else
      out += c;
  }
  return out;
}

}  // namespace socktrace
