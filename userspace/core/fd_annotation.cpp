#include "core/fd_annotation.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/names.h"
#include "core/net_format.h"
#include "core/strace_print.h"

namespace socktrace {

namespace {

constexpr uint16_t kTcp = 6, kUdp = 17, kUdpLite = 136;

bool diag_lists_bound_tcp = true;

const char* netlink_name(uint16_t protocol) {
  switch (protocol) {
    case 0: return "ROUTE";
    case 2: return "USERSOCK";
    case 4: return "SOCK_DIAG";
    case 5: return "NFLOG";
    case 6: return "XFRM";
    case 7: return "SELINUX";
    case 8: return "ISCSI";
    case 9: return "AUDIT";
    case 10: return "FIB_LOOKUP";
    case 11: return "CONNECTOR";
    case 12: return "NETFILTER";
    case 13: return "IP6_FW";
    case 14: return "DNRTMSG";
    case 15: return "KOBJECT_UEVENT";
    case 16: return "GENERIC";
    case 18: return "SCSITRANSPORT";
    case 19: return "ECRYPTFS";
    case 20: return "RDMA";
    case 21: return "CRYPTO";
    case 22: return "SMC";
    default: return nullptr;
  }
}

void append_unix_path(std::string& out, const std::string& path) {
  std::string_view p(path);
  if (!p.empty() && p.front() == '\0') {
    out += '@';
    p.remove_prefix(1);
  } else {
    // A filesystem name is NUL-terminated inside its length.
    auto nul = p.find('\0');
    if (nul != std::string_view::npos) p = p.substr(0, nul);
  }
  out += '"';
  for (char c : p) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\{:o}", u);
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_inet(std::string& out, const FdInfo& f) {
  bool v6 = f.family == AF_INET6;
  const char* proto = f.protocol == kTcp                            ? (v6 ? "TCPv6" : "TCP")
                      : f.protocol == kUdp || f.protocol == kUdpLite ? (v6 ? "UDPv6" : "UDP")
                                                                     : nullptr;
  if (!proto) {
    fmt::format_to(std::back_inserter(out), "socket:[{}]", f.ino);
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}:[", proto);
  bool listed = f.hashed && (diag_lists_bound_tcp || f.protocol != kTcp || f.state != kTcpClose);
  if (!listed) {
    fmt::format_to(std::back_inserter(out), "{}]", f.ino);
    return;
  }
  out += format_endpoint(f.saddr, f.sport);
  if (f.dport != 0) {
    out += "->";
    out += format_endpoint(f.daddr, f.dport);
  }
  out += ']';
}

void append_unix(std::string& out, const FdInfo& f) {
  const char* kind = f.type == SOCK_STREAM ? "UNIX-STREAM" : f.type == SOCK_SEQPACKET ? "UNIX-SEQPACKET" : "UNIX";
  fmt::format_to(std::back_inserter(out), "{}:[{}", kind, f.ino);
  if (f.peer_ino) fmt::format_to(std::back_inserter(out), "->{}", f.peer_ino);
  if (!f.path.empty()) {
    out += ',';
    append_unix_path(out, f.path);
  }
  out += ']';
}

void append_netlink(std::string& out, const FdInfo& f) {
  const char* name = netlink_name(f.protocol);
  if (f.hashed && name)
    fmt::format_to(std::back_inserter(out), "NETLINK:[{}:{}]", name, f.nl_portid);
  else if (f.hashed)
    fmt::format_to(std::back_inserter(out), "NETLINK:[{}:{}]", f.protocol, f.nl_portid);
  else
    fmt::format_to(std::back_inserter(out), "NETLINK:[{}]", f.ino);
}

// s_magic of the filesystems whose files have no path: the kernel makes up
// their names (d_dname()).
constexpr uint32_t kPipefs = 0x50495045, kAnonInodefs = 0x09041934, kPidfs = 0x50494446;
constexpr uint32_t kTmpfs = 0x01021994, kHugetlbfs = 0x958458f6;

// The made-up name of such a file, as readlink() gives it; false for a
// filesystem socktrace does not know.
bool append_made_up_name(std::string& out, const FdInfo::File& f, bool* deleted) {
  switch (f.magic) {
    case kPipefs: fmt::format_to(std::back_inserter(out), "pipe:[{}]", f.ino); return true;
    case kAnonInodefs: out += "anon_inode:"; out += f.name; return true;
    case kPidfs: out += "anon_inode:[pidfd]"; return true;
    case kTmpfs:  // memfd_create()'s files: simple_dname(), unlinked from birth
    case kHugetlbfs:
      out += '/';
      out += f.name;
      *deleted = true;
      return true;
    default: return false;
  }
}

// A file that is not a socket, as strace -yy prints it: its path (with '<'
// and '>' escaped), a device's numbers, "(deleted)" after the brackets.
void append_file(std::string& out, int64_t fd, const FdInfo::File& f) {
  std::string name;
  bool deleted = f.deleted;
  if (!f.dname)
    name = f.name;
  else if (!append_made_up_name(name, f, &deleted))
    return append_annotated_fd(out, fd, nullptr);
  fmt::format_to(std::back_inserter(out), "{}<", fd);
  strace::quote_body(out, reinterpret_cast<const unsigned char*>(name.data()), name.size(), strace::kQuoteAngles);
  if (!f.dname && (S_ISCHR(f.mode) || S_ISBLK(f.mode)))
    fmt::format_to(std::back_inserter(out), "<{} {}:{}>", S_ISCHR(f.mode) ? "char" : "block", f.rdev >> 20,
                   f.rdev & 0xfffff);
  out += '>';
  if (deleted) out += "(deleted)";
}

}  // namespace

void set_diag_lists_bound_tcp(bool listed) { diag_lists_bound_tcp = listed; }

void append_annotated_fd(std::string& out, int64_t fd, const FdInfo* info) {
  if (info && info->file) return append_file(out, fd, *info->file);
  fmt::format_to(std::back_inserter(out), "{}", fd);
  if (!info || info->family == 0) return;
  out += '<';
  switch (info->family) {
    case AF_INET:
    case AF_INET6: append_inet(out, *info); break;
    case AF_UNIX: append_unix(out, *info); break;
    case AF_NETLINK: append_netlink(out, *info); break;
    default: fmt::format_to(std::back_inserter(out), "socket:[{}]", info->ino); break;
  }
  out += '>';
}

}  // namespace socktrace
