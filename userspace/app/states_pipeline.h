// What `states` and `log` share: the TCP transitions (with the trouble
// events and UDP/unix lives) and the connection timelines they show, each
// with its owner: the accept hand-off of pre-fork servers held until the
// acceptor is known (AcceptHold), /proc for sockets older than socktrace,
// and the TIME_WAIT ends found by lookup (TimewaitTracker). A mode builds
// one, lets it configure the tracer, feeds it the session's events and
// ticks it between polls. Listen overflows (a listener's drop counter,
// which no event shows) are polled here too.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "core/accept_hold.h"
#include "core/cgroups.h"
#include "core/cli.h"
#include "core/event.h"
#include "core/listen_drops.h"
#include "core/output.h"
#include "core/parking.h"
#include "core/runtime_names.h"
#include "core/states_view.h"
#include "core/timeline_view.h"
#include "core/timewait.h"
#include "kernel/filters.h"
#include "kernel/proc.h"
#include "kernel/sock_diag.h"
#include "kernel/tracer.h"

namespace socktrace {

// The checks `states` and `log` share (pids exist, no -f); returns the
// filters resolved. Throws UsageError.
ResolvedFilters resolve_states_filters(const Options& o);

class StatesPipeline {
 public:
  // `lines`: transitions, trouble events and UDP/unix lives as lines (the
  // states view); `timelines`: one object per connection (the timeline
  // view); `log` shows both in one JSON file.
  StatesPipeline(const Options& o, const ResolvedFilters& filters, Output& out, bool json, bool lines,
                 bool timelines);

  // Also told of every transition shown, kernel or derived (log's counters
  // and socket gauges).
  void also_on_transition(std::function<void(const StateEvent&, bool derived)> f) { also_ = std::move(f); }
  // What the kernel side must load and filter for these views.
  void configure(TracerConfig& config) const;
  // After the attach: RST reason names, the owners (and timelines) of the
  // sockets older than socktrace.
  void attached(Tracer& tracer);
  // An event of the session; syscall events are not this pipeline's.
  void on_event(const Event& ev);
  // A loss counter grew: a `lost` line where the reader looks.
  void on_lost(uint64_t count, const char* where);
  // The text column header (states or --timeline); none for JSON.
  void header();
  // Between polls: holds that timed out, timewait lookups due, timelines
  // of sockets that vanished during a loss, listen overflows.
  void tick(uint64_t now_ns);
  // At the end: what is held is shown, the timewait sockets looked up once
  // more, the open connections' timelines flushed.
  void finish(uint64_t now_ns);

  TimewaitTracker& timewait() { return timewait_; }
  StatesView& states_view() { return states_view_; }
  const TimelineView& timeline_view() const { return timeline_view_; }
  // The container of a cgroup id (JSON only; empty without cgroup v2).
  std::optional<ContainerLookup> containers();

 private:
  void show(const StateEvent& e, bool derived);
  bool admits_owner(uint32_t pid, std::string_view comm) const;
  void seed_existing(Tracer& tracer);
  void reconcile_timelines();
  void poll_listeners();

  const Options& o_;
  const ResolvedFilters& filters_;
  const bool lines_;
  const bool timelines_;
  const bool tcp_, udp_, unix_;  // --proto: whose events are shown
  // The records of TIME_WAIT sockets the three below keep (core/parking.h).
  Parking parking_;
  StatesView states_view_;
  TimelineView timeline_view_;
  InodeOwners inode_owners_;
  DiagProber prober_;
  TimewaitTracker timewait_;
  AcceptHold accept_hold_;
  std::optional<RuntimeNames> runtime_names_;  // containers' and pods' names under --host-root
  std::optional<CgroupNames> cgroup_names_;
  std::function<void(const StateEvent&, bool)> also_;
  bool lost_since_reconcile_ = false;
  uint64_t next_reconcile_ns_ = 0;
  // Listen overflows: each listener's drop counter, read once a second in
  // every namespace with a listener socktrace knows, and at the end. Not
  // under --cgroup/--container: nothing says which cgroup a listener is in.
  Tracer* tracer_ = nullptr;
  ListenDrops listen_drops_;
  bool watch_listeners_ = false;
  bool listen_warned_ = false;
  uint64_t next_listen_poll_ns_ = 0;
};

}  // namespace socktrace
