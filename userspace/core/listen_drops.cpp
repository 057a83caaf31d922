#include "core/listen_drops.h"

namespace socktrace {

ListenDrops::Delta ListenDrops::update(uint64_t cookie, uint32_t value) {
  auto it = seen_.find(cookie);
  if (it == seen_.end()) {
    uint32_t from = born_.erase(cookie) ? 0 : value;
    it = seen_.emplace(cookie, Seen{from, 0}).first;
  }
  uint32_t drops = value - it->second.value;  // modulo 2^32
  it->second.value = value;
  it->second.total += drops;
  return {drops, it->second.total};
}

}  // namespace socktrace
