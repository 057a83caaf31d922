// Reads the BPF ring buffer: decodes each sample in place (or from a copy
// when it wraps around the ring's end) and hands the typed event on.
//
// Its own consumer, not libbpf's ring_buffer: libbpf maps the ring's data
// pages twice in a row so that a sample wrapping around the end reads as
// one piece, and the kernel inserts every page of both mappings at mmap()
// time: a 16 MiB ring was 32 MiB of socktrace's RSS before the first event.
// Mapped once, a wrapping sample (rare: at most one per lap) is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/event.h"

namespace socktrace {

class RingReader {
 public:
  using Handler = std::function<void(const Event&)>;
  RingReader(int ringbuf_fd, Handler handler);  // throws RuntimeError
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // The BPF side wakes the reader only when the buffer is filling: poll at
  // least this often, and while events flow at least every kBusyPollMs.
  // Then a steady stream (a traced ping-pong: ~50 MB/s) stays far below the
  // quarter of the ring that makes the programs wake the reader at every
  // event, a self-IPI each; an idle host still sees 20 wake-ups a second.
  static constexpr int kPollMs = 50;
  static constexpr int kBusyPollMs = 10;
  // Waits up to timeout_ms (kBusyPollMs at most when the last poll found
  // events) for a wake-up, then handles whatever is in the buffer. Returns
  // false when interrupted by a signal.
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
  // from its other work (flushing, loss checks, stopping, reopening the log
  // on SIGHUP): ~15 ms of the fastest churn this host makes. A reader as fast
  // as the producers never catches up within a batch, and 65 536 (a quarter
  // of a second) let a whole burst go by before a SIGHUP was seen. The ring
  // polls readable while it holds data: a batch costs one epoll_wait().
  static constexpr uint64_t kBatch = 4096;
  // Bytes handled between two stores of the consumer position (at most an
  // eighth of the ring).
  static constexpr uint64_t kReleaseBytes = 64 * 1024;

  uint64_t events() const { return events_; }
  // Samples that did not decode (short, bad size, unknown kind).
  uint64_t undecodable() const { return undecodable_; }
  // Bytes of the ring mapped into this process (its data pages once, the
  // two position pages).
  std::size_t mapped_bytes() const { return data_size_ + 2 * page_; }

 private:
  // Handles up to kBatch samples: how many.
  uint64_t consume_batch();
  void handle(const std::byte* data, std::size_t size);
  uint64_t producer_position() const;
  uint64_t consumer_position() const;

  int epoll_fd_ = -1;
  std::size_t page_ = 0;
  std::size_t data_size_ = 0;  // the ring's size: a power of two
  void* consumer_page_ = nullptr;  // read-write: the consumer position
  void* producer_ = nullptr;       // read-only: the producer position page, then the data
  const std::byte* data_ = nullptr;
  std::vector<std::byte> wrapped_;  // a sample that wraps around the end, in one piece
  uint64_t unread_bytes_ = 0;
  bool skipping_ = false;
  bool busy_ = false;  // the last poll handled events
  uint64_t skipped_ = 0;
  Handler handler_;
  uint64_t events_ = 0;
  uint64_t undecodable_ = 0;
};

}  // namespace socktrace
