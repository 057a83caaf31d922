// The last N distinct keys inserted (socket cookies), the oldest forgotten
// first, in two arrays allocated once: no allocation per key. A set of
// node-allocated entries that turns over as connections end leaves its
// nodes scattered over the heap, and each one keeps a page of the heap in
// the process after everything around it is freed (TimelineBuilder's ended
// cookies kept 53 MB resident in `log` once a churn's TIME_WAIT sockets had
// ended; 2 MB of data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace socktrace {

class RecentKeys {
 public:
  // capacity: how many keys are remembered (rounded up to a power of two).
  explicit RecentKeys(std::size_t capacity);

  // Remembers `key`, forgetting the oldest when full. False when it is
  // remembered already (its age does not change).
  bool insert(uint64_t key);
  bool contains(uint64_t key) const;
  std::size_t size() const { return size_; }

 private:
  // Open addressing with linear probing, twice the capacity; 0 marks an
  // empty slot (key 0 is kept apart).
  std::size_t slot_of(uint64_t key) const;
  void erase(uint64_t key);

  std::size_t order_mask_;
  std::vector<uint64_t> order_;  // a ring, oldest at head_ (allocated at the first insert)
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::vector<uint64_t> slots_;
  bool has_zero_ = false;
};

}  // namespace socktrace
