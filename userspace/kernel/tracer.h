// The BPF side, owned: open the skeleton, set the tunables, load, fill the
// filter maps, attach. Everything is released by the destructor; links are
// fd-owned, so a killed socktrace leaves nothing attached.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/event.h"

struct socktrace_bpf;
struct bpf_program;
struct bpf_link;
struct btf;

namespace socktrace {

struct TracerConfig {
  std::vector<int> pids;            // empty: every process (unless filter_by_pid)
  bool filter_by_pid = false;       // the pid filter is on even with no pid yet (-- CMD)
  uint64_t ringbuf_bytes = 16u << 20;
  bool states = true;               // attach the TCP state programs
  bool sock_lives = false;          // attach the UDP / unix stream life programs (states, log)
  bool syscalls = false;            // attach the syscall trace
  std::vector<uint32_t> syscall_nrs;  // which syscalls (this architecture's numbers, core/arch.h)
  uint32_t string_limit = 32;       // -s: payload bytes captured per buffer
  bool annotate_fds = false;        // -y: describe the socket or file behind each fd
  bool entry_times = true;          // time syscalls from their entry (-T, -t, -c, --json)
  bool full_header = true;          // comm and cgroup id in syscall events (--json)
  bool follow_forks = false;        // -f: children of traced processes join the set
  bool report_procs = false;        // fork/exit events of traced tasks
  // In-kernel filters beyond -p (kernel/filters.h resolves them from the
  // command line). Syscalls are filtered on the calling task, state
  // transitions on the socket (its cgroup and namespace) and its owner (comm).
  std::vector<uint64_t> cgroup_ids;  // these cgroups and every descendant, also later ones
  std::vector<uint32_t> netns_inos;  // these network namespaces
  std::string comm;                  // this command name (at most 15 bytes, as the kernel keeps it)
  // Wake the reader only when this much data waits; the reader also polls
  // every RingReader::kPollMs. 1: a wake-up per event; 0: a quarter of the
  // ring buffer.
  uint64_t wakeup_bytes = 0;
};

// Events that never reached userspace, by cause. All counters are totals
// since load.
struct LossCounts {
  uint64_t ringbuf = 0;      // ring buffer full
  uint64_t owner_map = 0;    // owner not recorded (map full): later events lack the owner
  uint64_t pid_map = 0;      // a forked child could not be followed (pid map full)
  uint64_t child_map = 0;    // a child socket's LISTEN -> SYN_RECV could not be held (map full)
  uint64_t recursion = 0;    // program not run: another BPF program was running on the CPU
  uint64_t dispatch = 0;     // a TCP transition's handler not entered (its tail call failed)
  // Not a loss: transitions nested in another one on the same CPU, which the
  // first state program was skipped for and the second handled.
  uint64_t recursion_recovered = 0;
  uint64_t events() const { return ringbuf + recursion + child_map + dispatch; }
  // f(where, count) for each cause, named as `lost` lines and metrics name it.
  template <typename F>
  void for_each(F&& f) const {
    f("ringbuf", ringbuf);
    f("recursion", recursion);
    f("owner_map", owner_map);
    f("pid_map", pid_map);
    f("child_map", child_map);
    f("dispatch", dispatch);
  }
};

class Tracer {
 public:
  explicit Tracer(const TracerConfig& config);  // throws UsageError / RuntimeError
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  int ringbuf_fd() const;
  LossCounts losses() const;
  // Programs attached, by name (for diagnostics and tests).
  const std::vector<std::string>& attached() const { return attached_; }
  // What this kernel could not give and what socktrace does instead, one
  // sentence each (also warned on stderr once, when it is found).
  const std::vector<std::string>& degraded() const { return degraded_; }
  // How UDP sockets' ends are seen (sock_lives): "cgroup/sock_release" (every
  // way a socket goes), "close/exit" (fallback), or empty when not asked.
  const std::string& udp_end_hook() const { return udp_end_hook_; }
  // The names of the running kernel's enum sk_rst_reason (SK_RST_REASON_
  // prefix dropped), indexed by value; empty when tcp_send_reset gives no
  // reason (before ~6.10).
  const std::vector<std::string>& rst_reasons() const { return rst_reasons_; }
  // The names of the running kernel's enum skb_drop_reason
  // (SKB_DROP_REASON_ prefix dropped), indexed by value.
  const std::vector<std::string>& drop_reasons() const { return drop_reasons_; }
  // The kernel's HZ (jiffies per second) as found at start; 0: unknown.
  uint32_t hz() const { return hz_; }
  // Adds a process to the traced set (the filter must be on: pids given).
  void add_pid(int pid);
  // Takes a process out of the traced set (it is gone).
  void remove_pid(int pid);
  // Records `pid` as owner of the socket with `cookie` (sockets older than
  // socktrace); returns false when the map is full.
  bool seed_owner(uint64_t cookie, int pid, const std::string& comm);
  // Records `pid` as owner of the listener on (netns, port), whose children
  // inherit it until accept().
  bool seed_listener(uint32_t netns, uint16_t port, uint64_t cookie, int pid, const std::string& comm);
  // The network namespaces that have a listener socktrace knows an owner
  // of, each with one such owner's pid (to enter the namespace through).
  std::vector<std::pair<uint32_t, uint32_t>> listener_namespaces() const;
  // Names the processes holding accepted children when no accept()
  // tracepoint does (top, check, states --timeline): runs the kernel's
  // iterator over open files when due (`force`: at once, as before a
  // refresh or at the stop). What it finds arrives as accept events. No-op
  // in other modes and while no child is waiting for its owner.
  void name_acceptors(uint64_t now_ns, bool force = false);
  // The recorded owner of the socket with `cookie` (pid, tid, comm,
  // cgroup, flags), if there is one.
  std::optional<Header> owner(uint64_t cookie) const;

 private:
  struct SkelDeleter {
    void operator()(socktrace_bpf* s) const;
  };
  std::unique_ptr<socktrace_bpf, SkelDeleter> skel_;
  std::vector<std::string> attached_;
  std::vector<std::string> degraded_;
  void degrade(std::string what);
  std::string udp_end_hook_;
  // The socket lives' syscall steps come from fexit programs (else from
  // syscall tracepoints).
  bool lives_by_fexit_ = false;
  // unix stream sockets' ends from fentry on unix_release() (else from
  // close() and exit).
  bool unix_release_hooked_ = false;
  std::vector<std::string> rst_reasons_;
  std::vector<std::string> drop_reasons_;
  void probe_drop_reasons(const struct btf* vmlinux);
  uint32_t hz_ = 0;
  void probe_tcp_tracepoints(const struct btf* vmlinux);
  // Transitions lost to recursion reported so far (losses() never lowers it).
  mutable uint64_t state_recursion_lost_ = 0;
  // The pair of programs on inet_sock_set_state: the one that handles each
  // hit and the one for the hits it was skipped for (bpf/states.bpf.c), with
  // their links; both enter one handler by a tail call where the kernel has
  // no private BPF stacks (before 6.13).
  bpf_program* state_prog_ = nullptr;
  bpf_program* state_nested_prog_ = nullptr;
  bpf_link** state_link_ = nullptr;
  bpf_link** state_nested_link_ = nullptr;
  void attach_sock_lives();
  void attach_acceptor_naming();
  int64_t inherited_last_ = 0;
  uint64_t inherited_changed_ns_ = 0;
  uint64_t next_naming_ns_ = 0;
  uint64_t budget_naming_ns_ = 0;  // the walks' 1 % budget: none before this
  uint64_t namings_ = 0;
  bool naming_failed_ = false;
  uint64_t recursion_misses(bpf_program* prog) const;
  uint64_t nested_transitions_lost(uint64_t* recovered) const;
};

// Throws UsageError, with what to do, when this process cannot load BPF
// programs or the kernel lacks what socktrace needs (BTF, ring buffer).
void check_environment();

}  // namespace socktrace
