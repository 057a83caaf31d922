// Reports each loss counter's growth as it happens, so that nothing is
// dropped silently: every mode turns the deltas into its own `lost` lines.
#pragma once

#include "kernel/tracer.h"

namespace socktrace {

class LossReporter {
 public:
  // Calls sink(count, where) for every counter that grew since the last call.
  template <typename Sink>
  void update(const LossCounts& now, Sink&& sink) {
    if (now.ringbuf > last_.ringbuf) sink(now.ringbuf - last_.ringbuf, "ringbuf");
    if (now.recursion > last_.recursion) sink(now.recursion - last_.recursion, "recursion");
    if (now.owner_map > last_.owner_map) sink(now.owner_map - last_.owner_map, "owner_map");
    if (now.pid_map > last_.pid_map) sink(now.pid_map - last_.pid_map, "pid_map");
    if (now.child_map > last_.child_map) sink(now.child_map - last_.child_map, "child_map");
    if (now.dispatch > last_.dispatch) sink(now.dispatch - last_.dispatch, "dispatch");
    last_ = now;
  }

 private:
  LossCounts last_;
};

}  // namespace socktrace
