// Name tables, bounds-checked: a number outside a table gives "UNKNOWN".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socktrace {

// Kernel TCP_* state names without the prefix: "ESTABLISHED", "SYN_SENT"...
std::string_view tcp_state_name(unsigned state);
// The kernel number of a state name (case-insensitive, '-' accepted for '_'
// as ss writes them: "TIME-WAIT"), or nothing.
std::optional<uint8_t> tcp_state_from_name(std::string_view name);

// A name chosen by a process (comm, a path) with its control bytes as '?':
// never send them to the user's terminal.
std::string printable(std::string_view s);

// UDP and unix stream sockets (SockEvent) as ss names their states: the
// kernel's TCP_CLOSE is "UNCONN", TCP_ESTABLISHED "ESTAB", TCP_LISTEN
// "LISTEN"; 0 (not seen before) "UNKNOWN".
std::string_view sock_state_name(unsigned state);
// What a SockEvent's op did: "socket", "bind", "connect", "listen",
// "accept", "close", "exit", "socketpair"; "UNKNOWN" outside the table.
std::string_view sock_op_name(unsigned op);
// The socket did not exist before this op (socket, accept, socketpair) /
// no longer exists after it (close, exit).
bool sock_op_creates(unsigned op);
bool sock_op_ends(unsigned op);
// "udp" or "unix" for a SockEvent's family.
std::string_view sock_proto_name(uint16_t family);

// How an active open ended, from its SYN_SENT -> `new_state` transition and
// the socket's error at -> CLOSE: "established", "refused" (RST),
// "timeout", "unreachable" (ICMP), "reset", "aborted" (closed by its
// process before an answer: no error), or "error" (any other errno).
std::string_view connect_outcome(uint8_t new_state, uint16_t sk_err);

inline constexpr uint8_t kTcpEstablished = 1;
inline constexpr uint8_t kTcpSynSent = 2;
inline constexpr uint8_t kTcpSynRecv = 3;
inline constexpr uint8_t kTcpFinWait1 = 4;
inline constexpr uint8_t kTcpFinWait2 = 5;
inline constexpr uint8_t kTcpTimeWait = 6;
inline constexpr uint8_t kTcpClose = 7;
inline constexpr uint8_t kTcpCloseWait = 8;
inline constexpr uint8_t kTcpLastAck = 9;
inline constexpr uint8_t kTcpListen = 10;
inline constexpr uint8_t kTcpClosing = 11;
inline constexpr uint8_t kTcpNewSynRecv = 12;

}  // namespace socktrace
