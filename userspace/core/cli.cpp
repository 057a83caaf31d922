#include "core/cli.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "core/check.h"
#include "core/error.h"

namespace socktrace {

namespace {

// `live`: top and check, which count sockets: -f only to reject it with a
// usage error naming what they do take (not in --help).
void add_filters(CLI::App* app, Filters& f, bool live = false) {
  const char* process_group = live ? "" : "Filters";
  app->add_option("-p,--pid", f.pids, "Trace only these processes (all their threads): PID[,PID...]")
      ->delimiter(',')
      ->allow_extra_args(false)  // `-p 7 -- cmd -p 5`: the -- ends the list
      ->check(CLI::Range(1, std::numeric_limits<int>::max()))
      ->type_name("PID")
      ->group("Filters");
  app->add_flag("-f,--follow-forks", f.follow_forks, "Also trace children forked by traced processes")
      ->group(process_group);
  app->add_option("--cgroup", f.cgroups,
                  live ? "Count the sockets created in this cgroup v2 directory or below, in the network namespaces "
                         "its processes live in (repeatable)"
                       : "Only processes (syscalls) / sockets (states) in this cgroup v2 directory or below "
                         "(repeatable)")
      ->allow_extra_args(false)
      ->type_name("PATH")
      ->group("Filters");
  app->add_option("--container", f.container,
                  "Only this container: Docker, containerd/CRI, CRI-O or Podman id, whole or a unique prefix "
                  "(repeatable)")
      ->allow_extra_args(false)
      ->type_name("ID")
      ->group("Filters");
  app->add_option("--netns", f.netns,
                  live ? "Count the sockets of this network namespace (as 'ip netns exec NS ss -tan' lists them): "
                         "/run/netns/NAME, /proc/PID/ns/net, an 'ip netns' name or the inode (repeatable)"
                       : "Only this network namespace: /run/netns/NAME, /proc/PID/ns/net, an 'ip netns' name or the "
                         "inode (repeatable)")
      ->allow_extra_args(false)
      ->type_name("NS")
      ->group("Filters");
  app->add_option("--comm", f.comm, "Only processes with this command name (at most 15 bytes, as in /proc/PID/comm)")
      ->type_name("NAME")
      ->group("Filters");
}

void add_port_filter(CLI::App* app, Filters& f) {
  app->add_option("--port", f.ports, "Only sockets with this local or remote port: PORT[,PORT...]")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(CLI::Range(1, 65535))
      ->type_name("PORT")
      ->group("Filters");
}

// Container and pod names come from the runtimes' state on disk; a
// DaemonSet mounts the node's directories under DIR.
void add_host_root(CLI::App* app, Options& o) {
  app->add_option("--host-root", o.host_root,
                  "Read the container runtimes' state (for container and pod names) under DIR: /var/log/pods, "
                  "/var/log/containers, /var/lib/docker/containers, /var/lib/containers/storage (default /)")
      ->check(CLI::ExistingDirectory.description(""))  // "DIR", not "DIR:DIR", in --help
      ->type_name("DIR");
}

void add_common(CLI::App* app, Options& o) {
  app->add_flag("-v,--verbose", o.verbosity, "More diagnostics on stderr (repeat for libbpf debug output)");
}

void add_output_file(CLI::App* app, Options& o) {
  app->add_option("-o,--output", o.output.file, "Write the trace to FILE instead of stdout")
      ->type_name("FILE")
      ->group("Output");
}

void add_trace_output(CLI::App* app, Options& o) {
  add_output_file(app, o);
  app->add_flag("--json", o.output.json, "One JSON object per line (schema in README)")->group("Output");
  app->add_flag("-T", o.output.durations, "Show the time spent in each syscall")->group("Output");
  app->add_flag("-t", o.output.timestamps, "Prefix lines with the time of day (-tt: with microseconds, -ttt: epoch)")
      ->group("Output");
  app->add_option("-s,--string-limit", o.output.string_limit, "Capture at most N bytes of each buffer (0: none)")
      ->check(CLI::Range(0, 4096))
      ->type_name("N")
      ->group("Output");
  app->add_option("-e,--trace", o.output.trace, "Syscalls to trace, strace syntax: trace=connect,accept4 or %network")
      ->allow_extra_args(false)
      ->type_name("LIST")
      ->group("Output");
  app->add_flag("-y,--decode-fds", o.output.decode_fds,
                "Show the socket or file behind each fd: 3<TCP:[127.0.0.1:40000->127.0.0.1:5000]>, 5</srv/index.html> "
                "(strace -yy style)")
      ->group("Output");
  app->add_flag("-c,--summary", o.output.summary, "Print a count/time/error table of syscalls at exit")->group("Output");
}

void add_buffer_size(CLI::App* app, std::string& text) {
  app->add_option("--buffer-size", text, "Ring buffer size (K/M/G suffix, power of two; default 16M, 8M when tracing -p PID or a command and for log without --syscalls)")
      ->type_name("SIZE");
}

// One line, whatever CLI11 says: "socktrace: <what>; see 'socktrace --help'".
std::string one_line(const CLI::Error& e, const CLI::App& app) {
  std::string msg = e.what();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  for (auto& c : msg)
    if (c == '\n') c = ' ';
  std::string cmd = app.get_parent() ? "socktrace " + app.get_name() : "socktrace";
  return fmt::format("socktrace: {} (see '{} --help')", msg, cmd);
}

}  // namespace

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kSyscalls: return "syscalls";
    case Mode::kStates: return "states";
    case Mode::kTop: return "top";
    case Mode::kLog: return "log";
    case Mode::kCheck: return "check";
  }
  return "?";
}

std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    // stoull would skip blanks and accept a sign ("-1" -> 2^64-1).
    if (!std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string suffix = text.substr(used);
  uint64_t mult = 1;
  if (suffix == "K" || suffix == "k" || suffix == "KiB")
    mult = 1ull << 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB")
    mult = 1ull << 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB")
    mult = 1ull << 30;
  else if (!suffix.empty())
    return std::nullopt;
  if (value > (UINT64_MAX / mult)) return std::nullopt;
  return value * mult;
}

// states/log --proto: which protocols' events to show. TCP alone reads no
// syscall (UDP and unix lives do: by fexit programs where the kernel allows
// them, else by syscall tracepoints, which slow every syscall of the host).
static void add_proto(CLI::App* app, Options& o) {
  app->add_option("--proto", o.protos,
                  "Only this protocol's events: tcp, udp or unix (repeatable; default all three). tcp alone reads "
                  "no syscall (on a kernel without fexit programs, UDP and unix lives need syscall tracepoints, "
                  "which slow every syscall on the host)")
      ->check(CLI::IsMember({"tcp", "udp", "unix"}))
      ->allow_extra_args(false)
      ->type_name("PROTO");
}

bool wants_proto(const Options& o, std::string_view proto) {
  return o.protos.empty() || std::find(o.protos.begin(), o.protos.end(), proto) != o.protos.end();
}

ParseResult parse_cli(int argc, const char* const* argv) {
  Options o;
  std::string buffer_size;
  CLI::App app{"socktrace: trace what a Linux host's sockets do, with eBPF, without ptrace.\n"
               "  socktrace [FILTERS] [OUTPUT] [-- COMMAND [ARGS...]]   strace-like syscall trace\n"
               "  socktrace states [FILTERS] [OUTPUT] [--timeline]       TCP state transitions\n"
               "  socktrace top    [-p PID] [--comm NAME] [--netns NS] [--cgroup PATH] [--container ID] [--port PORT]\n"
               "                   [--by KEY [--sort STATE] | --list [--state STATE]... [--proto P]] [--host-root DIR]\n"
               "                   [--interval SEC] [--once] [--json]\n"
               "  socktrace log    [FILTERS] -o FILE [--max-size SIZE] [--max-files N] [--metrics ADDR:PORT]\n"
               "  socktrace check  [-p PID] [--comm NAME] [--netns NS] [--cgroup PATH] [--container ID] [--port PORT]\n"
               "                   [--warning STATE=N]... "
               "[--critical STATE=N]...",
               "socktrace"};
  app.set_version_flag("--version", std::string("socktrace ") + SOCKTRACE_VERSION);
  app.footer("Exit codes: 0 success, 1 runtime failure, 2 bad usage or input (check: 0/1/2/3).");
  add_filters(&app, o.filters);
  add_trace_output(&app, o);
  add_buffer_size(&app, buffer_size);
  add_host_root(&app, o);
  add_common(&app, o);
  app.add_option("command", o.command, "Command to run and trace (after --)")->type_name("COMMAND");

  auto* states = app.add_subcommand("states", "TCP state transitions and per-connection timelines");
  add_filters(states, o.filters);
  add_output_file(states, o);
  states->add_flag("--json", o.output.json, "One JSON object per line (schema in README)")->group("Output");
  states->add_flag("--timeline", o.timeline, "Print each connection's whole path when it finishes");
  add_proto(states, o);
  add_buffer_size(states, buffer_size);
  add_host_root(states, o);
  add_common(states, o);

  auto* top = app.add_subcommand("top", "Live TCP/UDP state histogram that agrees with ss");
  add_filters(top, o.filters, true);
  top->add_option("--interval", o.interval, "Refresh every SEC seconds")->check(CLI::Range(0.001, 86400.0));
  top->add_flag("--once", o.once, "Print one snapshot and exit");
  top->add_flag("--json", o.output.json, "One JSON hist object per refresh");
  add_output_file(top, o);
  top->add_option("--metrics", o.metrics, "Serve Prometheus metrics on ADDR:PORT (default address 127.0.0.1)")
      ->type_name("ADDR:PORT");
  top->add_option("--reconcile", o.reconcile, "Reconcile with sock_diag every SEC seconds, counting drift (0: never)")
      ->check(CLI::Range(0.0, 86400.0))
      ->type_name("SEC");
  top->add_option("--by", o.group_by,
                  "One row per container, cgroup, network namespace or process, with its state counts (every "
                  "namespace's sockets unless --netns or --cgroup narrows them)")
      ->check(CLI::IsMember({"container", "cgroup", "netns", "process"}))
      ->type_name("KEY");
  top->add_option("--sort", o.sort_state, "With --by: rows by their count in this TCP state (default: all TCP sockets)")
      ->type_name("STATE");
  top->add_flag("--list", o.list,
                "One row per socket as ss -tuanp lists it, with how long it has been in its state, its bytes and "
                "its earlier owners");
  top->add_option("--state", o.list_states, "With --list: only sockets in this state (as ss or socktrace names it)")
      ->allow_extra_args(false)
      ->type_name("STATE");
  top->add_option("--proto", o.list_proto, "With --list: only tcp or udp sockets")
      ->check(CLI::IsMember({"tcp", "udp"}))
      ->type_name("PROTO");
  add_port_filter(top, o.filters);
  add_buffer_size(top, buffer_size);
  add_host_root(top, o);
  add_common(top, o);

  auto* log = app.add_subcommand("log", "Log every transition and finished connection to a file, with rotation");
  add_filters(log, o.filters);
  add_output_file(log, o);
  log->add_option("--max-size", o.max_size, "Rotate when the file reaches SIZE (K/M/G)")->type_name("SIZE");
  log->add_option("--max-files", o.max_files, "Keep N rotated files")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  log->add_option("--metrics", o.metrics, "Serve Prometheus metrics on ADDR:PORT (default address 127.0.0.1)")
      ->type_name("ADDR:PORT");
  log->add_flag("--syscalls", o.log_syscalls, "Also log every network syscall as a JSON syscall object");
  log->add_option("-s,--string-limit", o.log_string_limit,
                  "With --syscalls: capture at most N bytes of each buffer (default 0: no payload)")
      ->check(CLI::Range(0, 4096));
  add_proto(log, o);
  log->add_option("--hist-interval", o.hist_interval, "Write a hist object (sockets per state, as ss) every SEC seconds")
      ->check(CLI::Range(0.1, 86400.0))
      ->type_name("SEC");
  add_buffer_size(log, buffer_size);
  add_host_root(log, o);
  add_common(log, o);

  auto* check = app.add_subcommand("check", "Monitoring-plugin check on state counts (exit 0/1/2/3)");
  add_filters(check, o.filters, true);
  check->add_option("--warning", o.warning,
                    "WARNING when more than N sockets are in STATE (STATE=N/s: entered it per second; "
                    "STATE:age=SEC: its oldest socket has been in it longer; new=N/s; total=N; udp:STATE=N; "
                    "retrans=N/s, rst=N/s, connect_failed=N/s, listen_overflow=N/s)")
      ->allow_extra_args(false)
      ->type_name("STATE=N");
  check->add_option("--critical", o.critical, "CRITICAL when more than N (same forms as --warning)")
      ->allow_extra_args(false)
      ->type_name("STATE=N");
  check->add_option("--sample", o.sample, "Measure rates over SEC seconds (default 1 when a rate is given)")
      ->check(CLI::Range(0.01, 3600.0))
      ->type_name("SEC");
  check->add_flag("--perfdata-family", o.perfdata_family,
                  "Perfdata per family as Linuxfabrik's network-connections: tcp_STATE (IPv4), tcp6_STATE, udp_STATE, "
                  "udp6_STATE (rates unsplit)");
  check->add_option("--by", o.group_by,
                    "Thresholds per container, cgroup, network namespace or process: any over one trips it, and the "
                    "status line names which")
      ->check(CLI::IsMember({"container", "cgroup", "netns", "process"}))
      ->type_name("KEY");
  add_port_filter(check, o.filters);
  add_host_root(check, o);
  add_common(check, o);

  ParseResult r;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    r.exit_code = kExitOk;
    r.out = app.help();
    for (auto* sub : app.get_subcommands())
      if (sub->parsed()) r.out = sub->help();
    return r;
  } catch (const CLI::CallForVersion& e) {
    r.exit_code = kExitOk;
    r.out = std::string(e.what()) + "\n";
    return r;
  } catch (const CLI::ParseError& e) {
    const CLI::App* where = &app;
    for (auto* sub : app.get_subcommands())
      if (sub->parsed()) where = sub;
    r.exit_code = where == check ? kCheckUnknown : kExitUsage;
    r.err = one_line(e, *where);
    return r;
  }

  if (states->parsed()) o.mode = Mode::kStates;
  if (top->parsed()) o.mode = Mode::kTop;
  if (log->parsed()) o.mode = Mode::kLog;
  if (check->parsed()) o.mode = Mode::kCheck;

  if (!buffer_size.empty()) {
    auto size = parse_size(buffer_size);
    if (!size || *size < 4096 || (*size & (*size - 1)) != 0 || *size > (1ull << 30)) {
      r.exit_code = kExitUsage;
      r.err = fmt::format("socktrace: bad --buffer-size '{}': give a power of two between 4K and 1G, e.g. 16M",
                          buffer_size);
      return r;
    }
    o.buffer_size = *size;
  } else if (o.mode == Mode::kSyscalls && (!o.filters.pids.empty() || !o.command.empty())) {
    // A few processes rather than the host: half the ring; 8 MiB still
    // holds ~100 ms of a ping-pong's 400 000 events/s.
    o.buffer_size = kTracedProcessesBufferSize;
  } else if (o.mode == Mode::kLog && !o.log_syscalls) {
    // A service that runs for months, its memory watched: half the ring.
    // The fastest churn this host makes (275 000 transitions/s, a million
    // connections) lost nothing with it; --buffer-size raises it.
    o.buffer_size = kLogBufferSize;
  }
  if (o.mode == Mode::kStates && o.timeline && !wants_proto(o, "tcp")) {
    r.exit_code = kExitUsage;
    r.err = "socktrace: --timeline shows TCP connections only: drop --timeline to see UDP or unix sockets' lives";
    return r;
  }
  if (o.mode != Mode::kSyscalls && !o.command.empty()) {
    r.exit_code = o.mode == Mode::kCheck ? kCheckUnknown : kExitUsage;
    r.err = fmt::format("socktrace: '{}' takes no command to run; use -p PID or another filter", mode_name(o.mode));
    return r;
  }
  r.options = std::move(o);
  return r;
}

}  // namespace socktrace
