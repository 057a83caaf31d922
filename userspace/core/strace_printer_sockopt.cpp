// The syscall argument printer (strace_printer_impl.h): socket option values, set and got.
#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "core/arch.h"
#include "core/decode.h"
#include "core/errno_names.h"
#include "core/fd_annotation.h"
#include "core/strace_names.h"
#include "core/strace_netlink.h"
#include "core/strace_print.h"
#include "core/strace_printer_impl.h"
#include "core/strace_sockaddr.h"
#include "socktrace/events.h"

namespace socktrace::strace::detail {

void Printer::int_value(uint32_t level, uint32_t name, std::span<const std::byte> v) {
  int32_t x = load<int32_t>(v, 0);
  o_ += '[';
  if (level == kSolSocket && name == kSoError && x > 0) {
    std::string_view n = errno_name(x);
    if (!n.empty())
      o_ += n;
    else
      put_d(o_, x);
  } else if (level == kSolSocket && name == kSoTxrehash) {
    static constexpr std::string_view kNames[] = {"SOCK_TXREHASH_DEFAULT", "SOCK_TXREHASH_DISABLED",
                                                  "SOCK_TXREHASH_ENABLED"};
    if (x >= -1 && x <= 1) {
      o_ += kNames[x + 1];
    } else {  // printxval_d(): the number in decimal, the default as a comment
      put_d(o_, x);
      o_ += " /* SOCK_TXREHASH_??? */";
    }
  } else {
    put_d(o_, x);
  }
  o_ += ']';
}

void Printer::partial_struct(std::span<const std::byte> v, std::size_t len,
                             std::initializer_list<std::string_view> fields, bool first_signed) {
  o_ += '{';
  std::size_t off = 0;
  bool first = true;
  for (std::string_view f : fields) {
    if (off >= len) break;
    if (!first) sep();
    o_ += f;
    o_ += '=';
    if (off + 4 <= len) {
      if (first && first_signed)
        put_d(o_, load<int32_t>(v, off));
      else if (first || !first_signed)
        put_u(o_, load<uint32_t>(v, off));
      else
        put_d(o_, load<int32_t>(v, off));
    } else {
      quote(o_, v.data() + off, std::min(len - off, v.size() > off ? v.size() - off : 0), kQuoteForceHex);
    }
    first = false;
    off += 4;
  }
  o_ += '}';
}

void Printer::icmp_filter(std::span<const std::byte> v, std::size_t len) {
  static constexpr Xlat kIcmpTypes[] = {
      {0, "ICMP_ECHOREPLY"},      {3, "ICMP_DEST_UNREACH"}, {4, "ICMP_SOURCE_QUENCH"},
      {5, "ICMP_REDIRECT"},       {8, "ICMP_ECHO"},         {11, "ICMP_TIME_EXCEEDED"},
      {12, "ICMP_PARAMETERPROB"}, {13, "ICMP_TIMESTAMP"},   {14, "ICMP_TIMESTAMPREPLY"},
      {15, "ICMP_INFO_REQUEST"},  {16, "ICMP_INFO_REPLY"},  {17, "ICMP_ADDRESS"},
      {18, "ICMP_ADDRESSREPLY"},
  };
  uint32_t bits = UINT32_MAX;
  std::memcpy(&bits, v.data(), std::min<std::size_t>({len, 4, v.size()}));
  bool inverted = __builtin_popcount(bits) > 16;
  if (inverted) {
    o_ += '~';
    bits = ~bits;
  }
  o_ += '[';
  bool first = true;
  for (uint32_t i = 0; i < 32; ++i) {
    if (!(bits & (1u << i))) continue;
    if (!first) o_ += ' ';
    first = false;
    put_xval(o_, kIcmpTypes, i, "ICMP_???");
  }
  o_ += ']';
}

void Printer::packet_mreq(std::span<const std::byte> v) {
  static constexpr Xlat kMrTypes[] = {{0, "PACKET_MR_MULTICAST"}, {1, "PACKET_MR_PROMISC"},
                                      {2, "PACKET_MR_ALLMULTI"},  {3, "PACKET_MR_UNICAST"}};
  o_ += "{mr_ifindex=";
  put_ifindex(o_, load<uint32_t>(v, 0));
  o_ += ", mr_type=";
  put_xval(o_, kMrTypes, load<uint16_t>(v, 4), "PACKET_MR_???");
  uint16_t alen = load<uint16_t>(v, 6);
  fmt::format_to(std::back_inserter(o_), ", mr_alen={}, mr_address=", alen);
  for (uint16_t i = 0; i < std::min<uint16_t>(alen, 8); ++i) {
    if (i) o_ += ':';
    fmt::format_to(std::back_inserter(o_), "{:02x}", load<uint8_t>(v, 8 + i));
  }
  o_ += '}';
}

void Printer::group_req(std::span<const std::byte> v) {
  o_ += "{gr_interface=";
  put_ifindex(o_, load<uint32_t>(v, 0));
  o_ += ", gr_group=";
  append_sockaddr_bytes(o_, v.data() + 8, v.size() - 8, ST_MAX_SOCKADDR, limit_);
  o_ += '}';
}

void Printer::setsockopt_value(uint32_t level, uint32_t name, uint64_t addr, int32_t len) {
  const Blob* b = blob(ST_BLOB_OPTVAL);
  auto v = bytes(b);
  bool ok = usable(b);
  if (addr && ok && len > 0) {
    if (level == kSolRaw && name == 1) {  // ICMP_FILTER
      icmp_filter(v, static_cast<std::size_t>(len));
      return;
    }
    // The structs strace decodes: the address when shorter.
    if (level == kSolPacket && (name == 1 || name == 2)) {
      if (len >= 16 && v.size() >= 16)
        packet_mreq(v);
      else
        put_addr(o_, addr);
      return;
    }
    // PACKET_RX_RING, PACKET_TX_RING: a struct tpacket_req, decoded only at
    // its own size (strace leaves a tpacket_req3 as its address).
    if (level == kSolPacket && (name == 5 || name == 13)) {
      if (len == 16 && v.size() >= 16)
        fmt::format_to(std::back_inserter(o_), "{{tp_block_size={}, tp_block_nr={}, tp_frame_size={}, tp_frame_nr={}}}",
                       load<uint32_t>(v, 0), load<uint32_t>(v, 4), load<uint32_t>(v, 8), load<uint32_t>(v, 12));
      else
        put_addr(o_, addr);
      return;
    }
    if ((level == kSolIp || level == kSolIpv6) && (name == 42 || name == 45)) {
      if (len >= 136 && v.size() >= 8 + 28)
        group_req(v);
      else
        put_addr(o_, addr);
      return;
    }
  }
  if (addr) {
    if (level == kSolSocket) {
      if (name == kSoLinger) {
        if (len < 8 || !ok || v.size() < 8) {
          put_addr(o_, addr);
        } else {
          fmt::format_to(std::back_inserter(o_), "{{l_onoff={}, l_linger={}}}", load<int32_t>(v, 0),
                         load<int32_t>(v, 4));
        }
        return;
      }
      if (name == kSoAttachFilter || name == kSoAttachReuseportCbpf) {
        // struct sock_fprog, at its own size only; the program itself is
        // an address, as strace shows it without -v.
        if (len != 16 || !ok || v.size() < 16) {
          put_addr(o_, addr);
        } else {
          fmt::format_to(std::back_inserter(o_), "{{len={}, filter=", load<uint16_t>(v, 0));
          put_addr(o_, load<uint64_t>(v, 8));
          o_ += '}';
        }
        return;
      }
      if (contains(kSoSetInt, name)) {
        if (len < 4 || !ok || v.size() < 4)
          put_addr(o_, addr);
        else
          int_value(level, name, v);
        return;
      }
    } else if (level == kSolIp && (name == 35 || name == 36)) {  // IP_ADD/DROP_MEMBERSHIP
      if (len < 8 || !ok || v.size() < 8) {
        put_addr(o_, addr);
      } else {
        o_ += "{imr_multiaddr=";
        put_inet_addr(o_, v.data());
        o_ += ", imr_interface=";
        put_inet_addr(o_, v.data() + 4);
        o_ += '}';
      }
      return;
    } else if (level == kSolIpv6 && (name == 20 || name == 21 || name == 27 || name == 28)) {
      if (len < 20 || !ok || v.size() < 20) {
        put_addr(o_, addr);
      } else {
        o_ += '{';
        put_inet6_addr(o_, v.data(), "ipv6mr_multiaddr");
        o_ += ", ipv6mr_interface=";
        put_ifindex(o_, load<uint32_t>(v, 16));
        o_ += '}';
      }
      return;
    } else if ((level == kSolIp || level == kSolIpv6) && (name == 42 || name == 45)) {
      put_addr(o_, addr);  // MCAST_JOIN/LEAVE_GROUP: struct group_req, not decoded here
      return;
    } else if (level == 270) {  // SOL_NETLINK
      if (len < 4 || !ok || v.size() < 4)
        put_addr(o_, addr);
      else
        int_value(level, name, v);
      return;
    }
  }
  if (len == 4) {
    if (!addr || !ok || v.size() < 4)
      put_addr(o_, addr);
    else
      int_value(level, name, v);
    return;
  }
  if (len < 0) {
    put_addr(o_, addr);
    return;
  }
  buffer(b, addr, static_cast<uint64_t>(len));
}

void Printer::getsockopt_value(uint32_t level, uint32_t name, uint64_t addr, int32_t ulen, int32_t rlen) {
  if (ulen <= 0 || rlen <= 0) {
    put_addr(o_, addr);
    return;
  }
  const Blob* b = blob(ST_BLOB_OPTVAL);
  auto v = bytes(b);
  bool ok = usable(b);
  std::size_t n = static_cast<std::size_t>(rlen);
  if (addr && ok) {
    if (level == kSolRaw && name == 1) {  // ICMP_FILTER
      icmp_filter(v, n);
      return;
    }
    if (level == kSolPacket && name == 6 && n >= 8 && v.size() >= std::min<std::size_t>(n, 12)) {
      fmt::format_to(std::back_inserter(o_), "{{tp_packets={}, tp_drops={}", load<uint32_t>(v, 0),
                     load<uint32_t>(v, 4));
      if (n >= 12) fmt::format_to(std::back_inserter(o_), ", tp_freeze_q_cnt={}", load<uint32_t>(v, 8));
      o_ += '}';
      return;
    }
    if (level == kSolNetlink && name == 9) {  // NETLINK_LIST_MEMBERSHIPS
      std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(ulen), n) / 4;
      o_ += '[';
      for (std::size_t i = 0; i < count; ++i) {
        if (i) o_ += ", ";
        if (i >= limit_ || (i + 1) * 4 > v.size()) {
          o_ += "...";
          break;
        }
        put_u(o_, load<uint32_t>(v, i * 4));
      }
      o_ += ']';
      return;
    }
  }
  if (addr && level == kSolSocket) {
    if (name == kSoLinger || name == kSoPeercred) {
      std::size_t len = std::min<std::size_t>(n, name == kSoLinger ? 8 : 12);
      if (!ok || v.size() < len) {
        put_addr(o_, addr);
      } else if (name == kSoLinger) {
        partial_struct(v, len, {"l_onoff", "l_linger"});
      } else {
        partial_struct(v, len, {"pid", "uid", "gid"}, false);
      }
      return;
    }
    if (name == kSoAttachFilter) {
      put_addr(o_, addr);
      return;
    }
    if (contains(kSoGetInt, name)) {
      if (!ok || v.size() < std::min<std::size_t>(n, 4)) {
        put_addr(o_, addr);
      } else if (n < 4) {
        quote(o_, v.data(), n, kQuoteForceHex);
      } else {
        int_value(level, name, v);
      }
      return;
    }
  }
  if (n == 4) {
    if (!addr || !ok || v.size() < 4)
      put_addr(o_, addr);
    else
      int_value(level, name, v);
    return;
  }
  buffer(b, addr, n);
}

}  // namespace socktrace::strace::detail
