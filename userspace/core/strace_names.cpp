#include "core/strace_names.h"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace socktrace::strace {

void append_family(std::string& out, uint32_t family) { put_xval(out, kFamilies, family, "AF_???"); }

void append_sock_type(std::string& out, uint32_t type) {
  std::string_view name = xlookup(kSockTypes, type & 0xf);
  if (!name.empty()) {
    out += name;
    type &= ~0xfu;
    if (!type) return;
    out += '|';
  }
  put_flags(out, kSockTypeFlags, type, "SOCK_???");
}

void append_sock_flags(std::string& out, uint32_t flags) {
  put_flags(out, kSockTypeFlags, flags, "SOCK_???");
}

void append_protocol(std::string& out, uint32_t family, uint32_t protocol) {
  switch (family) {
    case AF_INET:
    case AF_INET6:
      put_xval(out, kInetProtos, protocol, "IPPROTO_???");
      break;
    case AF_NETLINK:
      put_xval(out, kNetlinkProtos, protocol, "NETLINK_???");
      break;
    case AF_PACKET:
      out += "htons(";
      put_xval(out, kEthProtos, ntohs(static_cast<uint16_t>(protocol)), "ETH_P_???");
      out += ')';
      break;
    default:
      put_u(out, protocol);
  }
}

void append_msg_flags(std::string& out, uint32_t flags) { put_flags(out, kMsgFlags, flags, "MSG_???"); }

void append_shutdown_how(std::string& out, uint32_t how) {
  put_xval(out, kShutdownModes, how, "SHUT_???");
}

void append_sockopt_level(std::string& out, uint32_t level) { put_xval(out, kLevels, level, "SOL_??"); }

void append_sockopt_name(std::string& out, uint32_t level, uint32_t name, bool get) {
  // The direction's own names first, then those both directions share.
  auto put = [&](std::span<const Xlat> set_only, std::span<const Xlat> get_only, std::span<const Xlat> common,
                 std::string_view dflt) {
    std::string_view n = xlookup(get ? get_only : set_only, name);
    if (!n.empty())
      out += n;
    else
      put_xval(out, common, name, dflt);
  };
  switch (level) {
    case kSolSocket: put(kSoSetOnly, kSoGetOnly, kSo, "SO_???"); break;
    case kSolIp: put(kIpSetOnly, kIpGetOnly, kIp, "IP_???"); break;
    case kSolIpv6: put(kIpv6SetOnly, kIpv6GetOnly, kIpv6, "IPV6_???"); break;
    case kSolTcp: put_xval(out, kTcpOpts, name, "TCP_???"); break;
    case kSolUdp: put_xval(out, kUdpOpts, name, "UDP_???"); break;
    case kSolRaw: put_xval(out, kRawOpts, name, "RAW_???"); break;
    case kSolPacket: put_xval(out, kPacketOpts, name, "PACKET_???"); break;
    case kSolNetlink: put_xval(out, kNetlinkOpts, name, "NETLINK_???"); break;
    default: put_u(out, name);
  }
}

}  // namespace socktrace::strace
