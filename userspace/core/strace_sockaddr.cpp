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

}  // namespace

void append_sockaddr_bytes(std::string& o, const std::byte* data, std::size_t len, int addrlen) {
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
      default:
        raw();
    }
  }
  o += '}';
}

}  // namespace socktrace::strace
