#include "kernel/ring_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include <spdlog/spdlog.h>

#include "core/decode.h"
#include "core/error.h"

namespace socktrace {

RingReader::RingReader(int ringbuf_fd, Handler handler) : handler_(std::move(handler)) {
  rb_ = ring_buffer__new(ringbuf_fd, &RingReader::on_sample, this, nullptr);
  if (!rb_) throw RuntimeError(errno_message("open the BPF ring buffer", errno));
}

RingReader::~RingReader() { ring_buffer__free(rb_); }

int RingReader::on_sample(void* ctx, void* data, size_t size) noexcept {
  auto* self = static_cast<RingReader*>(ctx);
  auto event = decode({static_cast<const std::byte*>(data), size});
  if (!event) {
    ++self->undecodable_;
    return 0;
  }
  ++self->events_;
  try {
    self->handler_(*event);
  } catch (const std::exception& e) {
    // A view failing on one event must not kill the trace; say so once per event.
    spdlog::error("handling an event: {}", e.what());
  }
  return 0;
}

bool RingReader::poll(int timeout_ms) {
  int n = ring_buffer__poll(rb_, timeout_ms);
  if (n < 0 && n != -EINTR) throw RuntimeError(errno_message("poll the BPF ring buffer", -n));
  // Samples submitted without a wake-up are not seen by epoll.
  ring_buffer__consume(rb_);
  return n != -EINTR;
}

void RingReader::drain() { ring_buffer__consume(rb_); }

}  // namespace socktrace
