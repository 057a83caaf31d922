// What `states`, `log` and `top` keep of a socket that waits long with
// nothing to learn but its end: a host holds up to 131 072 TIME_WAIT
// sockets (the kernel's tcp_max_tw_buckets), each for 60 s. Up to three
// parts of socktrace keep something of each: the TIME_WAIT tracker the
// template of the transitions it derives, the timeline builder the
// connection so far, the states view the time of its last transition. Each
// kept its own record in its own map: ~490 bytes a socket in `log`. Here a
// socket has one record for all three, its parts packed (core/pack.h) one
// after the other in one allocation, behind one index by cookie.
//
// The parts share the socket's identity (its endpoints, netns, cgroup and
// owner: core/pack.h), the record's fourth part, written by the first part
// stored and never changed: a part whose own values are the same leaves
// them out.
//
// A record: a byte of the parts present, then each present part as its
// length (LEB128) and its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/flat_map.h"
#include "core/pack.h"

namespace socktrace {

class Parking {
 public:
  enum Part : uint8_t { kTracker = 0, kTimeline = 1, kView = 2, kIdentity = 3 };
  static constexpr int kParts = 4;

  Parking() = default;
  Parking(const Parking&) = delete;
  Parking& operator=(const Parking&) = delete;
  ~Parking();

  // Stores `bytes` as cookie's `part`, replacing what was there.
  void put(uint64_t cookie, Part part, std::span<const uint8_t> bytes);
  // Cookie's `part`: empty when it has none. Valid until the next put() or
  // erase() of any socket.
  std::span<const uint8_t> get(uint64_t cookie, Part part) const;
  bool has(uint64_t cookie, Part part) const;
  // The identity cookie's parts share: the record's, else `mine`, which
  // becomes the record's. A put() of a part must follow.
  SocketIdentity identity(uint64_t cookie, const SocketIdentity& mine);
  // Its record's identity, if it has a record.
  std::optional<SocketIdentity> identity(uint64_t cookie) const;
  // Forgets cookie's `part` (its record goes with its last part).
  void erase(uint64_t cookie, Part part);
  // Sockets with a `part`.
  std::size_t count(Part part) const { return counts_[part]; }
  // f(cookie, bytes) for every socket with a `part`; f must not put or erase.
  template <typename F>
  void for_each(Part part, F&& f) const {
    records_.for_each([&](uint64_t cookie, uint8_t* const& rec) {
      if (rec[0] & (1u << part)) f(cookie, part_of(rec, part));
    });
  }

 private:
  static std::span<const uint8_t> part_of(const uint8_t* rec, Part part);
  // A record of the parts in `mask` (parts[i] for each), new[]'d.
  uint8_t* build(uint8_t mask, const std::span<const uint8_t>* parts);
  PackWriter writer_;  // build()'s, reused
  FlatMap<uint8_t*> records_;  // cookie -> its record (new[]'d)
  std::size_t counts_[kParts] = {};
};

}  // namespace socktrace
