// Hand-built SyscallEvents for the formatter tests: the arguments, the result
// and the blobs the kernel side would have captured.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "core/arch.h"
#include "core/event.h"
#include "socktrace/events.h"

namespace socktrace::testing {

// Some user-space pointer, for the arguments whose address strace prints.
inline constexpr uint64_t kP = 0x7ffd8e798450;

class EventBuilder {
 public:
  EventBuilder(uint32_t nr, std::initializer_list<uint64_t> args, int64_t ret) {
    e_.nr = nr;
    e_.ret = ret;
    e_.hdr.pid = e_.hdr.tid = 1234;
    int i = 0;
    for (uint64_t a : args) e_.args[i++] = a;
  }
  EventBuilder& blob(uint8_t role, const void* p, std::size_t n, uint8_t msg = 0, uint8_t iov = 0) {
    Blob b;
    b.role = role;
    b.msg = msg;
    b.iov = iov;
    b.offset = static_cast<uint32_t>(e_.payload.size());
    b.len = static_cast<uint32_t>(n);
    // resize + memcpy: GCC 12 warns falsely (-Wstringop-overflow) on insert().
    e_.payload.resize(e_.payload.size() + n);
    if (n) std::memcpy(e_.payload.data() + b.offset, p, n);
    e_.blobs.push_back(b);
    return *this;
  }
  EventBuilder& str(uint8_t role, std::string_view s, uint8_t msg = 0, uint8_t iov = 0) {
    return blob(role, s.data(), s.size(), msg, iov);
  }
  EventBuilder& u32s(uint8_t role, std::initializer_list<uint32_t> v) {
    std::vector<uint32_t> tmp(v);
    return blob(role, tmp.data(), tmp.size() * 4);
  }
  EventBuilder& fault(uint8_t role, uint8_t msg = 0, uint8_t iov = 0) {
    Blob b;
    b.role = role;
    b.msg = msg;
    b.iov = iov;
    b.fault = true;
    b.offset = static_cast<uint32_t>(e_.payload.size());
    e_.blobs.push_back(b);
    return *this;
  }
  EventBuilder& tid(uint32_t t) {
    e_.hdr.tid = t;
    return *this;
  }
  EventBuilder& ts(uint64_t mono_ns, uint64_t dur_ns) {
    e_.hdr.ts_ns = mono_ns;
    e_.dur_ns = dur_ns;
    return *this;
  }
  const SyscallEvent& get() const { return e_; }
  operator const SyscallEvent&() const { return e_; }

 private:
  SyscallEvent e_;
};

inline sockaddr_in inet4(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

inline sockaddr_in6 inet6(const char* ip, uint16_t port, uint32_t flowinfo = 0, uint32_t scope = 0) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  a.sin6_flowinfo = htonl(flowinfo);
  a.sin6_scope_id = scope;
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return a;
}

// struct user_msghdr as the kernel side captures it.
struct MsgHdr {
  uint64_t name = 0;
  uint32_t namelen = 0;
  uint32_t pad0 = 0;
  uint64_t iov = 0;
  uint64_t iovlen = 0;
  uint64_t control = 0;
  uint64_t controllen = 0;
  uint32_t flags = 0;
  uint32_t pad1 = 0;
};
static_assert(sizeof(MsgHdr) == 56);

struct Iov {
  uint64_t base;
  uint64_t len;
};

}  // namespace socktrace::testing
