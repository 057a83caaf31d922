// decode(): ring-buffer bytes -> typed events, against hand-built ABI structs.

#include "core/decode.h"

#include <cstddef>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "core/names.h"
#include "socktrace/events.h"

namespace socktrace {
namespace {

// The ABI of events.h, field by field. The BPF side compiles against the same
// header; a field moved here is a silent corruption there.
static_assert(sizeof(st_header) == 48);
static_assert(offsetof(st_header, kind) == 0);
static_assert(offsetof(st_header, size) == 2);
static_assert(offsetof(st_header, flags) == 4);
static_assert(offsetof(st_header, ts_ns) == 8);
static_assert(offsetof(st_header, pid) == 16);
static_assert(offsetof(st_header, tid) == 20);
static_assert(offsetof(st_header, cgroup_id) == 24);
static_assert(offsetof(st_header, comm) == 32);

static_assert(sizeof(st_state_event) == 184);
static_assert(offsetof(st_state_event, hdr) == 0);
static_assert(offsetof(st_state_event, skaddr) == 48);
static_assert(offsetof(st_state_event, cookie) == 56);
static_assert(offsetof(st_state_event, sock_cgroup_id) == 64);
static_assert(offsetof(st_state_event, tx_bytes) == 72);
static_assert(offsetof(st_state_event, rx_bytes) == 80);
static_assert(offsetof(st_state_event, ino) == 88);
static_assert(offsetof(st_state_event, saddr) == 96);
static_assert(offsetof(st_state_event, daddr) == 112);
static_assert(offsetof(st_state_event, netns) == 128);
static_assert(offsetof(st_state_event, rx_queue) == 132);
static_assert(offsetof(st_state_event, tx_queue) == 136);
static_assert(offsetof(st_state_event, cpu_pid) == 140);
static_assert(offsetof(st_state_event, sport) == 144);
static_assert(offsetof(st_state_event, dport) == 146);
static_assert(offsetof(st_state_event, family) == 148);
static_assert(offsetof(st_state_event, protocol) == 150);
static_assert(offsetof(st_state_event, old_state) == 151);
static_assert(offsetof(st_state_event, new_state) == 152);
static_assert(offsetof(st_state_event, __pad1) == 153);
static_assert(offsetof(st_state_event, sk_err) == 154);
static_assert(offsetof(st_state_event, __pad) == 156);
static_assert(offsetof(st_state_event, tx_payload) == 160);
static_assert(offsetof(st_state_event, rx_payload) == 168);
static_assert(offsetof(st_state_event, srtt_us) == 176);
static_assert(offsetof(st_state_event, min_rtt_us) == 180);
static_assert(ST_HF_RESET == 4u);

static_assert(sizeof(st_owner) == 40);
static_assert(offsetof(st_owner, pid) == 0);
static_assert(offsetof(st_owner, tid) == 4);
static_assert(offsetof(st_owner, cgroup_id) == 8);
static_assert(offsetof(st_owner, comm) == 16);
static_assert(offsetof(st_owner, flags) == 32);
static_assert(offsetof(st_owner, __pad) == 36);

// Kind numbers are never renumbered.
static_assert(ST_EV_STATE == 1);
static_assert(ST_EV_SYSCALL == 2);
static_assert(ST_EV_PROC == 3);
static_assert(ST_HF_OWNER_KNOWN == 1u);
static_assert(ST_HF_OWNER_INHERITED == 2u);

// Every field distinct and non-zero, so a swapped or dropped field shows.
st_state_event filled_state_event() {
  st_state_event e;
  std::memset(&e, 0, sizeof(e));
  e.hdr.kind = ST_EV_STATE;
  e.hdr.size = sizeof(st_state_event);
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  e.hdr.ts_ns = 0x1122334455667788ull;
  e.hdr.pid = 4242;
  e.hdr.tid = 4243;
  e.hdr.cgroup_id = 0xC0FFEEull;
  std::memcpy(e.hdr.comm, "curl", 5);
  e.skaddr = 0xffff888012345678ull;
  e.cookie = 0xABCDEF0123ull;
  e.sock_cgroup_id = 0xBEEFull;
  e.tx_bytes = 1000001;
  e.rx_bytes = 2000002;
  e.ino = 3000003;
  const uint8_t src[4] = {127, 0, 0, 1};
  const uint8_t dst[4] = {10, 1, 2, 3};
  std::memcpy(e.saddr, src, sizeof(src));
  std::memcpy(e.daddr, dst, sizeof(dst));
  e.netns = 4026531840u;
  e.rx_queue = 11;
  e.tx_queue = 22;
  e.cpu_pid = 33;
  e.sport = 40000;
  e.dport = 443;
  e.family = 2;  // AF_INET
  e.protocol = 6;  // IPPROTO_TCP
  e.old_state = kTcpSynSent;
  e.new_state = kTcpEstablished;
  e.tx_payload = 4000004;
  e.rx_payload = 5000005;
  return e;
}

template <typename T>
std::vector<std::byte> bytes_of(const T& value) {
  std::vector<std::byte> out(sizeof(T));
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

void expect_decoded(const st_state_event& want, const StateEvent& got) {
  EXPECT_EQ(got.hdr.flags, want.hdr.flags);
  EXPECT_EQ(got.hdr.ts_ns, want.hdr.ts_ns);
  EXPECT_EQ(got.hdr.pid, want.hdr.pid);
  EXPECT_EQ(got.hdr.tid, want.hdr.tid);
  EXPECT_EQ(got.hdr.cgroup_id, want.hdr.cgroup_id);
  EXPECT_EQ(0, std::memcmp(got.hdr.comm.chars.data(), want.hdr.comm, ST_COMM_LEN));
  EXPECT_EQ(got.skaddr, want.skaddr);
  EXPECT_EQ(got.cookie, want.cookie);
  EXPECT_EQ(got.sock_cgroup_id, want.sock_cgroup_id);
  EXPECT_EQ(got.tx_bytes, want.tx_bytes);
  EXPECT_EQ(got.rx_bytes, want.rx_bytes);
  EXPECT_EQ(got.ino, want.ino);
  EXPECT_EQ(got.tx_payload, want.tx_payload);
  EXPECT_EQ(got.rx_payload, want.rx_payload);
  EXPECT_EQ(got.saddr.family, want.family);
  EXPECT_EQ(got.daddr.family, want.family);
  EXPECT_EQ(0, std::memcmp(got.saddr.bytes.data(), want.saddr, ST_ADDR_LEN));
  EXPECT_EQ(0, std::memcmp(got.daddr.bytes.data(), want.daddr, ST_ADDR_LEN));
  EXPECT_EQ(got.netns, want.netns);
  EXPECT_EQ(got.rx_queue, want.rx_queue);
  EXPECT_EQ(got.tx_queue, want.tx_queue);
  EXPECT_EQ(got.cpu_pid, want.cpu_pid);
  EXPECT_EQ(got.sport, want.sport);
  EXPECT_EQ(got.dport, want.dport);
  EXPECT_EQ(got.protocol, want.protocol);
  EXPECT_EQ(got.old_state, want.old_state);
  EXPECT_EQ(got.new_state, want.new_state);
}

TEST(Decode, StateEventKeepsEveryField) {
  st_state_event raw = filled_state_event();
  auto bytes = bytes_of(raw);
  DecodeError why = DecodeError::kUnknownKind;
  auto ev = decode(bytes, &why);
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(std::holds_alternative<StateEvent>(*ev));
  const auto& s = std::get<StateEvent>(*ev);
  expect_decoded(raw, s);
  EXPECT_EQ(s.hdr.comm.view(), "curl");
  EXPECT_EQ(s.hdr.pid, 4242u);
  EXPECT_EQ(s.sport, 40000);
  EXPECT_EQ(s.saddr.bytes[0], 127);
  EXPECT_EQ(s.saddr.bytes[3], 1);
  EXPECT_EQ(s.new_state, kTcpEstablished);
}

TEST(Decode, Ipv6AddressesKeepAllSixteenBytes) {
  st_state_event raw = filled_state_event();
  raw.family = 10;  // AF_INET6
  for (int i = 0; i < ST_ADDR_LEN; ++i) {
    raw.saddr[i] = static_cast<uint8_t>(0x20 + i);
    raw.daddr[i] = static_cast<uint8_t>(0xf0 - i);
  }
  auto ev = decode(bytes_of(raw));
  ASSERT_TRUE(ev.has_value());
  const auto& s = std::get<StateEvent>(*ev);
  EXPECT_EQ(s.saddr.family, 10);
  EXPECT_EQ(s.daddr.family, 10);
  EXPECT_EQ(s.saddr.bytes[15], 0x2f);
  EXPECT_EQ(s.daddr.bytes[15], 0xe1);
  expect_decoded(raw, s);
}

// The BPF side writes an IPv4 address's 4 bytes only, into a record the
// ring buffer does not zero: once it has wrapped, the other 12 hold an
// earlier record's bytes. Two events of one 4-tuple must still compare
// equal (the TIME_WAIT tracker keys sockets by it).
TEST(Decode, Ipv4AddressesIgnoreTheBytesPastTheFourth) {
  st_state_event a = filled_state_event(), b = filled_state_event();
  for (int i = 4; i < ST_ADDR_LEN; ++i) {
    a.saddr[i] = a.daddr[i] = 0xAA;
    b.saddr[i] = b.daddr[i] = static_cast<uint8_t>(i);
  }
  auto ea = decode(bytes_of(a)), eb = decode(bytes_of(b));
  ASSERT_TRUE(ea.has_value() && eb.has_value());
  const auto& sa = std::get<StateEvent>(*ea);
  const auto& sb = std::get<StateEvent>(*eb);
  EXPECT_EQ(sa.saddr.bytes, sb.saddr.bytes);
  EXPECT_EQ(sa.daddr.bytes, sb.daddr.bytes);
  EXPECT_EQ(sa.saddr.bytes[0], 127);
  EXPECT_EQ(sa.daddr.bytes[3], 3);
  for (int i = 4; i < ST_ADDR_LEN; ++i) EXPECT_EQ(sa.saddr.bytes[i], 0) << i;
}

TEST(Decode, OwnerFlagsReadFromHeader) {
  st_state_event raw = filled_state_event();
  raw.hdr.flags = ST_HF_OWNER_KNOWN | ST_HF_OWNER_INHERITED;
  auto ev = decode(bytes_of(raw));
  ASSERT_TRUE(ev.has_value());
  EXPECT_TRUE(std::get<StateEvent>(*ev).hdr.owner_known());
  EXPECT_TRUE(std::get<StateEvent>(*ev).hdr.owner_inherited());

  raw.hdr.flags = 0;
  ev = decode(bytes_of(raw));
  ASSERT_TRUE(ev.has_value());
  EXPECT_FALSE(std::get<StateEvent>(*ev).hdr.owner_known());
  EXPECT_FALSE(std::get<StateEvent>(*ev).hdr.owner_inherited());
}

TEST(Decode, CommFillingAllSixteenBytesHasNoTerminator) {
  st_state_event raw = filled_state_event();
  std::memcpy(raw.hdr.comm, "0123456789abcdef", ST_COMM_LEN);  // no NUL
  auto ev = decode(bytes_of(raw));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(std::get<StateEvent>(*ev).hdr.comm.view(), "0123456789abcdef");
}

TEST(Decode, ShorterThanHeaderIsShort) {
  auto bytes = bytes_of(filled_state_event());
  DecodeError why = DecodeError::kUnknownKind;
  EXPECT_FALSE(decode(std::span(bytes).first(sizeof(st_header) - 1), &why).has_value());
  EXPECT_EQ(why, DecodeError::kShort);

  why = DecodeError::kUnknownKind;
  EXPECT_FALSE(decode(std::span<const std::byte>(), &why).has_value());
  EXPECT_EQ(why, DecodeError::kShort);
}

TEST(Decode, SizeFieldBeyondBufferIsShort) {
  auto bytes = bytes_of(filled_state_event());
  // A whole header, but the event it announces is cut off.
  DecodeError why = DecodeError::kUnknownKind;
  EXPECT_FALSE(decode(std::span(bytes).first(100), &why).has_value());
  EXPECT_EQ(why, DecodeError::kShort);

  // Exactly a header and nothing more.
  why = DecodeError::kUnknownKind;
  EXPECT_FALSE(decode(std::span(bytes).first(sizeof(st_header)), &why).has_value());
  EXPECT_EQ(why, DecodeError::kShort);

  // One byte missing.
  why = DecodeError::kUnknownKind;
  EXPECT_FALSE(decode(std::span(bytes).first(sizeof(st_state_event) - 1), &why).has_value());
  EXPECT_EQ(why, DecodeError::kShort);
}

TEST(Decode, SizeFieldWrongForKindIsBadSize) {
  for (uint16_t size : {uint16_t{0}, uint16_t{sizeof(st_header)}, uint16_t{152}, uint16_t{159}}) {
    st_state_event raw = filled_state_event();
    raw.hdr.size = size;
    DecodeError why = DecodeError::kShort;
    EXPECT_FALSE(decode(bytes_of(raw), &why).has_value()) << "size " << size;
    EXPECT_EQ(why, DecodeError::kBadSize) << "size " << size;
  }
  // Bigger than the struct, with the bytes there: still not this kind's size.
  st_state_event raw = filled_state_event();
  raw.hdr.size = sizeof(st_state_event) + 8;
  auto bytes = bytes_of(raw);
  bytes.resize(sizeof(st_state_event) + 8);
  DecodeError why = DecodeError::kShort;
  EXPECT_FALSE(decode(bytes, &why).has_value());
  EXPECT_EQ(why, DecodeError::kBadSize);
}

TEST(Decode, UnknownKindIsRejected) {
  for (uint16_t kind : {uint16_t{0}, uint16_t{999}, uint16_t{0xffff}}) {
    st_state_event raw = filled_state_event();
    raw.hdr.kind = kind;
    DecodeError why = DecodeError::kShort;
    EXPECT_FALSE(decode(bytes_of(raw), &why).has_value()) << "kind " << kind;
    EXPECT_EQ(why, DecodeError::kUnknownKind) << "kind " << kind;
  }
}

TEST(Decode, ErrorsWithoutOutParameter) {
  auto bytes = bytes_of(filled_state_event());
  EXPECT_FALSE(decode(std::span(bytes).first(10)).has_value());
  st_state_event raw = filled_state_event();
  raw.hdr.size = 1;
  EXPECT_FALSE(decode(bytes_of(raw)).has_value());
  raw = filled_state_event();
  raw.hdr.kind = 77;
  EXPECT_FALSE(decode(bytes_of(raw)).has_value());
}

TEST(Decode, OutOfRangeStateStillDecodes) {
  st_state_event raw = filled_state_event();
  raw.old_state = 200;
  raw.new_state = 255;
  auto ev = decode(bytes_of(raw));
  ASSERT_TRUE(ev.has_value());
  const auto& s = std::get<StateEvent>(*ev);
  EXPECT_EQ(s.old_state, 200);
  EXPECT_EQ(s.new_state, 255);
  EXPECT_EQ(tcp_state_name(s.old_state), "UNKNOWN");
  EXPECT_EQ(tcp_state_name(s.new_state), "UNKNOWN");
}

TEST(Decode, UnalignedBufferDecodes) {
  st_state_event raw = filled_state_event();
  for (std::size_t offset : {1u, 3u, 5u, 7u}) {
    // 8-byte aligned storage, then an odd offset into it.
    std::vector<uint64_t> storage(sizeof(st_state_event) / 8 + 2);
    auto* base = reinterpret_cast<std::byte*>(storage.data());
    std::memcpy(base + offset, &raw, sizeof(raw));
    std::span<const std::byte> bytes(base + offset, sizeof(raw));
    DecodeError why = DecodeError::kShort;
    auto ev = decode(bytes, &why);
    ASSERT_TRUE(ev.has_value()) << "offset " << offset;
    expect_decoded(raw, std::get<StateEvent>(*ev));
  }
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

// ---- UDP / unix socket lives (st_sock_event) ----

st_sock_event filled_sock_event() {
  st_sock_event raw{};
  raw.hdr.kind = ST_EV_SOCK;
  raw.hdr.size = sizeof(raw);
  raw.hdr.flags = ST_HF_OWNER_KNOWN;
  raw.hdr.ts_ns = 77;
  raw.hdr.pid = 31;
  raw.hdr.tid = 32;
  std::memcpy(raw.hdr.comm, "dig", 3);
  raw.skaddr = 0xffff888001234500ull;
  raw.cookie = 9;
  raw.ino = 1234;
  raw.peer_ino = 1235;
  raw.sock_cgroup_id = 55;
  raw.netns = 4026531840u;
  raw.family = 1;  // AF_UNIX
  raw.type = 1;
  raw.op = ST_SOCK_CONNECT;
  raw.old_state = 7;
  raw.new_state = 1;
  raw.path_len = 5;
  std::memcpy(raw.path, "\0abcX", 5);
  raw.peer_path_len = 108;
  std::memset(raw.peer_path, 'p', sizeof(raw.peer_path));
  return raw;
}

TEST(DecodeSock, KeepsEveryFieldAndNamesUpToTheirLengths) {
  st_sock_event raw = filled_sock_event();
  auto bytes = bytes_of(raw);
  auto ev = decode(bytes);
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(std::holds_alternative<SockEvent>(*ev));
  const auto& s = std::get<SockEvent>(*ev);
  EXPECT_EQ(s.hdr.pid, 31u);
  EXPECT_EQ(s.hdr.comm.view(), "dig");
  EXPECT_EQ(s.skaddr, 0xffff888001234500ull);
  EXPECT_EQ(s.cookie, 9u);
  EXPECT_EQ(s.ino, 1234u);
  EXPECT_EQ(s.peer_ino, 1235u);
  EXPECT_EQ(s.sock_cgroup_id, 55u);
  EXPECT_EQ(s.netns, 4026531840u);
  EXPECT_EQ(s.family, 1);
  EXPECT_EQ(s.op, ST_SOCK_CONNECT);
  EXPECT_EQ(s.old_state, 7);
  EXPECT_EQ(s.new_state, 1);
  EXPECT_EQ(s.path, std::string("\0abcX", 5));
  EXPECT_EQ(s.peer_path, std::string(108, 'p'));
}

TEST(DecodeSock, NameLengthsBeyondTheArrayAreCut) {
  st_sock_event raw = filled_sock_event();
  raw.path_len = 255;
  auto bytes = bytes_of(raw);
  auto ev = decode(bytes);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(std::get<SockEvent>(*ev).path.size(), 108u);
}

TEST(DecodeSock, WrongSizeIsRejected) {
  st_sock_event raw = filled_sock_event();
  raw.hdr.size = sizeof(raw) - 8;
  auto bytes = bytes_of(raw);
  DecodeError why = DecodeError::kShort;
  EXPECT_FALSE(decode(std::span(bytes).first(sizeof(raw) - 8), &why).has_value());
  raw.hdr.size = sizeof(raw) + 8;
  bytes = bytes_of(raw);
  EXPECT_FALSE(decode(bytes, &why).has_value());
}

TEST(DecodeSock, LayoutIsTheAbi) {
  EXPECT_EQ(sizeof(st_sock_event), 360u);
  EXPECT_EQ(offsetof(st_sock_event, saddr), 88u);
  EXPECT_EQ(offsetof(st_sock_event, peer_path), 252u);
  EXPECT_EQ(ST_EV_SOCK, 4);
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

static_assert(ST_EV_RETRANS == 5);
static_assert(ST_EV_RESET == 6);
static_assert(sizeof(st_retrans_event) == 128);
static_assert(offsetof(st_retrans_event, skaddr) == 48);
static_assert(offsetof(st_retrans_event, saddr) == 64);
static_assert(offsetof(st_retrans_event, netns) == 96);
static_assert(offsetof(st_retrans_event, rto_us) == 100);
static_assert(offsetof(st_retrans_event, kernel_count) == 104);
static_assert(offsetof(st_retrans_event, segs) == 108);
static_assert(offsetof(st_retrans_event, srtt_us) == 112);
static_assert(offsetof(st_retrans_event, sport) == 116);
static_assert(offsetof(st_retrans_event, state) == 122);
static_assert(offsetof(st_retrans_event, synack) == 123);
static_assert(sizeof(st_reset_event) == 120);
static_assert(offsetof(st_reset_event, netns) == 96);
static_assert(offsetof(st_reset_event, sport) == 100);
static_assert(offsetof(st_reset_event, family) == 104);
static_assert(offsetof(st_reset_event, reason) == 106);
static_assert(offsetof(st_reset_event, state) == 108);
static_assert(offsetof(st_reset_event, dir) == 109);
static_assert(offsetof(st_reset_event, has_reason) == 110);

template <typename T>
std::vector<std::byte> raw_bytes(const T& value) {
  std::vector<std::byte> out(sizeof(T));
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

st_retrans_event filled_retrans() {
  st_retrans_event e;
  std::memset(&e, 0, sizeof(e));
  e.hdr.kind = ST_EV_RETRANS;
  e.hdr.size = sizeof(e);
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  e.hdr.pid = 77;
  std::memcpy(e.hdr.comm, "nginx", 6);
  e.skaddr = 0xffff0001;
  e.cookie = 4321;
  e.saddr[0] = 10;
  e.daddr[0] = 192;
  e.netns = 99;
  e.rto_us = 204000;
  e.kernel_count = 3;
  e.segs = 2;
  e.srtt_us = 150;
  e.sport = 8080;
  e.dport = 50000;
  e.family = 2;
  e.state = 1;
  e.synack = 1;
  return e;
}

TEST(DecodeRetrans, KeepsEveryField) {
  auto ev = decode(raw_bytes(filled_retrans()));
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(std::holds_alternative<RetransEvent>(*ev));
  const auto& r = std::get<RetransEvent>(*ev);
  EXPECT_EQ(r.hdr.pid, 77u);
  EXPECT_EQ(r.hdr.comm.view(), "nginx");
  EXPECT_EQ(r.skaddr, 0xffff0001u);
  EXPECT_EQ(r.cookie, 4321u);
  EXPECT_EQ(r.saddr.family, 2);
  EXPECT_EQ(r.saddr.bytes[0], 10);
  EXPECT_EQ(r.daddr.bytes[0], 192);
  EXPECT_EQ(r.netns, 99u);
  EXPECT_EQ(r.rto_us, 204000u);
  EXPECT_EQ(r.kernel_count, 3u);
  EXPECT_EQ(r.segs, 2u);
  EXPECT_EQ(r.srtt_us, 150u);
  EXPECT_EQ(r.sport, 8080);
  EXPECT_EQ(r.dport, 50000);
  EXPECT_EQ(r.state, 1);
  EXPECT_TRUE(r.synack);
}

TEST(DecodeRetrans, WrongSizeIsRejected) {
  st_retrans_event e = filled_retrans();
  e.hdr.size = sizeof(e) - 8;
  DecodeError why = DecodeError::kShort;
  EXPECT_FALSE(decode(raw_bytes(e), &why).has_value());
  EXPECT_EQ(why, DecodeError::kBadSize);
  // Shorter than its size field says: never read past the bytes.
  auto bytes = raw_bytes(filled_retrans());
  bytes.resize(100);
  EXPECT_FALSE(decode(bytes, &why).has_value());
}

st_reset_event filled_reset() {
  st_reset_event e;
  std::memset(&e, 0, sizeof(e));
  e.hdr.kind = ST_EV_RESET;
  e.hdr.size = sizeof(e);
  e.hdr.pid = 88;
  e.skaddr = 0xffff0002;
  e.cookie = 1234;
  e.saddr[15] = 1;
  e.family = 10;
  e.netns = 5;
  e.sport = 1;
  e.dport = 2;
  e.reason = 12;
  e.state = 7;
  e.dir = ST_RST_SENT;
  e.has_reason = 1;
  return e;
}

TEST(DecodeReset, KeepsEveryFieldAndTheReasonOnlyWhenGiven) {
  auto ev = decode(raw_bytes(filled_reset()));
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(std::holds_alternative<ResetEvent>(*ev));
  const auto& r = std::get<ResetEvent>(*ev);
  EXPECT_EQ(r.hdr.pid, 88u);
  EXPECT_EQ(r.skaddr, 0xffff0002u);
  EXPECT_EQ(r.cookie, 1234u);
  EXPECT_EQ(r.saddr.family, 10);
  EXPECT_EQ(r.saddr.bytes[15], 1);
  EXPECT_EQ(r.netns, 5u);
  EXPECT_EQ(r.sport, 1);
  EXPECT_EQ(r.dport, 2);
  EXPECT_EQ(r.state, 7);
  EXPECT_EQ(r.dir, ResetEvent::Dir::kSent);
  EXPECT_EQ(r.reason, std::optional<uint16_t>(12));

  st_reset_event e = filled_reset();
  e.dir = ST_RST_RECEIVED;
  e.has_reason = 0;
  ev = decode(raw_bytes(e));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(std::get<ResetEvent>(*ev).dir, ResetEvent::Dir::kReceived);
  EXPECT_FALSE(std::get<ResetEvent>(*ev).reason.has_value());
}

TEST(DecodeReset, UnknownDirectionOrSizeIsRejected) {
  st_reset_event e = filled_reset();
  e.dir = 3;
  EXPECT_FALSE(decode(raw_bytes(e)).has_value());
  e = filled_reset();
  e.hdr.size = sizeof(st_retrans_event);
  EXPECT_FALSE(decode(raw_bytes(e)).has_value());
}

static_assert(sizeof(st_drop_event) == 120);
static_assert(offsetof(st_drop_event, netns) == 96);
static_assert(offsetof(st_drop_event, reason) == 100);
static_assert(offsetof(st_drop_event, len) == 104);
static_assert(offsetof(st_drop_event, sport) == 108);
static_assert(offsetof(st_drop_event, family) == 112);
static_assert(offsetof(st_drop_event, state) == 114);

TEST(DecodeDrop, KeepsEveryField) {
  st_drop_event e;
  std::memset(&e, 0, sizeof(e));
  e.hdr.kind = ST_EV_DROP;
  e.hdr.size = sizeof(e);
  e.hdr.flags = ST_HF_OWNER_INHERITED;
  e.hdr.pid = 99;
  e.skaddr = 0xffff0003;
  e.cookie = 777;
  e.saddr[0] = 10;
  e.daddr[3] = 9;
  e.netns = 4;
  e.reason = 0x10009;  // a value beyond the low byte survives
  e.len = 220;
  e.sport = 80;
  e.dport = 40000;
  e.family = 2;
  e.state = 10;
  auto ev = decode(raw_bytes(e));
  ASSERT_TRUE(ev.has_value());
  ASSERT_TRUE(std::holds_alternative<DropEvent>(*ev));
  const auto& d = std::get<DropEvent>(*ev);
  EXPECT_EQ(d.hdr.pid, 99u);
  EXPECT_TRUE(d.hdr.owner_inherited());
  EXPECT_EQ(d.skaddr, 0xffff0003u);
  EXPECT_EQ(d.cookie, 777u);
  EXPECT_EQ(d.saddr.family, 2);
  EXPECT_EQ(d.saddr.bytes[0], 10);
  EXPECT_EQ(d.daddr.bytes[3], 9);
  EXPECT_EQ(d.netns, 4u);
  EXPECT_EQ(d.reason, 0x10009u);
  EXPECT_EQ(d.len, 220u);
  EXPECT_EQ(d.sport, 80);
  EXPECT_EQ(d.dport, 40000);
  EXPECT_EQ(d.state, 10);

  e.hdr.size = sizeof(e) - 8;
  DecodeError why = DecodeError::kShort;
  EXPECT_FALSE(decode(raw_bytes(e), &why).has_value());
  EXPECT_EQ(why, DecodeError::kBadSize);
}

TEST(DecodeState, SkErrAndRttsAreKept) {
  st_state_event e;
  std::memset(&e, 0, sizeof(e));
  e.hdr.kind = ST_EV_STATE;
  e.hdr.size = sizeof(e);
  e.old_state = 2;
  e.new_state = 7;
  e.sk_err = 111;
  e.srtt_us = 1234;
  e.min_rtt_us = 567;
  auto ev = decode(raw_bytes(e));
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(std::get<StateEvent>(*ev).sk_err, 111);
  EXPECT_EQ(std::get<StateEvent>(*ev).srtt_us, 1234u);
  EXPECT_EQ(std::get<StateEvent>(*ev).min_rtt_us, 567u);
}

}  // namespace
}  // namespace socktrace
