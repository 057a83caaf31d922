#include "core/strace_printer.h"

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
#include "core/strace_sockaddr.h"
#include "socktrace/events.h"

namespace socktrace::strace {

namespace {

class Printer {
 public:
  Printer(const SyscallEvent& e, const StraceOptions& opt, std::string& o)
      : e_(e), opt_(opt), o_(o), limit_(opt.string_limit < 0 ? 0 : static_cast<uint64_t>(opt.string_limit)) {}

  bool failed() const { return e_.ret < 0 && e_.ret >= -4095; }
  uint64_t arg(int i) const { return e_.args[i]; }
  int32_t iarg(int i) const { return static_cast<int32_t>(e_.args[i]); }
  uint32_t uarg(int i) const { return static_cast<uint32_t>(e_.args[i]); }

  const Blob* blob(uint8_t role, uint8_t msg = 0, uint8_t iov = 0) const { return e_.find(role, msg, iov); }
  std::span<const std::byte> bytes(const Blob* b) const {
    return b ? e_.bytes(*b) : std::span<const std::byte>{};
  }
  static bool usable(const Blob* b) { return b && !b->fault; }

  // The fd argument `i`; under -y described as it was at entry (the first
  // fd argument is ST_BLOB_FDINFO 0, sendfile's second one 4).
  void fd(int i, uint8_t which = 0) {
    if (!opt_.annotate_fds) return put_d(o_, iarg(i));
    auto info = decode_fdinfo(e_, which);
    append_annotated_fd(o_, iarg(i), info ? &*info : nullptr);
  }
  void sep() { o_ += ", "; }

  // printstrn(addr, len) from a DATA-like blob.
  void buffer(const Blob* b, uint64_t addr, uint64_t len) {
    if (!addr) {
      o_ += "NULL";
      return;
    }
    if (len == 0) {
      o_ += "\"\"";
      return;
    }
    if (limit_ == 0) {  // -s 0: nothing captured, as strace shows it
      o_ += "\"\"...";
      return;
    }
    if (!usable(b)) {
      put_addr(o_, addr);
      return;
    }
    uint64_t n = std::min<uint64_t>({len, limit_, b->len});
    quote(o_, e_.payload.data() + b->offset, n);
    if (len > limit_) o_ += "...";
  }

  // decode_sockbuf(): a netlink socket's buffer as netlink messages
  // (ST_BLOB_NETLINK), any other as a string.
  void sockbuf(uint64_t addr, uint64_t len) {
    const Blob* nl = blob(ST_BLOB_NETLINK);
    if (!usable(nl) || nl->len < sizeof(st_netlink)) return buffer(blob(ST_BLOB_DATA), addr, len);
    st_netlink info{};
    std::memcpy(&info, e_.payload.data() + nl->offset, sizeof info);
    const Blob* b = blob(ST_BLOB_DATA);
    if (!addr || !usable(b)) {
      put_addr(o_, addr);
      return;
    }
    append_netlink(o_, bytes(b), len, info.portid ? info.protocol : -1, limit_);
  }

  // decode_sockaddr(addr, addrlen) from an ADDR blob.
  void sockaddr(const Blob* b, uint64_t addr, int addrlen) {
    if (addrlen < 2 || !addr || !usable(b)) {
      put_addr(o_, addr);
      return;
    }
    append_sockaddr_bytes(o_, e_.payload.data() + b->offset, b->len, addrlen, limit_);
  }

  // "[16]" or "[128 => 16]".
  void lens(int32_t in, int32_t out) {
    o_ += '[';
    if (in != out) {
      put_d(o_, in);
      o_ += " => ";
    }
    put_d(o_, out);
    o_ += ']';
  }

  void iovecs(uint8_t msg, uint64_t iov_addr, uint64_t iovlen, uint64_t data_size) {
    if (!iov_addr) {
      o_ += "NULL";
      return;
    }
    if (iovlen == 0) {
      o_ += "[]";
      return;
    }
    const Blob* vb = blob(ST_BLOB_IOVEC, msg);
    if (!usable(vb) || vb->len < 16 || iovlen > (uint64_t{1} << 59)) {
      put_addr(o_, iov_addr);
      return;
    }
    auto v = bytes(vb);
    uint64_t captured = vb->len / 16;
    o_ += '[';
    for (uint64_t i = 0; i < iovlen; ++i) {
      if (i) sep();
      // The kernel side captures ST_MAX_IOV iovecs; strace prints up to -s.
      if (i >= limit_ || i >= captured) {
        o_ += "...";
        // Fewer than asked for: the rest could not be read, and strace says
        // where it stopped.
        if (i < limit_ && i >= captured && captured < std::min<uint64_t>(iovlen, ST_MAX_IOV))
          fmt::format_to(std::back_inserter(o_), " /* {:#x} */", iov_addr + captured * 16);
        break;
      }
      uint64_t base = load<uint64_t>(v, i * 16), len = load<uint64_t>(v, i * 16 + 8);
      uint64_t shown = std::min(len, data_size);
      if (data_size != UINT64_MAX) data_size -= shown;
      o_ += "{iov_base=";
      buffer(blob(ST_BLOB_DATA, msg, static_cast<uint8_t>(i)), base, shown);
      o_ += ", iov_len=";
      put_u(o_, len);
      o_ += '}';
    }
    o_ += ']';
  }

  void cmsg_data(uint32_t level, uint32_t type, std::span<const std::byte> d) {
    auto begin = [&] { o_ += ", cmsg_data="; };
    if (level == kSolSocket) {
      if (type == 1 && d.size() >= 4) {  // SCM_RIGHTS
        begin();
        o_ += '[';
        // -y: the kernel side described the fds in control-buffer order.
        std::size_t first = scm_fds_seen_;
        scm_fds_seen_ += d.size() / 4;
        for (std::size_t i = 0; i < d.size() / 4; ++i) {
          if (i) sep();
          if (i >= limit_) {
            o_ += "...";
            break;
          }
          int32_t fd = load<int32_t>(d, i * 4);
          std::optional<FdInfo> info;
          if (opt_.annotate_fds && first + i < ST_MAX_SCM_FDS)
            info = decode_fdinfo(e_, static_cast<uint8_t>(ST_SCM_FD_IOV + first + i), cmsg_msg_);
          append_annotated_fd(o_, fd, info ? &*info : nullptr);
        }
        o_ += ']';
      } else if (type == 2 && d.size() >= 12) {  // SCM_CREDENTIALS
        begin();
        fmt::format_to(std::back_inserter(o_), "{{pid={}, uid={}, gid={}}}", load<int32_t>(d, 0),
                       load<uint32_t>(d, 4), load<uint32_t>(d, 8));
      } else if (type == 29 && d.size() >= 16) {  // SO_TIMESTAMP_OLD
        begin();
        fmt::format_to(std::back_inserter(o_), "{{tv_sec={}, tv_usec={}}}", load<int64_t>(d, 0),
                       load<int64_t>(d, 8));
      } else if ((type == 35 || type == 64) && d.size() >= 16) {  // SO_TIMESTAMPNS_OLD/NEW
        begin();
        fmt::format_to(std::back_inserter(o_), "{{tv_sec={}, tv_nsec={}}}", load<int64_t>(d, 0),
                       load<int64_t>(d, 8));
      } else if (type == 63 && d.size() >= 16) {  // SO_TIMESTAMP_NEW
        begin();
        fmt::format_to(std::back_inserter(o_), "{{tv_sec={}, tv_usec={}}}", load<int64_t>(d, 0),
                       load<int64_t>(d, 8));
      } else if ((type == 37 || type == 65) && d.size() >= 48) {  // SO_TIMESTAMPING_OLD/NEW
        begin();
        fmt::format_to(std::back_inserter(o_), "[{{tv_sec={}, tv_nsec={}}}, {{tv_sec={}, tv_nsec={}}}, {{tv_sec={}, tv_nsec={}}}]",
                       load<int64_t>(d, 0), load<int64_t>(d, 8), load<int64_t>(d, 16), load<int64_t>(d, 24),
                       load<int64_t>(d, 32), load<int64_t>(d, 40));
      } else if (type == 3) {  // SCM_SECURITY: the whole label
        begin();
        quote(o_, d.data(), d.size());
      }
    } else if (level == kSolIp) {
      if (type == 3) {  // SCM_SECURITY's number at SOL_IP too
        begin();
        quote(o_, d.data(), d.size());
        return;
      }
      if ((type == 6 || type == 7) && !d.empty()) {  // IP_RECVOPTS, IP_RETOPTS
        begin();
        o_ += '[';
        for (std::size_t i = 0; i < d.size(); ++i) {
          if (i) sep();
          if (i >= limit_) {
            o_ += "...";
            break;
          }
          put_hex(o_, load<uint8_t>(d, i));
        }
        o_ += ']';
        return;
      }
      if (type == 20 && d.size() >= 2) {  // IP_ORIGDSTADDR
        begin();
        append_sockaddr_bytes(o_, d.data(), d.size(), static_cast<int>(d.size()), limit_);
        return;
      }
      if (type == 11 && d.size() >= 16) {  // IP_RECVERR: sock_extended_err, then the offender
        begin();
        fmt::format_to(std::back_inserter(o_),
                       "{{ee_errno={}, ee_origin={}, ee_type={}, ee_code={}, ee_info={}, ee_data={}",
                       load<uint32_t>(d, 0), load<uint8_t>(d, 4), load<uint8_t>(d, 5), load<uint8_t>(d, 6),
                       load<uint32_t>(d, 8), load<uint32_t>(d, 12));
        if (d.size() > 16) {
          o_ += ", offender=";
          append_sockaddr_bytes(o_, d.data() + 16, d.size() - 16, static_cast<int>(std::min<std::size_t>(d.size() - 16, 16)));
        }
        o_ += '}';
        return;
      }
      if (type == 8 && d.size() >= 12) {  // IP_PKTINFO
        begin();
        o_ += "{ipi_ifindex=";
        put_ifindex(o_, load<uint32_t>(d, 0));
        o_ += ", ipi_spec_dst=";
        put_inet_addr(o_, d.data() + 4);
        o_ += ", ipi_addr=";
        put_inet_addr(o_, d.data() + 8);
        o_ += '}';
      } else if ((type == 2 || type == 23) && d.size() >= 4) {  // IP_TTL, IP_CHECKSUM
        begin();
        o_ += '[';
        put_u(o_, load<uint32_t>(d, 0));
        o_ += ']';
      } else if (type == 1 && d.size() >= 1) {  // IP_TOS
        begin();
        o_ += '[';
        put_hex(o_, load<uint8_t>(d, 0));
        o_ += ']';
      }
    }
  }

  void control(uint8_t msg, uint64_t addr, uint64_t controllen) {
    constexpr uint64_t kCmsgSize = 16;  // struct cmsghdr on x86-64
    const Blob* cb = blob(ST_BLOB_CONTROL, msg);
    if (controllen < kCmsgSize || !addr || !usable(cb) || cb->len < kCmsgSize) {
      put_addr(o_, addr);
      return;
    }
    auto all = bytes(cb);
    uint64_t buf_len = std::min<uint64_t>(controllen, all.size());
    std::size_t pos = 0;
    cmsg_msg_ = msg;
    scm_fds_seen_ = 0;
    o_ += '[';
    while (buf_len >= kCmsgSize) {
      auto c = all.subspan(pos);
      uint64_t cmsg_len = load<uint64_t>(c, 0);
      uint32_t level = load<uint32_t>(c, 8), type = load<uint32_t>(c, 12);
      if (pos) sep();
      o_ += "{cmsg_len=";
      put_u(o_, cmsg_len);
      o_ += ", cmsg_level=";
      put_xval(o_, kLevels, level, "SOL_???");
      o_ += ", cmsg_type=";
      if (level == kSolSocket)
        put_xval(o_, kScmTypes, type, "SCM_???");
      else if (level == kSolIp)
        put_xval(o_, kIpCmsgTypes, type, "IP_???");
      else
        put_hex(o_, type);
      uint64_t len = std::min(cmsg_len, buf_len);
      cmsg_data(level, type, c.subspan(kCmsgSize, len > kCmsgSize ? len - kCmsgSize : 0));
      o_ += '}';
      if (cmsg_len < kCmsgSize) {
        buf_len -= kCmsgSize;
        break;
      }
      uint64_t step = (cmsg_len + 7) & ~uint64_t{7};
      if (step >= buf_len) {
        buf_len = 0;
        break;
      }
      pos += step;
      buf_len -= step;
    }
    // Whatever the kernel side did not capture, strace would have shown.
    if (buf_len || controllen > all.size()) o_ += ", ...";
    o_ += ']';
  }

  // print_struct_msghdr(); `user_namelen` is msg_namelen before the call.
  void msghdr(uint8_t msg, std::optional<int32_t> user_namelen, uint64_t data_size) {
    auto h = bytes(blob(ST_BLOB_MSGHDR, msg));
    uint64_t name = load<uint64_t>(h, 0);
    int32_t namelen = load<int32_t>(h, 8);
    uint64_t iov = load<uint64_t>(h, 16), iovlen = load<uint64_t>(h, 24);
    uint64_t ctl = load<uint64_t>(h, 32), ctllen = load<uint64_t>(h, 40);
    uint32_t flags = load<uint32_t>(h, 48);
    int32_t eff = user_namelen && namelen > *user_namelen ? *user_namelen : namelen;
    o_ += "{msg_name=";
    sockaddr(blob(ST_BLOB_ADDR, msg), name, eff);
    o_ += ", msg_namelen=";
    if (user_namelen && *user_namelen != namelen) {
      put_d(o_, *user_namelen);
      o_ += " => ";
    }
    put_d(o_, namelen);
    o_ += ", msg_iov=";
    iovecs(msg, iov, iovlen, data_size);
    o_ += ", msg_iovlen=";
    put_u(o_, iovlen);
    if (ctllen) {
      o_ += ", msg_control=";
      control(msg, ctl, ctllen);
    }
    o_ += ", msg_controllen=";
    put_u(o_, ctllen);
    o_ += ", msg_flags=";
    put_flags(o_, kMsgFlags, flags, "MSG_???");
    o_ += '}';
  }

  bool have_msghdr(uint8_t msg) const {
    const Blob* b = blob(ST_BLOB_MSGHDR, msg);
    return usable(b) && b->len >= 56;
  }

  // The mmsghdr array of sendmmsg/recvmmsg: `n` entries, msg_len shown for
  // the first `with_len`.
  void mmsgs(uint64_t addr, uint64_t n, uint64_t with_len, bool recv) {
    if (!addr) {
      o_ += "NULL";
      return;
    }
    if (n == 0) {
      o_ += "[]";
      return;
    }
    if (!have_msghdr(0)) {
      put_addr(o_, addr);
      return;
    }
    const Blob* lens_b = blob(ST_BLOB_MMSGLEN);
    const Blob* in_b = blob(ST_BLOB_INLENS);
    o_ += '[';
    for (uint64_t j = 0; j < n; ++j) {
      if (j) sep();
      if (j >= limit_) {
        o_ += "...";
        break;
      }
      if (j >= ST_MAX_MMSG || !have_msghdr(static_cast<uint8_t>(j))) {
        o_ += "...";  // not captured by the kernel side
        // An entry the kernel side could not read: strace says where.
        if (j < ST_MAX_MMSG && blob(ST_BLOB_MSGHDR, static_cast<uint8_t>(j)))
          fmt::format_to(std::back_inserter(o_), " /* {:#x} */", addr + j * 64);
        break;
      }
      auto msg_len = e_.u32(lens_b, j);
      std::optional<int32_t> user_namelen;
      if (recv)
        if (auto v = e_.u32(in_b, j * 2)) user_namelen = static_cast<int32_t>(*v);
      o_ += "{msg_hdr=";
      msghdr(static_cast<uint8_t>(j), user_namelen, recv ? msg_len.value_or(0) : UINT64_MAX);
      if (j < with_len) {
        o_ += ", msg_len=";
        put_u(o_, msg_len.value_or(0));
      }
      o_ += '}';
    }
    o_ += ']';
  }

  void timespec(const Blob* b, uint64_t addr) {
    if (!addr || !usable(b) || b->len < 16) {
      put_addr(o_, addr);
      return;
    }
    // strace prints tv_nsec unsigned: a negative one as a huge number.
    auto t = bytes(b);
    fmt::format_to(std::back_inserter(o_), "{{tv_sec={}, tv_nsec={}}}", load<int64_t>(t, 0),
                   load<uint64_t>(t, 8));
  }

  // An int option value as "[1]"; SO_TXREHASH and SO_ERROR are symbolic.
  void int_value(uint32_t level, uint32_t name, std::span<const std::byte> v) {
    int32_t x = load<int32_t>(v, 0);
    o_ += '[';
    if (level == kSolSocket && name == kSoError && x > 0) {
      std::string_view n = errno_name(x);
      if (!n.empty())
        o_ += n;
      else
        put_d(o_, x);
    } else if (level == kSolSocket && name == kSoTxrehash && x >= -1 && x <= 1) {
      static constexpr std::string_view kNames[] = {"SOCK_TXREHASH_DEFAULT", "SOCK_TXREHASH_DISABLED",
                                                    "SOCK_TXREHASH_ENABLED"};
      o_ += kNames[x + 1];
    } else {
      put_d(o_, x);
    }
    o_ += ']';
  }

  // MAYBE_PRINT_FIELD_LEN: whole int fields as numbers, a partial one as hex.
  void partial_struct(std::span<const std::byte> v, std::size_t len,
                      std::initializer_list<std::string_view> fields, bool first_signed = true) {
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

  // ICMP_FILTER: a 32-bit set of ICMP types, printed as strace prints bit
  // sets: the set bits, or "~" and the clear ones when more than half are
  // set. Bytes past `len` read as set (strace starts from all ones).
  void icmp_filter(std::span<const std::byte> v, std::size_t len) {
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

  // struct packet_mreq (PACKET_ADD/DROP_MEMBERSHIP).
  void packet_mreq(std::span<const std::byte> v) {
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

  // struct group_req (MCAST_JOIN/LEAVE_GROUP): the sockaddr_storage as a
  // sockaddr of that size.
  void group_req(std::span<const std::byte> v) {
    o_ += "{gr_interface=";
    put_ifindex(o_, load<uint32_t>(v, 0));
    o_ += ", gr_group=";
    append_sockaddr_bytes(o_, v.data() + 8, v.size() - 8, ST_MAX_SOCKADDR, limit_);
    o_ += '}';
  }

  void setsockopt_value(uint32_t level, uint32_t name, uint64_t addr, int32_t len) {
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

  void getsockopt_value(uint32_t level, uint32_t name, uint64_t addr, int32_t ulen, int32_t rlen) {
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

  // sendfile's `off_t *offset`, as strace's printnum_int64: "[0] => [1024]"
  // (the new value only when bytes moved), NULL, or the address it could
  // not read.
  void sendfile_offset(uint64_t addr) {
    if (!addr) {
      o_ += "NULL";
      return;
    }
    const Blob* before = blob(ST_BLOB_OFFSET, 0);
    const Blob* after = blob(ST_BLOB_OFFSET, 1);
    auto value = [&](const Blob* b) {
      o_ += '[';
      put_u(o_, load<uint64_t>(bytes(b), 0));
      o_ += ']';
    };
    auto readable = [](const Blob* b) { return usable(b) && b->len >= 8; };
    if (!before) {  // the entry was not seen: the value at exit alone
      if (readable(after))
        value(after);
      else
        put_addr(o_, addr);
      return;
    }
    if (!readable(before)) {
      put_addr(o_, addr);
      return;
    }
    value(before);
    if (failed() || e_.ret == 0) return;
    o_ += " => ";
    if (readable(after))
      value(after);
    else
      put_addr(o_, addr);
  }

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

std::string_view Printer::args(std::string& aux) {
  std::string& o = o_;
  switch (e_.nr) {
    case sys::kSocket:
      append_family(o, uarg(0));
      sep();
      append_sock_type(o, uarg(1));
      sep();
      append_protocol(o, uarg(0), uarg(2));
      break;
    case sys::kSocketpair: {
      append_family(o, uarg(0));
      sep();
      append_sock_type(o, uarg(1));
      sep();
      put_u(o, uarg(2));
      sep();
      const Blob* b = blob(ST_BLOB_FDS);
      if (failed() || !arg(3) || !usable(b) || b->len < 8) {
        put_addr(o, arg(3));
      } else {
        auto v = bytes(b);
        if (opt_.annotate_fds) {
          auto first = decode_fdinfo(e_, 2), second = decode_fdinfo(e_, 3);
          o += '[';
          append_annotated_fd(o, load<int32_t>(v, 0), first ? &*first : nullptr);
          o += ", ";
          append_annotated_fd(o, load<int32_t>(v, 4), second ? &*second : nullptr);
          o += ']';
        } else {
          fmt::format_to(std::back_inserter(o), "[{}, {}]", load<int32_t>(v, 0), load<int32_t>(v, 4));
        }
      }
      break;
    }
    case sys::kBind:
    case sys::kConnect:
      fd(0);
      sep();
      sockaddr(blob(ST_BLOB_ADDR), arg(1), iarg(2));
      sep();
      put_d(o, iarg(2));
      break;
    case sys::kListen:
      fd(0);
      sep();
      put_d(o, iarg(1));
      break;
    case sys::kShutdown:
      fd(0);
      sep();
      append_shutdown_how(o, uarg(1));
      break;
    case sys::kAccept:
    case sys::kAccept4:
    case sys::kGetsockname:
    case sys::kGetpeername: {
      fd(0);
      sep();
      auto ulen = e_.u32(blob(ST_BLOB_INLENS), 0);
      auto rlen = e_.u32(blob(ST_BLOB_OUTLENS), 0);
      if (!arg(1) || !arg(2) || !ulen) {
        put_addr(o, arg(1));
        sep();
        put_addr(o, arg(2));
      } else if (failed() || !rlen) {
        put_addr(o, arg(1));
        o += ", [";
        put_d(o, static_cast<int32_t>(*ulen));
        o += ']';
      } else {
        int32_t u = static_cast<int32_t>(*ulen), r = static_cast<int32_t>(*rlen);
        sockaddr(blob(ST_BLOB_ADDR), arg(1), std::min(u, r));
        sep();
        lens(u, r);
      }
      if (e_.nr == sys::kAccept4) {
        sep();
        append_sock_flags(o, uarg(3));
      }
      break;
    }
    case sys::kSendto:
      fd(0);
      sep();
      sockbuf(arg(1), arg(2));
      sep();
      put_u(o, arg(2));
      sep();
      append_msg_flags(o, uarg(3));
      sep();
      sockaddr(blob(ST_BLOB_ADDR), arg(4), iarg(5));
      sep();
      put_d(o, iarg(5));
      break;
    case sys::kRecvfrom: {
      fd(0);
      sep();
      if (failed())
        put_addr(o, arg(1));
      else
        sockbuf(arg(1), std::min<uint64_t>(static_cast<uint64_t>(e_.ret), arg(2)));
      sep();
      put_u(o, arg(2));
      sep();
      append_msg_flags(o, uarg(3));
      sep();
      auto ulen = e_.u32(blob(ST_BLOB_INLENS), 0);
      auto rlen = e_.u32(blob(ST_BLOB_OUTLENS), 0);
      if (!arg(4) || !arg(5) || !rlen) {
        put_addr(o, arg(4));
        sep();
        put_addr(o, arg(5));
      } else if (failed()) {
        put_addr(o, arg(4));
        o += ", [";
        put_d(o, static_cast<int32_t>(ulen.value_or(0)));
        o += ']';
      } else {
        int32_t u = static_cast<int32_t>(ulen.value_or(0)), r = static_cast<int32_t>(*rlen);
        sockaddr(blob(ST_BLOB_ADDR), arg(4), std::min(u, r));
        sep();
        lens(u, r);
      }
      break;
    }
    case sys::kSendmsg:
      fd(0);
      sep();
      if (!arg(1) || !have_msghdr(0))
        put_addr(o, arg(1));
      else
        msghdr(0, std::nullopt, UINT64_MAX);
      sep();
      append_msg_flags(o, uarg(2));
      break;
    case sys::kRecvmsg: {
      fd(0);
      sep();
      auto ulen = e_.u32(blob(ST_BLOB_INLENS), 0);
      if (!arg(1) || !ulen) {
        put_addr(o, arg(1));
      } else if (failed()) {
        o += "{msg_namelen=";
        put_d(o, static_cast<int32_t>(*ulen));
        o += '}';
      } else if (!have_msghdr(0)) {
        put_addr(o, arg(1));
      } else {
        msghdr(0, static_cast<int32_t>(*ulen), static_cast<uint64_t>(e_.ret));
      }
      sep();
      append_msg_flags(o, uarg(2));
      break;
    }
    case sys::kSendmmsg: {
      fd(0);
      sep();
      mmsgs(arg(1), uarg(2), failed() ? 0 : static_cast<uint64_t>(e_.ret), false);
      sep();
      put_u(o, uarg(2));
      sep();
      append_msg_flags(o, uarg(3));
      break;
    }
    case sys::kRecvmmsg: {
      fd(0);
      sep();
      if (failed())
        put_addr(o, arg(1));
      else
        mmsgs(arg(1), static_cast<uint64_t>(e_.ret), uarg(2), true);
      sep();
      put_u(o, uarg(2));
      sep();
      append_msg_flags(o, uarg(3));
      sep();
      timespec(blob(ST_BLOB_TIMEOUT), arg(4));
      if (failed()) break;
      if (e_.ret == 0) return "Timeout";
      // The time left is the timespec at exit: ST_BLOB_TIMEOUT with msg=1.
      if (arg(4)) {
        const Blob* left = blob(ST_BLOB_TIMEOUT, 1);
        if (usable(left) && left->len >= 16) {
          auto t = bytes(left);
          aux.clear();
          fmt::format_to(std::back_inserter(aux), "left {{tv_sec={}, tv_nsec={}}}", load<int64_t>(t, 0),
                         load<uint64_t>(t, 8));
          return aux;
        }
      }
      break;
    }
    case sys::kSetsockopt:
      fd(0);
      sep();
      append_sockopt_level(o, uarg(1));
      sep();
      append_sockopt_name(o, uarg(1), uarg(2), false);
      sep();
      setsockopt_value(uarg(1), uarg(2), arg(3), iarg(4));
      sep();
      put_d(o, iarg(4));
      break;
    case sys::kGetsockopt: {
      fd(0);
      sep();
      append_sockopt_level(o, uarg(1));
      sep();
      append_sockopt_name(o, uarg(1), uarg(2), true);
      sep();
      auto ulen = e_.u32(blob(ST_BLOB_INLENS), 0);
      auto rlen = e_.u32(blob(ST_BLOB_OUTLENS), 0);
      if (!arg(4) || !ulen) {
        put_addr(o, arg(3));
        sep();
        put_addr(o, arg(4));
      } else if (failed() || !rlen) {
        put_addr(o, arg(3));
        o += ", [";
        put_d(o, static_cast<int32_t>(*ulen));
        o += ']';
      } else {
        int32_t u = static_cast<int32_t>(*ulen), r = static_cast<int32_t>(*rlen);
        getsockopt_value(uarg(1), uarg(2), arg(3), u, r);
        sep();
        lens(u, r);
      }
      break;
    }
    case sys::kSendfile:
      fd(0);
      sep();
      fd(1, 4);
      sep();
      sendfile_offset(arg(2));
      sep();
      put_u(o, arg(3));
      break;
#if defined(__x86_64__)
    case sys::kGetpmsg:
    case sys::kPutpmsg:
      // Never implemented by Linux; strace prints their five arguments raw.
      for (int i = 0; i < 5; ++i) {
        if (i) sep();
        put_hex(o, arg(i));
      }
      break;
#endif
    default:
      // Not a %network syscall: its raw arguments, as strace prints an
      // undecoded syscall.
      for (int i = 0; i < 6; ++i) {
        if (i) sep();
        put_hex(o, arg(i));
      }
  }
  return {};
}

}  // namespace

std::string_view append_args(const SyscallEvent& e, const StraceOptions& opt, std::string& out, std::string& aux) {
  Printer p(e, opt, out);
  return p.args(aux);
}

}  // namespace socktrace::strace
