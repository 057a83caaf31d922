// Consumer cost per event: decode, and decode + format (text, JSON).
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "core/decode.h"
#include "core/histogram.h"
#include "core/metrics.h"
#include "core/names.h"
#include "core/output.h"
#include "core/states_view.h"
#include "core/strace_format.h"
#include "core/syscall_json.h"
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

// The live histogram's cost per state event, with 100 000 sockets tracked:
// each iteration moves one socket along a connection's path (a new
// connection's CLOSE -> SYN_SENT -> ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2
// -> TIME_WAIT -> CLOSE), so inserts, updates and erases all count.
void BM_HistogramApply(benchmark::State& state) {
  socktrace::Histogram h;
  std::vector<socktrace::SockRecord> seed(100'000);
  for (uint64_t i = 0; i < seed.size(); ++i) {
    seed[i].cookie = 1'000'000 + i;
    seed[i].state = socktrace::kTcpEstablished;
    seed[i].sport = static_cast<uint16_t>(i);
    seed[i].dport = 443;
  }
  h.seed(seed);
  constexpr uint8_t path[] = {socktrace::kTcpClose,     socktrace::kTcpSynSent,  socktrace::kTcpEstablished,
                              socktrace::kTcpFinWait1,  socktrace::kTcpFinWait2, socktrace::kTcpTimeWait,
                              socktrace::kTcpClose};
  socktrace::StateEvent e;
  e.hdr.pid = 4242;
  e.sport = 40000;
  e.dport = 80;
  uint64_t n = 0;
  for (auto _ : state) {
    uint64_t step = n % 6;
    e.cookie = 1 + (n / 6) % 50'000;  // 50 000 connections in flight besides the seed
    e.old_state = path[step];
    e.new_state = path[step + 1];
    benchmark::DoNotOptimize(h.apply(e));
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["tracked"] = static_cast<double>(h.tracked());
}
BENCHMARK(BM_HistogramApply);

// One /metrics body (host-wide: no per-process series).
void BM_FormatMetrics(benchmark::State& state) {
  socktrace::Histogram h;
  std::vector<socktrace::SockRecord> seed(100'000);
  for (uint64_t i = 0; i < seed.size(); ++i) {
    seed[i].cookie = i + 1;
    seed[i].state = static_cast<uint8_t>(1 + i % 11);
  }
  h.seed(seed);
  for (auto _ : state) benchmark::DoNotOptimize(socktrace::format_metrics(h, {}));
}
BENCHMARK(BM_FormatMetrics);

// The hot event of a ping-pong trace: recvfrom(5, "....", 64, 0, NULL,
// NULL) = 64 with 32 payload bytes captured (-s 32), as the kernel builds it.
std::vector<std::byte> sample_syscall_event() {
  constexpr std::size_t kData = 32;
  std::vector<std::byte> bytes(sizeof(st_syscall_event) + sizeof(st_blob) + kData);
  st_syscall_event e{};
  e.hdr.kind = ST_EV_SYSCALL;
  e.hdr.size = static_cast<__u16>(bytes.size());
  e.hdr.ts_ns = 123456789;
  e.hdr.pid = 4242;
  e.hdr.tid = 4243;
  std::strcpy(e.hdr.comm, "workload");
  e.args[0] = 5;
  e.args[1] = 0x7ffd12345678;
  e.args[2] = 64;
  e.ret = 64;
  e.dur_ns = 2100;
  e.nr = 45;  // recvfrom
  e.data_len = sizeof(st_blob) + kData;
  st_blob b{};
  b.role = ST_BLOB_DATA;
  b.len = kData;
  std::memcpy(bytes.data(), &e, sizeof(e));
  std::memcpy(bytes.data() + sizeof(e), &b, sizeof(b));
  for (std::size_t i = 0; i < kData; ++i) bytes[sizeof(e) + sizeof(b) + i] = std::byte{static_cast<unsigned char>('a' + i % 26)};
  return bytes;
}

void BM_DecodeSyscall(benchmark::State& state) {
  auto bytes = sample_syscall_event();
  for (auto _ : state) benchmark::DoNotOptimize(socktrace::decode(bytes));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeSyscall);

void BM_DecodeFormatSyscallStrace(benchmark::State& state) {
  auto bytes = sample_syscall_event();
  socktrace::StraceOptions opt;
  socktrace::WallClock clock(0);
  std::string line;
  for (auto _ : state) {
    auto ev = socktrace::decode(bytes);
    line.clear();
    socktrace::format_syscall(std::get<socktrace::SyscallEvent>(*ev), opt, clock, line);
    benchmark::DoNotOptimize(line.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeFormatSyscallStrace);

void BM_DecodeFormatSyscallJsonArgs(benchmark::State& state) {
  auto bytes = sample_syscall_event();
  std::string line;
  for (auto _ : state) {
    auto ev = socktrace::decode(bytes);
    line.clear();
    socktrace::append_syscall_args_json(std::get<socktrace::SyscallEvent>(*ev), 32, line);
    benchmark::DoNotOptimize(line.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeFormatSyscallJsonArgs);

}  // namespace

BENCHMARK_MAIN();
