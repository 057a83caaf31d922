// A hash map from 64-bit keys (socket cookies, 4-tuple hashes) to small
// values, in one array: open addressing with linear probing, entries moved
// back on erase (no tombstones), the array grown by half past 4/5 full and
// halved below 1/5 (so that the memory of a TIME_WAIT wave goes back once
// it has ended). Any size, not a power of two: 131 072 entries (the
// kernel's TIME_WAIT cap) would leave a power-of-two array half empty. An
// entry is its key and value, 16-32 bytes, where a node of
// std::unordered_map took 48-64 and a bucket 8 more: a host keeps up to
// 131 072 TIME_WAIT sockets in such maps.
//
// The key UINT64_MAX marks an empty slot: it is not a valid key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace socktrace {

template <typename V>
class FlatMap {
 public:
  static constexpr uint64_t kEmpty = UINT64_MAX;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  V* find(uint64_t key) {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = home(key);; i = next(i)) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }
  const V* find(uint64_t key) const { return const_cast<FlatMap*>(this)->find(key); }
  bool contains(uint64_t key) const { return find(key) != nullptr; }

  // The value of `key`, default-constructed when it is new.
  V& operator[](uint64_t key) {
    if (V* v = find(key)) return *v;
    if ((size_ + 1) * 5 > slots_.size() * 4) resize(slots_.empty() ? kMinSlots : slots_.size() * 3 / 2);
    std::size_t i = home(key);
    while (slots_[i].key != kEmpty) i = next(i);
    slots_[i].key = key;
    slots_[i].value = V{};
    ++size_;
    return slots_[i].value;
  }

  bool erase(uint64_t key) {
    if (slots_.empty()) return false;
    std::size_t i = home(key);
    while (slots_[i].key != key) {
      if (slots_[i].key == kEmpty) return false;
      i = next(i);
    }
    // Backward shift: each entry after the hole that may move into it does.
    for (std::size_t j = next(i); slots_[j].key != kEmpty; j = next(j)) {
      std::size_t h = home(slots_[j].key);
      // j's entry may fill the hole at i unless its home lies in (i, j].
      bool stays = i <= j ? (h > i && h <= j) : (h > i || h <= j);
      if (stays) continue;
      slots_[i] = std::move(slots_[j]);
      i = j;
    }
    slots_[i].key = kEmpty;
    slots_[i].value = V{};
    --size_;
    if (slots_.size() > kMinSlots && size_ * 5 < slots_.size()) resize(slots_.size() / 2);
    return true;
  }

  // f(key, value&) for every entry; f must not insert or erase.
  template <typename F>
  void for_each(F&& f) {
    for (Slot& s : slots_)
      if (s.key != kEmpty) f(s.key, s.value);
  }
  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (s.key != kEmpty) f(s.key, s.value);
  }

  void clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
  }

 private:
  static constexpr std::size_t kMinSlots = 16;
  struct Slot {
    uint64_t key = kEmpty;
    V value{};
  };
  std::size_t next(std::size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  // The key mixed, then scaled to the array's size (no division).
  std::size_t home(uint64_t key) const {
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    return static_cast<std::size_t>((static_cast<unsigned __int128>(h) * slots_.size()) >> 64);
  }
  void resize(std::size_t n) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(n);
    for (Slot& s : old) {
      if (s.key == kEmpty) continue;
      std::size_t i = home(s.key);
      while (slots_[i].key != kEmpty) i = next(i);
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace socktrace
