#include "kernel/tracer.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/arch.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/syscalls.h"
#include "kernel/filters.h"
#include "socktrace.skel.h"
#include "socktrace/events.h"

namespace socktrace {

namespace {

constexpr const char* kPrivilegeHint = "run as root or with CAP_BPF and CAP_PERFMON";

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  // The verifier's log arrives as one string of any length.
  va_list again;
  va_copy(again, args);
  int n = vsnprintf(nullptr, 0, fmt, again);
  va_end(again);
  std::string line(n > 0 ? static_cast<std::size_t>(n) + 1 : 1, '\0');
  vsnprintf(line.data(), line.size(), fmt, args);
  line.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  std::string_view text(line);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  // libbpf's warnings come with a failure socktrace reports in one line of
  // its own (bad input or an unusable kernel); its log (the verifier's, for
  // one) is for -vv.
  switch (level) {
    case LIBBPF_WARN: spdlog::debug("libbpf: {}", text); break;
    case LIBBPF_INFO: spdlog::debug("libbpf: {}", text); break;
    case LIBBPF_DEBUG: spdlog::trace("libbpf: {}", text); break;
  }
  return 0;
}

// Effective capability bits of this process, from /proc/self/status.
uint64_t effective_caps() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  return 0;
}

bool tracefs_ready() {
  struct stat st{};
  return stat("/sys/kernel/tracing/events", &st) == 0 || stat("/sys/kernel/debug/tracing/events", &st) == 0;
}

// Classic tracepoints are looked up in tracefs; hosts without systemd may not
// have it mounted. Mount it where the kernel documents it.
void ensure_tracefs() {
  if (tracefs_ready()) return;
  if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0)
    spdlog::info("mounted tracefs at /sys/kernel/tracing");
}

std::string attach_error(const char* prog, int err) {
  std::string msg = errno_message(std::string("attach ") + prog, err);
  if (err == EPERM || err == EACCES) msg += std::string(" (") + kPrivilegeHint + ")";
  return msg;
}

// Arguments of a tracepoint as the kernel's BTF declares it (the typedef
// btf_trace_NAME is a pointer to a function whose first parameter is the
// context); -1 when the kernel has no such tracepoint.
int tracepoint_args(const btf* vmlinux, const char* name) {
  int id = btf__find_by_name_kind(vmlinux, (std::string("btf_trace_") + name).c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return -1;
  const btf_type* t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
  if (!t || !btf_is_ptr(t)) return -1;
  t = btf__type_by_id(vmlinux, t->type);
  if (!t || !btf_is_func_proto(t)) return -1;
  return btf_vlen(t) - 1;
}

// Does the kernel's struct `type` have a member `member`?
bool struct_has_member(const btf* vmlinux, const char* type, const char* member) {
  int id = btf__find_by_name_kind(vmlinux, type, BTF_KIND_STRUCT);
  if (id < 0) return false;
  const btf_type* t = btf__type_by_id(vmlinux, id);
  const btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i, ++m)
    if (const char* name = btf__name_by_offset(vmlinux, m->name_off); name && !std::strcmp(name, member)) return true;
  return false;
}

// Can fexit (and fentry) programs attach to the kernel functions `fns`?
// Each must be in the kernel's BTF (`vmlinux`); then a two-instruction
// fexit program is loaded on the first and attached, and let go. "" when
// they can; else why not, in a few words.
std::string probe_fexit(const btf* vmlinux, const std::vector<std::string>& fns) {
  if (!vmlinux) return "the kernel's BTF cannot be read";
  int first = -1;
  std::string missing;
  for (const std::string& fn : fns) {
    int id = btf__find_by_name_kind(vmlinux, fn.c_str(), BTF_KIND_FUNC);
    if (id < 0 && missing.empty()) missing = fn;
    if (first < 0) first = id;
  }
  if (!missing.empty()) return "the kernel's BTF has no function " + missing;
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},  // r0 = 0
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                   // exit
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT,
              .attach_btf_id = static_cast<uint32_t>(first));
  int prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "st_fexit_probe", "GPL", insns, 2, &opts);
  if (prog < 0) return errno_message("load a fexit program", errno);
  int link = bpf_raw_tracepoint_open(nullptr, prog);
  int err = errno;
  close(prog);
  if (link < 0) return errno_message("attach a fexit program", err);
  close(link);
  return "";
}

// Names of a kernel enum, indexed by value, `prefix` dropped; empty when
// the kernel has no such enum.
std::vector<std::string> enum_names(const btf* vmlinux, const char* name, std::string_view prefix) {
  std::vector<std::string> out;
  int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_ENUM);
  if (id < 0) return out;
  const btf_type* t = btf__type_by_id(vmlinux, id);
  const struct btf_enum* e = btf_enum(t);
  for (int i = 0; i < btf_vlen(t); ++i, ++e) {
    if (e->val < 0 || e->val > 4096) continue;
    std::string_view n = btf__name_by_offset(vmlinux, e->name_off);
    if (n.substr(0, prefix.size()) == prefix) n.remove_prefix(prefix.size());
    if (out.size() <= static_cast<std::size_t>(e->val)) out.resize(static_cast<std::size_t>(e->val) + 1);
    out[static_cast<std::size_t>(e->val)] = std::string(n);
  }
  return out;
}

// CONFIG_HZ, to turn the jiffies of TCP's timers into time. From the
// kernel's config in /boot when it is there; otherwise from the jiffies
// counter itself: it starts at INITIAL_JIFFIES = (u32)(-300 * HZ) and counts
// HZ a second of CLOCK_MONOTONIC (both stop in suspend), so after the first
// seconds of uptime only one of the HZ values Linux allows fits. 0: unknown.
uint32_t find_kernel_hz() {
  utsname u{};
  uname(&u);
  std::ifstream config(std::string("/boot/config-") + u.release);
  std::string line;
  while (std::getline(config, line))
    if (line.rfind("CONFIG_HZ=", 0) == 0) return static_cast<uint32_t>(std::stoul(line.substr(10)));
  std::ifstream timers("/proc/timer_list");
  while (std::getline(timers, line)) {
    if (line.rfind("jiffies: ", 0) != 0) continue;
    uint64_t jiffies = std::stoull(line.substr(9));
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double seconds = static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
    uint32_t best = 0;
    double best_err = 0;
    for (uint32_t hz : {100u, 250u, 300u, 1000u}) {
      double expected = static_cast<double>(static_cast<uint32_t>(-300 * static_cast<int64_t>(hz))) + seconds * hz;
      double err = std::abs(static_cast<double>(jiffies) - expected) / hz;  // in seconds
      if (best == 0 || err < best_err) best = hz, best_err = err;
    }
    return best_err < 2.0 ? best : 0;
  }
  return 0;
}

}  // namespace

void check_environment() {
  constexpr int kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;
  uint64_t caps = effective_caps();
  bool admin = caps & (1ull << kCapSysAdmin);
  bool bpf = admin || (caps & (1ull << kCapBpf));
  bool perfmon = admin || (caps & (1ull << kCapPerfmon));
  if (!bpf || !perfmon) {
    std::string missing = !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" : !bpf ? "CAP_BPF" : "CAP_PERFMON";
    throw UsageError("socktrace needs " + missing + " to load its BPF programs: " + kPrivilegeHint +
                     " (e.g. sudo socktrace ...)");
  }
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
    throw UsageError("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): socktrace needs a kernel "
                     "built with CONFIG_DEBUG_INFO_BTF=y (5.8 or later)");
  if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) != 1)
    throw UsageError("this kernel has no BPF ring buffer (needs Linux 5.8 or later)");
}

void Tracer::SkelDeleter::operator()(socktrace_bpf* s) const { socktrace_bpf__destroy(s); }

Tracer::Tracer(const TracerConfig& config) {
  libbpf_set_print(libbpf_print);
  check_environment();

  skel_.reset(socktrace_bpf__open());
  if (!skel_) throw RuntimeError(errno_message("open BPF object", errno));

  bool by_pid = !config.pids.empty() || config.filter_by_pid;
  skel_->rodata->filter_pids = by_pid;
  // The pid array takes 4 MiB of kernel memory: only when filtering by pid.
  if (!by_pid) bpf_map__set_max_entries(skel_->maps.pids, 1);
  // A quarter full: the consumer (polling every 50 ms anyway) is woken with
  // three quarters of the ring still free.
  skel_->rodata->wakeup_bytes = config.wakeup_bytes ? config.wakeup_bytes : config.ringbuf_bytes / 4;
  if (int err = bpf_map__set_max_entries(skel_->maps.events, static_cast<uint32_t>(config.ringbuf_bytes)))
    throw RuntimeError(errno_message("size the ring buffer", -err));

  if (config.string_limit > ST_MAX_STRING)
    throw UsageError("-s " + std::to_string(config.string_limit) + ": the string limit is at most " +
                     std::to_string(ST_MAX_STRING));
  skel_->rodata->string_limit = config.string_limit;
  skel_->rodata->self_tgid = static_cast<uint32_t>(getpid());
  skel_->rodata->follow_forks = config.follow_forks;
  skel_->rodata->annotate_fds = config.annotate_fds;
  skel_->rodata->need_entry_time = config.entry_times;
  skel_->rodata->full_header = config.full_header;
  skel_->rodata->report_procs = config.report_procs;
  skel_->rodata->filter_cgroups = !config.cgroup_ids.empty();
  skel_->rodata->filter_netns = !config.netns_inos.empty();
  skel_->rodata->filter_comm = !config.comm.empty();
  if (config.comm.size() >= ST_COMM_LEN)
    throw UsageError("--comm '" + config.comm + "': a command name is at most " + std::to_string(ST_COMM_LEN - 1) +
                     " bytes");
  std::memcpy(const_cast<char*>(skel_->rodata->comm_filter), config.comm.data(), config.comm.size());
  for (uint32_t nr : config.syscall_nrs)
    if (nr < sizeof(skel_->rodata->traced_nr)) skel_->rodata->traced_nr[nr] = 1;
  bool procs = config.syscalls && by_pid;
  // The entry program runs for every syscall on the host: loaded only when
  // some traced call needs what it records.
  bool entries = config.syscalls && (config.entry_times || config.annotate_fds ||
                                     std::any_of(config.syscall_nrs.begin(), config.syscall_nrs.end(),
                                                 overwrites_lengths));
  bpf_program__set_autoload(skel_->progs.on_sys_enter, entries);
  bpf_program__set_autoload(skel_->progs.on_sys_exit, config.syscalls);
  bpf_program__set_autoload(skel_->progs.on_process_fork, procs);
  bpf_program__set_autoload(skel_->progs.on_process_exit, procs);
  // The socket lives' steps and accept() at their syscalls' exits: by fexit
  // programs where the kernel allows them, else by syscall tracepoints
  // (which slow every syscall of the host: bpf/sockets.bpf.c).
  // The kernel's BTF, parsed once for every probe below (5-13 ms a parse here).
  std::unique_ptr<btf, void (*)(btf*)> vmlinux(config.states || config.sock_lives ? btf__load_vmlinux_btf() : nullptr,
                                               btf__free);
  if (config.sock_lives) {
    std::vector<std::string> fns;
    for (const char* call : {"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "close"})
      fns.push_back(std::string(kSyscallFunctionPrefix) + call);
    std::string why = probe_fexit(vmlinux.get(), fns);
    lives_by_fexit_ = why.empty();
    // A unix socket's end however its last reference goes (dup2, exec...),
    // where its release function can be hooked.
    unix_release_hooked_ = lives_by_fexit_ && probe_fexit(vmlinux.get(), {"unix_release"}).empty();
    skel_->rodata->unix_release_hooked = unix_release_hooked_;
    if (!lives_by_fexit_)
      degrade("fexit programs cannot attach to syscalls here (" + why +
              "): UDP and unix socket lives come from syscall tracepoints, which slow every syscall of every "
              "process on the host by a few percent (--proto tcp attaches none)");
  }
  const bool lives_tp = config.sock_lives && !lives_by_fexit_;
  // accept()'s exit where the socket lives read syscalls anyway. Else, and
  // beside fexit programs (which do not run at the exit of an accept() that
  // was already blocked when they attached: a pre-fork worker's), the
  // iterator and the release hook (attach_acceptor_naming()).
  bpf_program__set_autoload(skel_->progs.on_exit_accept, config.states && lives_tp);
  bpf_program__set_autoload(skel_->progs.on_exit_accept4, config.states && lives_tp);
  bpf_program__set_autoload(skel_->progs.on_fexit_accept, config.states && lives_by_fexit_);
  bpf_program__set_autoload(skel_->progs.on_fexit_accept4, config.states && lives_by_fexit_);
  bpf_program__set_autoload(skel_->progs.name_acceptors, config.states && !lives_tp);
  bpf_program__set_autoload(skel_->progs.on_tcp_release, config.states && !lives_tp);
  bpf_program__set_autoload(skel_->progs.on_tcp_send_reset, config.states);
  bpf_program__set_autoload(skel_->progs.on_tcp_receive_reset, config.states);
  bpf_program__set_autoload(skel_->progs.on_tcp_retransmit_skb, config.states);
  bpf_program__set_autoload(skel_->progs.on_tcp_retransmit_synack, config.states);
  bpf_program__set_autoload(skel_->progs.on_kfree_skb, config.states);
  if (config.states) probe_tcp_tracepoints(vmlinux.get());
  // The state programs enter one handler by a tail call, verified once,
  // unless the kernel's JIT may give a tracing program a private stack per
  // CPU (6.13+: bpf_prog_aux.jits_use_priv_stack), which the handler running
  // nested in itself would overwrite: then each program has its own copy.
  const bool state_tail_call =
      config.states && vmlinux && !struct_has_member(vmlinux.get(), "bpf_prog_aux", "jits_use_priv_stack");
  state_prog_ = state_tail_call ? skel_->progs.on_inet_sock_set_state_tc : skel_->progs.on_inet_sock_set_state;
  state_nested_prog_ =
      state_tail_call ? skel_->progs.on_inet_sock_set_state_nested_tc : skel_->progs.on_inet_sock_set_state_nested;
  state_link_ = state_tail_call ? &skel_->links.on_inet_sock_set_state_tc : &skel_->links.on_inet_sock_set_state;
  state_nested_link_ = state_tail_call ? &skel_->links.on_inet_sock_set_state_nested_tc
                                       : &skel_->links.on_inet_sock_set_state_nested;
  bpf_program__set_autoload(skel_->progs.on_inet_sock_set_state, config.states && !state_tail_call);
  bpf_program__set_autoload(skel_->progs.on_inet_sock_set_state_nested, config.states && !state_tail_call);
  bpf_program__set_autoload(skel_->progs.on_inet_sock_set_state_tc, state_tail_call);
  bpf_program__set_autoload(skel_->progs.on_inet_sock_set_state_nested_tc, state_tail_call);
  bpf_program__set_autoload(skel_->progs.handle_inet_sock_set_state, state_tail_call);
  for (bpf_program* p :
       {skel_->progs.on_sock_exit_socket, skel_->progs.on_sock_exit_socketpair, skel_->progs.on_sock_exit_bind,
        skel_->progs.on_sock_exit_connect, skel_->progs.on_sock_exit_listen, skel_->progs.on_sock_exit_accept,
        skel_->progs.on_sock_exit_accept4, skel_->progs.on_sock_enter_close})
    bpf_program__set_autoload(p, lives_tp);
  for (bpf_program* p :
       {skel_->progs.on_sock_fexit_socket, skel_->progs.on_sock_fexit_socketpair, skel_->progs.on_sock_fexit_bind,
        skel_->progs.on_sock_fexit_connect, skel_->progs.on_sock_fexit_listen, skel_->progs.on_sock_fexit_accept,
        skel_->progs.on_sock_fexit_accept4, skel_->progs.on_sock_fentry_close})
    bpf_program__set_autoload(p, lives_by_fexit_);
  for (bpf_program* p : {skel_->progs.on_sock_process_exit, skel_->progs.on_udp_release})
    bpf_program__set_autoload(p, config.sock_lives);
  bpf_program__set_autoload(skel_->progs.on_unix_release, unix_release_hooked_);

  // Maps only the unloaded programs use are not created: the large hash
  // maps of `states` cost several milliseconds of every start.
  for (auto [map, used] : {std::pair{skel_->maps.owners, config.states}, std::pair{skel_->maps.listeners, config.states},
                           std::pair{skel_->maps.resets, config.states},
                           std::pair{skel_->maps.unborn, config.states},
                           std::pair{skel_->maps.sock_recs, config.sock_lives},
                           std::pair{skel_->maps.sock_holders, config.sock_lives},
                           std::pair{skel_->maps.exit_refs, config.sock_lives},
                           std::pair{skel_->maps.enters, config.syscalls},
                           std::pair{skel_->maps.scratch, config.syscalls},
                           std::pair{skel_->maps.fdinfo_scratch, config.syscalls}})
    bpf_map__set_autocreate(map, used);

  if (int err = socktrace_bpf__load(skel_.get())) {
    err = -err;
    if (err == EPERM || err == EACCES)
      throw UsageError(errno_message("load BPF programs", err) + " (" + kPrivilegeHint + ")");
    struct utsname u {};
    uname(&u);
    throw RuntimeError(errno_message("load BPF programs", err) + ": Linux " + u.release +
                       " rejected them (socktrace needs 5.15 or later with BTF and is tested on 6.1, 6.12 and "
                       "6.18; run with -vv to see the verifier's log)");
  }

  for (int pid : config.pids) add_pid(pid);
  uint8_t one = 1;
  for (uint64_t id : config.cgroup_ids)
    if (bpf_map__update_elem(skel_->maps.cgroups, &id, sizeof(id), &one, sizeof(one), BPF_ANY))
      throw RuntimeError(errno_message("add cgroup " + std::to_string(id) + " to the filter", errno));
  for (uint32_t ino : config.netns_inos)
    if (bpf_map__update_elem(skel_->maps.netns_set, &ino, sizeof(ino), &one, sizeof(one), BPF_ANY))
      throw RuntimeError(errno_message("add network namespace " + std::to_string(ino) + " to the filter", errno));

  // Processes first, so that a fork between the two attachments is seen.
  if (procs) {
    for (auto [prog, link, name] :
         {std::tuple{skel_->progs.on_process_fork, &skel_->links.on_process_fork, "sched/sched_process_fork"},
          std::tuple{skel_->progs.on_process_exit, &skel_->links.on_process_exit, "sched/sched_process_exit"}}) {
      *link = bpf_program__attach(prog);
      if (!*link) throw UsageError(attach_error(name, errno));
      attached_.push_back(name);
    }
  }
  if (config.syscalls) {
    for (auto [prog, link, name] :
         {std::tuple{skel_->progs.on_sys_enter, &skel_->links.on_sys_enter, "raw_syscalls/sys_enter"},
          std::tuple{skel_->progs.on_sys_exit, &skel_->links.on_sys_exit, "raw_syscalls/sys_exit"}}) {
      if (!bpf_program__autoload(prog)) continue;
      *link = bpf_program__attach(prog);
      if (!*link) throw UsageError(attach_error(name, errno));
      attached_.push_back(name);
    }
  }

  if (config.states) {
    // The handler both programs enter by a tail call, in place before either runs.
    if (state_tail_call) {
      uint32_t slot = 0;
      int handler = bpf_program__fd(skel_->progs.handle_inet_sock_set_state);
      if (bpf_map__update_elem(skel_->maps.state_handler, &slot, sizeof(slot), &handler, sizeof(handler), BPF_ANY))
        throw RuntimeError(errno_message("install the TCP state handler", errno));
    }
    *state_link_ = bpf_program__attach(state_prog_);
    if (!*state_link_)
      throw UsageError(attach_error("sock/inet_sock_set_state", errno));
    attached_.push_back("inet_sock_set_state");
    // After the first: the tracepoint calls its programs in the order they
    // were attached, and this one handles the hits the first was skipped for
    // (bpf/states.bpf.c). Without it those are counted as lost.
    *state_nested_link_ = bpf_program__attach(state_nested_prog_);
    if (*state_nested_link_)
      attached_.push_back("inet_sock_set_state (nested hits)");
    else
      degrade(attach_error("sock/inet_sock_set_state (second program)", errno) +
              "; transitions nested in another on the same CPU are counted as lost");

    for (auto [prog, link, name] :
         {std::tuple{skel_->progs.on_tcp_retransmit_skb, &skel_->links.on_tcp_retransmit_skb, "tcp/tcp_retransmit_skb"},
          std::tuple{skel_->progs.on_tcp_retransmit_synack, &skel_->links.on_tcp_retransmit_synack,
                     "tcp/tcp_retransmit_synack"}}) {
      *link = bpf_program__attach(prog);
      if (*link)
        attached_.push_back(name);
      else
        degrade(attach_error(name, errno) + "; its retransmissions are not shown");
    }
    if (bpf_program__autoload(skel_->progs.on_kfree_skb)) {
      skel_->links.on_kfree_skb = bpf_program__attach(skel_->progs.on_kfree_skb);
      if (skel_->links.on_kfree_skb)
        attached_.push_back("skb/kfree_skb");
      else
        degrade(attach_error("skb/kfree_skb", errno) + "; drops are not shown");
    }
    // Without these, a FIN_WAIT2 socket closed by a RST is told apart from
    // one that entered TIME_WAIT by the sock_diag lookup alone (and resets
    // are not shown).
    for (auto [prog, link, name] : {std::tuple{skel_->progs.on_tcp_send_reset, &skel_->links.on_tcp_send_reset,
                                               "tcp/tcp_send_reset"},
                                    std::tuple{skel_->progs.on_tcp_receive_reset,
                                               &skel_->links.on_tcp_receive_reset, "tcp/tcp_receive_reset"}}) {
      *link = bpf_program__attach(prog);
      if (*link)
        attached_.push_back(name);
      else
        degrade(attach_error(name, errno) + "; resets are recognized by sock_diag only");
    }

    if (config.sock_lives) {
      if (lives_tp) ensure_tracefs();
      for (auto [prog, link, name] :
           {std::tuple{skel_->progs.on_exit_accept, &skel_->links.on_exit_accept, "syscalls/sys_exit_accept"},
            std::tuple{skel_->progs.on_exit_accept4, &skel_->links.on_exit_accept4, "syscalls/sys_exit_accept4"},
            std::tuple{skel_->progs.on_fexit_accept, &skel_->links.on_fexit_accept, "fexit accept()"},
            std::tuple{skel_->progs.on_fexit_accept4, &skel_->links.on_fexit_accept4, "fexit accept4()"}}) {
        if (!bpf_program__autoload(prog)) continue;
        *link = bpf_program__attach(prog);
        if (*link)
          attached_.push_back(name);
        else
          degrade(attach_error(name, errno) + "; accepted sockets keep their listener's owner");
      }
    }
    if (!lives_tp) attach_acceptor_naming();
  }
  if (config.sock_lives) attach_sock_lives();
}

// Attaches a cgroup socket program to the cgroup v2 root (every socket of
// the host); returns why it could not, or "".
static std::string attach_to_cgroup_root(bpf_program* prog, bpf_link** link) {
  auto root = find_cgroup2_root();
  if (!root) return "no cgroup v2 hierarchy is mounted";
  int cg = open(root->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) return errno_message("open " + *root, errno);
  *link = bpf_program__attach_cgroup(prog, cg);
  int err = errno;
  close(cg);
  return *link ? "" : attach_error("cgroup/sock_release", err);
}

// Accepted children named without syscall tracepoints (when nothing else
// needs them): enabling any one makes every syscall of every process on
// the host take the kernel's slow path, a few percent of a syscall-bound
// workload (docs/performance.md). The processes holding an inherited child
// are found by the name_acceptors iterator (name_acceptors() below) and at
// its release by the cgroup/sock_release hook on the cgroup v2 root (and
// at a close() or shutdown() transition, in the state program).
void Tracer::attach_acceptor_naming() {
  skel_->links.name_acceptors = bpf_program__attach_iter(skel_->progs.name_acceptors, nullptr);
  if (!skel_->links.name_acceptors)
    degrade(attach_error("iter/task_file", errno) +
            "; an accepted socket keeps its listener's owner until its process closes or shuts it down");
  else
    attached_.push_back("iter/task_file (acceptors)");
  std::string why = attach_to_cgroup_root(skel_->progs.on_tcp_release, &skel_->links.on_tcp_release);
  if (why.empty())
    attached_.push_back("cgroup/sock_release (acceptors)");
  else
    degrade(why + "; an accepted socket its process closes within 0.1 s of the connection keeps its listener's "
                  "owner when no close() transition names the process");
}

// Runs the iterator while children inherited from their listener exist:
// every 0.1 s for 3 s after their number last changed, then once a second
// (a backlog nobody accepts keeps it above 0); `force`: now, if any exist.
// Either way never more than 1 % of the time.
// Its finds reach the ring buffer as accept events.
void Tracer::name_acceptors(uint64_t now_ns, bool force) {
  if (!skel_->links.name_acceptors) return;
  int64_t live = skel_->bss->inherited_live;
  if (live != inherited_last_) {
    inherited_last_ = live;
    inherited_changed_ns_ = now_ns;
  }
  if (live <= 0 || now_ns < budget_naming_ns_ || (!force && now_ns < next_naming_ns_)) return;
  int fd = bpf_iter_create(bpf_link__fd(skel_->links.name_acceptors));
  if (fd < 0) {
    if (!naming_failed_)
      spdlog::warn("{}; accepted sockets keep their listener's owner until closed",
                   errno_message("run the iterator over open files", errno));
    naming_failed_ = true;
    return;
  }
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
  close(fd);
  ++namings_;
  // A walk costs what the host has open (~0.25 us per file here): at most
  // ~1 % of a CPU, so on a host with millions of open files the walks
  // space out (children then wait for their release, or for the next walk).
  uint64_t done = monotonic_now_ns();
  uint64_t cadence = now_ns - inherited_changed_ns_ < 3'000'000'000ull ? 100'000'000ull : 1'000'000'000ull;
  budget_naming_ns_ = done + 100 * (done - now_ns);
  next_naming_ns_ = std::max(done + cadence, budget_naming_ns_);
  spdlog::debug("acceptor walk {}: {} us, {} children waiting", namings_, (done - now_ns) / 1000, live);
}

// UDP and unix stream lives. The end of a UDP socket comes from the cgroup
// sock_release hook on the cgroup v2 root when it attaches (every way a socket
// goes); otherwise from close() and process exit, as for unix sockets.
void Tracer::attach_sock_lives() {
  if (!lives_by_fexit_) ensure_tracefs();
  udp_end_hook_ = "cgroup/sock_release";
  std::string why = attach_to_cgroup_root(skel_->progs.on_udp_release, &skel_->links.on_udp_release);
  if (why.empty()) {
    attached_.push_back("cgroup/sock_release");
  } else {
    udp_end_hook_ = "close/exit";
    skel_->bss->udp_close_by_fd = 1;
    degrade(why + "; UDP sockets are seen going away at close() of their last fd and at process exit only");
  }

  for (auto [prog, link, name] : {
           std::tuple{skel_->progs.on_sock_process_exit, &skel_->links.on_sock_process_exit, "sched/sched_process_exit"},
           std::tuple{skel_->progs.on_sock_enter_close, &skel_->links.on_sock_enter_close, "syscalls/sys_enter_close"},
           std::tuple{skel_->progs.on_sock_exit_socket, &skel_->links.on_sock_exit_socket, "syscalls/sys_exit_socket"},
           std::tuple{skel_->progs.on_sock_exit_socketpair, &skel_->links.on_sock_exit_socketpair,
                      "syscalls/sys_exit_socketpair"},
           std::tuple{skel_->progs.on_sock_exit_bind, &skel_->links.on_sock_exit_bind, "syscalls/sys_exit_bind"},
           std::tuple{skel_->progs.on_sock_exit_connect, &skel_->links.on_sock_exit_connect, "syscalls/sys_exit_connect"},
           std::tuple{skel_->progs.on_sock_exit_listen, &skel_->links.on_sock_exit_listen, "syscalls/sys_exit_listen"},
           std::tuple{skel_->progs.on_sock_exit_accept, &skel_->links.on_sock_exit_accept, "syscalls/sys_exit_accept"},
           std::tuple{skel_->progs.on_sock_exit_accept4, &skel_->links.on_sock_exit_accept4,
                      "syscalls/sys_exit_accept4"},
           std::tuple{skel_->progs.on_sock_fentry_close, &skel_->links.on_sock_fentry_close, "fentry close()"},
           std::tuple{skel_->progs.on_unix_release, &skel_->links.on_unix_release, "fentry unix_release()"},
           std::tuple{skel_->progs.on_sock_fexit_socket, &skel_->links.on_sock_fexit_socket, "fexit socket()"},
           std::tuple{skel_->progs.on_sock_fexit_socketpair, &skel_->links.on_sock_fexit_socketpair,
                      "fexit socketpair()"},
           std::tuple{skel_->progs.on_sock_fexit_bind, &skel_->links.on_sock_fexit_bind, "fexit bind()"},
           std::tuple{skel_->progs.on_sock_fexit_connect, &skel_->links.on_sock_fexit_connect, "fexit connect()"},
           std::tuple{skel_->progs.on_sock_fexit_listen, &skel_->links.on_sock_fexit_listen, "fexit listen()"},
           std::tuple{skel_->progs.on_sock_fexit_accept, &skel_->links.on_sock_fexit_accept, "fexit accept()"},
           std::tuple{skel_->progs.on_sock_fexit_accept4, &skel_->links.on_sock_fexit_accept4, "fexit accept4()"}}) {
    if (!bpf_program__autoload(prog)) continue;
    *link = bpf_program__attach(prog);
    if (*link)
      attached_.push_back(std::string("sock:") + name);
    else
      degrade(attach_error(name, errno) + "; UDP and unix socket lives miss what it shows");
  }
}

// What the TCP tracepoints of this kernel give, from its BTF, set as
// tunables before load: the BPF side reads an argument only where the
// kernel has it (the verifier rejects a read past the last one).
void Tracer::probe_tcp_tracepoints(const btf* vmlinux) {
  hz_ = find_kernel_hz();
  skel_->rodata->jiffies_hz = hz_;
  if (!hz_) degrade("the kernel's HZ is unknown (no /boot/config-*, no /proc/timer_list): RTOs are shown as null");
  if (!vmlinux) return;  // check_environment() made sure there is BTF; the load will say what is wrong
  if (tracepoint_args(vmlinux, "tcp_send_reset") >= 3) {
    skel_->rodata->send_reset_has_reason = 1;
    rst_reasons_ = enum_names(vmlinux, "sk_rst_reason", "SK_RST_REASON_");
  }
  skel_->rodata->retransmit_has_err = tracepoint_args(vmlinux, "tcp_retransmit_skb") >= 3;
  probe_drop_reasons(vmlinux);
}

// The TCP drop reasons of this kernel's enum skb_drop_reason (their values
// and number differ between kernels: 6.1 has 21, 6.18 36), set in the
// table the kfree_skb program filters with. kfree_skb names the receiving
// socket since ~6.11 (rx_sk); before, only a packet a socket still holds
// (a receive or out-of-order queue's) has one.
void Tracer::probe_drop_reasons(const btf* vmlinux) {
  constexpr std::size_t kTable = sizeof(skel_->rodata->tcp_drop_reasons) / sizeof(skel_->rodata->tcp_drop_reasons[0]);
  static_assert((kTable & (kTable - 1)) == 0, "the BPF side masks reasons with kTable - 1");
  for (auto& v : skel_->rodata->tcp_drop_reasons) const_cast<uint32_t&>(v) = ~0u;
  int args = tracepoint_args(vmlinux, "kfree_skb");
  drop_reasons_ = enum_names(vmlinux, "skb_drop_reason", "SKB_DROP_REASON_");
  std::size_t tcp = 0;
  for (std::size_t value = 0; value < drop_reasons_.size() && value < kTable; ++value) {
    if (drop_reasons_[value].rfind("TCP_", 0) != 0) continue;
    const_cast<uint32_t&>(skel_->rodata->tcp_drop_reasons[value]) = static_cast<uint32_t>(value);
    ++tcp;
  }
  if (args < 3 || tcp == 0) {
    bpf_program__set_autoload(skel_->progs.on_kfree_skb, false);
    degrade("skb:kfree_skb gives no TCP drop reason on this kernel (before 5.17): drops are not shown");
    return;
  }
  skel_->rodata->kfree_skb_has_rx_sk = args >= 4;
  if (args < 4)
    degrade("skb:kfree_skb names no receiving socket before ~6.11: drops are shown only for packets a socket still "
            "held (queue prunes), not those dropped on arrival (bad checksum, PAWS, out of window...)");
}

Tracer::~Tracer() = default;

void Tracer::degrade(std::string what) {
  spdlog::warn("{}", what);
  degraded_.push_back(std::move(what));
}

void Tracer::add_pid(int pid) {
  uint8_t one = 1;
  uint32_t key = static_cast<uint32_t>(pid);
  if (bpf_map__update_elem(skel_->maps.pids, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
    throw RuntimeError(errno_message("add pid " + std::to_string(pid) + " to the filter", errno) +
                       (errno == E2BIG ? " (pids above 4194304 do not exist on Linux)" : ""));
}

void Tracer::remove_pid(int pid) {
  uint8_t zero = 0;
  uint32_t key = static_cast<uint32_t>(pid);
  // Only a pid filter has the array; a failure leaves a pid nobody holds.
  bpf_map__update_elem(skel_->maps.pids, &key, sizeof(key), &zero, sizeof(zero), BPF_ANY);
}

int Tracer::ringbuf_fd() const { return bpf_map__fd(skel_->maps.events); }

LossCounts Tracer::losses() const {
  LossCounts out;
  int ncpu = libbpf_num_possible_cpus();
  std::vector<uint64_t> values(ncpu > 0 ? ncpu : 1);
  auto sum = [&](uint32_t where) {
    uint64_t total = 0;
    if (bpf_map__lookup_elem(skel_->maps.losses, &where, sizeof(where), values.data(),
                             values.size() * sizeof(uint64_t), 0) == 0)
      for (uint64_t v : values) total += v;
    return total;
  };
  out.ringbuf = sum(ST_LOSS_RINGBUF);
  out.owner_map = sum(ST_LOSS_OWNER_MAP);
  out.pid_map = sum(ST_LOSS_PID_MAP);
  out.child_map = sum(ST_LOSS_CHILD_MAP);
  out.dispatch = sum(ST_LOSS_DISPATCH);

  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    if (prog == state_prog_ || prog == state_nested_prog_) continue;
    out.recursion += recursion_misses(prog);
  }
  // A transition lost to recursion shows as a new miss of the first program
  // that the second did not make good. A miss is counted a moment before its
  // recovery, so one that is under way can look lost: a growth is read
  // again a little later before it is believed (a reported loss cannot be
  // taken back), and the total never goes down.
  uint64_t lost = nested_transitions_lost(&out.recursion_recovered);
  if (lost > state_recursion_lost_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    lost = std::min(lost, nested_transitions_lost(&out.recursion_recovered));
  }
  state_recursion_lost_ = std::max(state_recursion_lost_, lost);
  out.recursion += state_recursion_lost_;
  return out;
}

uint64_t Tracer::recursion_misses(bpf_program* prog) const {
  int fd = bpf_program__fd(prog);
  if (fd < 0) return 0;
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.recursion_misses : 0;
}

// Hits of inet_sock_set_state that neither program ran for: the first
// program's misses less the hits the second handled (bpf/states.bpf.c). The
// second's own misses are hits the first handled. Misses are read first:
// read the other way round, recoveries of misses made in between would be
// subtracted without their misses.
uint64_t Tracer::nested_transitions_lost(uint64_t* recovered) const {
  uint64_t misses = state_prog_ ? recursion_misses(state_prog_) : 0;
  *recovered = 0;
  if (state_nested_link_ && *state_nested_link_) {
    int ncpu = libbpf_num_possible_cpus();
    std::vector<uint64_t> values(ncpu > 0 ? ncpu : 1);
    uint32_t zero = 0;
    if (bpf_map__lookup_elem(skel_->maps.recovered, &zero, sizeof(zero), values.data(),
                             values.size() * sizeof(uint64_t), 0) == 0)
      for (uint64_t v : values) *recovered += v;
  }
  return misses > *recovered ? misses - *recovered : 0;
}

namespace {
st_owner owner_record(int pid, const std::string& comm) {
  st_owner rec{};
  rec.pid = static_cast<uint32_t>(pid);
  rec.tid = rec.pid;
  std::strncpy(rec.comm, comm.c_str(), sizeof(rec.comm) - 1);
  rec.flags = ST_HF_OWNER_KNOWN;
  return rec;
}
}  // namespace

// BPF_NOEXIST: what the BPF side learned since it was attached is fresher.
bool Tracer::seed_owner(uint64_t cookie, int pid, const std::string& comm) {
  st_owner rec = owner_record(pid, comm);
  return bpf_map__update_elem(skel_->maps.owners, &cookie, sizeof(cookie), &rec, sizeof(rec), BPF_NOEXIST) == 0;
}

bool Tracer::seed_listener(uint32_t netns, uint16_t port, uint64_t cookie, int pid, const std::string& comm) {
  st_listen_key key{};
  key.netns = netns;
  key.port = port;
  st_listen_rec rec{};
  rec.owner = owner_record(pid, comm);
  rec.cookie = cookie;
  return bpf_map__update_elem(skel_->maps.listeners, &key, sizeof(key), &rec, sizeof(rec), BPF_NOEXIST) == 0;
}

std::vector<std::pair<uint32_t, uint32_t>> Tracer::listener_namespaces() const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  st_listen_key key{}, next{};
  st_listen_rec rec{};
  const st_listen_key* prev = nullptr;
  while (bpf_map__get_next_key(skel_->maps.listeners, prev, &next, sizeof(next)) == 0) {
    key = next;
    prev = &key;
    if (bpf_map__lookup_elem(skel_->maps.listeners, &key, sizeof(key), &rec, sizeof(rec), 0)) continue;
    if (std::none_of(out.begin(), out.end(), [&](const auto& p) { return p.first == key.netns; }))
      out.emplace_back(key.netns, rec.owner.pid);
  }
  return out;
}

std::optional<Header> Tracer::owner(uint64_t cookie) const {
  st_owner rec{};
  if (cookie == 0 || bpf_map__lookup_elem(skel_->maps.owners, &cookie, sizeof(cookie), &rec, sizeof(rec), 0))
    return std::nullopt;
  Header h;
  h.flags = rec.flags;
  h.pid = rec.pid;
  h.tid = rec.tid;
  h.cgroup_id = rec.cgroup_id;
  std::memcpy(h.comm.chars.data(), rec.comm, std::min(sizeof(rec.comm), h.comm.chars.size()));
  return h;
}

}  // namespace socktrace
