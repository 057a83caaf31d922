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

void PackWriter::s(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }

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

int64_t PackReader::s() {
  uint64_t z = u();
  return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
}

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

void pack_state_event(PackWriter& w, const StateEvent& e) {
  w.header(e.hdr);
  w.u(e.skaddr);
  w.u(e.cookie);
  w.u(e.sock_cgroup_id);
  w.u(e.tx_bytes);
  w.u(e.rx_bytes);
  w.u(e.ino);
  w.address(e.saddr);
  w.address(e.daddr);
  w.u(e.sport);
  w.u(e.dport);
  w.u(e.netns);
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

StateEvent unpack_state_event(PackReader& r) {
  StateEvent e;
  e.hdr = r.header();
  e.skaddr = r.u();
  e.cookie = r.u();
  e.sock_cgroup_id = r.u();
  e.tx_bytes = r.u();
  e.rx_bytes = r.u();
  e.ino = r.u();
  e.saddr = r.address();
  e.daddr = r.address();
  e.sport = static_cast<uint16_t>(r.u());
  e.dport = static_cast<uint16_t>(r.u());
  e.netns = static_cast<uint32_t>(r.u());
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
