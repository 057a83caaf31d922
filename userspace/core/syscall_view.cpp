#include "core/syscall_view.h"

#include <csignal>
#include <cstring>

#include "core/errno_names.h"
#include "core/json.h"
#include "core/syscall_json.h"
#include "core/syscalls.h"

namespace socktrace {

SyscallView::SyscallView(Output& out, const SyscallViewOptions& options, WallClock clock)
    : out_(out), options_(options), clock_(clock) {}

// strace -o FILE prefixes lines with the pid once it traces more than one
// task; socktrace traces every thread of a process, so a second thread is
// enough.
void SyscallView::note_task(uint32_t tid) {
  if (options_.strace.pid_prefix || !options_.auto_pid_prefix) return;
  if (first_tid_ == 0)
    first_tid_ = tid;
  else if (tid != first_tid_)
    options_.strace.pid_prefix = true;
}

void SyscallView::on_syscall(const SyscallEvent& e) {
  if (options_.summary) {
    summary_.add(e);
    return;
  }
  if (!options_.json) {
    note_task(e.hdr.tid);
    line_.clear();
    format_syscall(e, options_.strace, clock_, line_);
    out_.write(line_);
    return;
  }
  std::string_view name = known_syscall_name(e.nr);
  std::string unknown;  // only for a number outside the table
  if (name.empty()) name = unknown = syscall_name(e.nr);
  buf_.clear();
  JsonObject o(buf_);
  o.field("event", "syscall")
      .field("ts_ns", clock_.epoch_ns(e.hdr.ts_ns))
      .field("pid", e.hdr.pid)
      .field("tid", e.hdr.tid)
      .field("comm", e.hdr.comm.view())
      .field("name", name);
  append_syscall_args_json(e, options_.strace.string_limit, o.value("args"));
  if (e.ret < 0 && e.ret >= -4095) {
    o.field("ret", int64_t{-1});
    std::string_view err_name = errno_name(static_cast<int>(-e.ret));
    if (err_name.empty())
      o.field("errno", static_cast<int64_t>(-e.ret));
    else
      o.field("errno", err_name);
  } else {
    o.field("ret", e.ret).null_field("errno");
  }
  o.field("dur_ns", e.dur_ns).field("cgroup_id", e.hdr.cgroup_id).field("netns", e.netns);
  add_container_fields(o, containers_, e.hdr.cgroup_id);
  o.end_line();
  out_.write(buf_);
}

void SyscallView::on_proc(const ProcEvent& e) {
  if (e.what != ProcEvent::What::kExit || options_.summary) return;
  if (!options_.json) {
    note_task(e.hdr.tid);
    line_.clear();
    format_exit(e, options_.strace, clock_, line_);
    out_.write(line_);
    return;
  }
  buf_.clear();
  JsonObject o(buf_);
  o.field("event", "exit")
      .field("ts_ns", clock_.epoch_ns(e.hdr.ts_ns))
      .field("pid", e.hdr.pid)
      .field("tid", e.hdr.tid)
      .field("comm", e.hdr.comm.view());
  int sig = e.exit_code & 0x7f;
  if (sig) {
    const char* abbrev = sigabbrev_np(sig);
    o.field("signal", abbrev ? std::string("SIG") + abbrev : std::to_string(sig))
        .field("core_dumped", (e.exit_code & 0x80) != 0);
  } else {
    o.field("code", (e.exit_code >> 8) & 0xff);
  }
  o.field("group_dead", e.group_dead).end_line();
  out_.write(buf_);
}

void SyscallView::on_lost(uint64_t count, std::string_view where, uint64_t monotonic_ns) {
  buf_.clear();
  if (options_.json) {
    append_lost_json(buf_, clock_.epoch_ns(monotonic_ns), count, where);
  } else {
    // strace's own markers are "---" (signals) and "+++" (exits); a loss
    // gets its own so that no script mistakes it for either.
    fmt::format_to(std::back_inserter(buf_), "!!! socktrace: {} events lost ({}) !!!\n", count, where);
  }
  out_.write(buf_);
}

void SyscallView::finish() {
  if (options_.summary) out_.write(summary_.table());
}

}  // namespace socktrace
