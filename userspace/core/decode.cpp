#include "core/decode.h"

#include <cstring>

#include "socktrace/events.h"

namespace socktrace {

static_assert(sizeof(st_header) == 48);
static_assert(sizeof(st_state_event) == 160);

bool Header::owner_known() const { return flags & ST_HF_OWNER_KNOWN; }
bool Header::owner_inherited() const { return flags & ST_HF_OWNER_INHERITED; }

namespace {

Header decode_header(const st_header& h) {
  Header out;
  out.flags = h.flags;
  out.ts_ns = h.ts_ns;
  out.pid = h.pid;
  out.tid = h.tid;
  out.cgroup_id = h.cgroup_id;
  std::memcpy(out.comm.chars.data(), h.comm, sizeof(h.comm));
  return out;
}

Address decode_address(uint16_t family, const uint8_t (&raw)[ST_ADDR_LEN]) {
  Address a;
  a.family = family;
  std::memcpy(a.bytes.data(), raw, ST_ADDR_LEN);
  return a;
}

StateEvent decode_state(const st_state_event& e) {
  StateEvent s;
  s.hdr = decode_header(e.hdr);
  s.skaddr = e.skaddr;
  s.cookie = e.cookie;
  s.sock_cgroup_id = e.sock_cgroup_id;
  s.tx_bytes = e.tx_bytes;
  s.rx_bytes = e.rx_bytes;
  s.ino = e.ino;
  s.saddr = decode_address(e.family, e.saddr);
  s.daddr = decode_address(e.family, e.daddr);
  s.sport = e.sport;
  s.dport = e.dport;
  s.netns = e.netns;
  s.rx_queue = e.rx_queue;
  s.tx_queue = e.tx_queue;
  s.cpu_pid = e.cpu_pid;
  s.protocol = e.protocol;
  s.old_state = e.old_state;
  s.new_state = e.new_state;
  return s;
}

// Ring-buffer samples are 8-byte aligned in practice, but that is not
// promised: copy before reading fields.
template <typename T>
std::optional<T> copy_exact(std::span<const std::byte> bytes, uint16_t size, DecodeError* why) {
  if (size != sizeof(T) || bytes.size() < sizeof(T)) {
    if (why) *why = DecodeError::kBadSize;
    return std::nullopt;
  }
  T value;
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

}  // namespace

std::optional<Event> decode(std::span<const std::byte> bytes, DecodeError* why) {
  st_header h;
  if (bytes.size() < sizeof(h)) {
    if (why) *why = DecodeError::kShort;
    return std::nullopt;
  }
  std::memcpy(&h, bytes.data(), sizeof(h));
  if (h.size > bytes.size()) {
    if (why) *why = DecodeError::kShort;
    return std::nullopt;
  }
  switch (h.kind) {
    case ST_EV_STATE:
      if (auto e = copy_exact<st_state_event>(bytes, h.size, why)) return decode_state(*e);
      return std::nullopt;
    default:
      if (why) *why = DecodeError::kUnknownKind;
      return std::nullopt;
  }
}

}  // namespace socktrace
