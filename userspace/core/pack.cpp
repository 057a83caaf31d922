#include "core/pack.h"

#include <sys/socket.h>

#include <algorithm>
#include <string_view>
#include <cstring>

namespace socktrace {

namespace {
std::size_t address_len(uint16_t family) { return family == AF_INET ? 4 : 16; }
}  // namespace

void PackWriter::u(uint64_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<uint8_t>(v));
}

void PackWriter::s(int64_t v) { u(zigzag(v)); }

void PackWriter::address(const Address& a) {
  u(a.family);
  bytes(a.bytes.data(), address_len(a.family));
}

void PackWriter::comm(const Comm& c) {
  std::string_view v = c.view();
  byte(static_cast<uint8_t>(v.size()));
  bytes(reinterpret_cast<const uint8_t*>(v.data()), v.size());
}

void PackWriter::header(const Header& h) {
  u(h.flags);
  u(h.ts_ns);
  u(h.pid);
  u(h.tid);
  u(h.cgroup_id);
  comm(h.comm);
}

Packed PackWriter::take() {
  Packed p(new uint8_t[buf_.size()]);
  std::memcpy(p.get(), buf_.data(), buf_.size());
  buf_.clear();
  return p;
}

uint64_t PackReader::u() {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b = *p_++;
    v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return v;
  }
}

int64_t PackReader::s() { return unzigzag(u()); }

void PackReader::bytes(uint8_t* out, std::size_t n) {
  std::memcpy(out, p_, n);
  p_ += n;
}

Address PackReader::address() {
  Address a;
  a.family = static_cast<uint16_t>(u());
  bytes(a.bytes.data(), address_len(a.family));
  return a;
}

Comm PackReader::comm() {
  Comm c;
  std::size_t n = byte();  // at most 16: what view() gave
  bytes(reinterpret_cast<uint8_t*>(c.chars.data()), std::min(n, c.chars.size()));
  return c;
}

Header PackReader::header() {
  Header h;
  h.flags = static_cast<uint32_t>(u());
  h.ts_ns = u();
  h.pid = static_cast<uint32_t>(u());
  h.tid = static_cast<uint32_t>(u());
  h.cgroup_id = u();
  h.comm = comm();
  return h;
}

namespace {
bool same_address(const Address& a, const Address& b) {
  return a.family == b.family && std::memcmp(a.bytes.data(), b.bytes.data(), address_len(a.family)) == 0;
}
}  // namespace

bool SocketIdentity::same_endpoints(uint32_t ns, const Address& s, const Address& d, uint16_t sp, uint16_t dp,
                                    uint64_t cgroup) const {
  return ns == netns && sp == sport && dp == dport && cgroup == sock_cgroup_id && same_address(s, saddr) &&
         same_address(d, daddr);
}

bool SocketIdentity::same_owner(const Header& h) const {
  return h.flags == owner.flags && h.pid == owner.pid && h.tid == owner.tid && h.cgroup_id == owner.cgroup_id &&
         h.comm.chars == owner.comm.chars;
}

void pack_identity(PackWriter& w, const SocketIdentity& id) {
  pack_endpoints(w, id);
  w.header(id.owner);
}

SocketIdentity unpack_identity(PackReader& r) {
  SocketIdentity id;
  unpack_endpoints(r, id);
  id.owner = r.header();
  return id;
}

void pack_state_event(PackWriter& w, const StateEvent& e, const SocketIdentity* shared) {
  uint8_t same = 0;
  if (shared) {
    if (shared->same_endpoints(e)) same |= kSameEndpoints;
    if (shared->same_owner(e.hdr)) same |= kSameOwner;
    w.byte(same);
  }
  if (same & kSameOwner)
    w.u(e.hdr.ts_ns);
  else
    w.header(e.hdr);
  w.skaddr(e.skaddr);
  w.u(e.cookie);
  w.u(e.tx_bytes);
  w.u(e.rx_bytes);
  w.u(e.ino);
  if (!(same & kSameEndpoints)) pack_endpoints(w, e);
  w.u(e.rx_queue);
  w.u(e.tx_queue);
  w.u(e.cpu_pid);
  w.byte(e.protocol);
  w.byte(e.old_state);
  w.byte(e.new_state);
  w.u(e.tx_payload);
  w.u(e.rx_payload);
  w.u(e.sk_err);
  w.u(e.srtt_us);
  w.u(e.min_rtt_us);
}

StateEvent unpack_state_event(PackReader& r, const SocketIdentity* shared) {
  StateEvent e;
  const uint8_t same = shared ? r.byte() : 0;
  if (same & kSameOwner) {
    e.hdr = shared->owner;
    e.hdr.ts_ns = r.u();
  } else {
    e.hdr = r.header();
  }
  e.skaddr = r.skaddr();
  e.cookie = r.u();
  e.tx_bytes = r.u();
  e.rx_bytes = r.u();
  e.ino = r.u();
  if (same & kSameEndpoints)
    shared->endpoints_to(e);
  else
    unpack_endpoints(r, e);
  e.rx_queue = static_cast<uint32_t>(r.u());
  e.tx_queue = static_cast<uint32_t>(r.u());
  e.cpu_pid = static_cast<uint32_t>(r.u());
  e.protocol = r.byte();
  e.old_state = r.byte();
  e.new_state = r.byte();
  e.tx_payload = r.u();
  e.rx_payload = r.u();
  e.sk_err = static_cast<uint16_t>(r.u());
  e.srtt_us = static_cast<uint32_t>(r.u());
  e.min_rtt_us = static_cast<uint32_t>(r.u());
  return e;
}

}  // namespace socktrace
