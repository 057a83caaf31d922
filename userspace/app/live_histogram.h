// The histogram kept live: BPF state events applied to a sock_diag snapshot
// (TIME_WAIT derived by the TimewaitTracker), the states no event shows
// polled before each refresh, and periodic reconciliation with a full dump
// whose drift is counted and logged. Shared by `top`, `check` (rates) and,
// later, `log --metrics`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/session.h"
#include "core/histogram.h"
#include "core/listen_drops.h"
#include "core/trouble.h"
#include "core/metrics.h"
#include "core/socket_list.h"
#include "core/timewait.h"
#include "kernel/proc.h"
#include "kernel/ring_reader.h"
#include "kernel/sock_diag.h"
#include "kernel/filters.h"
#include "kernel/tracer.h"

namespace socktrace {

struct LiveConfig {
  HistFilter filter;
  uint64_t ringbuf_bytes = 16u << 20;
  uint64_t reconcile_ns = 30'000'000'000ull;  // 0: never
  bool trace = true;  // false: sock_diag only (no BPF; counts, no transitions)
  // --netns as given: the namespaces whose sockets are counted (sock_diag
  // inside each, events filtered to them in the kernel); empty: socktrace's own.
  std::vector<std::string> netns;
  // --cgroup/--container, resolved to directories: only sockets created in
  // these cgroups or below (sock_diag's INET_DIAG_CGROUP_ID; events filtered
  // in the kernel), in the namespaces their processes live in (unless
  // --netns names them), followed as processes and cgroups come.
  std::vector<std::string> cgroup_paths;
  // --by without --netns or --cgroup: every network namespace of the host
  // (/proc/*/ns/net, /run/netns), followed as they come.
  bool all_netns = false;
  // Owners of the polled sockets (UDP) from /proc too: -p/--comm, --by process.
  bool owners = false;
  // Fed by another consumer of the events (`log`'s StatesPipeline), with
  // trace off: its transitions, derived TIME_WAIT ones included, come
  // through apply(); `timewait` is its tracker (reconciliation asks it
  // about timewait sockets) and `drain` applies what its ring buffer holds
  // before a dump is compared.
  TimewaitTracker* timewait = nullptr;
  std::function<void()> drain;
};

// Adds each --netns namespace to `scope` (and to `prober`, when given).
// Throws UsageError, one line, for a namespace that cannot be opened.
void open_scope(DiagScope& scope, const std::vector<std::string>& netns, DiagProber* prober = nullptr);
// open_scope() for `config`: with cgroups and no --netns, the namespaces of
// the cgroups' processes (widen_cgroup_scope). Sets `filter`'s cgroups.
void open_view_scope(DiagScope& scope, const LiveConfig& config, HistFilter& filter, DiagProber* prober = nullptr);
// Adds the namespaces the processes of `tree` live in that `scope` lacks;
// returns all of those namespaces.
std::vector<uint32_t> widen_cgroup_scope(DiagScope& scope, const CgroupTree& tree, DiagProber* prober);
// Adds every network namespace of the host that `scope` lacks; returns every
// namespace found.
std::vector<uint32_t> widen_all_scope(DiagScope& scope, DiagProber* prober);

// The snapshot of `protocol` sockets in `states` as SockRecords, owners from
// /proc when `owners` is given.
std::vector<SockRecord> diag_records(uint8_t protocol, uint32_t states, InodeOwners* owners);
// The same in every namespace of `scope`.
std::vector<SockRecord> diag_records(DiagScope& scope, uint8_t protocol, uint32_t states, InodeOwners* owners);
// The TCP states `ss -tan` lists (request sockets included, bound-only ones not).
inline constexpr uint32_t kSsTcpStates = ((1u << 13) - 1) & ~1u;

// A socket of a sock_diag dump as the template of the transitions derived
// for it (its tuple, cookie and netns).
StateEvent timewait_template(const DiagSocket& d, uint32_t netns);

// How late a timewait socket's lookup may run after its timer is due (timer
// wheel granularity, the poll loop): a reconciliation that finds it gone
// within this is not drift.
inline constexpr uint64_t kTimewaitDueSlackNs = 1'000'000'000ull;

// Reconciles `hist` with `truth` (a full TCP dump begun at `mark`): timewait
// sockets whose timer is due are looked up first; every other difference is
// drift, counted, and the timewait sockets it ended are forgotten.
DriftReport reconcile_timewait(Histogram& hist, TimewaitTracker& timewait, const std::vector<SockRecord>& truth,
                               uint64_t mark);
// One stderr line when a reconciliation corrected drift (never silent).
void report_drift(const DriftReport& d, const Histogram& h);
// "drift N sockets in M reconciliations (a gone, b missing, c in another state)"
std::string drift_summary(const Histogram& h);

class LiveHistogram {
 public:
  explicit LiveHistogram(const LiveConfig& config);  // attaches BPF (if trace), dumps, seeds
  ~LiveHistogram();

  // Handles events for up to timeout_ms, derives TIME_WAIT changes, checks
  // losses, reconciles when due.
  void pump(int timeout_ms);
  // Polls what no event shows (request sockets, bound-only TCP, UDP) and
  // applies the events already waiting: call before each refresh.
  void refresh();
  // Every socket as it is now (a sock_diag dump with tcp_info) that the
  // filter and `q` admit, with its age and owners from the histogram: call
  // after refresh(). Throws RuntimeError when netlink fails.
  std::vector<SocketRow> list(const ListQuery& q);
  // Reconciles now; returns the drift found.
  DriftReport reconcile();
  // A transition from the feeding consumer (LiveConfig::timewait).
  void apply(const StateEvent& e) { hist_.apply(e); }

  const Histogram& hist() const { return hist_; }
  // Retransmissions, RSTs and failed connects since the start (from the
  // events), and listen overflows (as of the last poll_listen_drops()).
  const TroubleCounts& trouble() const { return trouble_; }
  // Reads every listener's drop counter in the scope's namespaces and
  // counts what grew since the last read (the first read, at the start,
  // sets the baseline of the listeners older than socktrace).
  void poll_listen_drops();
  LossCounts losses() const;
  uint64_t lost_total() const { return losses().events(); }
  const DriftReport& last_drift() const { return last_drift_; }
  MetricsExtras metrics_extras() const;
  // The end: the events still unread handled; the summary line (events,
  // losses, drift).
  std::string finish();

 private:
  void on_event(const Event& ev);
  // --cgroup: new cgroups below the selected ones, new namespaces; --by:
  // new namespaces.
  void follow_scope();
  LiveConfig config_;
  Histogram hist_;
  TroubleCounts trouble_;
  ListenDrops listen_drops_;
  InodeOwners owners_;
  DiagScope scope_;
  DiagProber prober_;
  // Drains the ring buffer (ours, or the feeding consumer's).
  void drain();
  std::unique_ptr<TimewaitTracker> own_timewait_;  // none when fed
  TimewaitTracker* timewait_ = nullptr;
  std::unique_ptr<Session> session_;  // none for a snapshot (trace off)
  DriftReport last_drift_;
  uint64_t next_reconcile_ = 0;
};

}  // namespace socktrace
