// One tracing session, the part every mode shares: the tracer (BPF loaded
// and attached), the ring reader handing each event to the mode's views,
// the stop signals, the losses reported as they happen (once a second, each
// counter's growth to the mode's sink), the drain at the end and the one
// summary line. A mode is the views it plugs in and what it does between
// polls.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "app/loss_reporter.h"
#include "kernel/ring_reader.h"
#include "kernel/tracer.h"

namespace socktrace {

class Session {
 public:
  // sink(count, where): a loss counter grew by `count` ("ringbuf",
  // "recursion", ...).
  using LossSink = std::function<void(uint64_t count, const char* where)>;

  Session(const TracerConfig& config, RingReader::Handler on_event, LossSink on_lost);

  Tracer& tracer() { return tracer_; }
  RingReader& reader() { return reader_; }

  // Waits up to timeout_ms for events and handles them; then, once a second,
  // reports the losses' growth. Returns true when that second's check ran
  // (the caller's own once-a-second work goes with it).
  bool poll(int timeout_ms = RingReader::kPollMs);
  // The counters as of the last check (poll or finish).
  const LossCounts& losses() const { return losses_; }

  // The end: handles what the kernel side wrote up to now and reports the
  // last losses; what the reader could not handle within 10 s is counted
  // and reported as lost ("unread"), to the sink and on stderr.
  void finish();
  // "N events, M lost (A ring buffer full, B BPF recursion; C nested
  // transitions recovered), D undecodable": the same words in every mode.
  std::string summary() const;

 private:
  void check_losses();
  Tracer tracer_;
  RingReader reader_;
  LossSink on_lost_;
  LossReporter reporter_;
  LossCounts losses_;
  uint64_t next_check_ns_ = 0;
  uint64_t next_trim_ns_ = 0;
};

}  // namespace socktrace
