#include "kernel/ring_reader.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/decode.h"
#include "core/error.h"

namespace socktrace {

namespace {
// A sample's length word: its header's first 4 bytes (include/uapi/linux/bpf.h).
constexpr uint32_t kBusy = BPF_RINGBUF_BUSY_BIT;        // reserved, not yet submitted
constexpr uint32_t kDiscarded = BPF_RINGBUF_DISCARD_BIT;  // submitted as discarded: skip
constexpr uint64_t kHeader = BPF_RINGBUF_HDR_SZ;
}  // namespace

RingReader::RingReader(int ringbuf_fd, Handler handler) : handler_(std::move(handler)) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(ringbuf_fd, &info, &len) != 0)
    throw RuntimeError(errno_message("read the BPF ring buffer's size", errno));
  page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  data_size_ = info.max_entries;
  // The kernel lets the consumer position page alone be mapped writable,
  // and the rest read-only from the producer position page on, any length
  // up to the two laps it keeps: one lap is enough.
  void* c = mmap(nullptr, page_, PROT_READ | PROT_WRITE, MAP_SHARED, ringbuf_fd, 0);
  if (c == MAP_FAILED) throw RuntimeError(errno_message("map the BPF ring buffer", errno));
  consumer_page_ = c;
  void* p = mmap(nullptr, page_ + data_size_, PROT_READ, MAP_SHARED, ringbuf_fd, static_cast<off_t>(page_));
  if (p == MAP_FAILED) {
    int err = errno;
    munmap(consumer_page_, page_);
    throw RuntimeError(errno_message("map the BPF ring buffer", err));
  }
  producer_ = p;
  data_ = static_cast<const std::byte*>(p) + page_;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (epoll_fd_ < 0 || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, ringbuf_fd, &ev) != 0) {
    int err = errno;
    if (epoll_fd_ >= 0) close(epoll_fd_);
    munmap(producer_, page_ + data_size_);
    munmap(consumer_page_, page_);
    throw RuntimeError(errno_message("watch the BPF ring buffer", err));
  }
}

RingReader::~RingReader() {
  close(epoll_fd_);
  munmap(producer_, page_ + data_size_);
  munmap(consumer_page_, page_);
}

uint64_t RingReader::producer_position() const {
  return __atomic_load_n(static_cast<const uint64_t*>(producer_), __ATOMIC_ACQUIRE);
}

uint64_t RingReader::consumer_position() const {
  return __atomic_load_n(static_cast<const uint64_t*>(consumer_page_), __ATOMIC_ACQUIRE);
}

void RingReader::handle(const std::byte* data, std::size_t size) {
  if (skipping_) {
    ++skipped_;
    return;
  }
  auto event = decode({data, size});
  if (!event) {
    ++undecodable_;
    return;
  }
  ++events_;
  try {
    handler_(*event);
  } catch (const std::exception& e) {
    // A view failing on one event must not kill the trace; say so once per event.
    spdlog::error("handling an event: {}", e.what());
  }
}

uint64_t RingReader::consume_batch() {
  const uint64_t mask = data_size_ - 1;
  uint64_t cons = consumer_position();
  uint64_t released = cons;
  uint64_t handled = 0;
  // Space goes back to the producers once what it held is handled (a
  // handler must not read the ring itself: it would see those samples
  // again), a slice at a time and at the end of the batch, not after each
  // sample: every producer reads the consumer position at each reserve, and
  // a store per sample makes that line cross CPUs at every event.
  const uint64_t slice = std::min<uint64_t>(data_size_ / 8, kReleaseBytes);
  auto release = [&] {
    if (cons != released) {
      __atomic_store_n(static_cast<uint64_t*>(consumer_page_), cons, __ATOMIC_RELEASE);
      released = cons;
    }
  };
  while (handled < kBatch) {
    const uint64_t prod = producer_position();
    if (cons >= prod) break;
    while (cons < prod && handled < kBatch) {
      const uint64_t at = cons & mask;
      const uint32_t word = __atomic_load_n(reinterpret_cast<const uint32_t*>(data_ + at), __ATOMIC_ACQUIRE);
      if (word & kBusy) {  // the next one is still being written
        release();
        return handled;
      }
      const uint64_t size = word & ~(kBusy | kDiscarded);
      const uint64_t start = (at + kHeader) & mask;
      cons += (size + kHeader + 7) & ~uint64_t{7};
      if (!(word & kDiscarded)) {
        if (start + size <= data_size_) {
          handle(data_ + start, size);
        } else {
          // Wraps around the end: its two pieces, in one copy.
          const std::size_t first = data_size_ - start;
          wrapped_.resize(size);
          std::memcpy(wrapped_.data(), data_ + start, first);
          std::memcpy(wrapped_.data() + first, data_, size - first);
          handle(wrapped_.data(), size);
        }
        ++handled;
      }
      if (cons - released >= slice) release();
    }
  }
  release();
  return handled;
}

bool RingReader::poll(int timeout_ms) {
  epoll_event ev{};
  if (busy_ && (timeout_ms < 0 || timeout_ms > kBusyPollMs)) timeout_ms = kBusyPollMs;
  int n = epoll_wait(epoll_fd_, &ev, 1, timeout_ms);
  if (n < 0 && errno != EINTR) throw RuntimeError(errno_message("poll the BPF ring buffer", errno));
  // Samples submitted without a wake-up are not seen by epoll: read anyway.
  busy_ = consume_batch() > 0;
  return n >= 0;
}

void RingReader::drain(int max_ms, bool count_rest) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_ms);
  unread_bytes_ = 0;
  const uint64_t target = producer_position();
  // At the end, past the deadline the rest is counted, not handled (a
  // count is a walk of the ring, millions of records a second): what the
  // views never saw is reported as lost instead of vanishing with the
  // process. During a run what is left stays in the ring for the next poll.
  auto hard_deadline = count_rest ? deadline + std::chrono::seconds(5) : deadline;
  while (consumer_position() < target) {
    // 0: the next record is reserved but not yet submitted; it will be soon.
    if (consume_batch() == 0) std::this_thread::yield();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) skipping_ = true;
    if (now >= hard_deadline) break;
  }
  skipping_ = false;
  uint64_t at = consumer_position();
  if (at < target) unread_bytes_ = target - at;
}

}  // namespace socktrace
