#include "core/strace_sockaddr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <span>

#include <fmt/format.h>

#include "core/strace_names.h"
#include "core/strace_print.h"
#include "socktrace/events.h"

namespace socktrace::strace {

namespace {

// printf's "%#02x": "00" for zero, else 0x and the digits.
void put_hex02(std::string& o, uint8_t v) {
  if (v == 0)
    o += "00";
  else
    fmt::format_to(std::back_inserter(o), "{:#x}", v);
}

// printxval() without a default: the number in hex when unnamed.
void put_xval_bare(std::string& o, std::span<const Xlat> table, uint64_t v) {
  std::string_view n = xlookup(table, v);
  if (!n.empty())
    o += n;
  else
    put_hex(o, v);
}

// print_quoted_cstring(): up to the NUL within `size` bytes; without one,
// size - 1 bytes and "...".
void quoted_cstring(std::string& o, const std::byte* p, std::size_t size) {
  std::size_t n = 0;
  while (n < size && p[n] != std::byte{0}) ++n;
  if (n < size) {
    quote(o, p, n);
  } else {
    quote(o, p, size - 1);
    o += "...";
  }
}


// print_mac_addr(): bytes as "%02x" joined by ':'.
void put_mac(std::string& o, const std::byte* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (i) o += ':';
    fmt::format_to(std::back_inserter(o), "{:02x}", static_cast<unsigned>(p[i]));
  }
}

// An AX.25 callsign is 6 characters shifted left by one, then the SSID byte.
// strace prints it as text ("N0CALL-3") when it looks like one, as the raw
// bytes with the text in a comment when it is printable but odd, and as the
// raw bytes alone when it is not printable.
enum class Ax25Style { kText, kBoth, kRaw };

Ax25Style ax25_style(const unsigned char* call) {
  Ax25Style ret = Ax25Style::kText;
  bool space_seen = false, char_seen = false;
  for (int i = 0; i < 6; ++i) {
    unsigned char c = call[i];
    if (c & 1) ret = Ax25Style::kBoth;
    c >>= 1;
    if (c == ' ')
      space_seen = true;
    else
      char_seen = true;
    bool sane = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == ' ';
    if (!sane) ret = Ax25Style::kBoth;
    if (c != ' ' && space_seen) ret = Ax25Style::kBoth;
    if (c < ' ' || c > 0x7e || c == '*' || c == '/') return Ax25Style::kRaw;
  }
  if (call[6] & ~0x1e) ret = Ax25Style::kBoth;
  if (!char_seen && call[6]) ret = Ax25Style::kBoth;
  return ret;
}

// ax25_addr2str(): the callsign without trailing spaces, '-', the SSID;
// "*" for an empty callsign with SSID 0.
std::string ax25_text(const unsigned char* call) {
  std::size_t end = 6;
  while (end && (call[end - 1] >> 1) == ' ') --end;
  std::string s;
  for (std::size_t i = 0; i < end; ++i) s += static_cast<char>(call[i] >> 1);
  s += '-';
  unsigned ssid = (call[6] >> 1) & 0xf;
  if (ssid > 9) {
    s += '1';
    ssid -= 10;
  }
  s += static_cast<char>('0' + ssid);
  if (s.size() >= 2 && s[0] == '-' && s[1] == '0') return "*";
  return s;
}

void put_ax25_addr(std::string& o, const std::byte* p) {
  auto call = reinterpret_cast<const unsigned char*>(p);
  Ax25Style st = ax25_style(call);
  if (st != Ax25Style::kText) {
    o += "{ax25_call=";
    quote(o, p, 7, kQuoteForceHex);
    o += '}';
  }
  if (st == Ax25Style::kRaw) return;
  if (st == Ax25Style::kBoth) {
    o += " /* ";
    o += ax25_text(call);
    o += " */";
  } else {
    o += ax25_text(call);
  }
}

// full_sockaddr_ax25: sockaddr_ax25 (16 bytes), then up to 8 digipeaters of
// 7 bytes. The outer struct and the digipeaters are shown once there are
// digipeaters or room for them.
void put_ax25(std::string& o, const std::byte* buf, int addrlen, uint64_t limit) {
  std::size_t len = static_cast<std::size_t>(std::max(addrlen, 0));
  int32_t ndigis;
  std::memcpy(&ndigis, buf + 12, 4);
  bool full = ndigis || len > 16;
  if (full) o += "fsa_ax25={";
  o += "sax25_call=";
  put_ax25_addr(o, buf + 2);
  fmt::format_to(std::back_inserter(o), ", sax25_ndigis={}", ndigis);
  if (!full) return;
  o += '}';
  std::size_t has = std::min<std::size_t>((len - 16) / 7, 8);
  std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(std::max(ndigis, 0)), 8);
  std::size_t n = std::min(has, want);
  if (want) {
    o += ", fsa_digipeater=[";
    bool cut = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) o += ", ";
      if (i == limit) {
        o += "...";
        cut = true;
        break;
      }
      put_ax25_addr(o, buf + 16 + 7 * i);
    }
    if (!cut && want > has) o += n ? ", ..." : "...";
    o += ']';
  }
  if (len > has * 7 + 16) o += ", ...";
}

// sockaddr_rxrpc: service, transport type and length, then the transport
// address (sockaddr_in or sockaddr_in6) from offset 8.
void put_rxrpc(std::string& o, const std::byte* buf, int addrlen) {
  std::span<const std::byte> b(buf, ST_MAX_SOCKADDR + 1);
  static constexpr Xlat kServices[] = {{1, "CM_SERVICE"}, {2500, "YFS_FS_SERVICE"}, {2501, "YFS_CM_SERVICE"},
                                       {2503, "YFS_VL_SERVICE"}};
  uint16_t service = load<uint16_t>(b, 2);
  uint16_t tlen = load<uint16_t>(b, 6);
  o += "srx_service=";
  put_hex(o, service);
  o += " /* ";
  std::string_view name = xlookup(kServices, service);
  o += name.empty() ? "???_SERVICE" : name;
  o += " */, transport_type=";
  put_xval(o, kSockTypes, load<uint16_t>(b, 4), "SOCK_???");
  o += ", transport_len=";
  put_u(o, tlen);
  o += ", transport={";
  int transport_len = std::min<int>(tlen, addrlen - 8);
  int rest = std::max(0, transport_len - 2);
  uint16_t family = load<uint16_t>(b, 8);
  auto tail = [&] {
    if (rest > 0) {
      o += ", ";
      quote(o, buf + 10, rest);
    }
  };
  if (family == AF_INET) {
    o += "sin={sin_family=AF_INET";
    if (tlen >= 16) {
      o += ", sin_port=htons(";
      put_u(o, ntohs(load<uint16_t>(b, 10)));
      o += "), sin_addr=";
      put_inet_addr(o, buf + 12);
    } else {
      tail();
    }
    o += '}';
  } else if (family == AF_INET6) {
    o += "sin6={sin6_family=AF_INET6";
    if (tlen >= 24) {
      o += ", sin6_port=htons(";
      put_u(o, ntohs(load<uint16_t>(b, 10)));
      o += "), sin6_flowinfo=htonl(";
      put_u(o, ntohl(load<uint32_t>(b, 12)));
      o += "), ";
      put_inet6_addr(o, buf + 16, "sin6_addr");
      if (transport_len > 24) {
        o += ", sin6_scope_id=";
        auto a = reinterpret_cast<const unsigned char*>(buf + 16);
        bool link_local = (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) == 0x02);
        uint32_t scope = load<uint32_t>(b, 32);
        if (link_local)
          put_ifindex(o, scope);
        else
          put_u(o, scope);
      }
    } else {
      tail();
    }
    o += '}';
  } else {
    o += "family=";
    put_xval(o, kFamilies, family, "AF_???");
    tail();
  }
  o += '}';
}

// Bluetooth's sockaddrs share the family and are told apart by length:
// HCI (4 or 6 bytes), SCO (8), RFCOMM (10), L2CAP (12 or 14).
// L2CAP's PSM and CID are little endian; shown as htobs(NAME), a dynamic
// range's start plus an offset, or the number with a comment.
void put_l2_value(std::string& o, uint16_t v, std::span<const Xlat> names,
                  std::initializer_list<std::pair<std::pair<uint16_t, uint16_t>, std::string_view>> ranges,
                  std::string_view dflt) {
  o += "htobs(";
  std::string_view name = xlookup(names, v);
  if (!name.empty()) {
    o += name;
  } else {
    bool done = false;
    for (const auto& [range, start] : ranges)
      if (v >= range.first && v <= range.second) {
        fmt::format_to(std::back_inserter(o), "{}+{}", start, v - range.first);
        done = true;
        break;
      }
    if (!done) {
      put_hex(o, v);
      o += " /* ";
      o += dflt;
      o += " */";
    }
  }
  o += ')';
}

bool put_bluetooth(std::string& o, const std::byte* buf, int addrlen) {
  std::span<const std::byte> b(buf, ST_MAX_SOCKADDR + 1);
  switch (addrlen) {
    case 4:
    case 6: {
      static constexpr Xlat kChannels[] = {{0, "HCI_CHANNEL_RAW"},     {1, "HCI_CHANNEL_USER"},
                                           {2, "HCI_CHANNEL_MONITOR"}, {3, "HCI_CHANNEL_CONTROL"},
                                           {4, "HCI_CHANNEL_LOGGING"}};
      o += "hci_dev=htobs(";
      put_u(o, load<uint16_t>(b, 2));
      o += ')';
      if (addrlen == 6) {
        o += ", hci_channel=";
        put_xval(o, kChannels, load<uint16_t>(b, 4), "HCI_CHANNEL_???");
      }
      return true;
    }
    case 8:
      o += "sco_bdaddr=";
      put_mac(o, buf + 2, 6);
      return true;
    case 10:
      o += "rc_bdaddr=";
      put_mac(o, buf + 2, 6);
      o += ", rc_channel=";
      put_u(o, load<uint8_t>(b, 8));
      return true;
    case 12:
    case 14: {
      static constexpr Xlat kPsms[] = {{0x1, "L2CAP_PSM_SDP"},         {0x3, "L2CAP_PSM_RFCOMM"},
                                       {0x21, "L2CAP_PSM_3DSP"},       {0x23, "L2CAP_PSM_IPSP"},
                                       {0x80, "L2CAP_PSM_LE_DYN_START"}, {0xff, "L2CAP_PSM_LE_DYN_END"},
                                       {0x1001, "L2CAP_PSM_DYN_START"}, {0x10ff, "L2CAP_PSM_AUTO_END"},
                                       {0xffff, "L2CAP_PSM_DYN_END"}};
      static constexpr Xlat kCids[] = {{0x1, "L2CAP_CID_SIGNALING"},  {0x2, "L2CAP_CID_CONN_LESS"},
                                       {0x3, "L2CAP_CID_A2MP"},       {0x4, "L2CAP_CID_ATT"},
                                       {0x5, "L2CAP_CID_LE_SIGNALING"}, {0x6, "L2CAP_CID_SMP"},
                                       {0x7, "L2CAP_CID_SMP_BREDR"},  {0x40, "L2CAP_CID_DYN_START"},
                                       {0x7f, "L2CAP_CID_LE_DYN_END"}, {0xffff, "L2CAP_CID_DYN_END"}};
      static constexpr Xlat kAddrTypes[] = {{0, "BDADDR_BREDR"}, {1, "BDADDR_LE_PUBLIC"}, {2, "BDADDR_LE_RANDOM"}};
      o += "l2_psm=";
      put_l2_value(o, load<uint16_t>(b, 2), kPsms,
                   {{{0x80, 0xff}, "L2CAP_PSM_LE_DYN_START"}, {{0x1001, 0xffff}, "L2CAP_PSM_DYN_START"}},
                   "L2CAP_PSM_???");
      o += ", l2_bdaddr=";
      put_mac(o, buf + 4, 6);
      o += ", l2_cid=";
      put_l2_value(o, load<uint16_t>(b, 10), kCids, {{{0x40, 0xffff}, "L2CAP_CID_DYN_START"}}, "L2CAP_CID_???");
      if (addrlen == 14) {
        o += ", l2_bdaddr_type=";
        put_xval(o, kAddrTypes, load<uint8_t>(b, 12), "BDADDR_???");
      }
      return true;
    }
  }
  return false;
}

}  // namespace

void append_sockaddr_bytes(std::string& o, const std::byte* data, std::size_t len, int addrlen, uint64_t limit) {
  // strace copies at most sizeof(struct sockaddr_storage) and zero-fills the
  // rest (plus one byte, so that a full sun_path still ends in NUL).
  std::array<std::byte, ST_MAX_SOCKADDR + 1> buf{};
  if (addrlen > ST_MAX_SOCKADDR) addrlen = ST_MAX_SOCKADDR;
  std::memcpy(buf.data(), data, std::min<std::size_t>(len, addrlen));
  std::span<const std::byte> b(buf);
  uint16_t family = load<uint16_t>(b, 0);

  o += "{sa_family=";
  put_xval(o, kFamilies, family, "AF_???");
  if (addrlen > 2) {
    o += ", ";
    auto raw = [&] {
      o += "sa_data=";
      quote(o, buf.data() + 2, addrlen - 2);
    };
    switch (family) {
      case AF_UNIX: {
        int un_len = std::min(addrlen, 110);
        int path_len = un_len - 2;
        o += "sun_path=";
        if (buf[2] != std::byte{0}) {
          quote(o, buf.data() + 2, path_len, kQuoteZeroTerminated);
        } else {
          o += '@';
          quote(o, buf.data() + 3, path_len - 1);
        }
        break;
      }
      case AF_INET:
        if (addrlen < 16) {
          raw();
          break;
        }
        o += "sin_port=htons(";
        put_u(o, ntohs(load<uint16_t>(b, 2)));
        o += "), sin_addr=";
        put_inet_addr(o, buf.data() + 4);
        break;
      case AF_INET6: {
        if (addrlen < 24) {
          raw();
          break;
        }
        o += "sin6_port=htons(";
        put_u(o, ntohs(load<uint16_t>(b, 2)));
        o += "), sin6_flowinfo=htonl(";
        put_u(o, ntohl(load<uint32_t>(b, 4)));
        o += "), ";
        put_inet6_addr(o, buf.data() + 8, "sin6_addr");
        if (addrlen > 24) {
          o += ", sin6_scope_id=";
          auto a = reinterpret_cast<const unsigned char*>(buf.data() + 8);
          bool link_local = (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
                            (a[0] == 0xff && (a[1] & 0x0f) == 0x02);
          uint32_t scope = load<uint32_t>(b, 24);
          if (link_local)
            put_ifindex(o, scope);
          else
            put_u(o, scope);
        }
        break;
      }
      case AF_NETLINK:
        if (addrlen < 12) {
          raw();
          break;
        }
        if (uint16_t pad = load<uint16_t>(b, 2)) {
          o += "nl_pad=";
          put_hex(o, pad);
          o += ", ";
        }
        o += "nl_pid=";
        put_u(o, load<uint32_t>(b, 4));
        // strace prints the groups with printf's "%#08x": 00000000, 0x000011.
        if (uint32_t groups = load<uint32_t>(b, 8))
          fmt::format_to(std::back_inserter(o), ", nl_groups={:#08x}", groups);
        else
          o += ", nl_groups=00000000";
        break;
      case AF_PACKET: {
        if (addrlen < 20) {
          raw();
          break;
        }
        o += "sll_protocol=htons(";
        put_xval(o, kEthProtos, ntohs(load<uint16_t>(b, 2)), "ETH_P_???");
        o += "), sll_ifindex=";
        put_ifindex(o, load<uint32_t>(b, 4));
        o += ", sll_hatype=";
        put_xval(o, kArpHardware, load<uint16_t>(b, 8), "ARPHRD_???");
        o += ", sll_pkttype=";
        put_xval(o, kPacketTypes, load<uint8_t>(b, 10), "PACKET_???");
        uint8_t halen = load<uint8_t>(b, 11);
        o += ", sll_halen=";
        put_u(o, halen);
        if (halen) {
          o += ", sll_addr=[";
          int oob = addrlen - 12;
          for (int i = 0; i < halen; ++i) {
            if (i) o += ", ";
            if (i >= oob || i >= 8) {
              o += "...";
              break;
            }
            put_hex(o, load<uint8_t>(b, 12 + i));
          }
          o += ']';
        }
        break;
      }
      case AF_IPX:
        if (addrlen < 16) {
          raw();
          break;
        }
        fmt::format_to(std::back_inserter(o), "sipx_port=htons({}), sipx_network=htonl(", ntohs(load<uint16_t>(b, 2)));
        put_hex(o, ntohl(load<uint32_t>(b, 4)));
        o += "), sipx_node=[";
        for (int i = 0; i < 6; ++i) {
          if (i) o += ", ";
          put_hex02(o, load<uint8_t>(b, 8 + i));
        }
        o += "], sipx_type=";
        put_hex02(o, load<uint8_t>(b, 14));
        if (uint8_t zero = load<uint8_t>(b, 15)) {
          o += ", sipx_zero=";
          put_hex02(o, zero);
        }
        break;
      case AF_X25:
        if (addrlen < 18) {
          raw();
          break;
        }
        o += "sx25_addr={x25_addr=";
        quoted_cstring(o, buf.data() + 2, 16);
        o += '}';
        break;
      case AF_VSOCK: {
        if (addrlen < 16) {
          raw();
          break;
        }
        static constexpr Xlat kCids[] = {
            {0xffffffff, "VMADDR_CID_ANY"}, {0, "VMADDR_CID_HYPERVISOR"}, {1, "VMADDR_CID_LOCAL"}, {2, "VMADDR_CID_HOST"}};
        static constexpr Xlat kPorts[] = {{0xffffffff, "VMADDR_PORT_ANY"}};
        static constexpr Xlat kFlags[] = {{1, "VMADDR_FLAG_TO_HOST"}};
        if (uint16_t r = load<uint16_t>(b, 2)) {
          o += "svm_reserved1=";
          put_hex(o, r);
          o += ", ";
        }
        o += "svm_cid=";
        put_xval_bare(o, kCids, load<uint32_t>(b, 8));
        o += ", svm_port=";
        put_xval_bare(o, kPorts, load<uint32_t>(b, 4));
        o += ", svm_flags=";
        put_flags(o, kFlags, load<uint8_t>(b, 12), "VMADDR_FLAG_???");
        if (load<uint8_t>(b, 13) || load<uint8_t>(b, 14) || load<uint8_t>(b, 15)) {
          o += ", svm_zero=";
          quote(o, buf.data() + 13, 3, kQuoteForceHex);
        }
        break;
      }
      case AF_XDP: {
        if (addrlen < 16) {
          raw();
          break;
        }
        static constexpr Xlat kXdpFlags[] = {
            {1, "XDP_SHARED_UMEM"}, {2, "XDP_COPY"}, {4, "XDP_ZEROCOPY"}, {8, "XDP_USE_NEED_WAKEUP"}};
        uint16_t flags = load<uint16_t>(b, 2);
        o += "sxdp_flags=";
        put_flags(o, kXdpFlags, flags, "XDP_???");
        o += ", sxdp_ifindex=";
        put_ifindex(o, load<uint32_t>(b, 4));
        o += ", sxdp_queue_id=";
        put_u(o, load<uint32_t>(b, 8));
        if (flags & 1) {
          o += ", sxdp_shared_umem_fd=";
          put_u(o, load<uint32_t>(b, 12));
        }
        break;
      }
      case AF_MCTP: {
        if (addrlen < 12) {
          raw();
          break;
        }
        static constexpr Xlat kNets[] = {{0, "MCTP_NET_ANY"}};
        static constexpr Xlat kAddrs[] = {{0, "MCTP_ADDR_NULL"}, {0xff, "MCTP_ADDR_ANY"}};
        if (uint16_t pad = load<uint16_t>(b, 2)) {
          o += "__smctp_pad0=";
          put_hex(o, pad);
          o += ", ";
        }
        o += "smctp_network=";
        put_xval_bare(o, kNets, load<uint32_t>(b, 4));
        o += ", smctp_addr={s_addr=";
        put_xval_bare(o, kAddrs, load<uint8_t>(b, 8));
        o += "}, smctp_type=";
        put_hex(o, load<uint8_t>(b, 9));
        o += ", smctp_tag=";
        put_hex(o, load<uint8_t>(b, 10));
        if (uint8_t pad = load<uint8_t>(b, 11)) {
          o += ", __smctp_pad1=";
          put_hex(o, pad);
        }
        break;
      }
      case AF_QIPCRTR: {
        if (addrlen < 12) {
          raw();
          break;
        }
        static constexpr Xlat kNodes[] = {{0xffffffff, "QRTR_NODE_BCAST"}};
        static constexpr Xlat kPorts[] = {{0xfffffffe, "QRTR_PORT_CTRL"}};
        o += "sq_node=";
        put_xval_bare(o, kNodes, load<uint32_t>(b, 4));
        o += ", sq_port=";
        put_xval_bare(o, kPorts, load<uint32_t>(b, 8));
        break;
      }
      case AF_NFC: {
        if (addrlen < 16) {
          raw();
          break;
        }
        static constexpr Xlat kProtos[] = {{1, "NFC_PROTO_JEWEL"},      {2, "NFC_PROTO_MIFARE"},
                                           {3, "NFC_PROTO_FELICA"},     {4, "NFC_PROTO_ISO14443"},
                                           {5, "NFC_PROTO_NFC_DEP"},    {6, "NFC_PROTO_ISO14443_B"},
                                           {7, "NFC_PROTO_ISO15693"}};
        o += "dev_idx=";
        put_ifindex(o, load<uint32_t>(b, 4));
        o += ", target_idx=";
        put_hex(o, load<uint32_t>(b, 8));
        o += ", nfc_protocol=";
        put_xval(o, kProtos, load<uint32_t>(b, 12), "NFC_PROTO_???");
        if (addrlen > 16) o += ", ...";
        break;
      }
      case AF_ALG: {
        if (addrlen < 24) {
          raw();
          break;
        }
        // salg_feat/salg_mask: XLAT_STYLE_VERBOSE over strace 6.1's one name.
        auto alg_flags = [&](uint32_t v) {
          put_hex(o, v);
          if (!v) return;
          o += " /* ";
          if (v & 0x1000) {
            o += "CRYPTO_ALG_KERN_DRIVER_ONLY";
            if (v & ~0x1000u) {
              o += '|';
              put_hex(o, v & ~0x1000u);
            }
          } else {
            o += "CRYPTO_ALG_???";
          }
          o += " */";
        };
        o += "salg_type=";
        quoted_cstring(o, buf.data() + 2, 14);
        o += ", salg_feat=";
        alg_flags(load<uint32_t>(b, 16));
        o += ", salg_mask=";
        alg_flags(load<uint32_t>(b, 20));
        o += ", salg_name=";
        std::size_t name = static_cast<std::size_t>(addrlen) - 24;
        std::size_t n = 0;
        while (n < name && buf[24 + n] != std::byte{0}) ++n;
        quote(o, buf.data() + 24, n);
        break;
      }
      case AF_IEEE802154: {
        if (addrlen < 20) {
          raw();
          break;
        }
        static constexpr std::string_view kTypes[] = {"IEEE802154_ADDR_NONE", "", "IEEE802154_ADDR_SHORT",
                                                      "IEEE802154_ADDR_LONG"};
        int32_t type = load<int32_t>(b, 4);
        o += "addr={addr_type=";
        put_hex(o, static_cast<uint32_t>(type));
        o += " /* ";
        o += type >= 0 && type < 4 && !kTypes[type].empty() ? kTypes[type] : "IEEE802154_ADDR_???";
        o += " */, pan_id=";
        put_hex(o, load<uint16_t>(b, 8));
        if (type == 2) {
          o += ", short_addr=";
          put_hex(o, load<uint16_t>(b, 10));
        } else if (type != 0) {
          o += ", hwaddr=";
          for (int i = 0; i < 8; ++i) {
            if (i) o += ':';
            fmt::format_to(std::back_inserter(o), "{:02x}", load<uint8_t>(b, 10 + i));
          }
        }
        o += '}';
        break;
      }
      case AF_AX25:
        if (addrlen < 16) {
          raw();
          break;
        }
        put_ax25(o, buf.data(), addrlen, limit);
        break;
      case AF_RXRPC:
        if (addrlen < 36) {
          raw();
          break;
        }
        put_rxrpc(o, buf.data(), addrlen);
        break;
      case AF_BLUETOOTH:
        if (!put_bluetooth(o, buf.data(), addrlen)) raw();
        break;
      default:
        raw();
    }
  }
  o += '}';
}

}  // namespace socktrace::strace
