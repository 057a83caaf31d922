// Listen overflows per listener, counted from each listener's drop counter
// (sk_drops, which sock_diag reports and `ss -m` shows as `d`). A SYN that
// finds a full accept queue is consumed, not dropped with a reason, on
// every kernel here: no tracepoint sees it, the counter does. The kernel
// raises it for every SYN or handshake ACK the listener drops
// (tcp_listendrop: TcpExtListenDrops, whose accept queue overflows are
// TcpExtListenOverflows); a handshake's last ACK dropped for a full queue
// counts twice there (tcp_listendrop, then the receive path's drop).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace socktrace {

class ListenDrops {
 public:
  // socktrace saw this listener's -> LISTEN: every drop it has counts.
  void born(uint64_t cookie) { born_.insert(cookie); }
  // Its LISTEN -> CLOSE: forgotten.
  void closed(uint64_t cookie) {
    born_.erase(cookie);
    seen_.erase(cookie);
  }

  struct Delta {
    uint64_t drops = 0;  // since the last look
    uint64_t total = 0;  // since socktrace started, or the listener was born
  };
  // Listener `cookie`'s counter reads `value` now. At the first look of a
  // listener older than socktrace its earlier drops are not counted. The
  // counter is 32 bits wide in sock_diag and wraps.
  Delta update(uint64_t cookie, uint32_t value);

 private:
  struct Seen {
    uint32_t value;
    uint64_t total;
  };
  std::unordered_map<uint64_t, Seen> seen_;
  std::unordered_set<uint64_t> born_;
};

}  // namespace socktrace
