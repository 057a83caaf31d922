// tp_floor: the floor under any syscall tracer built on raw_syscalls
// sys_enter/sys_exit (those socktrace's syscall trace uses), until
// SIGINT/SIGTERM. The benchmark runs a workload under it.
//   tp_floor             empty programs on both tracepoints
//   tp_floor --record PID  and a 160-byte record per syscall exit of PID,
//                          through a ring buffer, read by a thread
//   tp_floor --payload PID and each send/recv record with 32 bytes of its buffer
//   tp_floor --batch PID   the same records handed over 100 at a time
//   tp_floor --batch-payload PID  and with 32 bytes of each send/recv buffer
//   tp_floor --states      an empty program on sock:inet_sock_set_state
//   tp_floor --states-record  a 184-byte record per TCP state change
//   tp_floor --states-owned[-record] [--storage]  each socket's owner kept
//        (a hash map by cookie, or sk_storage), with or without that record
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "floor.skel.h"

namespace {
volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

int usage() {
  std::fprintf(stderr,
               "usage: tp_floor [--record PID | --payload PID | --batch PID | --batch-payload PID | --states |\n"
               "                 --states-record |\n"
               "                 --states-owned [--storage] | --states-owned-record [--storage]]\n");
  return 2;
}
}  // namespace

int main(int argc, char** argv) {
  enum class Mode {
    kEmpty,
    kRecord,
    kBatch,
    kStates,
    kStatesRecord,
    kStatesOwned,
    kStatesOwnedRecord,
    kPayload,
    kBatchPayload
  } mode = Mode::kEmpty;
  unsigned pid = 0;
  bool storage = false;
  if (argc == 3 && !std::strcmp(argv[2], "--storage") && !std::strncmp(argv[1], "--states-owned", 14)) {
    storage = true;
    argc = 2;
  }
  if (argc == 3 && (!std::strcmp(argv[1], "--record") || !std::strcmp(argv[1], "--batch") ||
                    !std::strcmp(argv[1], "--payload") || !std::strcmp(argv[1], "--batch-payload"))) {
    mode = !std::strcmp(argv[1], "--record")    ? Mode::kRecord
           : !std::strcmp(argv[1], "--batch")   ? Mode::kBatch
           : !std::strcmp(argv[1], "--payload") ? Mode::kPayload
                                                : Mode::kBatchPayload;
    pid = static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10));
    if (pid == 0) return usage();
  } else if (argc == 2 && !std::strcmp(argv[1], "--states")) {
    mode = Mode::kStates;
  } else if (argc == 2 && !std::strcmp(argv[1], "--states-record")) {
    mode = Mode::kStatesRecord;
  } else if (argc == 2 && !std::strcmp(argv[1], "--states-owned")) {
    mode = Mode::kStatesOwned;
  } else if (argc == 2 && !std::strcmp(argv[1], "--states-owned-record")) {
    mode = Mode::kStatesOwnedRecord;
  } else if (argc != 1) {
    return usage();
  }
  const bool batch = mode == Mode::kBatch || mode == Mode::kBatchPayload;
  const bool syscalls = mode == Mode::kEmpty || mode == Mode::kRecord || batch || mode == Mode::kPayload;
  const std::size_t rec_bytes = mode == Mode::kStatesRecord || mode == Mode::kStatesOwnedRecord ? 184 : 160;
  floor_bpf* skel = floor_bpf__open();
  if (!skel) {
    std::perror("tp_floor: open");
    return 1;
  }
  skel->rodata->record_tgid = pid;
  skel->rodata->owners_in_storage = storage;
  skel->rodata->owned_record = mode == Mode::kStatesOwnedRecord;
  skel->rodata->record_payload = mode == Mode::kPayload || mode == Mode::kBatchPayload;
  bpf_program__set_autoload(skel->progs.floor_enter, syscalls);
  bpf_program__set_autoload(skel->progs.floor_exit, mode == Mode::kEmpty);
  bpf_program__set_autoload(skel->progs.record_exit, mode == Mode::kRecord || mode == Mode::kPayload);
  bpf_program__set_autoload(skel->progs.batch_exit, batch);
  bpf_program__set_autoload(skel->progs.states_empty, mode == Mode::kStates);
  bpf_program__set_autoload(skel->progs.states_record, mode == Mode::kStatesRecord);
  bpf_program__set_autoload(skel->progs.states_owned, mode == Mode::kStatesOwned || mode == Mode::kStatesOwnedRecord);
  if (floor_bpf__load(skel) || floor_bpf__attach(skel)) {
    std::perror("tp_floor: load and attach");
    floor_bpf__destroy(skel);
    return 1;
  }
  std::atomic<unsigned long long> bytes{0};
  ring_buffer* rb = nullptr;
  std::thread reader;
  if (mode != Mode::kEmpty && mode != Mode::kStates && mode != Mode::kStatesOwned) {
    rb = ring_buffer__new(
        bpf_map__fd(skel->maps.records),
        [](void* ctx, void*, size_t size) {
          static_cast<std::atomic<unsigned long long>*>(ctx)->fetch_add(size, std::memory_order_relaxed);
          return 0;
        },
        &bytes, nullptr);
    if (!rb) {
      std::perror("tp_floor: ring buffer");
      floor_bpf__destroy(skel);
      return 1;
    }
    // Read on a short timer, as socktrace's reader: the programs submit
    // without waking it, so epoll reports nothing and each round consumes.
    reader = std::thread([rb] {
      while (!g_stop) {
        ring_buffer__poll(rb, 10);
        ring_buffer__consume(rb);
      }
    });
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  static const char* const kWhat[] = {"empty programs on raw_syscalls/sys_enter and sys_exit",
                                      "a 160-byte record per syscall exit through a ring buffer",
                                      "160-byte records per syscall exit, handed over 100 at a time",
                                      "an empty program on sock:inet_sock_set_state",
                                      "a 184-byte record per TCP state change through a ring buffer",
                                      "each TCP socket's owner kept",
                                      "each TCP socket's owner kept, a 184-byte record per state change",
                                      "a 160-byte record per syscall exit, 32 bytes of a send/recv buffer in it",
                                      "160-byte records with 32 bytes of each send/recv buffer, handed over 100 at a time"};
  std::fprintf(stderr, "tp_floor: %s%s; Ctrl-C to stop\n", kWhat[static_cast<int>(mode)],
               !storage ? "" : " (in sk_storage)");
  while (!g_stop) usleep(50000);  // the signal may land on the reader thread
  if (rb) {
    reader.join();
    std::fprintf(stderr, "tp_floor: %llu records read, %llu lost\n", bytes.load() / rec_bytes,
                 static_cast<unsigned long long>(skel->bss->lost));
    ring_buffer__free(rb);
  }
  floor_bpf__destroy(skel);
  return 0;
}
