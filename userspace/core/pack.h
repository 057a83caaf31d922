// Compact in-memory records for what waits long: a host holds up to
// 131 072 TIME_WAIT sockets (the kernel's tcp_max_tw_buckets), and `log`,
// `states --timeline` and `top` keep each one's TIME_WAIT tracker record and
// timeline until its timer ends it, 60 s later. As structs, with their
// fixed-width fields, 16-byte addresses and map nodes, the two took ~716
// bytes a socket (BM_TimewaitTimeline); packed (LEB128 integers, an IPv4
// address in 4 bytes, a comm as its characters, one allocation each) ~396.
//
// Not an ABI and never stored or sent: a record is unpacked by the build that
// packed it, in the same process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/event.h"

namespace socktrace {

// One record's bytes, allocated once at their exact size.
using Packed = std::unique_ptr<uint8_t[]>;

class PackWriter {
 public:
  void u(uint64_t v);  // LEB128: 1 byte below 128, 10 at most
  void s(int64_t v);   // zigzag, then u()
  void byte(uint8_t v) { buf_.push_back(v); }
  void bytes(const uint8_t* p, std::size_t n) { buf_.insert(buf_.end(), p, p + n); }
  void address(const Address& a);  // family, then 4 bytes (AF_INET) or 16
  void comm(const Comm& c);        // its length, then its characters
  void header(const Header& h);
  // The bytes written since the last take(), as one allocation; starts over.
  Packed take();
  std::size_t size() const { return buf_.size(); }

 private:
  std::vector<uint8_t> buf_;  // reused: one record at a time
};

class PackReader {
 public:
  explicit PackReader(const uint8_t* p) : p_(p) {}
  uint64_t u();
  int64_t s();
  uint8_t byte() { return *p_++; }
  void bytes(uint8_t* out, std::size_t n);
  Address address();
  Comm comm();
  Header header();

 private:
  const uint8_t* p_;
};

// A whole StateEvent (every field: derived transitions are copies of one).
void pack_state_event(PackWriter& w, const StateEvent& e);
StateEvent unpack_state_event(PackReader& r);

}  // namespace socktrace
