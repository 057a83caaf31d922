// The command line of the CLI contract (docs/design.md), parsed into plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace socktrace {

enum class Mode { kSyscalls, kStates, kTop, kLog, kCheck };

struct Filters {
  std::vector<int> pids;  // -p/--pid
  bool follow_forks = false;
  std::vector<std::string> cgroups;    // --cgroup PATH (repeatable)
  std::vector<std::string> container;  // --container ID (repeatable)
  std::vector<std::string> netns;      // --netns PATH|NAME|INODE (repeatable)
  std::string comm;                    // --comm NAME
  // Any filter beyond -p/-f (resolved by kernel/filters.h).
  bool scoped() const { return !cgroups.empty() || !container.empty() || !netns.empty() || !comm.empty(); }
  std::vector<int> ports;  // --port (top, check): local or remote port
};

struct OutputOptions {
  std::string file;  // -o; "" = stdout
  bool json = false;
  bool durations = false;   // -T
  int timestamps = 0;       // -t / -tt / -ttt
  int string_limit = 32;    // -s
  std::vector<std::string> trace;  // -e trace=...
  bool summary = false;     // -c
  bool decode_fds = false;  // -y
};

// The ring buffer's default size when the syscall trace follows given
// processes (-p, CMD) rather than the host.
inline constexpr uint64_t kTracedProcessesBufferSize = 8u << 20;
// `log` without --syscalls.
inline constexpr uint64_t kLogBufferSize = 8u << 20;

struct Options {
  Mode mode = Mode::kSyscalls;
  Filters filters;
  OutputOptions output;
  bool timeline = false;          // states --timeline
  double interval = 1.0;          // top --interval
  bool once = false;              // top --once
  std::string metrics;            // --metrics ADDR:PORT
  double reconcile = 30.0;        // top --reconcile SEC (0: never)
  double sample = -1;             // check --sample SEC (-1: 1 s when a rate is asked for, else none)
  std::string max_size;           // log --max-size
  int max_files = 0;              // log --max-files
  bool log_syscalls = false;      // log --syscalls
  int log_string_limit = 0;       // log -s: payload bytes of logged syscalls (none unless asked)
  double hist_interval = 0;       // log --hist-interval SEC (0: no hist objects)
  std::vector<std::string> warning;   // check --warning STATE=N
  std::vector<std::string> critical;  // check --critical STATE=N
  std::string group_by;               // top/check --by container|cgroup|netns|process
  std::string sort_state;             // top --sort STATE
  bool list = false;                  // top --list
  std::vector<std::string> list_states;  // top --list --state STATE
  std::string list_proto;             // top --list --proto tcp|udp
  std::vector<std::string> protos;    // states/log --proto tcp|udp|unix (empty: all three)
  bool perfdata_family = false;       // check --perfdata-family
  std::string host_root = "/";        // --host-root DIR: where the runtimes' state is read (container names)
  uint64_t buffer_size = 16u << 20;    // --buffer-size, ring buffer bytes (kTracedProcessesBufferSize for -p/CMD, kLogBufferSize for log)
  int verbosity = 0;
  std::vector<std::string> command;  // after --
};

// states/log: whether --proto leaves `proto` ("tcp", "udp", "unix") in.
bool wants_proto(const Options& o, std::string_view proto);

struct ParseResult {
  std::optional<Options> options;  // set when the caller should run
  int exit_code = 0;               // otherwise: exit with this
  std::string out;                 // text for stdout (--help, --version)
  std::string err;                 // one line for stderr
};

// Parses argv. Never exits and never prints: main decides.
ParseResult parse_cli(int argc, const char* const* argv);

// "8M" -> 8388608; K, M, G suffixes (powers of 1024). Nothing on bad input.
std::optional<uint64_t> parse_size(const std::string& text);

const char* mode_name(Mode m);

}  // namespace socktrace
