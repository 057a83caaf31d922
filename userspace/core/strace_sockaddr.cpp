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
          quote(o, buf.data() + 2, path_len + 1, kQuoteZeroTerminated);
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
      default:
        raw();
    }
  }
  o += '}';
}

}  // namespace socktrace::strace
