#include "core/strace_netlink.h"

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

namespace socktrace::strace {

namespace netlink {

void put_xval_nodflt(std::string& o, std::span<const Xlat> table, uint64_t v) {
  std::string_view n = xlookup(table, v);
  if (!n.empty())
    o += n;
  else
    put_hex(o, v);
}

void put_flags2(std::string& o, std::span<const Xlat> a, std::span<const Xlat> b, uint64_t v,
                std::string_view dflt) {
  if (v == 0) {
    o += '0';
    return;
  }
  bool any = false;
  for (auto table : {a, b})
    for (const Xlat& x : table)
      if (x.val && (v & x.val) == x.val) {
        if (any) o += '|';
        o += x.name;
        any = true;
        v &= ~uint64_t{x.val};
      }
  if (any) {
    if (v) {
      o += '|';
      put_hex(o, v);
    }
    return;
  }
  put_hex(o, v);
  o += " /* ";
  o += dflt;
  o += " */";
}

void put_flags_zero(std::string& o, std::span<const Xlat> table, uint64_t v, std::string_view dflt) {
  if (v == 0) {
    std::string_view n = xlookup(table, 0);
    if (!n.empty()) {
      o += n;
      return;
    }
  }
  put_flags(o, table, v, dflt);
}

// decode_netlink()
void Decoder::messages(uint64_t off, uint64_t len) {
  bool is_array = false;
  for (uint64_t elt = 0;; ++elt) {
    if (!fetch_header(off, len, is_array)) break;
    if (elt == limit_) {
      o_ += "...";
      break;
    }
    uint32_t nlmsg_len = u32(off);
    uint64_t aligned = align4(nlmsg_len);
    uint64_t next_len = 0;
    if (nlmsg_len >= kNlmsgHdrLen) next_len = len >= aligned ? len - aligned : 0;
    if (!is_array && next_len) {
      o_ += '[';
      is_array = true;
    }
    message(off, len);
    if (!next_len) break;
    o_ += ", ";
    off += aligned;
    len = next_len;
  }
  if (is_array) o_ += ']';
}

// fetch_nlmsghdr()
bool Decoder::fetch_header(uint64_t off, uint64_t len, bool in_array) {
  (void)in_array;
  if (len < kNlmsgHdrLen) {
    hex(off, len);
    return false;
  }
  if (!have(off, kNlmsgHdrLen)) {
    cut();
    return false;
  }
  return true;
}

// printstr_ex(..., QUOTE_FORCE_HEX)
void Decoder::hex(uint64_t off, uint64_t len) {
  uint64_t n = std::min(len, limit_);
  if (!have(off, n)) return cut();
  quote(o_, d_.data() + off, n, kQuoteForceHex);
  if (len > limit_) o_ += "...";
}

// decode_nla_str(): QUOTE_OMIT_TRAILING_0 | QUOTE_EXPECT_TRAILING_0.
void Decoder::str(uint64_t off, uint64_t len) {
  uint64_t n = std::min(len, limit_);
  if (!have(off, n)) return cut();
  if (n > 0 && d_[off + n - 1] == std::byte{0}) {
    quote(o_, d_.data() + off, n - 1);
    return;
  }
  quote(o_, d_.data() + off, n);
  if (len) o_ += "...";
}

bool Decoder::ifindex(uint64_t off, uint64_t len) {
  if (len < 4) return false;
  if (!have(off, 4)) {
    cut();
    return true;
  }
  put_ifindex(o_, u32(off));
  return true;
}

// decode_nla_xval()/decode_nla_flags() of a `size`-byte value.
bool Decoder::xval(uint64_t off, uint64_t len, uint64_t size, std::span<const Xlat> table, std::string_view dflt,
                   bool flags) {
  if (len > 8 || len < size) return false;
  uint64_t n = size ? std::min(len, size) : len;
  if (!have(off, n)) {
    cut();
    return true;
  }
  uint64_t v = 0;
  std::memcpy(&v, d_.data() + off, n);
  if (flags)
    put_flags(o_, table, v, dflt);
  else if (dflt.empty())
    put_xval_nodflt(o_, table, v);
  else
    put_xval(o_, table, v, dflt);
  return true;
}

// decode_inet_addr(..., var_name): an IPv6 address names the field
// inside inet_pton(), anything else before it.
void Decoder::inet_addr(uint64_t off, uint64_t len, int family, std::string_view name) {
  uint64_t size = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
  auto field = [&] {
    if (name.empty()) return;
    o_ += name;
    o_ += '=';
  };
  if (!size || len < size) {
    field();
    return hex(off, len);
  }
  if (!have(off, size)) {
    field();
    return cut();
  }
  if (family == AF_INET) {
    field();
    put_inet_addr(o_, d_.data() + off);
  } else {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, d_.data() + off, buf, sizeof buf);
    o_ += "inet_pton(AF_INET6, \"";
    o_ += buf;
    o_ += '"';
    if (!name.empty()) {
      o_ += ", &";
      o_ += name;
    }
    o_ += ')';
  }
}

// PRINT_FIELD_INET_ADDR: a 16-byte address field of a diag message.
void Decoder::inet_addr_field(uint64_t off, std::string_view name, int family) {
  char buf[INET6_ADDRSTRLEN];
  if (family == AF_INET) {
    o_ += name;
    o_ += '=';
    put_inet_addr(o_, d_.data() + off);
  } else if (family == AF_INET6) {
    inet_ntop(AF_INET6, d_.data() + off, buf, sizeof buf);
    fmt::format_to(std::back_inserter(o_), "inet_pton(AF_INET6, \"{}\", &{})", buf, name);
  } else {
    o_ += name;
    o_ += '=';
    quote(o_, d_.data() + off, 16, kQuoteForceHex);
  }
}

// decode_nla_hwaddr(): 00:11:22:33:44:55
bool Decoder::hwaddr(uint64_t off, uint64_t len) {
  if (len > 32) return false;
  if (!have(off, len)) {
    cut();
    return true;
  }
  for (uint64_t i = 0; i < len; ++i) {
    if (i) o_ += ':';
    fmt::format_to(std::back_inserter(o_), "{:02x}", u8(off + i));
  }
  return true;
}

// decode_nla_uid() / decode_nla_gid(): the id, -1 for the unset one.
bool Decoder::uid(uint64_t off, uint64_t len) {
  if (len < 4) return false;
  if (!have(off, 4)) {
    cut();
    return true;
  }
  uint32_t id = u32(off);
  if (id == UINT32_MAX)
    o_ += "-1";
  else
    put_u(o_, id);
  return true;
}

// decode_nla_meminfo(): [[SK_MEMINFO_RMEM_ALLOC] = 0, ...]
bool Decoder::meminfo(uint64_t off, uint64_t len) {
  return array_of(off, len, 4, [&](uint64_t i, uint64_t at) {
    o_ += '[';
    put_xval(o_, kSkMeminfo, i, "SK_MEMINFO_???");
    o_ += "] = ";
    put_u(o_, u32(at));
  });
}

void Decoder::cookie(uint64_t off, std::string_view name) {
  fmt::format_to(std::back_inserter(o_), "{}=[{}, {}]", name, u32(off), u32(off + 4));
}

void Decoder::header(uint64_t off) {
  uint16_t type = u16(off + 4), flags = u16(off + 6);
  o_ += "{nlmsg_len=";
  put_u(o_, u32(off));
  o_ += ", nlmsg_type=";
  if (type >= kNlmsgMinType && protocol_ == kNetlinkRoute)
    put_xval(o_, kRtmTypes, type, "RTM_???");
  else if (type >= kNlmsgMinType && protocol_ == kNetlinkSockDiag)
    put_xval(o_, kSockDiagTypes, type, "SOCK_DIAG_???");
  else
    put_xval(o_, kNlmsgTypes, type, "NLMSG_???");
  o_ += ", nlmsg_flags=";
  std::span<const Xlat> extra;
  if (type < kNlmsgMinType) {
    if (type == kNlmsgError) extra = kNlmAckFlags;
  } else if (protocol_ == kNetlinkRoute) {
    if (type == kRtmDelAction)
      extra = kNlmGetFlags;
    else if ((type & 3) == 0)
      extra = kNlmNewFlags;
    else if ((type & 3) == 1)
      extra = kNlmDeleteFlags;
    else if ((type & 3) == 2)
      extra = kNlmGetFlags;
  } else if (protocol_ == kNetlinkSockDiag) {
    extra = kNlmGetFlags;
  }
  put_flags2(o_, kNlmFlags, extra, flags, "NLM_F_???");
  o_ += ", nlmsg_seq=";
  put_u(o_, u32(off + 8));
  o_ += ", nlmsg_pid=";
  put_u(o_, u32(off + 12));
  o_ += '}';
}

// decode_nlmsghdr_with_payload(): `len` bytes from off are the message's.
void Decoder::message(uint64_t off, uint64_t len) {
  uint64_t l = std::min<uint64_t>(u32(off), len);
  if (l > kNlmsgHdrLen) o_ += '[';
  header(off);
  if (l > kNlmsgHdrLen) {
    o_ += ", ";
    payload(off, off + kNlmsgHdrLen, l - kNlmsgHdrLen);
    o_ += ']';
  }
}

// decode_payload(); `hdr` is the message's header.
void Decoder::payload(uint64_t hdr, uint64_t off, uint64_t len) {
  uint16_t type = u16(hdr + 4);
  if (type == kNlmsgError) return nlmsgerr(off, len, u16(hdr + 6) & kNlmFCapped);
  if (type >= kNlmsgMinType || type == kNlmsgDone) {
    if (protocol_ == kNetlinkRoute && type != kNlmsgDone) return route(type, off, len);
    if (protocol_ == kNetlinkSockDiag && type != kNlmsgDone) return sock_diag(u16(hdr + 6), off, len);
  }
  if (type == kNlmsgDone && len == 4) {
    if (!have(off, 4)) return cut();
    put_d(o_, get<int32_t>(off));
    return;
  }
  hex(off, len);
}

// decode_nlmsgerr() as strace 6.1 prints it: with extended-ack
// attributes after the echoed message, `[{error=..., msg=...}, attrs]`.
void Decoder::nlmsgerr(uint64_t off, uint64_t len, bool capped) {
  if (len < 4) return hex(off, len);
  if (!have(off, 4)) return cut();
  int32_t err = get<int32_t>(off);
  uint64_t moff = off + 4, mlen = len - 4;
  bool fetched = mlen >= kNlmsgHdrLen && have(moff, kNlmsgHdrLen);
  uint64_t payload = 0;
  if (fetched) payload = std::min<uint64_t>(capped ? kNlmsgHdrLen : u32(moff), mlen);
  bool tlvs = fetched && mlen > payload;
  if (tlvs) o_ += '[';
  o_ += "{error=";
  std::string_view name = err < 0 ? errno_name(-err) : std::string_view{};
  if (!name.empty()) {
    o_ += '-';
    o_ += name;
  } else {
    put_d(o_, err);
  }
  if (mlen) {
    o_ += ", msg=";
    if (mlen < kNlmsgHdrLen)
      hex(moff, mlen);
    else if (!fetched)
      cut();
    else
      message(moff, payload);
  }
  o_ += '}';
  if (tlvs) {
    o_ += ", ";
    attrs(moff + payload, mlen - payload, kNlmsgErrAttrs, "NLMSGERR_ATTR_???",
          [&](uint16_t t, uint64_t o, uint64_t l) {
            switch (t) {
              case 1: str(o, l); return true;
              case 2: return num<uint32_t>(o, l);
              case 3: return bytes_array(o, l);
            }
            return false;
          });
    o_ += ']';
  }
}

// An array of u8 printed as numbers (NLMSGERR_ATTR_COOKIE).
bool Decoder::bytes_array(uint64_t off, uint64_t len) {
  return array_of(off, len, 1, [&](uint64_t, uint64_t at) { put_u(o_, u8(at)); });
}

// decode_family(): what strace shows of a payload it has no decoder for.
void Decoder::family_data(uint64_t off, uint64_t len) {
  o_ += "{family=";
  put_xval(o_, std::span<const Xlat>(kFamilies), u8(off), "AF_???");
  if (len > 1) {
    o_ += ", data=";
    hex(off + 1, len - 1);
  }
  o_ += '}';
}

}  // namespace netlink

void append_netlink(std::string& o, std::span<const std::byte> data, uint64_t len, int protocol, uint64_t limit) {
  netlink::Decoder(o, data, protocol, limit).messages(0, len);
}

}  // namespace socktrace::strace
