#include "core/strace_format.h"

#include <string.h>
#include <time.h>

#include <climits>
#include <iterator>

#include <fmt/format.h>

#include "core/decode.h"
#include "core/errno_names.h"
#include "core/fd_annotation.h"
#include "core/strace_print.h"
#include "core/strace_printer.h"
#include "core/syscalls.h"

namespace socktrace {

namespace {

using strace::put_u;
using strace::put_d;

// Cached local-time "HH:MM:SS": localtime_r is far slower than formatting
// and the second rarely changes between two events.
struct LocalSecond {
  int64_t sec = INT64_MIN;
  char text[9] = {};
};

void put_timestamp(std::string& o, int mode, uint64_t epoch_ns) {
  int64_t sec = static_cast<int64_t>(epoch_ns / 1'000'000'000);
  uint64_t usec = epoch_ns % 1'000'000'000 / 1000;
  if (mode >= 3) {
    fmt::format_to(std::back_inserter(o), "{}.{:06} ", sec, usec);
    return;
  }
  thread_local LocalSecond cache;
  if (cache.sec != sec) {
    time_t t = static_cast<time_t>(sec);
    tm local{};
    localtime_r(&t, &local);
    fmt::format_to_n(cache.text, sizeof cache.text, "{:02}:{:02}:{:02}", local.tm_hour, local.tm_min,
                     local.tm_sec);
    cache.sec = sec;
  }
  o.append(cache.text, 8);
  if (mode == 2) fmt::format_to(std::back_inserter(o), ".{:06}", usec);
  o += ' ';
}

void put_leader(std::string& o, const Header& h, const StraceOptions& opt, const WallClock& clock) {
  if (opt.pid_prefix) fmt::format_to(std::back_inserter(o), "{:<5} ", h.tid);
  if (opt.timestamps > 0) put_timestamp(o, opt.timestamps, clock.epoch_ns(h.ts_ns));
}

}  // namespace

void format_syscall(const SyscallEvent& e, const StraceOptions& opt, const WallClock& clock,
                    std::string& out) {
  std::size_t line_start = out.size();
  put_leader(out, e.hdr, opt, clock);
  std::string_view name = known_syscall_name(e.nr);
  if (!name.empty())
    out += name;
  else
    fmt::format_to(std::back_inserter(out), "syscall_{}", e.nr);
  out += '(';
  thread_local std::string aux;
  std::string_view extra = strace::append_args(e, opt, out, aux);
  out += ')';
  // strace starts " = " at column 39 when the call is shorter (tabto()).
  constexpr std::size_t kRetColumn = 39;
  std::size_t col = out.size() - line_start;
  if (col < kRetColumn) out.append(kRetColumn - col, ' ');
  if (e.ret < 0 && e.ret >= -4095) {
    int err = static_cast<int>(-e.ret);
    switch (err) {
      case 512: out += " = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"; break;
      case 513: out += " = ? ERESTARTNOINTR (To be restarted)"; break;
      case 514: out += " = ? ERESTARTNOHAND (To be restarted if no handler)"; break;
      case 516: out += " = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"; break;
      default: {
        std::string_view err_name = errno_name(err);
        std::string_view msg = errno_message(err);
        out += " = -1 ";
        if (err_name.empty())
          put_u(out, static_cast<uint64_t>(err));
        else
          out += err_name;
        out += " (";
        if (msg.empty())
          fmt::format_to(std::back_inserter(out), "Unknown error {}", err);
        else
          out += msg;
        out += ')';
      }
    }
  } else {
    out += " = ";
    auto returned = opt.annotate_fds ? decode_fdinfo(e, 1) : std::nullopt;
    if (returned)
      append_annotated_fd(out, e.ret, &*returned);
    else
      put_d(out, e.ret);
    if (!extra.empty()) {
      out += " (";
      out += extra;
      out += ')';
    }
  }
  if (opt.durations)
    fmt::format_to(std::back_inserter(out), " <{}.{:06}>", e.dur_ns / 1'000'000'000,
                   e.dur_ns % 1'000'000'000 / 1000);
  out += '\n';
}

void format_exit(const ProcEvent& e, const StraceOptions& opt, const WallClock& clock, std::string& out) {
  put_leader(out, e.hdr, opt, clock);
  int sig = e.exit_code & 0x7f;
  if (sig == 0) {
    fmt::format_to(std::back_inserter(out), "+++ exited with {} +++\n", (e.exit_code >> 8) & 0xff);
    return;
  }
  out += "+++ killed by ";
  const char* abbrev = sig < 32 ? sigabbrev_np(sig) : nullptr;
  if (abbrev) {
    out += "SIG";
    out += abbrev;
  } else if (sig >= 32) {
    fmt::format_to(std::back_inserter(out), "SIGRT_{}", sig - 32);
  } else {
    put_u(out, static_cast<uint64_t>(sig));
  }
  if (e.exit_code & 0x80) out += " (core dumped)";
  out += " +++\n";
}

}  // namespace socktrace
