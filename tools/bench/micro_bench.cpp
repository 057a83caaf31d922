// Consumer cost per event: decode, and decode + format (text, JSON).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "core/decode.h"
#include "core/output.h"
#include "core/states_view.h"
#include "socktrace/events.h"

namespace {

std::vector<std::byte> sample_state_event() {
  st_state_event e{};
  e.hdr.kind = ST_EV_STATE;
  e.hdr.size = sizeof(e);
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  e.hdr.ts_ns = 123456789;
  e.hdr.pid = 4242;
  e.hdr.tid = 4243;
  std::strcpy(e.hdr.comm, "nginx");
  e.skaddr = 0xffff888100001234;
  e.cookie = 77;
  e.family = 2;
  e.saddr[0] = 127, e.saddr[3] = 1;
  e.daddr[0] = 127, e.daddr[3] = 1;
  e.sport = 40000;
  e.dport = 80;
  e.old_state = 2;
  e.new_state = 1;
  std::vector<std::byte> bytes(sizeof(e));
  std::memcpy(bytes.data(), &e, sizeof(e));
  return bytes;
}

void BM_DecodeState(benchmark::State& state) {
  auto bytes = sample_state_event();
  for (auto _ : state) benchmark::DoNotOptimize(socktrace::decode(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeState);

void format_states(benchmark::State& state, bool json) {
  auto bytes = sample_state_event();
  socktrace::Output out("/dev/null");
  socktrace::StatesView view(out, json, socktrace::WallClock(0));
  for (auto _ : state) {
    auto ev = socktrace::decode(bytes);
    view.on_state(std::get<socktrace::StateEvent>(*ev));
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_DecodeFormatStateJson(benchmark::State& state) { format_states(state, true); }
void BM_DecodeFormatStateText(benchmark::State& state) { format_states(state, false); }
BENCHMARK(BM_DecodeFormatStateJson);
BENCHMARK(BM_DecodeFormatStateText);

}  // namespace

BENCHMARK_MAIN();
