// Why connections suffer, counted per process and per local port: the
// retransmissions, RSTs and failed connects `states` shows, and listen
// overflows. What `check`'s rate thresholds and `top`'s trouble columns
// read. Views of typed events: unit-testable with hand-built ones.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "core/histogram.h"

namespace socktrace {

enum class Trouble : uint8_t {
  kRetrans = 0,        // segments retransmitted (a SYN-ACK counts one)
  kRst = 1,            // RSTs sent or received by a socket
  kConnectFailed = 2,  // active opens that ended with an error (refused, timeout, unreachable, reset...)
  kListenOverflow = 3, // packets a listener dropped (its drop counter: core/listen_drops.h)
};
inline constexpr std::size_t kTroubleKinds = 4;
using TroubleArray = std::array<uint64_t, kTroubleKinds>;

// "retrans", "rst", "connect_failed", "listen_overflow".
std::string_view trouble_name(Trouble t);
// The inverse (case-insensitive); nothing for another word.
std::optional<Trouble> trouble_from_name(std::string_view name);

class TroubleCounts {
 public:
  // Counts only what `filter` admits: the owner (-p, --comm) and the local
  // or remote port (--port).
  explicit TroubleCounts(HistFilter filter = {}) : filter_(std::move(filter)) {}

  void on_retrans(const RetransEvent& e);
  void on_reset(const ResetEvent& e);
  // SYN_SENT -> CLOSE with the socket's error set (an active open that
  // failed; one its own process closed first, with no error, is not).
  void on_state(const StateEvent& e);
  // `n` drops of the listener on `lport` owned by `owner`.
  void on_listen_drops(const Header& owner, uint16_t lport, uint64_t n);

  uint64_t total(Trouble t) const { return totals_[static_cast<std::size_t>(t)]; }
  const TroubleArray& totals() const { return totals_; }
  // The `n` processes ("comm/pid", or "?" without an owner) and local ports
  // with the most of `t`, largest first (ties: by key).
  std::vector<TopEntry> top_processes(Trouble t, std::size_t n) const;
  std::vector<TopEntry> top_ports(Trouble t, std::size_t n) const;

  struct Row {
    std::string key;  // "comm/pid", "?", or the port
    uint32_t pid = 0;
    std::string comm;
    uint16_t port = 0;
    TroubleArray counts{};
  };
  // Every process / every local port with something counted.
  std::vector<Row> processes() const;
  std::vector<Row> ports() const;

 private:
  void add(Trouble t, const Header& owner, uint16_t lport, uint16_t rport, uint64_t n);
  HistFilter filter_;
  TroubleArray totals_{};
  std::unordered_map<std::string, Row> by_process_;
  std::unordered_map<uint16_t, TroubleArray> by_port_;
};

}  // namespace socktrace
