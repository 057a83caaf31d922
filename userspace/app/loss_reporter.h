// Reports each loss counter's growth as it happens, so that nothing is
// dropped silently: every mode turns the deltas into its own `lost` lines.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/tracer.h"

namespace socktrace {

class LossReporter {
 public:
  // Calls sink(count, where) for every counter that grew since the last call.
  template <typename Sink>
  void update(const LossCounts& now, Sink&& sink) {
    std::vector<uint64_t> before;
    last_.for_each([&](const char*, uint64_t n) { before.push_back(n); });
    std::size_t i = 0;
    now.for_each([&](const char* where, uint64_t n) {
      if (n > before[i]) sink(n - before[i], where);
      ++i;
    });
    last_ = now;
  }

 private:
  LossCounts last_;
};

}  // namespace socktrace
