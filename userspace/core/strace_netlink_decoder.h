// The netlink decoder behind append_netlink() (strace_netlink.h), shared
// by the three files that define it: strace_netlink.cpp (message headers,
// errors, attribute and value primitives), strace_netlink_diag.cpp
// (NETLINK_SOCK_DIAG) and strace_netlink_route.cpp (NETLINK_ROUTE), with
// the name tables of strace_netlink_tables.h. Internal to those files.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "core/strace_names.h"
#include "core/strace_netlink_tables.h"
#include "core/strace_print.h"

namespace socktrace::strace::netlink {

// Message and attribute layouts (linux/netlink.h, rtnetlink.h, *_diag.h):
// the sizes and offsets strace's decoders read, x86-64.
inline constexpr uint64_t kNlmsgHdrLen = 16;
inline constexpr uint64_t kNlaHdrLen = 4;
inline constexpr uint16_t kNlmsgError = 2, kNlmsgDone = 3, kNlmsgMinType = 0x10;
inline constexpr uint16_t kNlmFRequest = 0x1, kNlmFCapped = 0x100;
inline constexpr int kNetlinkRoute = 0, kNetlinkSockDiag = 4;

inline constexpr uint64_t align4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

// printxval() with no default: the number alone.
void put_xval_nodflt(std::string& o, std::span<const Xlat> table, uint64_t v);

// printflags_ex() over two tables, as strace decodes nlmsg_flags.
void put_flags2(std::string& o, std::span<const Xlat> a, std::span<const Xlat> b, uint64_t v,
                std::string_view dflt);

// printflags() of a table with a name for zero (NUD_NONE).
void put_flags_zero(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt);

class Decoder {
 public:
  Decoder(std::string& o, std::span<const std::byte> d, int protocol, uint64_t limit)
      : o_(o), d_(d), protocol_(protocol), limit_(limit) {}

  // decode_netlink(): the messages of the buffer's first `len` bytes.
  void messages(uint64_t off, uint64_t len);

 private:
  bool have(uint64_t off, uint64_t n) const { return off <= d_.size() && n <= d_.size() - off; }
  template <class T>
  T get(uint64_t off) const {
    return load<T>(d_, off);
  }
  uint8_t u8(uint64_t off) const { return get<uint8_t>(off); }
  uint16_t u16(uint64_t off) const { return get<uint16_t>(off); }
  uint32_t u32(uint64_t off) const { return get<uint32_t>(off); }
  // What the kernel side did not capture: strace would have read it.
  void cut() { o_ += "..."; }

  bool fetch_header(uint64_t off, uint64_t len, bool in_array);
  void hex(uint64_t off, uint64_t len);
  void str(uint64_t off, uint64_t len);

  // decode_nla_u8/u16/u32/u64/s32: false when the attribute is shorter.
  template <class T>
  bool num(uint64_t off, uint64_t len) {
    if (len < sizeof(T)) return false;
    if (!have(off, sizeof(T))) {
      cut();
      return true;
    }
    T v = get<T>(off);
    if constexpr (std::is_signed_v<T>)
      put_d(o_, v);
    else
      put_u(o_, v);
    return true;
  }

  bool ifindex(uint64_t off, uint64_t len);
  bool xval(uint64_t off, uint64_t len, uint64_t size, std::span<const Xlat> table, std::string_view dflt, bool flags);
  void inet_addr(uint64_t off, uint64_t len, int family, std::string_view name = {});
  void inet_addr_field(uint64_t off, std::string_view name, int family);
  bool hwaddr(uint64_t off, uint64_t len);
  bool uid(uint64_t off, uint64_t len);
  bool meminfo(uint64_t off, uint64_t len);

  // A structure of `names.size()` fields of T, all of them needed.
  template <class T>
  bool fields(uint64_t off, uint64_t len, std::initializer_list<std::string_view> names) {
    if (len < names.size() * sizeof(T)) return false;
    if (!have(off, names.size() * sizeof(T))) {
      cut();
      return true;
    }
    o_ += '{';
    std::size_t i = 0;
    for (std::string_view n : names) {
      if (i) o_ += ", ";
      o_ += n;
      o_ += '=';
      put_u(o_, get<T>(off + i * sizeof(T)));
      ++i;
    }
    o_ += '}';
    return true;
  }

  void cookie(uint64_t off, std::string_view name);

  // decode_nlattr(): the attribute array at off; `decode(type, off, len)`
  // prints a value and returns true, or false for the raw bytes.
  template <class F>
  void attrs(uint64_t off, uint64_t len, std::span<const Xlat> table, std::string_view dflt, F&& decode) {
    bool is_array = false;
    for (uint64_t elt = 0;; ++elt) {
      if (len < kNlaHdrLen) {
        hex(off, len);
        break;
      }
      if (!have(off, kNlaHdrLen)) {
        cut();
        break;
      }
      if (elt == limit_) {
        o_ += "...";
        break;
      }
      uint16_t nla_len = u16(off), nla_type = u16(off + 2);
      uint64_t aligned = align4(nla_len);
      uint64_t next_len = 0;
      if (nla_len >= kNlaHdrLen) next_len = len >= aligned ? len - aligned : 0;
      if (!is_array && next_len) {
        o_ += '[';
        is_array = true;
      }
      uint64_t l = std::min<uint64_t>(nla_len, len);
      if (l > kNlaHdrLen) o_ += '[';
      o_ += "{nla_len=";
      put_u(o_, nla_len);
      o_ += ", nla_type=";
      if (nla_type & 0x8000) o_ += "NLA_F_NESTED|";
      if (nla_type & 0x4000) o_ += "NLA_F_NET_BYTEORDER|";
      put_xval(o_, table, nla_type & 0x3fff, dflt);
      o_ += '}';
      if (l > kNlaHdrLen) {
        o_ += ", ";
        if (!decode(static_cast<uint16_t>(nla_type & 0x3fff), off + kNlaHdrLen, l - kNlaHdrLen))
          hex(off + kNlaHdrLen, l - kNlaHdrLen);
        o_ += ']';
      }
      if (!next_len) break;
      o_ += ", ";
      off += aligned;
      len = next_len;
    }
    if (is_array) o_ += ']';
  }

  void header(uint64_t off);
  void message(uint64_t off, uint64_t len);
  void payload(uint64_t hdr, uint64_t off, uint64_t len);
  void nlmsgerr(uint64_t off, uint64_t len, bool capped);
  bool bytes_array(uint64_t off, uint64_t len);
  void family_data(uint64_t off, uint64_t len);

  // The common shape of strace's struct decoders: family first, the rest
  // only when the whole struct is there, then the attributes after it.
  template <class Body, class Attrs>
  void structure(uint64_t off, uint64_t len, std::string_view family_field, uint64_t size, Body&& body,
                 Attrs&& attributes) {
    o_ += '{';
    o_ += family_field;
    o_ += '=';
    put_xval(o_, std::span<const Xlat>(kFamilies), u8(off), "AF_???");
    o_ += ", ";
    bool decode_nla = false;
    if (len >= size) {
      if (!have(off, size)) {
        cut();
      } else {
        body();
        decode_nla = true;
      }
    } else {
      o_ += "...";
    }
    o_ += '}';
    if (decode_nla && len > align4(size)) {
      o_ += ", ";
      attributes(off + align4(size), len - align4(size));
    }
  }

  // ---- NETLINK_SOCK_DIAG ----------------------------------------------------

  void sock_diag(uint16_t flags, uint64_t off, uint64_t len);
  void sockid(uint64_t off, int family);
  void inet_diag_req(uint64_t off, uint64_t len);
  void inet_diag_msg(uint64_t off, uint64_t len);
  bool shutdown_flags(uint64_t off, uint64_t len);
  bool inet_sockopt(uint64_t off, uint64_t len);
  void unix_diag_req(uint64_t off, uint64_t len);
  void unix_diag_msg(uint64_t off, uint64_t len);
  bool u32_array(uint64_t off, uint64_t len);
  void netlink_diag_req(uint64_t off, uint64_t len);
  void netlink_diag_msg(uint64_t off, uint64_t len);
  bool groups(uint64_t off, uint64_t len);

  // ---- NETLINK_ROUTE ----------------------------------------------------------

  void route(uint16_t type, uint64_t off, uint64_t len);
  void ifinfomsg(uint64_t off, uint64_t len);
  bool ifmap(uint64_t off, uint64_t len);
  void xdp(uint64_t off, uint64_t len);
  void af_spec(uint64_t off, uint64_t len);

  // print_array(): the `len / size` elements of `size` bytes at `off`, at
  // most -s of them, "..." where the capture ends; each(i, at) prints one.
  // False when not even one fits.
  template <class Each>
  bool array_of(uint64_t off, uint64_t len, uint64_t size, Each&& each) {
    uint64_t n = len / size;
    if (!n) return false;
    o_ += '[';
    for (uint64_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      if (i == limit_) {
        o_ += "...";
        break;
      }
      if (!have(off + i * size, size)) {
        cut();
        break;
      }
      each(i, off + i * size);
    }
    o_ += ']';
    return true;
  }

  // print_array_ex(PAF_PRINT_INDICES): [NAME]=value, an unnamed index as
  // [N /* dflt */]; cut at the string limit.
  template <class T>
  bool indexed(uint64_t off, uint64_t len, std::span<const std::string_view> names, std::string_view dflt) {
    return array_of(off, len, sizeof(T), [&](uint64_t i, uint64_t at) {
      o_ += '[';
      if (i < names.size())
        o_ += names[i];
      else
        fmt::format_to(std::back_inserter(o_), "{} /* {} */", i, dflt);
      o_ += "]=";
      T v = get<T>(at);
      if constexpr (std::is_signed_v<T>)
        put_d(o_, v);
      else
        put_u(o_, v);
    });
  }


  void linkinfo(uint64_t off, uint64_t len);
  void tun_data(uint64_t off, uint64_t len);

  // IFLA_STATS / IFLA_STATS64: struct rtnl_link_stats[64]; the fields added
  // last (rx_nohandler, rx_otherhost_dropped) only when the kernel sent them.
  template <class T>
  bool link_stats(uint64_t off, uint64_t len, std::size_t max_fields) {
    constexpr std::size_t kMin = 23;
    if (len < kMin * sizeof(T)) return false;
    std::size_t n = std::min<std::size_t>(max_fields, len / sizeof(T));
    if (!have(off, n * sizeof(T))) {
      cut();
      return true;
    }
    o_ += '{';
    for (std::size_t i = 0; i < n; ++i) {
      if (i) o_ += ", ";
      o_ += kLinkStats[i];
      o_ += '=';
      put_u(o_, get<T>(off + i * sizeof(T)));
    }
    o_ += '}';
    return true;
  }

  void ifaddrmsg(uint64_t off, uint64_t len);
  void rtmsg(uint64_t off, uint64_t len);
  void route_attrs(uint64_t off, uint64_t len, int family);
  bool multipath(uint64_t off, uint64_t len, int family);
  void ndmsg(uint64_t off, uint64_t len);

  std::string& o_;
  std::span<const std::byte> d_;
  int protocol_;
  uint64_t limit_;
};

}  // namespace socktrace::strace::netlink
