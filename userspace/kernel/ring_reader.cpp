#include "kernel/ring_reader.h"

#include <bpf/libbpf.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/decode.h"
#include "core/error.h"

namespace socktrace {

RingReader::RingReader(int ringbuf_fd, Handler handler) : handler_(std::move(handler)) {
  rb_ = ring_buffer__new(ringbuf_fd, &RingReader::on_sample, this, nullptr);
  if (!rb_) throw RuntimeError(errno_message("open the BPF ring buffer", errno));
  long page = sysconf(_SC_PAGESIZE);
  void* c = mmap(nullptr, static_cast<std::size_t>(page), PROT_READ, MAP_SHARED, ringbuf_fd, 0);
  void* p = mmap(nullptr, static_cast<std::size_t>(page), PROT_READ, MAP_SHARED, ringbuf_fd, page);
  if (c != MAP_FAILED && p != MAP_FAILED) {
    consumer_page_ = c;
    producer_page_ = p;
  } else {
    // drain() then reads until the ring is empty, bounded by time only.
    if (c != MAP_FAILED) munmap(c, static_cast<std::size_t>(page));
    if (p != MAP_FAILED) munmap(p, static_cast<std::size_t>(page));
    spdlog::debug("ring buffer positions not mapped: {}", std::strerror(errno));
  }
}

RingReader::~RingReader() {
  ring_buffer__free(rb_);
  long page = sysconf(_SC_PAGESIZE);
  if (consumer_page_) munmap(consumer_page_, static_cast<std::size_t>(page));
  if (producer_page_) munmap(producer_page_, static_cast<std::size_t>(page));
}

namespace {
constexpr int kBudgetSpent = -EALREADY;  // from on_sample: not an error
}

int RingReader::on_sample(void* ctx, void* data, size_t size) noexcept {
  auto* self = static_cast<RingReader*>(ctx);
  // libbpf has consumed this sample before calling us: it must be handled
  // whatever we return; a negative return only ends the walk after it.
  int done = self->budget_ > 0 && --self->budget_ == 0 ? kBudgetSpent : 0;
  if (self->skipping_) {
    ++self->skipped_;
    return done;
  }
  auto event = decode({static_cast<const std::byte*>(data), size});
  if (!event) {
    ++self->undecodable_;
    return done;
  }
  ++self->events_;
  try {
    self->handler_(*event);
  } catch (const std::exception& e) {
    // A view failing on one event must not kill the trace; say so once per event.
    spdlog::error("handling an event: {}", e.what());
  }
  return done;
}

bool RingReader::poll(int timeout_ms) {
  budget_ = kBatch;
  int n = ring_buffer__poll(rb_, timeout_ms);
  if (n < 0 && n != -EINTR && n != kBudgetSpent) throw RuntimeError(errno_message("poll the BPF ring buffer", -n));
  // Samples submitted without a wake-up are not seen by epoll.
  if (n != kBudgetSpent) consume_batch();
  return n != -EINTR;
}

int RingReader::consume_batch() {
  budget_ = kBatch;
  int n = ring_buffer__consume(rb_);
  if (n < 0 && n != kBudgetSpent) throw RuntimeError(errno_message("read the BPF ring buffer", -n));
  return n == kBudgetSpent ? static_cast<int>(kBatch) : n;
}

void RingReader::drain(int max_ms, bool count_rest) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_ms);
  unread_bytes_ = 0;
  if (!consumer_page_) {
    while (consume_batch() >= static_cast<int>(kBatch) && std::chrono::steady_clock::now() < deadline) {
    }
    return;
  }
  auto position = [](void* page) { return __atomic_load_n(static_cast<const uint64_t*>(page), __ATOMIC_ACQUIRE); };
  const uint64_t target = position(producer_page_);
  // At the end, past the deadline the rest is counted, not handled (a
  // count is a walk of the ring, millions of records a second): what the
  // views never saw is reported as lost instead of vanishing with the
  // process. During a run what is left stays in the ring for the next poll.
  auto hard_deadline = count_rest ? deadline + std::chrono::seconds(5) : deadline;
  while (position(consumer_page_) < target) {
    // 0: the next record is reserved but not yet submitted; it will be soon.
    if (consume_batch() == 0) std::this_thread::yield();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) skipping_ = true;
    if (now >= hard_deadline) break;
  }
  skipping_ = false;
  uint64_t at = position(consumer_page_);
  if (at < target) unread_bytes_ = target - at;
}

}  // namespace socktrace
