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
#include <span>
#include <vector>

#include "core/event.h"

namespace socktrace {

// A signed integer as an unsigned one small in magnitude (0, -1, 1, -2...).
inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t z) { return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1); }

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
  // A kernel address: its 8 bytes as they are (LEB128 took 10).
  void skaddr(uint64_t v) { bytes(reinterpret_cast<const uint8_t*>(&v), sizeof(v)); }
  // The bytes written since the last take(), as one allocation; starts over.
  Packed take();
  // The bytes written so far (valid until the next write), and starting over
  // without taking them.
  std::span<const uint8_t> view() const { return buf_; }
  void clear() { buf_.clear(); }
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
  const uint8_t* at() const { return p_; }
  void skip(std::size_t n) { p_ += n; }
  void bytes(uint8_t* out, std::size_t n);
  Address address();
  Comm comm();
  Header header();
  uint64_t skaddr() {
    uint64_t v;
    bytes(reinterpret_cast<uint8_t*>(&v), sizeof(v));
    return v;
  }

 private:
  const uint8_t* p_;
};

// The endpoints, netns and cgroup of `t` (what has these fields: a
// StateEvent, a timeline's connection, a SocketIdentity), in one order.
template <typename T>
void pack_endpoints(PackWriter& w, const T& t) {
  w.u(t.netns);
  w.address(t.saddr);
  w.address(t.daddr);
  w.u(t.sport);
  w.u(t.dport);
  w.u(t.sock_cgroup_id);
}
template <typename T>
void unpack_endpoints(PackReader& r, T& t) {
  t.netns = static_cast<uint32_t>(r.u());
  t.saddr = r.address();
  t.daddr = r.address();
  t.sport = static_cast<uint16_t>(r.u());
  t.dport = static_cast<uint16_t>(r.u());
  t.sock_cgroup_id = r.u();
}

// The endpoints, netns and cgroup of `from` into `to` (both have these
// fields).
template <typename From, typename To>
void copy_endpoints(const From& from, To& to) {
  to.netns = from.netns;
  to.saddr = from.saddr;
  to.daddr = from.daddr;
  to.sport = from.sport;
  to.dport = from.dport;
  to.sock_cgroup_id = from.sock_cgroup_id;
}

// What the records one socket keeps share (core/parking.h): its
// endpoints, netns and cgroup, and its owner but for the time.
struct SocketIdentity {
  uint32_t netns = 0;
  Address saddr, daddr;
  uint16_t sport = 0, dport = 0;
  uint64_t sock_cgroup_id = 0;
  Header owner;  // ts_ns unused

  // The identity of `t` (what has these fields: a StateEvent, a timeline's
  // connection), owned by `by`.
  template <typename T>
  static SocketIdentity of(const T& t, const Header& by) {
    SocketIdentity id;
    copy_endpoints(t, id);
    id.owner = by;
    id.owner.ts_ns = 0;
    return id;
  }
  static SocketIdentity of(const StateEvent& e) { return of(e, e.hdr); }
  // Its endpoints, netns and cgroup, into `t`.
  template <typename T>
  void endpoints_to(T& t) const {
    copy_endpoints(*this, t);
  }
  template <typename T>
  bool same_endpoints(const T& t) const {
    return same_endpoints(t.netns, t.saddr, t.daddr, t.sport, t.dport, t.sock_cgroup_id);
  }
  bool same_endpoints(uint32_t netns, const Address& saddr, const Address& daddr, uint16_t sport, uint16_t dport,
                      uint64_t sock_cgroup_id) const;
  bool same_owner(const Header& h) const;
};
void pack_identity(PackWriter& w, const SocketIdentity& id);
SocketIdentity unpack_identity(PackReader& r);

// Written before what a record shares with its socket's identity: which
// parts it leaves out.
enum : uint8_t { kSameEndpoints = 1, kSameOwner = 2 };

// A whole StateEvent (every field: derived transitions are copies of one).
// With `shared`, the endpoints and the owner are left out where they are
// the same as its (a byte says which).
void pack_state_event(PackWriter& w, const StateEvent& e, const SocketIdentity* shared = nullptr);
StateEvent unpack_state_event(PackReader& r, const SocketIdentity* shared = nullptr);

}  // namespace socktrace
