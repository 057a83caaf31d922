#include "core/syscall_json.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "core/arch.h"
#include "core/json.h"
#include "core/strace_names.h"
#include "core/strace_print.h"
#include "core/strace_sockaddr.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {

using strace::load;

// A symbolic value built by one of strace's printers.
template <class F>
void sym(JsonObject& o, std::string_view k, F&& print) {
  thread_local std::string tmp;
  tmp.clear();
  print(tmp);
  o.field(k, tmp);
}

struct Ctx {
  const SyscallEvent& e;
  uint64_t limit;
  bool failed() const { return e.ret < 0 && e.ret >= -4095; }
  const Blob* usable(uint8_t role, uint8_t msg = 0, uint8_t iov = 0) const {
    const Blob* b = e.find(role, msg, iov);
    return b && !b->fault ? b : nullptr;
  }
};

// Buffer contents: strace's escaping of what was captured, and whether the
// buffer was longer than the string limit. null when nothing was captured.
void data_field(JsonObject& o, const Ctx& c, std::string_view k, const Blob* b, uint64_t len) {
  if (!b && len != 0) {
    o.null_field(k);
    return;
  }
  thread_local std::string tmp;
  tmp.clear();
  if (b) strace::append_escaped(tmp, c.e.payload.data() + b->offset, std::min<uint64_t>({len, c.limit, b->len}));
  o.field(k, tmp);
  if (len > c.limit) o.field("truncated", true);
}

void addr_field(JsonObject& o, const Ctx& c, std::string_view k, const Blob* b, int addrlen) {
  if (!b || addrlen < 2) {
    o.null_field(k);
    return;
  }
  std::array<std::byte, ST_MAX_SOCKADDR + 1> buf{};
  std::size_t n = std::min<std::size_t>({b->len, static_cast<std::size_t>(addrlen), ST_MAX_SOCKADDR});
  std::memcpy(buf.data(), c.e.payload.data() + b->offset, n);
  std::span<const std::byte> s(buf);
  uint16_t family = load<uint16_t>(s, 0);
  JsonObject a(o.value(k));
  sym(a, "family", [&](std::string& t) { strace::append_family(t, family); });
  char text[INET6_ADDRSTRLEN];
  if (family == AF_INET && addrlen >= 16) {
    inet_ntop(AF_INET, buf.data() + 4, text, sizeof text);
    a.field("addr", text);
    a.field("port", ntohs(load<uint16_t>(s, 2)));
  } else if (family == AF_INET6 && addrlen >= 24) {
    inet_ntop(AF_INET6, buf.data() + 8, text, sizeof text);
    a.field("addr", text);
    a.field("port", ntohs(load<uint16_t>(s, 2)));
    a.field("flowinfo", ntohl(load<uint32_t>(s, 4)));
    if (addrlen > 24) a.field("scope_id", load<uint32_t>(s, 24));
  } else if (family == AF_UNIX && addrlen > 2) {
    std::size_t path_len = std::min<std::size_t>(addrlen, 110) - 2;
    thread_local std::string tmp;
    tmp.clear();
    if (buf[2] != std::byte{0}) {
      std::size_t end = 0;
      while (end < path_len && buf[2 + end] != std::byte{0}) ++end;
      strace::append_escaped(tmp, buf.data() + 2, end);
    } else {
      tmp += '@';  // abstract, as strace and ss write it
      strace::append_escaped(tmp, buf.data() + 3, path_len - 1);
    }
    a.field("path", tmp);
  } else if (family == AF_NETLINK && addrlen >= 12) {
    a.field("pid", load<uint32_t>(s, 4));
    a.field("groups", load<uint32_t>(s, 8));
  }
  a.end();
}

void msghdr_field(JsonObject& o, const Ctx& c, std::string_view k, uint8_t msg, std::optional<int32_t> user_namelen,
                  uint64_t data_size) {
  const Blob* hb = c.usable(ST_BLOB_MSGHDR, msg);
  if (!hb || hb->len < 56) {
    o.null_field(k);
    return;
  }
  auto h = c.e.bytes(*hb);
  int32_t namelen = load<int32_t>(h, 8);
  uint64_t iov = load<uint64_t>(h, 16), iovlen = load<uint64_t>(h, 24);
  uint64_t ctllen = load<uint64_t>(h, 40);
  JsonObject m(o.value(k));
  int32_t eff = user_namelen && namelen > *user_namelen ? *user_namelen : namelen;
  addr_field(m, c, "name", load<uint64_t>(h, 0) ? c.usable(ST_BLOB_ADDR, msg) : nullptr, eff);
  m.field("namelen", namelen);
  if (!iov) {
    m.null_field("iov");
  } else {
    JsonArray a(m.value("iov"));
    const Blob* vb = c.usable(ST_BLOB_IOVEC, msg);
    uint64_t n = vb ? std::min<uint64_t>(iovlen, vb->len / 16) : 0;
    auto v = vb ? c.e.bytes(*vb) : std::span<const std::byte>{};
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t len = load<uint64_t>(v, i * 16 + 8);
      uint64_t shown = std::min(len, data_size);
      if (data_size != UINT64_MAX) data_size -= shown;
      JsonObject io(a.next());
      data_field(io, c, "data", c.usable(ST_BLOB_DATA, msg, static_cast<uint8_t>(i)), shown);
      io.field("len", len);
      io.end();
    }
    a.end();
  }
  m.field("iovlen", iovlen);
  m.field("controllen", ctllen);
  sym(m, "flags", [&](std::string& t) { strace::append_msg_flags(t, load<uint32_t>(h, 48)); });
  m.end();
}

void lens_fields(JsonObject& o, const Ctx& c, std::string_view k) {
  auto in = c.e.u32(c.e.find(ST_BLOB_INLENS), 0);
  auto out = c.e.u32(c.e.find(ST_BLOB_OUTLENS), 0);
  if (out && !c.failed())
    o.field(k, static_cast<int32_t>(*out));
  else if (in)
    o.field(k, static_cast<int32_t>(*in));
  else
    o.null_field(k);
}

}  // namespace

void append_syscall_args_json(const SyscallEvent& e, int string_limit, fmt::memory_buffer& out) {
  Ctx c{e, static_cast<uint64_t>(std::max(string_limit, 0))};
  auto u = [&](int i) { return static_cast<uint32_t>(e.args[i]); };
  auto d = [&](int i) { return static_cast<int32_t>(e.args[i]); };
  JsonObject o(out);
  switch (e.nr) {
    case sys::kSocket:
    case sys::kSocketpair:
      sym(o, "domain", [&](std::string& t) { strace::append_family(t, u(0)); });
      sym(o, "type", [&](std::string& t) { strace::append_sock_type(t, u(1)); });
      if (e.nr == sys::kSocket) {
        sym(o, "protocol", [&](std::string& t) { strace::append_protocol(t, u(0), u(2)); });
      } else {
        o.field("protocol", u(2));
        const Blob* b = c.usable(ST_BLOB_FDS);
        if (b && b->len >= 8 && !c.failed()) {
          auto v = e.bytes(*b);
          JsonArray(o.value("sv")).item(load<int32_t>(v, 0)).item(load<int32_t>(v, 4)).end();
        } else {
          o.null_field("sv");
        }
      }
      break;
    case sys::kConnect:
    case sys::kBind:
      o.field("fd", d(0));
      addr_field(o, c, "addr", e.args[1] ? c.usable(ST_BLOB_ADDR) : nullptr, d(2));
      o.field("addrlen", d(2));
      break;
    case sys::kListen:
      o.field("fd", d(0));
      o.field("backlog", d(1));
      break;
    case sys::kShutdown:
      o.field("fd", d(0));
      sym(o, "how", [&](std::string& t) { strace::append_shutdown_how(t, u(1)); });
      break;
    case sys::kAccept:
    case sys::kAccept4:
    case sys::kGetsockname:
    case sys::kGetpeername: {  // accept, accept4, getsockname, getpeername
      o.field("fd", d(0));
      auto in = e.u32(e.find(ST_BLOB_INLENS), 0);
      auto outl = e.u32(e.find(ST_BLOB_OUTLENS), 0);
      int32_t len = in && outl ? std::min(static_cast<int32_t>(*in), static_cast<int32_t>(*outl)) : 0;
      addr_field(o, c, "addr", e.args[1] && !c.failed() ? c.usable(ST_BLOB_ADDR) : nullptr, len);
      lens_fields(o, c, "addrlen");
      if (e.nr == sys::kAccept4) sym(o, "flags", [&](std::string& t) { strace::append_sock_flags(t, u(3)); });
      break;
    }
    case sys::kSendto:
    case sys::kRecvfrom: {
      o.field("fd", d(0));
      bool send = e.nr == sys::kSendto;
      uint64_t shown = send ? e.args[2] : c.failed() ? 0 : std::min<uint64_t>(static_cast<uint64_t>(e.ret), e.args[2]);
      if (!send && c.failed())
        o.null_field("data");
      else
        data_field(o, c, "data", e.args[1] ? c.usable(ST_BLOB_DATA) : nullptr, shown);
      o.field("len", e.args[2]);
      sym(o, "flags", [&](std::string& t) { strace::append_msg_flags(t, u(3)); });
      if (send) {
        addr_field(o, c, "addr", e.args[4] ? c.usable(ST_BLOB_ADDR) : nullptr, d(5));
        o.field("addrlen", d(5));
      } else {
        auto in = e.u32(e.find(ST_BLOB_INLENS), 0);
        auto outl = e.u32(e.find(ST_BLOB_OUTLENS), 0);
        int32_t len = in && outl ? std::min(static_cast<int32_t>(*in), static_cast<int32_t>(*outl)) : 0;
        addr_field(o, c, "addr", e.args[4] && !c.failed() ? c.usable(ST_BLOB_ADDR) : nullptr, len);
        lens_fields(o, c, "addrlen");
      }
      break;
    }
    case sys::kSendmsg:
    case sys::kRecvmsg: {
      o.field("fd", d(0));
      if (e.nr == sys::kSendmsg) {
        msghdr_field(o, c, "msg", 0, std::nullopt, UINT64_MAX);
      } else if (c.failed()) {
        o.null_field("msg");
      } else {
        std::optional<int32_t> user;
        if (auto v = e.u32(e.find(ST_BLOB_INLENS), 0)) user = static_cast<int32_t>(*v);
        msghdr_field(o, c, "msg", 0, user, static_cast<uint64_t>(e.ret));
      }
      sym(o, "flags", [&](std::string& t) { strace::append_msg_flags(t, u(2)); });
      break;
    }
    case sys::kSendmmsg:
    case sys::kRecvmmsg: {
      o.field("fd", d(0));
      bool recv = e.nr == sys::kRecvmmsg;
      uint64_t n = recv ? (c.failed() ? 0 : static_cast<uint64_t>(e.ret)) : u(2);
      n = std::min<uint64_t>(n, ST_MAX_MMSG);
      JsonArray a(o.value("msgs"));
      const Blob* lens_b = e.find(ST_BLOB_MMSGLEN);
      for (uint64_t j = 0; j < n; ++j) {
        auto j8 = static_cast<uint8_t>(j);
        if (!c.usable(ST_BLOB_MSGHDR, j8)) break;
        auto msg_len = e.u32(lens_b, j);
        std::optional<int32_t> user;
        if (recv)
          if (auto v = e.u32(e.find(ST_BLOB_INLENS), j * 2)) user = static_cast<int32_t>(*v);
        JsonObject m(a.next());
        msghdr_field(m, c, "msg_hdr", j8, user, recv ? msg_len.value_or(0) : UINT64_MAX);
        if (msg_len && (recv || (!c.failed() && j < static_cast<uint64_t>(e.ret))))
          m.field("msg_len", *msg_len);
        m.end();
      }
      a.end();
      o.field("vlen", u(2));
      sym(o, "flags", [&](std::string& t) { strace::append_msg_flags(t, u(3)); });
      if (recv) {
        const Blob* t = c.usable(ST_BLOB_TIMEOUT);
        if (e.args[4] && t && t->len >= 16) {
          auto v = e.bytes(*t);
          JsonObject(o.value("timeout")).field("tv_sec", load<int64_t>(v, 0)).field("tv_nsec", load<int64_t>(v, 8)).end();
        } else {
          o.null_field("timeout");
        }
      }
      break;
    }
    case sys::kSetsockopt:
    case sys::kGetsockopt: {
      bool get = e.nr == sys::kGetsockopt;
      o.field("fd", d(0));
      sym(o, "level", [&](std::string& t) { strace::append_sockopt_level(t, u(1)); });
      sym(o, "optname", [&](std::string& t) { strace::append_sockopt_name(t, u(1), u(2), get); });
      int32_t len = d(4);
      if (get) {
        auto outl = e.u32(e.find(ST_BLOB_OUTLENS), 0);
        len = outl && !c.failed() ? static_cast<int32_t>(*outl) : -1;
      }
      const Blob* b = e.args[3] && (!get || !c.failed()) ? c.usable(ST_BLOB_OPTVAL) : nullptr;
      if (!b || len < 0)
        o.null_field("optval");
      else if (len == 4 && b->len >= 4)
        o.field("optval", load<int32_t>(e.bytes(*b), 0));
      else
        data_field(o, c, "optval", b, static_cast<uint64_t>(len));
      if (get)
        lens_fields(o, c, "optlen");
      else
        o.field("optlen", len);
      break;
    }
    case sys::kSendfile: {
      o.field("out_fd", d(0));
      o.field("in_fd", d(1));
      // *offset before the call and after it (null: NULL, unreadable, or
      // not seen; `offset_out` only when the call moved bytes, as strace).
      auto value = [&](uint8_t when) -> std::optional<uint64_t> {
        const Blob* b = e.args[2] ? c.usable(ST_BLOB_OFFSET, when) : nullptr;
        if (!b || b->len < 8) return std::nullopt;
        return load<uint64_t>(e.bytes(*b), 0);
      };
      auto before = value(0), after = value(1);
      if (before)
        o.field("offset", *before);
      else
        o.null_field("offset");
      if (after && !c.failed() && e.ret != 0)
        o.field("offset_out", *after);
      else
        o.null_field("offset_out");
      o.field("count", e.args[3]);
      break;
    }
    default: {
      JsonArray a(o.value("raw"));
      for (uint64_t arg : e.args) a.item(arg);
      a.end();
    }
  }
  o.end();
}

}  // namespace socktrace
