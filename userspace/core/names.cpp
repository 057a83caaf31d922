#include "core/names.h"

#include <cerrno>

#include "socktrace/events.h"

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

std::string printable(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

std::string_view sock_state_name(unsigned state) {
  switch (state) {
    case 0: return "UNKNOWN";
    case kTcpClose: return "UNCONN";
    case kTcpEstablished: return "ESTAB";
    case kTcpListen: return "LISTEN";
    default: return tcp_state_name(state);
  }
}

std::string_view sock_op_name(unsigned op) {
  static constexpr std::array<std::string_view, 9> kOps{"UNKNOWN", "socket", "bind",  "connect",   "listen",
                                                        "accept",  "close",  "exit", "socketpair"};
  return op < kOps.size() ? kOps[op] : kOps[0];
}

bool sock_op_creates(unsigned op) { return op == ST_SOCK_CREATE || op == ST_SOCK_ACCEPT || op == ST_SOCK_PAIR; }
bool sock_op_ends(unsigned op) { return op == ST_SOCK_CLOSE || op == ST_SOCK_EXIT; }

std::string_view sock_proto_name(uint16_t family) { return family == 1 ? "unix" : "udp"; }

std::string_view connect_outcome(uint8_t new_state, uint16_t sk_err) {
  if (new_state != kTcpClose) return "established";
  switch (sk_err) {
    case 0: return "aborted";
    case ECONNREFUSED: return "refused";
    case ETIMEDOUT: return "timeout";
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN: return "unreachable";
    case ECONNRESET:
    case ECONNABORTED: return "reset";
    default: return "error";
  }
}

}  // namespace socktrace
