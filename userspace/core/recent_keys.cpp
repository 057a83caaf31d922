#include "core/recent_keys.h"

#include <bit>

namespace socktrace {

RecentKeys::RecentKeys(std::size_t capacity) : order_mask_(std::bit_ceil(capacity < 2 ? 2 : capacity) - 1) {}

std::size_t RecentKeys::slot_of(uint64_t key) const {
  // Fibonacci hashing: cookies are nearly sequential.
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (slots_.size() - 1);
}

bool RecentKeys::contains(uint64_t key) const {
  if (key == 0) return has_zero_;
  if (slots_.empty()) return false;
  for (std::size_t i = slot_of(key);; i = (i + 1) & (slots_.size() - 1)) {
    if (slots_[i] == key) return true;
    if (slots_[i] == 0) return false;
  }
}

bool RecentKeys::insert(uint64_t key) {
  if (contains(key)) return false;
  if (order_.empty()) {
    order_.resize(order_mask_ + 1);
    slots_.resize(2 * (order_mask_ + 1));
  }
  if (size_ == order_.size()) {
    erase(order_[head_]);
    head_ = (head_ + 1) & order_mask_;
    --size_;
  }
  order_[(head_ + size_) & order_mask_] = key;
  ++size_;
  if (key == 0) {
    has_zero_ = true;
    return true;
  }
  std::size_t i = slot_of(key);
  while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
  slots_[i] = key;
  return true;
}

// Backward-shift deletion: the entries after the hole that probed past it
// move back, so that no lookup stops at the hole too early.
void RecentKeys::erase(uint64_t key) {
  if (key == 0) {
    has_zero_ = false;
    return;
  }
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = slot_of(key);
  while (slots_[hole] != key) hole = (hole + 1) & mask;
  for (std::size_t i = (hole + 1) & mask; slots_[i] != 0; i = (i + 1) & mask) {
    std::size_t home = slot_of(slots_[i]);
    // Movable when its home is not in (hole, i], cyclically.
    if (((i - home) & mask) >= ((i - hole) & mask)) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = 0;
}

}  // namespace socktrace
