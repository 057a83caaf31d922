// The netlink decoder (strace_netlink_decoder.h), NETLINK_ROUTE: links,
// addresses, routes and neighbours with their attributes.
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

void Decoder::route(uint16_t type, uint64_t off, uint64_t len) {
  if (!have(off, 1)) return cut();
  switch (type) {
    case 16:
    case 17:
    case 18:
    case 19: return ifinfomsg(off, len);
    case 20:
    case 21:
    case 22:
    case 58:
    case 62: return ifaddrmsg(off, len);
    case 24:
    case 25:
    case 26: return rtmsg(off, len);
    case 28:
    case 29:
    case 30: return ndmsg(off, len);
  }
  family_data(off, len);
}

void Decoder::ifinfomsg(uint64_t off, uint64_t len) {
  structure(
      off, len, "ifi_family", 16,
      [&] {
        o_ += "ifi_type=";
        put_xval(o_, kArpHardwareTypes, u16(off + 2), "ARPHRD_???");
        o_ += ", ifi_index=";
        put_ifindex(o_, u32(off + 4));
        o_ += ", ifi_flags=";
        put_flags(o_, kIffFlags, u32(off + 8), "IFF_???");
        o_ += ", ifi_change=";
        put_hex(o_, u32(off + 12));
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kIflaAttrs, "IFLA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 1:
            case 2:
            case 54: return hwaddr(ao, al);
            case 3:
            case 6:
            case 20:
            case 38:
            case 53:
            case 56:
            case 57: str(ao, al); return true;
            case 4:
            case 13:
            case 15:
            case 19:
            case 21:
            case 27:
            case 30:
            case 31:
            case 32:
            case 35:
            case 40:
            case 41:
            case 47:
            case 48:
            case 50:
            case 51:
            case 58:
            case 59:
            case 60:
            case 61: return num<uint32_t>(ao, al);
            case 5:
            case 10: return ifindex(ao, al);
            case 16:
            case 17:
            case 33:
            case 39: return num<uint8_t>(ao, al);
            case 28:
            case 37:
            case 45:
            case 46:
            case 49: return num<int32_t>(ao, al);
            case 29: return xval(ao, al, 4, kRtextFilter, "RTEXT_FILTER_???", true);
            case 7: return link_stats<uint32_t>(ao, al, 24);
            case 23: return link_stats<uint64_t>(ao, al, 25);
            case 14: return ifmap(ao, al);
            case 18: linkinfo(ao, al); return true;
            case 26: af_spec(ao, al); return true;
            case 43: xdp(ao, al); return true;
            case 44:
              if (al < 4) return false;
              if (!have(ao, 4)) {
                cut();
                return true;
              }
              put_xval(o_, kIflaEvents, u32(ao), "IFLA_EVENT_???");
              return true;
            case 52:  // IFLA_PROP_LIST: IFLA_ALT_IFNAME among link attributes
              attrs(ao, al, kIflaAttrs, "IFLA_???", [&](uint16_t p, uint64_t po, uint64_t pl) {
                if (p != 53) return false;
                str(po, pl);
                return true;
              });
              return true;
            case 55:
              attrs(ao, al, kIflaProtoDownReasonAttrs, "IFLA_PROTO_DOWN_REASON_???",
                    [&](uint16_t p, uint64_t po, uint64_t pl) {
                      if (p != 1 && p != 2) return false;
                      if (pl < 4) return false;
                      if (!have(po, 4)) {
                        cut();
                        return true;
                      }
                      put_hex(o_, u32(po));
                      return true;
                    });
              return true;
          }
          return false;
        });
      });
}

// IFLA_MAP: struct rtnl_link_ifmap up to `port` (28 bytes).
bool Decoder::ifmap(uint64_t off, uint64_t len) {
  if (len < 28) return false;
  if (!have(off, 28)) {
    cut();
    return true;
  }
  o_ += "{mem_start=";
  put_hex(o_, get<uint64_t>(off));
  o_ += ", mem_end=";
  put_hex(o_, get<uint64_t>(off + 8));
  o_ += ", base_addr=";
  put_hex(o_, get<uint64_t>(off + 16));
  fmt::format_to(std::back_inserter(o_), ", irq={}, dma={}, port={}}}", u16(off + 24), u8(off + 26), u8(off + 27));
  return true;
}

// IFLA_XDP: the attachment mode, flags and program ids (the fds, which
// strace prints as fds, -y included, in hex).
void Decoder::xdp(uint64_t off, uint64_t len) {
  attrs(off, len, kIflaXdpAttrs, "IFLA_XDP_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
    switch (t) {
      case 2: return xval(ao, al, 1, kXdpAttached, "XDP_ATTACHED_???", false);
      case 3:
        if (al < 4) return false;
        if (!have(ao, 4)) {
          cut();
          return true;
        }
        put_flags(o_, kXdpFlags, u32(ao), "XDP_FLAGS_???");
        return true;
      case 4:
      case 5:
      case 6:
      case 7: return num<uint32_t>(ao, al);
    }
    return false;
  });
}

// IFLA_AF_SPEC: attributes by address family; strace 6.1 decodes those
// of AF_INET and AF_INET6, the rest in hex.
void Decoder::af_spec(uint64_t off, uint64_t len) {
  attrs(off, len, std::span<const Xlat>(kFamilies), "AF_???", [&](uint16_t family, uint64_t fo, uint64_t fl) {
    if (family == AF_INET) {
      attrs(fo, fl, kIflaInetAttrs, "IFLA_INET_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
        if (t == 1) return indexed<int32_t>(ao, al, kInetDevconf, "IPV4_DEVCONF_???");
        return false;
      });
      return true;
    }
    if (family == AF_INET6) {
      attrs(fo, fl, kIflaInet6Attrs, "IFLA_INET6_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
        switch (t) {
          case 1: return xval(ao, al, 4, kInet6IfFlags, "IF_???", true);
          case 2: return indexed<int32_t>(ao, al, kInet6Devconf, "DEVCONF_???");
          case 3: return indexed<uint64_t>(ao, al, kIpstatsMib, "IPSTATS_MIB_???");
          case 5:
            return fields<uint32_t>(ao, al, {"max_reasm_len", "tstamp", "reachable_time", "retrans_time"});
          case 6: return indexed<uint64_t>(ao, al, kIcmp6Mib, "ICMP6_MIB_???");
          case 7: inet_addr(ao, al, AF_INET6); return true;
          case 8: return xval(ao, al, 1, kIn6AddrGenModes, "IN6_ADDR_GEN_MODE_???", false);
          case 9: return num<uint32_t>(ao, al);
        }
        return false;
      });
      return true;
    }
    return false;
  });
}

// IFLA_LINKINFO: the kind and slave kind as strings, the data of tun
// devices and the xstats of CAN devices by the kind named before them;
// strace 6.1 decodes bridges' data too, shown here in hex like every
// other kind's.
void Decoder::linkinfo(uint64_t off, uint64_t len) {
  std::string kind;
  attrs(off, len, kIflaInfoAttrs, "IFLA_INFO_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
    switch (t) {
      case 1: {
        // umovestr() of IFNAMSIZ bytes from the value, past its end if
        // need be; no NUL among them, no kind.
        kind.clear();
        uint64_t n = 0;
        while (n < 16 && have(ao + n, 1) && u8(ao + n)) ++n;
        if (n < 16 && have(ao + n, 1)) kind.assign(reinterpret_cast<const char*>(d_.data() + ao), n);
        str(ao, al);
        return true;
      }
      case 2:
        if (kind != "tun") return false;
        tun_data(ao, al);
        return true;
      case 3: {
        if (kind != "can" || al < 24) return false;
        if (!have(ao, 24)) {
          cut();
          return true;
        }
        fmt::format_to(std::back_inserter(o_),
                       "{{bus_error={}, error_warning={}, error_passive={}, bus_off={}, arbitration_lost={}, "
                       "restarts={}}}",
                       u32(ao), u32(ao + 4), u32(ao + 8), u32(ao + 12), u32(ao + 16), u32(ao + 20));
        return true;
      }
      case 4: str(ao, al); return true;
    }
    return false;
  });
}

void Decoder::tun_data(uint64_t off, uint64_t len) {
  attrs(off, len, kIflaTunAttrs, "IFLA_TUN_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
    switch (t) {
      case 1:
      case 2: return uid(ao, al);
      case 3: return xval(ao, al, 1, kTunTypes, "IFF_???", false);
      case 4:
      case 5:
      case 6:
      case 7: return num<uint8_t>(ao, al);
      case 8:
      case 9: return num<uint32_t>(ao, al);
    }
    return false;
  });
}

void Decoder::ifaddrmsg(uint64_t off, uint64_t len) {
  int family = u8(off);
  structure(
      off, len, "ifa_family", 8,
      [&] {
        fmt::format_to(std::back_inserter(o_), "ifa_prefixlen={}, ifa_flags=", u8(off + 1));
        put_flags(o_, kIfaFlags, u8(off + 2), "IFA_F_???");
        o_ += ", ifa_scope=";
        put_xval_nodflt(o_, kRtScopes, u8(off + 3));
        o_ += ", ifa_index=";
        put_ifindex(o_, u32(off + 4));
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kIfaAttrs, "IFA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 1:
            case 2:
            case 4:
            case 5:
            case 7: inet_addr(ao, al, family); return true;
            case 3: str(ao, al); return true;
            case 6:
              return fields<uint32_t>(ao, al, {"ifa_prefered", "ifa_valid", "cstamp", "tstamp"});
            case 8: return xval(ao, al, 4, kIfaFlags, "IFA_F_???", true);
            case 9: return num<uint32_t>(ao, al);
            case 10: return num<int32_t>(ao, al);
            case 11: return xval(ao, al, 1, kIfaProtocols, "IFAPROT_???", false);
          }
          return false;
        });
      });
}

void Decoder::rtmsg(uint64_t off, uint64_t len) {
  int family = u8(off);
  structure(
      off, len, "rtm_family", 12,
      [&] {
        fmt::format_to(std::back_inserter(o_), "rtm_dst_len={}, rtm_src_len={}, rtm_tos=", u8(off + 1),
                       u8(off + 2));
        put_flags(o_, kIpTos, u8(off + 3), "IPTOS_TOS_???");
        o_ += ", rtm_table=";
        put_xval_nodflt(o_, kRtTables, u8(off + 4));
        o_ += ", rtm_protocol=";
        put_xval(o_, kRtProtocols, u8(off + 5), "RTPROT_???");
        o_ += ", rtm_scope=";
        put_xval_nodflt(o_, kRtScopes, u8(off + 6));
        o_ += ", rtm_type=";
        put_xval(o_, kRtnTypes, u8(off + 7), "RTN_???");
        o_ += ", rtm_flags=";
        put_flags(o_, kRtmFlags, u32(off + 8), "RTM_F_???");
      },
      [&](uint64_t o, uint64_t l) { route_attrs(o, l, family); });
}

void Decoder::route_attrs(uint64_t off, uint64_t len, int family) {
  attrs(off, len, kRtaAttrs, "RTA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
    switch (t) {
      case 1:
      case 2:
      case 5:
      case 7:
      case 19: inet_addr(ao, al, family); return true;
      case 3:
      case 4: return ifindex(ao, al);
      case 6:
      case 10:
      case 11:
      case 14:
      case 16:
      case 25: return num<uint32_t>(ao, al);
      case 8:
        attrs(ao, al, kRtaxAttrs, "RTAX_???", [&](uint16_t m, uint64_t mo, uint64_t ml) {
          if (m == 16) {
            str(mo, ml);
            return true;
          }
          if (m >= 1 && m <= 15) return num<uint32_t>(mo, ml);
          return false;
        });
        return true;
      case 12:
        if (al < 32) return false;
        if (!have(ao, 32)) {
          cut();
          return true;
        }
        fmt::format_to(std::back_inserter(o_),
                       "{{rta_clntref={}, rta_lastuse={}, rta_expires={}, rta_error={}, rta_used={}, "
                       "rta_id={:#x}, rta_ts={}, rta_tsage={}}}",
                       u32(ao), u32(ao + 4), get<int32_t>(ao + 8), u32(ao + 12), u32(ao + 16), u32(ao + 20),
                       u32(ao + 24), u32(ao + 28));
        return true;
      case 15:
        if (al < 4) return false;
        if (!have(ao, 4)) {
          cut();
          return true;
        }
        put_xval_nodflt(o_, kRtTables, u32(ao));
        return true;
      case 20:
      case 26:
      case 27: return num<uint8_t>(ao, al);
      case 23: return num<uint64_t>(ao, al);
      case 28:
      case 29: return num<uint16_t>(ao, al);
      case 9: return multipath(ao, al, family);
      case 17: return fields<uint64_t>(ao, al, {"mfcs_packets", "mfcs_bytes", "mfcs_wrong_if"});
      case 21:
        if (al < 2) return false;
        if (!have(ao, 2)) {
          cut();
          return true;
        }
        put_xval(o_, kLwtunnelEncapTypes, u16(ao), "LWTUNNEL_ENCAP_???");
        return true;
      case 18: {
        if (al < 2) return false;
        if (!have(ao, 2)) {
          cut();
          return true;
        }
        uint16_t via = u16(ao);
        o_ += "{rtvia_family=";
        put_xval(o_, std::span<const Xlat>(kFamilies), via, "AF_???");
        if (al > 2) {
          o_ += ", ";
          inet_addr(ao + 2, al - 2, via, "rtvia_addr");
        }
        o_ += '}';
        return true;
      }
    }
    return false;
  });
}

// RTA_MULTIPATH: struct rtnexthop, each followed by its own route
// attributes, to the end of the attribute.
bool Decoder::multipath(uint64_t off, uint64_t len, int family) {
  constexpr uint64_t kNh = 8;
  if (len < kNh) return false;
  bool is_array = false;
  uint64_t cur = off, left = len;
  for (;;) {
    if (!have(cur, kNh)) {
      cut();
      break;
    }
    uint16_t nh_len = u16(cur);
    uint64_t l = std::min<uint64_t>(left, nh_len);
    if (cur == off && nh_len < len) {
      o_ += '[';
      is_array = true;
    }
    if (cur > off) o_ += ", ";
    if (l > kNh) o_ += '[';
    fmt::format_to(std::back_inserter(o_), "{{rtnh_len={}, rtnh_flags=", nh_len);
    put_flags(o_, kRtnhFlags, u8(cur + 2), "RTNH_F_???");
    fmt::format_to(std::back_inserter(o_), ", rtnh_hops={}, rtnh_ifindex=", u8(cur + 3));
    put_ifindex(o_, u32(cur + 4));
    o_ += '}';
    if (l > kNh) {
      o_ += ", ";
      route_attrs(cur + kNh, l - kNh, family);
      o_ += ']';
    }
    // A zero rtnh_len would not advance: strace 6.1 loops on it forever.
    if (align4(l) >= left || l == 0) break;
    cur += align4(l);
    left -= align4(l);
  }
  if (is_array) o_ += ']';
  return true;
}

void Decoder::ndmsg(uint64_t off, uint64_t len) {
  int family = u8(off);
  structure(
      off, len, "ndm_family", 12,
      [&] {
        o_ += "ndm_ifindex=";
        put_ifindex(o_, u32(off + 4));
        o_ += ", ndm_state=";
        put_flags_zero(o_, kNudStates, u16(off + 8), "NUD_???");
        o_ += ", ndm_flags=";
        put_flags(o_, kNtfFlags, u8(off + 10), "NTF_???");
        o_ += ", ndm_type=";
        put_xval(o_, kRtnTypes, u8(off + 11), "RTN_???");
      },
      [&](uint64_t o, uint64_t l) {
        attrs(o, l, kNdaAttrs, "NDA_???", [&](uint16_t t, uint64_t ao, uint64_t al) {
          switch (t) {
            case 1: inet_addr(ao, al, family); return true;
            case 2: return hwaddr(ao, al);
            case 3: return fields<uint32_t>(ao, al, {"ndm_confirmed", "ndm_used", "ndm_updated", "ndm_refcnt"});
            case 4:
            case 7:
            case 11: return num<uint32_t>(ao, al);
            case 5: return num<uint16_t>(ao, al);
            case 6:
              if (al < 2) return false;
              if (!have(ao, 2)) {
                cut();
                return true;
              }
              fmt::format_to(std::back_inserter(o_), "htons({})", ntohs(u16(ao)));
              return true;
            case 8:
            case 9: return ifindex(ao, al);
            case 10: return num<int32_t>(ao, al);
          }
          return false;
        });
      });
}

}  // namespace socktrace::strace::netlink
