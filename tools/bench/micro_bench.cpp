// Consumer cost per event: decode, and decode + format (text, JSON), for
// every output: strace text, syscall JSON, states text and JSON, timelines
// text and JSON; the timeline builder, the histogram and /metrics alone.
// Every benchmark reports items/s (events consumed per second).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

#include "core/arch.h"
#include "core/decode.h"
#include "core/histogram.h"
#include "core/metrics.h"
#include "core/names.h"
#include "core/output.h"
#include "core/states_view.h"
#include "core/strace_format.h"
#include "core/syscall_json.h"
#include "core/syscall_view.h"
#include "core/timeline.h"
#include "core/timeline_view.h"
#include "core/timewait.h"
#include "socktrace/events.h"

namespace {
namespace sys = socktrace::sys;

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

// Why connections suffer: a retransmission (the 3rd segment of an
// established connection, its RTO backed off), a RST sent with the
// kernel's reason, a packet dropped for a TCP reason, as the BPF side
// fills them in; each decoded and written by the StatesView to /dev/null
// (text line or `--json` object), with reason names set as the binary sets
// them from the kernel's BTF. One event repeated: the view's per-socket
// retransmission count grows, as it does for a socket that keeps losing.
template <typename Raw>
void fill_trouble_common(Raw& e, uint16_t kind) {
  e.hdr.kind = kind;
  e.hdr.size = sizeof(e);
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  e.hdr.ts_ns = 123456789;
  e.hdr.pid = 4242;
  e.hdr.tid = 4243;
  e.hdr.cgroup_id = 9876;
  std::strcpy(e.hdr.comm, "nginx");
  e.skaddr = 0xffff888100001234;
  e.cookie = 77;
  e.family = 2;
  e.saddr[0] = 10, e.saddr[3] = 2;
  e.daddr[0] = 10, e.daddr[3] = 1;
  e.netns = 4026531840u;
  e.sport = 443;
  e.dport = 40006;
}

template <typename Raw>
std::vector<std::byte> bytes_of(const Raw& e) {
  std::vector<std::byte> bytes(sizeof(e));
  std::memcpy(bytes.data(), &e, sizeof(e));
  return bytes;
}

std::vector<std::byte> sample_retrans_event() {
  st_retrans_event e{};
  fill_trouble_common(e, ST_EV_RETRANS);
  e.rto_us = 816'000;
  e.kernel_count = 3;
  e.segs = 1;
  e.srtt_us = 250'000;
  e.state = socktrace::kTcpEstablished;
  return bytes_of(e);
}

std::vector<std::byte> sample_reset_event() {
  st_reset_event e{};
  fill_trouble_common(e, ST_EV_RESET);
  e.reason = 8;  // TCP_ABORT_ON_DATA
  e.has_reason = 1;
  e.state = socktrace::kTcpClose;
  e.dir = ST_RST_SENT;
  return bytes_of(e);
}

std::vector<std::byte> sample_drop_event() {
  st_drop_event e{};
  fill_trouble_common(e, ST_EV_DROP);
  e.reason = 5;
  e.len = 220;
  e.state = socktrace::kTcpEstablished;
  return bytes_of(e);
}

void format_trouble(benchmark::State& state, const std::vector<std::byte>& bytes, bool json) {
  socktrace::Output out("/dev/null");
  socktrace::StatesView view(out, json, socktrace::WallClock(0));
  view.set_rst_reasons({"NOT_SPECIFIED", "NO_SOCKET", "TCP_INVALID_ACK_SEQUENCE", "TCP_RFC7323_PAWS", "TCP_TOO_OLD_ACK",
                        "TCP_ACK_UNSENT_DATA", "TCP_FLAGS", "TCP_OLD_ACK", "TCP_ABORT_ON_DATA"});
  view.set_drop_reasons({"NOT_DROPPED_YET", "CONSUMED", "NOT_SPECIFIED", "NO_SOCKET", "SOCKET_CLOSE", "TCP_CSUM"});
  for (auto _ : state) {
    auto ev = socktrace::decode(bytes);
    if (const auto* retrans = std::get_if<socktrace::RetransEvent>(&*ev))
      view.on_retrans(*retrans);
    else if (const auto* reset = std::get_if<socktrace::ResetEvent>(&*ev))
      view.on_reset(*reset);
    else
      view.on_drop(std::get<socktrace::DropEvent>(*ev));
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_DecodeFormatRetransText(benchmark::State& state) { format_trouble(state, sample_retrans_event(), false); }
void BM_DecodeFormatRetransJson(benchmark::State& state) { format_trouble(state, sample_retrans_event(), true); }
void BM_DecodeFormatResetText(benchmark::State& state) { format_trouble(state, sample_reset_event(), false); }
void BM_DecodeFormatResetJson(benchmark::State& state) { format_trouble(state, sample_reset_event(), true); }
void BM_DecodeFormatDropText(benchmark::State& state) { format_trouble(state, sample_drop_event(), false); }
void BM_DecodeFormatDropJson(benchmark::State& state) { format_trouble(state, sample_drop_event(), true); }
BENCHMARK(BM_DecodeFormatRetransText);
BENCHMARK(BM_DecodeFormatRetransJson);
BENCHMARK(BM_DecodeFormatResetText);
BENCHMARK(BM_DecodeFormatResetJson);
BENCHMARK(BM_DecodeFormatDropText);
BENCHMARK(BM_DecodeFormatDropJson);

// The transitions of `workload churn` as the kernel reports them: per
// connection, the client socket's 5 and the accepted socket's 5, in the
// order they arrive on loopback (as in the README's `states` example), with
// the owners, ports, payload counters and flags the BPF side fills in. Each
// connection gets fresh cookies, ports and later times: timelines are keyed
// by cookie, and a cookie seen again after its end would be dropped as late.
// The 10 events are patched in place once per connection, so the cost of
// generating them is a few stores per transition.
class ChurnStream {
 public:
  static constexpr int kPerConnection = 10;

  ChurnStream() {
    using namespace socktrace;
    struct Step {
      bool client;
      uint8_t old_state, new_state;
      uint32_t flags;
    };
    constexpr uint32_t kKnown = ST_HF_OWNER_KNOWN;
    constexpr uint32_t kInherited = ST_HF_OWNER_KNOWN | ST_HF_OWNER_INHERITED;
    constexpr std::array<Step, kPerConnection> steps{{
        {true, kTcpClose, kTcpSynSent, kKnown},
        {true, kTcpSynSent, kTcpEstablished, kKnown},
        {false, kTcpListen, kTcpSynRecv, kInherited},
        {false, kTcpSynRecv, kTcpEstablished, kInherited},
        {true, kTcpEstablished, kTcpFinWait1, kKnown},
        {false, kTcpEstablished, kTcpCloseWait, kKnown},
        {false, kTcpCloseWait, kTcpLastAck, kKnown},
        {true, kTcpFinWait1, kTcpFinWait2, kKnown},
        {true, kTcpFinWait2, kTcpClose, kKnown},
        {false, kTcpLastAck, kTcpClose, kKnown},
    }};
    for (int i = 0; i < kPerConnection; ++i) {
      const Step& st = steps[i];
      st_state_event& e = raw_[i];
      e = st_state_event{};
      e.hdr.kind = ST_EV_STATE;
      e.hdr.size = sizeof(e);
      e.hdr.flags = st.flags;
      e.hdr.pid = 4242;
      e.hdr.tid = st.client ? 4242 : 4243;
      e.hdr.cgroup_id = 9876;
      std::strcpy(e.hdr.comm, "workload");
      e.sock_cgroup_id = 9876;
      e.family = 2;  // AF_INET
      e.protocol = 6;
      e.saddr[0] = 127, e.saddr[3] = 1;
      e.daddr[0] = 127, e.daddr[3] = 1;
      e.netns = 4026531840u;
      e.cpu_pid = 4242;
      e.old_state = st.old_state;
      e.new_state = st.new_state;
      // After ESTABLISHED the request (77 bytes) and the response (18) have
      // been exchanged.
      bool after_data = st.old_state != kTcpClose && st.old_state != kTcpSynSent && st.old_state != kTcpListen &&
                        st.old_state != kTcpSynRecv;
      e.tx_payload = after_data ? (st.client ? 77 : 18) : 0;
      e.rx_payload = after_data ? (st.client ? 18 : 77) : 0;
      e.tx_bytes = e.tx_payload + (after_data ? 1 : 0);
      e.rx_bytes = e.rx_payload;
      client_[i] = st.client;
    }
    advance();
  }

  // The next transition as the ring buffer holds it.
  std::span<const std::byte> next_bytes() {
    if (at_ == kPerConnection) advance();
    return std::as_bytes(std::span(&raw_[at_++], 1));
  }

  // The next transition, decoded.
  const socktrace::StateEvent& next_event() {
    if (at_ == kPerConnection) advance();
    return decoded_[at_++];
  }

 private:
  // The next connection: new cookies, a new client port, 60 us later.
  void advance() {
    ++conn_;
    uint16_t cport = static_cast<uint16_t>(32768 + conn_ % 28000);
    for (int i = 0; i < kPerConnection; ++i) {
      st_state_event& e = raw_[i];
      bool client = client_[i];
      e.hdr.ts_ns = 1'000'000'000 + conn_ * 60'000 + static_cast<uint64_t>(i) * 5'000;
      e.cookie = 2 * conn_ + (client ? 0 : 1);
      e.skaddr = 0xffff888100000000 + e.cookie * 0x800;
      e.ino = e.new_state == socktrace::kTcpClose ? 0 : 100'000 + e.cookie;
      // The local port is not picked yet at CLOSE -> SYN_SENT, and cleared
      // again when the socket is unhashed at -> CLOSE.
      bool no_port = e.new_state == socktrace::kTcpClose || e.new_state == socktrace::kTcpSynSent;
      e.sport = no_port ? 0 : client ? cport : 8080;
      e.dport = client ? 8080 : cport;
      decoded_[i] = std::get<socktrace::StateEvent>(*socktrace::decode(std::as_bytes(std::span(&e, 1))));
    }
    at_ = 0;
  }

  std::array<st_state_event, kPerConnection> raw_{};
  std::array<socktrace::StateEvent, kPerConnection> decoded_{};
  std::array<bool, kPerConnection> client_{};
  uint64_t conn_ = 0;
  int at_ = 0;
};

// Timeline update alone: each transition of a stream of connections fed
// through the builder until the connection ends and is assembled (every
// 5th transition per socket); per transition.
void BM_TimelineUpdate(benchmark::State& state) {
  ChurnStream stream;
  socktrace::TimelineBuilder builder;
  uint64_t ended = 0;
  for (auto _ : state) {
    auto c = builder.on_transition(stream.next_event(), false);
    if (c) ++ended;
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["conns_per_second"] = benchmark::Counter(static_cast<double>(ended), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TimelineUpdate);

// `states --timeline` and `log` under a churn whose clients end in
// TIME_WAIT, per transition: the TIME_WAIT tracker in front of the timeline
// builder. Each swap is looked up (a stand-in for sock_diag answering
// TIME_WAIT, gone 60 s after it), a timewait socket ends when a new
// connection takes its port (28 000 client ports, as a loopback churn: some
// 28 000 tracked at a time), and the tracker ticks every 1 000 transitions.
void BM_TimewaitTimeline(benchmark::State& state) {
  using socktrace::TwLookup;
  ChurnStream stream;
  socktrace::TimelineBuilder builder;
  uint64_t now = 0, ended = 0;
  socktrace::TimewaitTracker tracker(
      [&](const socktrace::StateEvent& e) {
        TwLookup r;
        uint64_t age = now - std::min(now, e.hdr.ts_ns);
        if (age >= socktrace::TimewaitTracker::kTimewaitLenNs) {
          r.result = TwLookup::Result::kGone;
          return r;
        }
        r.result = TwLookup::Result::kFound;
        r.timewait = true;
        r.state = socktrace::kTcpTimeWait;
        r.expires_ms = static_cast<uint32_t>((socktrace::TimewaitTracker::kTimewaitLenNs - age) / 1'000'000);
        return r;
      },
      [&](const socktrace::StateEvent& e, bool derived) {
        if (builder.on_transition(e, derived)) ++ended;
      });
  // One record per socket for both, as in `states`/`log` (core/parking.h).
  socktrace::Parking parking;
  tracker.share(parking);
  builder.share(parking);
  uint64_t n = 0;
  uint16_t client_port = 0;
  // malloc's chunks and the large blocks it maps apart (a vector's array).
  auto heap = [] {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
  };
  const std::size_t heap_before = heap();
  for (auto _ : state) {
    socktrace::StateEvent e = stream.next_event();
    // The kernel shows the local port at -> CLOSE too (the stream leaves it
    // out): the client's FIN_WAIT2 -> CLOSE gets the port it connected from.
    if (e.sport && e.dport == 8080) client_port = e.sport;
    if (e.old_state == socktrace::kTcpFinWait2 && e.new_state == socktrace::kTcpClose) e.sport = client_port;
    now = e.hdr.ts_ns;
    tracker.on_state(e, now);
    if (++n % 1000 == 0) tracker.tick(now);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["tracked"] = static_cast<double>(tracker.tracked());
  // What log holds per TIME_WAIT socket (the tracker's record, the
  // connection's timeline so far, their maps' nodes).
  if (tracker.tracked())
    state.counters["heap_per_tracked"] =
        static_cast<double>(heap() - heap_before) / static_cast<double>(tracker.tracked());
  // The bytes of each part of the records (core/parking.h), per socket with one.
  for (auto [part, name] : {std::pair{socktrace::Parking::kIdentity, "identity_bytes"},
                            std::pair{socktrace::Parking::kTracker, "tracker_bytes"},
                            std::pair{socktrace::Parking::kTimeline, "timeline_bytes"}}) {
    std::size_t bytes = 0, records = 0;
    parking.for_each(part, [&](uint64_t, std::span<const uint8_t> b) { bytes += b.size(), ++records; });
    if (records) state.counters[name] = static_cast<double>(bytes) / static_cast<double>(records);
  }
  state.counters["conns_per_second"] = benchmark::Counter(static_cast<double>(ended), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TimewaitTimeline);

// `socktrace states [--json] -o /dev/null` per transition of the churn
// stream: decode, the view's line (time in the old state looked up per
// socket, forgotten at -> CLOSE), written to /dev/null through Output.
void format_states_churn(benchmark::State& state, bool json) {
  ChurnStream stream;
  socktrace::Output out("/dev/null");
  socktrace::StatesView view(out, json, socktrace::WallClock(0));
  for (auto _ : state) {
    auto ev = socktrace::decode(stream.next_bytes());
    view.on_state(std::get<socktrace::StateEvent>(*ev));
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_DecodeFormatStatesChurnText(benchmark::State& state) { format_states_churn(state, false); }
void BM_DecodeFormatStatesChurnJson(benchmark::State& state) { format_states_churn(state, true); }
BENCHMARK(BM_DecodeFormatStatesChurnText);
BENCHMARK(BM_DecodeFormatStatesChurnJson);

// `socktrace states --timeline [--json] -o /dev/null` per transition: decode,
// the builder, and one line per connection at its end, written to /dev/null.
// (Without the TIME_WAIT tracker in front, whose sock_diag lookups are the
// kernel's time, and without the container lookup JSON runs add.)
void format_timeline(benchmark::State& state, bool json) {
  ChurnStream stream;
  socktrace::Output out("/dev/null");
  socktrace::TimelineView view(out, json, socktrace::WallClock(0));
  for (auto _ : state) {
    auto ev = socktrace::decode(stream.next_bytes());
    view.on_state(std::get<socktrace::StateEvent>(*ev), false);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["conns_per_second"] =
      benchmark::Counter(static_cast<double>(view.printed()), benchmark::Counter::kIsRate);
}
void BM_DecodeFormatTimelineText(benchmark::State& state) { format_timeline(state, false); }
void BM_DecodeFormatTimelineJson(benchmark::State& state) { format_timeline(state, true); }
BENCHMARK(BM_DecodeFormatTimelineText);
BENCHMARK(BM_DecodeFormatTimelineJson);

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
  state.SetItemsProcessed(state.iterations());  // bodies
}
BENCHMARK(BM_FormatMetrics);

// The hot events of a ping-pong trace, as the kernel builds them with -s 32:
// recvfrom(5, "....", 64, 0, NULL, NULL) = 64 (nr 45, the default) or
// sendto(5, "....", 64, 0, NULL, 0) = 64 (nr 44), 32 payload bytes captured.
std::vector<std::byte> sample_syscall_event(uint32_t nr = sys::kRecvfrom, uint32_t tid = 4243) {
  constexpr std::size_t kData = 32;
  std::vector<std::byte> bytes(sizeof(st_syscall_event) + sizeof(st_blob) + kData);
  st_syscall_event e{};
  e.hdr.kind = ST_EV_SYSCALL;
  e.hdr.size = static_cast<__u16>(bytes.size());
  e.hdr.ts_ns = 123456789;
  e.hdr.pid = 4242;
  e.hdr.tid = tid;
  std::strcpy(e.hdr.comm, "workload");
  e.args[0] = 5;
  e.args[1] = 0x7ffd12345678;
  e.args[2] = 64;
  e.ret = 64;
  e.dur_ns = 2100;
  e.nr = nr;
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
  fmt::memory_buffer line;
  for (auto _ : state) {
    auto ev = socktrace::decode(bytes);
    line.clear();
    socktrace::append_syscall_args_json(std::get<socktrace::SyscallEvent>(*ev), 32, line);
    benchmark::DoNotOptimize(line.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeFormatSyscallJsonArgs);

// `socktrace -p PID [--json] -o /dev/null` on a ping-pong, per syscall:
// the client thread's sendto, the server thread's recvfrom and sendto, the
// client's recvfrom, in turn; decoded and written by the SyscallView to
// /dev/null through Output, as the binary does (text: strace's line, with
// the pid prefix a second thread turns on; JSON: the whole `syscall` object).
void view_syscalls(benchmark::State& state, bool json) {
  const std::array<std::vector<std::byte>, 4> events{sample_syscall_event(sys::kSendto, 4242), sample_syscall_event(sys::kRecvfrom, 4243),
                                                     sample_syscall_event(sys::kSendto, 4243), sample_syscall_event(sys::kRecvfrom, 4242)};
  socktrace::Output out("/dev/null");
  socktrace::SyscallViewOptions options;
  options.json = json;
  socktrace::SyscallView view(out, options, socktrace::WallClock(0));
  std::size_t n = 0;
  for (auto _ : state) {
    auto ev = socktrace::decode(events[n++ % events.size()]);
    view.on_syscall(std::get<socktrace::SyscallEvent>(*ev));
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_DecodeViewSyscallText(benchmark::State& state) { view_syscalls(state, false); }
void BM_DecodeViewSyscallJson(benchmark::State& state) { view_syscalls(state, true); }
BENCHMARK(BM_DecodeViewSyscallText);
BENCHMARK(BM_DecodeViewSyscallJson);

}  // namespace

BENCHMARK_MAIN();
