// Typed events: what decode() makes of the ring buffer's bytes. Views consume
// these and never see the ABI structs.
#pragma once

#include <array>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace socktrace {

struct Comm {
  std::array<char, 16> chars{};
  // Up to 15 characters of `s`, NUL-padded as the kernel's comm.
  static Comm of(std::string_view s) {
    Comm c;
    for (std::size_t i = 0; i < s.size() && i + 1 < c.chars.size(); ++i) c.chars[i] = s[i];
    return c;
  }
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
  // How pid/comm were learned, as JSON's `owner` says it: "known",
  // "accept" (held until accept() named the process), "listener",
  // "resolved" (from /proc by inode), "unknown".
  std::string_view owner_kind() const;
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
  uint64_t tx_payload = 0;  // payload bytes sent once (no SYN/FIN, no retransmissions)
  uint64_t rx_payload = 0;  // payload bytes received (the peer's FIN not counted)
  uint16_t sk_err = 0;      // -> CLOSE: the socket's error (ECONNREFUSED, ETIMEDOUT...), else 0
  uint32_t srtt_us = 0;     // smoothed RTT at this transition; 0: no sample
  uint32_t min_rtt_us = 0;  // minimum RTT; 0: no sample
};

// A TCP segment (or a listener's SYN-ACK) retransmitted (st_retrans_event).
struct RetransEvent {
  Header hdr;  // the socket's owner (the listener's for a SYN-ACK)
  uint64_t skaddr = 0;
  uint64_t cookie = 0;  // SYN-ACK: the listener's
  Address saddr, daddr;
  uint16_t sport = 0, dport = 0;
  uint32_t netns = 0;
  uint32_t rto_us = 0;  // 0: unknown
  uint32_t kernel_count = 0;
  uint32_t segs = 1;
  uint32_t srtt_us = 0;
  uint8_t state = 0;
  bool synack = false;
};

// A TCP RST sent or received by a socket (st_reset_event).
struct ResetEvent {
  enum class Dir : uint8_t { kSent = 1, kReceived = 2 };
  Header hdr;
  uint64_t skaddr = 0;
  uint64_t cookie = 0;
  Address saddr, daddr;
  uint16_t sport = 0, dport = 0;
  uint32_t netns = 0;
  uint8_t state = 0;
  Dir dir = Dir::kSent;
  std::optional<uint16_t> reason;  // enum sk_rst_reason; nothing where the kernel gives none
};

// A packet the kernel dropped for a TCP reason, with the socket it was for
// (st_drop_event).
struct DropEvent {
  Header hdr;  // the socket's owner (the listener's for a listener, request or timewait socket)
  uint64_t skaddr = 0;
  uint64_t cookie = 0;
  Address saddr, daddr;
  uint16_t sport = 0, dport = 0;
  uint32_t netns = 0;
  uint32_t reason = 0;  // the running kernel's enum skb_drop_reason
  uint32_t len = 0;
  uint8_t state = 0;
};

// A listener's drop counter grew (core/listen_drops.h): derived from
// sock_diag by userspace, not a BPF event.
struct ListenOverflowEvent {
  Header hdr;  // the listener's owner; ts_ns: when the counter was read
  uint64_t cookie = 0;
  Address saddr;
  uint16_t sport = 0;
  uint32_t netns = 0;
  uint64_t drops = 0;        // since the last event of this listener
  uint64_t total = 0;        // since socktrace started, or the listener was created
  uint32_t backlog = 0;      // its accept queue when read
  uint32_t max_backlog = 0;  // and the queue's limit
};

// One piece of user memory captured with a syscall (st_blob).
struct Blob {
  uint8_t role = 0;  // ST_BLOB_*
  uint8_t msg = 0;   // message index (sendmmsg/recvmmsg)
  uint8_t iov = 0;   // iovec index
  bool fault = false;  // the kernel could not read the user memory
  uint32_t offset = 0;  // into SyscallEvent::payload
  uint32_t len = 0;
};

// What a socket fd is (-y), decoded from ST_BLOB_FDINFO.
// Not a socket: what readlink(/proc/PID/fd/N) would show. Outside FdInfo:
// clang cannot default-construct a nested class with member initializers
// (std::optional<File>::emplace()) while the enclosing class is incomplete.
struct FdFile {
  std::string name;  // the path without " (deleted)", or the name the filesystem makes up (dname)
  uint64_t ino = 0;
  uint32_t mode = 0;
  uint32_t rdev = 0;   // major << 20 | minor
  uint32_t magic = 0;  // the filesystem's s_magic
  bool deleted = false;
  bool dname = false;
};

struct FdInfo {
  uint64_t ino = 0;
  uint64_t peer_ino = 0;  // AF_UNIX
  Address saddr;
  Address daddr;
  uint32_t nl_portid = 0;  // AF_NETLINK
  uint16_t family = 0;     // 0: not a socket
  uint16_t type = 0;
  uint16_t protocol = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t state = 0;
  bool hashed = false;
  std::string path;  // AF_UNIX name; abstract names start with '\0'
  // Not a socket (family 0): the file.
  using File = FdFile;
  std::optional<File> file;
};

struct SyscallEvent {
  Header hdr;  // ts_ns: entry when seen, else exit
  std::array<uint64_t, 6> args{};
  int64_t ret = 0;
  uint64_t dur_ns = 0;  // 0: entry not seen
  uint32_t nr = 0;      // syscall number (core/arch.h)
  uint32_t netns = 0;   // the caller's network namespace inode
  std::vector<std::byte> payload;  // the blobs' bytes
  std::vector<Blob> blobs;

  // The first blob with this role/msg/iov, or nullptr.
  const Blob* find(uint8_t role, uint8_t msg = 0, uint8_t iov = 0) const;
  std::span<const std::byte> bytes(const Blob& b) const { return {payload.data() + b.offset, b.len}; }
  // The i-th __u32 of a blob, or nothing when it is shorter.
  std::optional<uint32_t> u32(const Blob* b, std::size_t i) const;
};

struct ProcEvent {
  enum class What : uint32_t { kFork = 1, kExit = 2 };
  Header hdr;  // FORK: the parent; EXIT: the task that exited
  What what = What::kExit;
  uint32_t child_pid = 0;
  uint32_t child_tid = 0;
  int32_t exit_code = 0;  // wait status: code << 8 | signal
  bool group_dead = false;
};

// A step in a UDP or unix stream socket's life (st_sock_event): these have
// no state tracepoint, so their lives come from syscalls and release.
struct SockEvent {
  Header hdr;  // who did it (the caller; the releasing task, or the last owner)
  uint64_t skaddr = 0;
  uint64_t cookie = 0;
  uint64_t ino = 0;
  uint64_t peer_ino = 0;  // unix
  uint64_t sock_cgroup_id = 0;
  Address saddr;  // UDP
  Address daddr;
  uint32_t netns = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint16_t family = 0;  // AF_INET, AF_INET6, AF_UNIX
  uint16_t type = 0;
  uint8_t protocol = 0;
  uint8_t op = 0;         // ST_SOCK_* (names.h: sock_op_name)
  uint8_t old_state = 0;  // kernel TCP_* numbering; 0: not known
  uint8_t new_state = 0;
  std::string path;       // unix: own name; abstract names start with '\0'
  std::string peer_path;  // unix: the peer's name
};

using Event = std::variant<StateEvent, SyscallEvent, ProcEvent, SockEvent, RetransEvent, ResetEvent, DropEvent>;

}  // namespace socktrace
