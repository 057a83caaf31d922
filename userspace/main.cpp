// socktrace: parse the command line, run one mode, map errors to exit codes.
#include <cstdio>

#include <fmt/format.h>

#include "app/check_family.h"
#include "app/run_log.h"
#include "app/run_states.h"
#include "app/run_top.h"
#include "app/run_syscalls.h"
#include "core/check.h"
#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"

int main(int argc, char** argv) {
  using namespace socktrace;
  ParseResult parsed = parse_cli(argc, argv);
  if (!parsed.options) {
    if (!parsed.out.empty()) fmt::print("{}", parsed.out);
    if (!parsed.err.empty()) fmt::print(stderr, "{}\n", parsed.err);
    return parsed.exit_code;
  }
  const Options& o = *parsed.options;
  setup_logging(o.verbosity);
  // check speaks the monitoring-plugin convention: UNKNOWN for every failure.
  int usage_exit = o.mode == Mode::kCheck ? kCheckUnknown : kExitUsage;
  try {
    switch (o.mode) {
      case Mode::kStates: return run_states(o);
      case Mode::kLog: return run_log(o);
      case Mode::kSyscalls: return run_syscalls(o);
      case Mode::kTop: return run_top(o);
      case Mode::kCheck: return o.perfdata_family ? run_check_by_family(o) : run_check(o);
    }
    return kExitRuntime;  // every Mode is handled above
  } catch (const UsageError& e) {
    fmt::print(stderr, "socktrace: {}\n", e.what());
    return usage_exit;
  } catch (const std::exception& e) {
    fmt::print(stderr, "socktrace: {}\n", e.what());
    return o.mode == Mode::kCheck ? kCheckUnknown : kExitRuntime;
  }
}
