// The syscall argument printer (strace_printer_impl.h): msghdr, iovecs, control messages and
// mmsghdr arrays.
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

void Printer::iovecs(uint8_t msg, uint64_t iov_addr, uint64_t iovlen, uint64_t data_size) {
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

void Printer::cmsg_data(uint32_t level, uint32_t type, std::span<const std::byte> d) {
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
      fmt::format_to(std::back_inserter(o_),
                     "[{{tv_sec={}, tv_nsec={}}}, {{tv_sec={}, tv_nsec={}}}, {{tv_sec={}, tv_nsec={}}}]",
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
        append_sockaddr_bytes(o_, d.data() + 16, d.size() - 16,
                              static_cast<int>(std::min<std::size_t>(d.size() - 16, 16)));
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

void Printer::control(uint8_t msg, uint64_t addr, uint64_t controllen) {
  constexpr uint64_t kCmsgSize = 16;  // struct cmsghdr on x86-64
  const Blob* cb = blob(ST_BLOB_CONTROL, msg);
  if (controllen < kCmsgSize || !addr || !usable(cb) || cb->len < kCmsgSize) {
    put_addr(o_, addr);
    return;
  }
  auto all = bytes(cb);
  const uint64_t control_len = std::min<uint64_t>(controllen, all.size());
  uint64_t buf_len = control_len;
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
  if (controllen > all.size()) {
    o_ += ", ...";  // what the kernel side did not capture, strace would have shown
  } else if (buf_len) {
    // Bytes left that hold no whole cmsghdr: where they start, as strace.
    o_ += ", ... /* ";
    put_hex(o_, addr + control_len - buf_len);
    o_ += " */";
  }
  o_ += ']';
}

void Printer::msghdr(uint8_t msg, std::optional<int32_t> user_namelen, uint64_t data_size) {
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

bool Printer::have_msghdr(uint8_t msg) const {
  const Blob* b = blob(ST_BLOB_MSGHDR, msg);
  return usable(b) && b->len >= 56;
}

void Printer::mmsgs(uint64_t addr, uint64_t n, uint64_t with_len, bool recv) {
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

void Printer::timespec(const Blob* b, uint64_t addr) {
  if (!addr || !usable(b) || b->len < 16) {
    put_addr(o_, addr);
    return;
  }
  // strace prints tv_nsec unsigned: a negative one as a huge number.
  auto t = bytes(b);
  fmt::format_to(std::back_inserter(o_), "{{tv_sec={}, tv_nsec={}}}", load<int64_t>(t, 0),
                 load<uint64_t>(t, 8));
}

}  // namespace socktrace::strace::detail
