#include "core/decode.h"

#include <algorithm>
#include <cstring>

#include <sys/socket.h>

#include "socktrace/events.h"

namespace socktrace {

static_assert(sizeof(st_header) == 48);
static_assert(sizeof(st_state_event) == 184);
static_assert(sizeof(st_sock_event) == 360);
static_assert(sizeof(st_retrans_event) == 128);
static_assert(sizeof(st_reset_event) == 120);
static_assert(sizeof(st_drop_event) == 120);

bool Header::owner_known() const { return flags & ST_HF_OWNER_KNOWN; }
bool Header::owner_inherited() const { return flags & ST_HF_OWNER_INHERITED; }
std::string_view Header::owner_kind() const {
  if (!owner_known()) return pid ? "resolved" : "unknown";
  if (flags & ST_HF_OWNER_ACCEPTED) return "accept";
  return owner_inherited() ? "listener" : "known";
}

const Blob* SyscallEvent::find(uint8_t role, uint8_t msg, uint8_t iov) const {
  for (const Blob& b : blobs)
    if (b.role == role && b.msg == msg && b.iov == iov) return &b;
  return nullptr;
}

std::optional<uint32_t> SyscallEvent::u32(const Blob* b, std::size_t i) const {
  if (!b || b->fault || (i + 1) * 4 > b->len) return std::nullopt;
  uint32_t v;
  std::memcpy(&v, payload.data() + b->offset + i * 4, 4);
  return v;
}

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
  // An IPv4 address is the first 4 bytes: the BPF side writes only those,
  // and a ring buffer's record is not zeroed (nor the stack copy a child's
  // first transition waits in before ~6.15), so once the ring has wrapped
  // the other 12 hold what an earlier record left there. Addresses are
  // compared whole (the TIME_WAIT tracker's 4-tuples): they stay zero.
  std::memcpy(a.bytes.data(), raw, family == AF_INET ? 4 : ST_ADDR_LEN);
  return a;
}

SockEvent decode_sock(const st_sock_event& e) {
  SockEvent s;
  s.hdr = decode_header(e.hdr);
  s.skaddr = e.skaddr;
  s.cookie = e.cookie;
  s.ino = e.ino;
  s.peer_ino = e.peer_ino;
  s.sock_cgroup_id = e.sock_cgroup_id;
  s.saddr = decode_address(e.family, e.saddr);
  s.daddr = decode_address(e.family, e.daddr);
  s.netns = e.netns;
  s.sport = e.sport;
  s.dport = e.dport;
  s.family = e.family;
  s.type = e.type;
  s.protocol = e.protocol;
  s.op = e.op;
  s.old_state = e.old_state;
  s.new_state = e.new_state;
  s.path.assign(e.path, std::min<std::size_t>(e.path_len, sizeof(e.path)));
  s.peer_path.assign(e.peer_path, std::min<std::size_t>(e.peer_path_len, sizeof(e.peer_path)));
  return s;
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
  s.tx_payload = e.tx_payload;
  s.rx_payload = e.rx_payload;
  s.sk_err = e.sk_err;
  s.srtt_us = e.srtt_us;
  s.min_rtt_us = e.min_rtt_us;
  return s;
}

RetransEvent decode_retrans(const st_retrans_event& e) {
  RetransEvent r;
  r.hdr = decode_header(e.hdr);
  r.skaddr = e.skaddr;
  r.cookie = e.cookie;
  r.saddr = decode_address(e.family, e.saddr);
  r.daddr = decode_address(e.family, e.daddr);
  r.sport = e.sport;
  r.dport = e.dport;
  r.netns = e.netns;
  r.rto_us = e.rto_us;
  r.kernel_count = e.kernel_count;
  r.segs = e.segs;
  r.srtt_us = e.srtt_us;
  r.state = e.state;
  r.synack = e.synack != 0;
  return r;
}

// A direction other than sent or received is a corrupt event.
std::optional<ResetEvent> decode_reset(const st_reset_event& e, DecodeError* why) {
  if (e.dir != ST_RST_SENT && e.dir != ST_RST_RECEIVED) {
    if (why) *why = DecodeError::kBadSize;
    return std::nullopt;
  }
  ResetEvent r;
  r.hdr = decode_header(e.hdr);
  r.skaddr = e.skaddr;
  r.cookie = e.cookie;
  r.saddr = decode_address(e.family, e.saddr);
  r.daddr = decode_address(e.family, e.daddr);
  r.sport = e.sport;
  r.dport = e.dport;
  r.netns = e.netns;
  r.state = e.state;
  r.dir = e.dir == ST_RST_SENT ? ResetEvent::Dir::kSent : ResetEvent::Dir::kReceived;
  if (e.has_reason) r.reason = e.reason;
  return r;
}

DropEvent decode_drop(const st_drop_event& e) {
  DropEvent d;
  d.hdr = decode_header(e.hdr);
  d.skaddr = e.skaddr;
  d.cookie = e.cookie;
  d.saddr = decode_address(e.family, e.saddr);
  d.daddr = decode_address(e.family, e.daddr);
  d.sport = e.sport;
  d.dport = e.dport;
  d.netns = e.netns;
  d.reason = e.reason;
  d.len = e.len;
  d.state = e.state;
  return d;
}

ProcEvent decode_proc(const st_proc_event& e) {
  ProcEvent p;
  p.hdr = decode_header(e.hdr);
  p.what = e.what == ST_PROC_FORK ? ProcEvent::What::kFork : ProcEvent::What::kExit;
  p.child_pid = e.child_pid;
  p.child_tid = e.child_tid;
  p.exit_code = e.exit_code;
  p.group_dead = e.group_dead != 0;
  return p;
}

// The fixed part, then st_blob records, each padded to 8 bytes, exactly
// filling data_len; anything else is a corrupt event.
std::optional<SyscallEvent> decode_syscall(std::span<const std::byte> bytes, uint16_t size, DecodeError* why) {
  st_syscall_event e;
  if (size < sizeof(e) || bytes.size() < size) {
    if (why) *why = DecodeError::kBadSize;
    return std::nullopt;
  }
  std::memcpy(&e, bytes.data(), sizeof(e));
  if (e.data_len != size - sizeof(e)) {
    if (why) *why = DecodeError::kBadSize;
    return std::nullopt;
  }
  SyscallEvent s;
  s.hdr = decode_header(e.hdr);
  std::memcpy(s.args.data(), e.args, sizeof(e.args));
  s.ret = e.ret;
  s.netns = e.netns;
  s.dur_ns = e.dur_ns;
  s.nr = e.nr;
  auto rest = bytes.subspan(sizeof(e), e.data_len);
  s.payload.assign(rest.begin(), rest.end());
  std::size_t off = 0;
  while (off < rest.size()) {
    st_blob b;
    if (rest.size() - off < sizeof(b)) {
      if (why) *why = DecodeError::kBadBlob;
      return std::nullopt;
    }
    std::memcpy(&b, rest.data() + off, sizeof(b));
    off += sizeof(b);
    std::size_t padded = (std::size_t{b.len} + 7) & ~std::size_t{7};
    if (rest.size() - off < padded) {
      if (why) *why = DecodeError::kBadBlob;
      return std::nullopt;
    }
    s.blobs.push_back(Blob{b.role, b.msg, b.iov, (b.flags & ST_BLOB_FAULT) != 0,
                           static_cast<uint32_t>(off), b.len});
    off += padded;
  }
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

std::optional<FdInfo> decode_fdinfo(const SyscallEvent& e, uint8_t which, uint8_t msg) {
  const Blob* b = e.find(ST_BLOB_FDINFO, msg, which);
  if (!b || b->fault || b->len < sizeof(st_fdinfo)) return std::nullopt;
  if (const Blob* p = e.find(ST_BLOB_FDPATH, msg, which); p && !p->fault && p->len >= sizeof(st_fdpath)) {
    st_fdpath raw;
    std::memcpy(&raw, e.payload.data() + p->offset, sizeof(raw));
    FdInfo f;
    FdInfo::File& file = f.file.emplace();
    file.name.assign(reinterpret_cast<const char*>(e.payload.data() + p->offset + sizeof(raw)), p->len - sizeof(raw));
    file.ino = raw.ino;
    file.mode = raw.mode;
    file.rdev = raw.rdev;
    file.magic = raw.magic;
    file.deleted = raw.flags & ST_FDPATH_DELETED;
    file.dname = raw.flags & ST_FDPATH_DNAME;
    return f;
  }
  st_fdinfo raw;
  std::memcpy(&raw, e.payload.data() + b->offset, sizeof(raw));
  FdInfo f;
  f.ino = raw.ino;
  f.peer_ino = raw.peer_ino;
  f.saddr = decode_address(raw.family, raw.saddr);
  f.daddr = decode_address(raw.family, raw.daddr);
  f.nl_portid = raw.nl_portid;
  f.family = raw.family;
  f.type = raw.type;
  f.protocol = raw.protocol;
  f.sport = raw.sport;
  f.dport = raw.dport;
  f.state = raw.state;
  f.hashed = raw.hashed != 0;
  f.path.assign(raw.path, std::min<std::size_t>(raw.path_len, sizeof(raw.path)));
  return f;
}

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
    case ST_EV_SYSCALL:
      if (auto e = decode_syscall(bytes, h.size, why)) return std::move(*e);
      return std::nullopt;
    case ST_EV_PROC:
      if (auto e = copy_exact<st_proc_event>(bytes, h.size, why)) return decode_proc(*e);
      return std::nullopt;
    case ST_EV_SOCK:
      if (auto e = copy_exact<st_sock_event>(bytes, h.size, why)) return decode_sock(*e);
      return std::nullopt;
    case ST_EV_RETRANS:
      if (auto e = copy_exact<st_retrans_event>(bytes, h.size, why)) return decode_retrans(*e);
      return std::nullopt;
    case ST_EV_RESET:
      if (auto e = copy_exact<st_reset_event>(bytes, h.size, why))
        if (auto r = decode_reset(*e, why)) return *r;
      return std::nullopt;
    case ST_EV_DROP:
      if (auto e = copy_exact<st_drop_event>(bytes, h.size, why)) return decode_drop(*e);
      return std::nullopt;
    default:
      if (why) *why = DecodeError::kUnknownKind;
      return std::nullopt;
  }
}

}  // namespace socktrace
