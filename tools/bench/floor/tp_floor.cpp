// tp_floor: attaches empty programs to raw_syscalls/sys_enter and sys_exit
// (the tracepoints socktrace's syscall trace uses) until SIGINT/SIGTERM.
// The benchmark runs a workload under it to measure what the tracepoints
// alone cost, the floor under any tracer built on them.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "floor.skel.h"

namespace {
volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }
}  // namespace

int main() {
  floor_bpf* skel = floor_bpf__open_and_load();
  if (!skel) {
    std::perror("tp_floor: load");
    return 1;
  }
  if (floor_bpf__attach(skel)) {
    std::perror("tp_floor: attach");
    floor_bpf__destroy(skel);
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::fprintf(stderr, "tp_floor: empty programs on raw_syscalls/sys_enter and sys_exit; Ctrl-C to stop\n");
  while (!g_stop) pause();
  floor_bpf__destroy(skel);
  return 0;
}
