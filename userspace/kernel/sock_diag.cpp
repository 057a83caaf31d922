#include "kernel/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace socktrace {

namespace {

class NetlinkSocket {
 public:
  NetlinkSocket() : fd_(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {
    if (fd_ < 0) throw RuntimeError(errno_message("open a sock_diag netlink socket", errno));
  }
  ~NetlinkSocket() { close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

void dump_family(int family, std::vector<DiagSocket>& out) {
  NetlinkSocket nl;
  struct {
    nlmsghdr nlh;
    inet_diag_req_v2 req;
  } msg{};
  msg.nlh.nlmsg_len = sizeof(msg);
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = 1;
  msg.req.sdiag_family = static_cast<uint8_t>(family);
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;  // every state, TIME_WAIT and request sockets too
  if (send(nl.fd(), &msg, sizeof(msg), 0) < 0) throw RuntimeError(errno_message("sock_diag request", errno));

  std::vector<char> buf(64 * 1024);
  for (;;) {
    ssize_t n = recv(nl.fd(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw RuntimeError(errno_message("sock_diag reply", errno));
    }
    if (n == 0) return;
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, static_cast<unsigned>(n));
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return;
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(h));
        throw RuntimeError(errno_message("sock_diag dump", -err->error));
      }
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) continue;
      auto* m = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      DiagSocket s;
      s.saddr.family = s.daddr.family = m->idiag_family;
      std::size_t len = m->idiag_family == AF_INET ? 4 : 16;
      std::memcpy(s.saddr.bytes.data(), m->id.idiag_src, len);
      std::memcpy(s.daddr.bytes.data(), m->id.idiag_dst, len);
      s.sport = ntohs(m->id.idiag_sport);
      s.dport = ntohs(m->id.idiag_dport);
      s.state = m->idiag_state;
      s.rx_queue = m->idiag_rqueue;
      s.tx_queue = m->idiag_wqueue;
      s.uid = m->idiag_uid;
      s.inode = m->idiag_inode;
      s.cookie = m->id.idiag_cookie[0] | (uint64_t{m->id.idiag_cookie[1]} << 32);
      out.push_back(s);
    }
  }
}

}  // namespace

std::vector<DiagSocket> dump_tcp_sockets() {
  std::vector<DiagSocket> out;
  dump_family(AF_INET, out);
  dump_family(AF_INET6, out);
  return out;
}

uint32_t current_netns() {
  struct stat st {};
  if (stat("/proc/self/ns/net", &st) != 0) return 0;
  return static_cast<uint32_t>(st.st_ino);
}

}  // namespace socktrace
