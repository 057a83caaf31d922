#include "app/run_states.h"

#include <fmt/format.h>

#include "app/session.h"
#include "app/signals.h"
#include "app/states_pipeline.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/output.h"

namespace socktrace {

// "TCP state transitions, UDP and unix stream sockets", as --proto leaves it.
static std::string traced_text(const Options& o) {
  bool udp = wants_proto(o, "udp"), unix_stream = wants_proto(o, "unix");
  std::string lives = udp && unix_stream ? "UDP and unix stream sockets"
                      : udp              ? "UDP sockets"
                      : unix_stream      ? "unix stream sockets"
                                         : "";
  if (!wants_proto(o, "tcp")) return lives;
  return lives.empty() ? "TCP state transitions" : "TCP state transitions, " + lives;
}

int run_states(const Options& o) {
  if (!o.metrics.empty() || o.log_syscalls || o.hist_interval > 0)
    throw UsageError("--metrics, --syscalls and --hist-interval belong to 'socktrace log'");
  ResolvedFilters filters = resolve_states_filters(o);
  Output out(o.output.file);
  // Transitions as lines, or (--timeline) one timeline per connection.
  StatesPipeline pipeline(o, filters, out, o.output.json, !o.timeline, o.timeline);

  TracerConfig config;
  config.ringbuf_bytes = o.buffer_size;
  pipeline.configure(config);
  Session session(
      config, [&](const Event& ev) { pipeline.on_event(ev); },
      [&](uint64_t count, const char* where) { pipeline.on_lost(count, where); });
  pipeline.attached(session.tracer());

  pipeline.header();
  out.flush();
  const char* scope = o.filters.pids.empty() && !filters.any() ? " host-wide" : "";
  fmt::print(stderr, "socktrace: tracing {}{}{}; Ctrl-C to stop\n", o.timeline ? "TCP connections" : traced_text(o),
             scope, filters.describe());

  while (!stop_requested() && out.ok()) {
    session.poll();
    pipeline.tick(monotonic_now_ns());
    out.flush();  // at most one write per poll: lines reach a pipe promptly
  }
  session.finish();
  pipeline.finish(monotonic_now_ns());
  out.flush();
  fmt::print(stderr, "socktrace: {}\n", session.summary());
  return kExitOk;
}

}  // namespace socktrace
