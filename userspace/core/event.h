// Typed events: what decode() makes of the ring buffer's bytes. Views consume
// these and never see the ABI structs.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <variant>

namespace socktrace {

struct Comm {
  std::array<char, 16> chars{};
  std::string_view view() const {
    std::size_t n = 0;
    while (n < chars.size() && chars[n] != '\0') ++n;
    return {chars.data(), n};
  }
};

struct Header {
  uint32_t flags = 0;
  uint64_t ts_ns = 0;  // CLOCK_MONOTONIC
  uint32_t pid = 0;
  uint32_t tid = 0;
  uint64_t cgroup_id = 0;
  Comm comm;
  bool owner_known() const;
  bool owner_inherited() const;
};

struct Address {
  uint16_t family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};
};

struct StateEvent {
  Header hdr;
  uint64_t skaddr = 0;
  uint64_t cookie = 0;
  uint64_t sock_cgroup_id = 0;
  uint64_t tx_bytes = 0;
  uint64_t rx_bytes = 0;
  uint64_t ino = 0;
  Address saddr;
  Address daddr;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint32_t netns = 0;
  uint32_t rx_queue = 0;
  uint32_t tx_queue = 0;
  uint32_t cpu_pid = 0;
  uint8_t protocol = 0;
  uint8_t old_state = 0;
  uint8_t new_state = 0;
};

using Event = std::variant<StateEvent>;

}  // namespace socktrace
