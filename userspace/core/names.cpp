#include "core/names.h"

#include <array>
#include <cctype>

namespace socktrace {

namespace {
constexpr std::array<std::string_view, 14> kTcpStates = {
    "UNKNOWN",   "ESTABLISHED", "SYN_SENT", "SYN_RECV",   "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
    "CLOSE",     "CLOSE_WAIT",  "LAST_ACK", "LISTEN",     "CLOSING",   "NEW_SYN_RECV",
    "BOUND_INACTIVE"};

bool same_state_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = static_cast<char>(std::toupper(static_cast<unsigned char>(a[i])));
    if (x == '-') x = '_';
    if (x != b[i]) return false;
  }
  return true;
}
}  // namespace

std::string_view tcp_state_name(unsigned state) {
  if (state >= kTcpStates.size()) return kTcpStates[0];
  return kTcpStates[state];
}

std::optional<uint8_t> tcp_state_from_name(std::string_view name) {
  for (std::size_t i = 1; i < kTcpStates.size(); ++i)
    if (same_state_name(name, kTcpStates[i])) return static_cast<uint8_t>(i);
  return std::nullopt;
}

}  // namespace socktrace
