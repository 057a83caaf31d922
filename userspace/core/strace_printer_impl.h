// The Printer behind append_args() (strace_printer.h), shared by the three
// files that define it: strace_printer.cpp (each syscall's arguments, fds,
// buffers, addresses), strace_printer_msg.cpp (msghdr, iovecs, control
// messages, mmsghdr arrays) and strace_printer_sockopt.cpp (socket option
// values). Internal to those files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/strace_format.h"

namespace socktrace::strace::detail {

class Printer {
 public:
  Printer(const SyscallEvent& e, const StraceOptions& opt, std::string& o)
      : e_(e), opt_(opt), o_(o), limit_(opt.string_limit < 0 ? 0 : static_cast<uint64_t>(opt.string_limit)) {}

  bool failed() const { return e_.ret < 0 && e_.ret >= -4095; }
  uint64_t arg(int i) const { return e_.args[i]; }
  int32_t iarg(int i) const { return static_cast<int32_t>(e_.args[i]); }
  uint32_t uarg(int i) const { return static_cast<uint32_t>(e_.args[i]); }

  const Blob* blob(uint8_t role, uint8_t msg = 0, uint8_t iov = 0) const { return e_.find(role, msg, iov); }
  std::span<const std::byte> bytes(const Blob* b) const;
  static bool usable(const Blob* b) { return b && !b->fault; }

  // The fd argument `i`; under -y described as it was at entry (the first
  // fd argument is ST_BLOB_FDINFO 0, sendfile's second one 4).
  void fd(int i, uint8_t which = 0);
  void sep() { o_ += ", "; }

  // printstrn(addr, len) from a DATA-like blob.
  void buffer(const Blob* b, uint64_t addr, uint64_t len);
  // decode_sockbuf(): a netlink socket's buffer as netlink messages
  // (ST_BLOB_NETLINK), any other as a string.
  void sockbuf(uint64_t addr, uint64_t len);
  // decode_sockaddr(addr, addrlen) from an ADDR blob.
  void sockaddr(const Blob* b, uint64_t addr, int addrlen);
  // "[16]" or "[128 => 16]".
  void lens(int32_t in, int32_t out);
  void iovecs(uint8_t msg, uint64_t iov_addr, uint64_t iovlen, uint64_t data_size);
  void cmsg_data(uint32_t level, uint32_t type, std::span<const std::byte> d);
  void control(uint8_t msg, uint64_t addr, uint64_t controllen);
  // print_struct_msghdr(); `user_namelen` is msg_namelen before the call.
  void msghdr(uint8_t msg, std::optional<int32_t> user_namelen, uint64_t data_size);
  bool have_msghdr(uint8_t msg) const;
  // The mmsghdr array of sendmmsg/recvmmsg: `n` entries, msg_len shown for
  // the first `with_len`.
  void mmsgs(uint64_t addr, uint64_t n, uint64_t with_len, bool recv);
  void timespec(const Blob* b, uint64_t addr);
  // An int option value as "[1]"; SO_TXREHASH and SO_ERROR are symbolic.
  void int_value(uint32_t level, uint32_t name, std::span<const std::byte> v);
  // MAYBE_PRINT_FIELD_LEN: whole int fields as numbers, a partial one as hex.
  void partial_struct(std::span<const std::byte> v, std::size_t len, std::initializer_list<std::string_view> fields,
                      bool first_signed = true);
  // ICMP_FILTER: a 32-bit set of ICMP types, printed as strace prints bit
  // sets: the set bits, or "~" and the clear ones when more than half are
  // set. Bytes past `len` read as set (strace starts from all ones).
  void icmp_filter(std::span<const std::byte> v, std::size_t len);
  // struct packet_mreq (PACKET_ADD/DROP_MEMBERSHIP).
  void packet_mreq(std::span<const std::byte> v);
  // struct group_req (MCAST_JOIN/LEAVE_GROUP): the sockaddr_storage as a
  // sockaddr of that size.
  void group_req(std::span<const std::byte> v);
  void setsockopt_value(uint32_t level, uint32_t name, uint64_t addr, int32_t len);
  void getsockopt_value(uint32_t level, uint32_t name, uint64_t addr, int32_t ulen, int32_t rlen);
  // sendfile's `off_t *offset`, as strace's printnum_int64: "[0] => [1024]"
  // (the new value only when bytes moved), NULL, or the address it could
  // not read.
  void sendfile_offset(uint64_t addr);

  // Arguments of one syscall; returns the text strace adds after the return
  // value, if any ("Timeout", "left {...}").
  std::string_view args(std::string& aux);

 private:
  const SyscallEvent& e_;
  const StraceOptions& opt_;
  std::string& o_;
  uint64_t limit_;
  // The control buffer being printed: its message, and the SCM_RIGHTS fds
  // before the current cmsg (the k of their -y descriptions).
  uint8_t cmsg_msg_ = 0;
  std::size_t scm_fds_seen_ = 0;
};

}  // namespace socktrace::strace::detail
