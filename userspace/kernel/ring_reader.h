// Reads the BPF ring buffer: copies each sample, decodes it, hands the typed
// event on. The libbpf callback is noexcept; nothing throws through C frames.
#pragma once

#include <cstdint>
#include <functional>

#include "core/event.h"

struct ring_buffer;

namespace socktrace {

class RingReader {
 public:
  using Handler = std::function<void(const Event&)>;
  RingReader(int ringbuf_fd, Handler handler);  // throws RuntimeError
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // The BPF side wakes the reader only when the buffer is filling: poll at
  // least this often.
  static constexpr int kPollMs = 50;
  // Waits up to timeout_ms for a wake-up, then handles whatever is in the
  // buffer. Returns false when interrupted by a signal.
  bool poll(int timeout_ms = kPollMs);
  // Handles what is in the buffer, without waiting: until it is empty or,
  // when producers keep filling it, for at most max_ms.
  void drain(int max_ms = 1000);
  // Events handled per poll at most, so that a flood cannot keep the caller
  // from its other work (flushing, loss checks, stopping).
  static constexpr uint64_t kBatch = 65536;

  uint64_t events() const { return events_; }
  // Samples that did not decode (short, bad size, unknown kind).
  uint64_t undecodable() const { return undecodable_; }

 private:
  static int on_sample(void* ctx, void* data, size_t size) noexcept;
  // ring_buffer__consume() with a budget (libbpf 1.1 has no consume_n):
  // the callback stops the ring walk once `budget_` samples are handled.
  int consume_batch();
  uint64_t budget_ = 0;
  ring_buffer* rb_ = nullptr;
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t undecodable_ = 0;
};

}  // namespace socktrace
