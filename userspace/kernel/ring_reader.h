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
  // Handles everything already in the buffer, without waiting.
  void drain();

  uint64_t events() const { return events_; }
  // Samples that did not decode (short, bad size, unknown kind).
  uint64_t undecodable() const { return undecodable_; }

 private:
  static int on_sample(void* ctx, void* data, size_t size) noexcept;
  ring_buffer* rb_ = nullptr;
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t undecodable_ = 0;
};

}  // namespace socktrace
