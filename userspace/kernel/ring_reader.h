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
  // Handles everything the kernel side had submitted when drain() was
  // called (not what producers add meanwhile), for up to max_ms. With
  // count_rest (the end of a trace), what is left then is counted
  // (skipped()) rather than handled, for at most 5 s more.
  void drain(int max_ms = 10'000, bool count_rest = false);
  // Events drain() counted without handling them (the reader had not caught
  // up in time): lost, to be reported as such.
  uint64_t skipped() const { return skipped_; }
  // Bytes of events not even counted when the last drain() gave up (0: it
  // read everything it was asked to).
  uint64_t unread_bytes() const { return unread_bytes_; }
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
  // The ring's consumer and producer positions (read-only mappings of its
  // first two pages), so that drain() knows where "now" ends.
  void* consumer_page_ = nullptr;
  void* producer_page_ = nullptr;
  uint64_t unread_bytes_ = 0;
  bool skipping_ = false;
  uint64_t skipped_ = 0;
  ring_buffer* rb_ = nullptr;
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t undecodable_ = 0;
};

}  // namespace socktrace
