// The netlink decoder (strace_netlink_decoder.h), NETLINK_SOCK_DIAG: inet,
// unix and netlink diag requests and replies.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/errno_names.h"
#include "core/strace_netlink_decoder.h"

namespace socktrace::strace::netlink {

void Decoder::sock_diag(uint16_t flags, uint64_t off, uint64_t len) {
  if (!have(off, 1)) return cut();
  uint8_t family = u8(off);
  bool request = flags & kNlmFRequest;
  if (len > 1) {
    switch (family) {
      case AF_INET:
      case AF_INET6:
        return request ? inet_diag_req(off, len) : inet_diag_msg(off, len);
      case AF_UNIX:
        return request ? unix_diag_req(off, len) : unix_diag_msg(off, len);
      case AF_NETLINK:
        return request ? netlink_diag_req(off, len) : netlink_diag_msg(off, len);
    }
  }
  family_data(off, len);
}

void Decoder::sockid(uint64_t off, int family) {
  fmt::format_to(std::back_inserter(o_), "{{idiag_sport=htons({}), idiag_dport=htons({}), ", ntohs(u16(off)),
                 ntohs(u16(off + 2)));
  inet_addr_field(off + 4, "idiag_src", family);
  o_ += ", ";
  inet_addr_field(off + 20, "idiag_dst", family);
  o_ += ", idiag_if=";
  put_ifindex(o_, u32(off + 36));
  o_ += ", ";
  cookie(off + 40, "idiag_cookie");
  o_ += '}';
}

void Decoder::inet_diag_req(uint64_t off, uint64_t len) {
  int family = u8(off);
  structure(
      off, len, "sdiag_family", 56,
      [&] {
        o_ += "sdiag_protocol=";
        put_xval(o_, std::span<const Xlat>(kInetProtos), u8(off + 1), "IPPROTO_???");
        o_ += ", idiag_ext=";
        put_flags(o_, kInetDiagExtFlags, u8(off + 2), "1<<(INET_DIAG_\?\?\?-1)");
        o_ += ", idiag_states=";
        put_flags(o_, kTcpStateFlags, u32(off + 4), "1<<TCP_???");
        o_ += ", id=";
        sockid(off + 8, family);
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kInetDiagReqAttrs, "INET_DIAG_REQ_???", [](uint16_t, uint64_t, uint64_t) { return false; });
      });
}

void Decoder::inet_diag_msg(uint64_t off, uint64_t len) {
  int family = u8(off);
  structure(
      off, len, "idiag_family", 72,
      [&] {
        o_ += "idiag_state=";
        put_xval(o_, kTcpStates, u8(off + 1), "TCP_???");
        fmt::format_to(std::back_inserter(o_), ", idiag_timer={}, idiag_retrans={}, id=", u8(off + 2),
                       u8(off + 3));
        sockid(off + 4, family);
        fmt::format_to(std::back_inserter(o_),
                       ", idiag_expires={}, idiag_rqueue={}, idiag_wqueue={}, idiag_uid={}, idiag_inode={}",
                       u32(off + 52), u32(off + 56), u32(off + 60), u32(off + 64), u32(off + 68));
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kInetDiagAttrs, "INET_DIAG_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 1: return fields<uint32_t>(ao, al, {"idiag_rmem", "idiag_wmem", "idiag_fmem", "idiag_tmem"});
            case 3: return fields<uint32_t>(ao, al, {"tcpv_enabled", "tcpv_rttcnt", "tcpv_rtt", "tcpv_minrtt"});
            case 4: str(ao, al); return true;
            case 5:
            case 6:
            case 10:
            case 11: return num<uint8_t>(ao, al);
            case 7: return meminfo(ao, al);
            case 8: return shutdown_flags(ao, al);
            case 15:
            case 17: return num<uint32_t>(ao, al);
            case 21: return num<uint64_t>(ao, al);
            case 22: return inet_sockopt(ao, al);
          }
          return false;
        });
      });
}

// INET_DIAG_SHUTDOWN: XLAT_STYLE_VERBOSE, the names in a comment.
bool Decoder::shutdown_flags(uint64_t off, uint64_t len) {
  if (len > 8 || len < 1) return false;
  if (!have(off, 1)) {
    cut();
    return true;
  }
  uint8_t v = u8(off);
  put_hex(o_, v);
  if (v) {
    o_ += " /* ";
    std::string names;
    put_flags(names, kShutdownFlags, v, "");
    if (names.find(" /* ") != std::string::npos)
      o_ += "???_SHUTDOWN";
    else
      o_ += names;
    o_ += " */";
  }
  return true;
}

// INET_DIAG_SOCKOPT: struct inet_diag_sockopt's bits that are set.
bool Decoder::inet_sockopt(uint64_t off, uint64_t len) {
  if (len < 2) return false;
  if (!have(off, 2)) {
    cut();
    return true;
  }
  static constexpr std::string_view kBits[] = {"recverr",    "is_icsk",     "freebind", "hdrincl",
                                               "mc_loop",    "transparent", "mc_all",   "nodefrag",
                                               "bind_address_no_port", "recverr_rfc4884", "defer_connect"};
  uint16_t v = u16(off);
  o_ += '{';
  bool first = true;
  for (std::size_t i = 0; i < std::size(kBits); ++i)
    if (v & (1u << i)) {
      if (!first) o_ += ", ";
      first = false;
      o_ += kBits[i];
      o_ += "=1";
    }
  if (v >> 11) {
    if (!first) o_ += ", ";
    fmt::format_to(std::back_inserter(o_), "unused={:#x}", v >> 11);
  }
  o_ += '}';
  return true;
}

void Decoder::unix_diag_req(uint64_t off, uint64_t len) {
  structure(
      off, len, "sdiag_family", 24,
      [&] {
        fmt::format_to(std::back_inserter(o_), "sdiag_protocol={}, udiag_states=", u8(off + 1));
        put_flags(o_, kTcpStateFlags, u32(off + 4), "1<<TCP_???");
        fmt::format_to(std::back_inserter(o_), ", udiag_ino={}, udiag_show=", u32(off + 8));
        put_flags(o_, kUnixDiagShow, u32(off + 12), "UDIAG_SHOW_???");
        o_ += ", ";
        cookie(off + 16, "udiag_cookie");
      },
      [](uint64_t, uint64_t) {});
}

void Decoder::unix_diag_msg(uint64_t off, uint64_t len) {
  structure(
      off, len, "udiag_family", 16,
      [&] {
        o_ += "udiag_type=";
        put_xval(o_, std::span<const Xlat>(kSockTypes), u8(off + 1), "SOCK_???");
        o_ += ", udiag_state=";
        put_xval(o_, kTcpStates, u8(off + 2), "TCP_???");
        fmt::format_to(std::back_inserter(o_), ", udiag_ino={}, ", u32(off + 4));
        cookie(off + 8, "udiag_cookie");
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kUnixDiagAttrs, "UNIX_DIAG_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 0: str(ao, al); return true;
            case 1: {
              if (al < 8) return false;
              if (!have(ao, 8)) {
                cut();
                return true;
              }
              uint32_t dev = u32(ao);
              fmt::format_to(std::back_inserter(o_), "{{udiag_vfs_dev=makedev({:#x}, {:#x}), udiag_vfs_ino={}}}",
                             (dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00), u32(ao + 4));
              return true;
            }
            case 2: return num<uint32_t>(ao, al);
            case 3: return u32_array(ao, al);
            case 4: return fields<uint32_t>(ao, al, {"udiag_rqueue", "udiag_wqueue"});
            case 5: return meminfo(ao, al);
            case 6: return num<uint8_t>(ao, al);
            case 7: return uid(ao, al);
          }
          return false;
        });
      });
}

bool Decoder::u32_array(uint64_t off, uint64_t len) {
  return array_of(off, len, 4, [&](uint64_t, uint64_t at) { put_u(o_, u32(at)); });
}

void Decoder::netlink_diag_req(uint64_t off, uint64_t len) {
  structure(
      off, len, "sdiag_family", 20,
      [&] {
        o_ += "sdiag_protocol=";
        if (u8(off + 1) == kNdiagProtoAll)
          o_ += "NDIAG_PROTO_ALL";
        else
          append_protocol(o_, AF_NETLINK, u8(off + 1));
        fmt::format_to(std::back_inserter(o_), ", ndiag_ino={}, ndiag_show=", u32(off + 4));
        put_flags(o_, kNetlinkDiagShow, u32(off + 8), "NDIAG_SHOW_???");
        o_ += ", ";
        cookie(off + 12, "ndiag_cookie");
      },
      [](uint64_t, uint64_t) {});
}

void Decoder::netlink_diag_msg(uint64_t off, uint64_t len) {
  structure(
      off, len, "ndiag_family", 28,
      [&] {
        o_ += "ndiag_type=";
        put_xval(o_, std::span<const Xlat>(kSockTypes), u8(off + 1), "SOCK_???");
        o_ += ", ndiag_protocol=";
        append_protocol(o_, AF_NETLINK, u8(off + 2));
        // strace 6.1 names a netlink socket's sk_state as a TCP state
        // (an unconnected one is TCP_CLOSE, sock_init_data()'s).
        o_ += ", ndiag_state=";
        put_xval(o_, kTcpStates, u8(off + 3), "NETLINK_???");
        fmt::format_to(std::back_inserter(o_),
                       ", ndiag_portid={}, ndiag_dst_portid={}, ndiag_dst_group={}, ndiag_ino={}, ", u32(off + 4),
                       u32(off + 8), u32(off + 12), u32(off + 16));
        cookie(off + 20, "ndiag_cookie");
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kNetlinkDiagAttrs, "NETLINK_DIAG_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 0: return meminfo(ao, al);
            case 1: return groups(ao, al);
            case 2:
            case 3:
              return fields<uint32_t>(ao, al, {"ndr_block_size", "ndr_block_nr", "ndr_frame_size", "ndr_frame_nr"});
            case 4:
              if (al < 4) return false;
              if (!have(ao, 4)) {
                cut();
                return true;
              }
              put_flags(o_, kNetlinkSocketFlags, u32(ao), "NDIAG_FLAG_???");
              return true;
          }
          return false;
        });
      });
}

// NETLINK_DIAG_GROUPS: words as printf("%#018lx").
bool Decoder::groups(uint64_t off, uint64_t len) {
  return array_of(off, len, 8, [&](uint64_t, uint64_t at) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%#018llx", static_cast<unsigned long long>(get<uint64_t>(at)));
    o_ += buf;
  });
}

}  // namespace socktrace::strace::netlink
