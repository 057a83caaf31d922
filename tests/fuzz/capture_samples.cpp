// capture_samples: writes the raw ring-buffer samples of a real run, the
// fuzzer's seed corpus (tests/fuzz/corpus/). Loads the real BPF programs
// (syscall trace with -y, fork/exit, TCP states), runs COMMAND gated as
// `socktrace -- COMMAND` does, and writes
//   OUTDIR/run.bin        every sample of the run, concatenated, in order
//   OUTDIR/sample-KEY     the first few samples of each kind of event
// Root and BPF needed. Usage: capture_samples OUTDIR -- COMMAND [ARGS...]
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/command.h"
#include "core/decode.h"
#include "core/syscalls.h"
#include "kernel/tracer.h"
#include "socktrace/events.h"

namespace {

struct Capture {
  std::string dir;
  std::vector<char> run;
  std::map<std::string, int> per_key;
  int written = 0;
  int mismatched = 0;
};

// What makes two samples different enough to keep both: the kind, the
// syscall and whether it failed, the set of blob roles.
std::string key_of(const void* data, size_t size) {
  st_header h;
  if (size < sizeof(h)) return "short";
  std::memcpy(&h, data, sizeof(h));
  auto ev = socktrace::decode({static_cast<const std::byte*>(data), size});
  if (!ev) return fmt::format("undecodable-{}", h.kind);
  if (const auto* s = std::get_if<socktrace::SyscallEvent>(&*ev)) {
    std::string roles;
    for (const auto& b : s->blobs) roles += fmt::format("{}", b.role) + (b.fault ? "f" : "");
    return fmt::format("{}-{}-{}", socktrace::syscall_name(s->nr), s->ret < 0 ? "err" : "ok", roles);
  }
  if (const auto* st = std::get_if<socktrace::StateEvent>(&*ev))
    return fmt::format("state-{}-{}-{}", st->old_state, st->new_state, st->saddr.family);
  const auto& p = std::get<socktrace::ProcEvent>(*ev);
  return fmt::format("proc-{}", static_cast<int>(p.what));
}

int on_sample(void* ctx, void* data, size_t size) {
  auto* c = static_cast<Capture*>(ctx);
  st_header h{};
  if (size >= sizeof(h)) std::memcpy(&h, data, sizeof(h));
  if (h.size != size) ++c->mismatched;
  c->run.insert(c->run.end(), static_cast<char*>(data), static_cast<char*>(data) + size);
  std::string key = key_of(data, size);
  if (c->per_key[key]++ >= 2) return 0;
  std::string path = fmt::format("{}/sample-{}-{}", c->dir, key, c->per_key[key]);
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    ++c->written;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::string(argv[2]) != "--") {
    std::fprintf(stderr, "usage: capture_samples OUTDIR -- COMMAND [ARGS...]\n");
    return 2;
  }
  try {
    Capture capture;
    capture.dir = argv[1];
    socktrace::TracerConfig config;
    config.states = true;
    config.syscalls = true;
    for (const auto& s : socktrace::network_syscalls()) config.syscall_nrs.push_back(s.nr);
    config.filter_by_pid = true;
    config.follow_forks = true;
    config.report_procs = true;
    config.annotate_fds = true;
    config.entry_times = true;
    config.full_header = true;
    config.string_limit = 64;
    config.wakeup_bytes = 1;
    socktrace::GatedCommand command(std::vector<std::string>(argv + 3, argv + argc));
    socktrace::Tracer tracer(config);
    tracer.add_pid(command.pid());
    ring_buffer* rb = ring_buffer__new(tracer.ringbuf_fd(), on_sample, &capture, nullptr);
    if (!rb) throw std::runtime_error("ring_buffer__new failed");
    command.release();
    while (!command.poll_exit()) ring_buffer__poll(rb, 50);
    // TIME_WAIT and late closes: a moment for the last transitions.
    for (int i = 0; i < 10; ++i) ring_buffer__poll(rb, 50);
    ring_buffer__consume(rb);
    ring_buffer__free(rb);
    std::string run_path = capture.dir + "/run.bin";
    if (FILE* f = std::fopen(run_path.c_str(), "wb")) {
      std::fwrite(capture.run.data(), 1, capture.run.size(), f);
      std::fclose(f);
    }
    auto losses = tracer.losses();
    std::fprintf(stderr, "capture_samples: %zu bytes in run.bin, %d samples written, %d with size != header size, "
                 "%llu lost; command exit %d\n",
                 capture.run.size(), capture.written, capture.mismatched,
                 static_cast<unsigned long long>(losses.events()), command.exit_code());
    return command.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "capture_samples: %s\n", e.what());
    return 1;
  }
}
