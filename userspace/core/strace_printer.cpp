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
#include "core/strace_printer_impl.h"
#include "core/strace_sockaddr.h"
#include "socktrace/events.h"

namespace socktrace::strace {

namespace detail {

std::span<const std::byte> Printer::bytes(const Blob* b) const {
  return b ? e_.bytes(*b) : std::span<const std::byte>{};
}

void Printer::fd(int i, uint8_t which) {
  if (!opt_.annotate_fds) return put_d(o_, iarg(i));
  auto info = decode_fdinfo(e_, which);
  append_annotated_fd(o_, iarg(i), info ? &*info : nullptr);
}

void Printer::buffer(const Blob* b, uint64_t addr, uint64_t len) {
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

void Printer::sockbuf(uint64_t addr, uint64_t len) {
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

void Printer::sockaddr(const Blob* b, uint64_t addr, int addrlen) {
  if (addrlen < 2 || !addr || !usable(b)) {
    put_addr(o_, addr);
    return;
  }
  append_sockaddr_bytes(o_, e_.payload.data() + b->offset, b->len, addrlen, limit_);
}

void Printer::lens(int32_t in, int32_t out) {
  o_ += '[';
  if (in != out) {
    put_d(o_, in);
    o_ += " => ";
  }
  put_d(o_, out);
  o_ += ']';
}

void Printer::sendfile_offset(uint64_t addr) {
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

}  // namespace detail

std::string_view append_args(const SyscallEvent& e, const StraceOptions& opt, std::string& out, std::string& aux) {
  detail::Printer p(e, opt, out);
  return p.args(aux);
}

}  // namespace socktrace::strace
