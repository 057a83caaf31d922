// libFuzzer target over the decoders and every view that consumes their
// output. The input is what the ring buffer hands the reader: one sample, or
// several concatenated (each `st_header.size` bytes long; the last takes what
// is left), so a seed can be a real run's whole sequence of events and the
// timelines get assembled from it.
//
// Besides crashes and sanitizer reports, it checks what a user or a script
// relies on: every text output is whole lines without stray control bytes
// breaking them, and every JSON line is one valid JSON object.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/decode.h"
#include "core/output.h"
#include "core/states_view.h"
#include "core/strace_format.h"
#include "core/syscall_json.h"
#include "core/syscall_summary.h"
#include "core/syscall_view.h"
#include "core/timeline_view.h"
#include "core/timewait.h"
#include "socktrace/events.h"
#include "../support/json_line.h"

namespace {

using namespace socktrace;

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "decode_fuzz: %s: [%.*s]\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

void check_json_object(std::string_view obj, const char* what) {
  if (!testing::is_json_object_line(obj)) fail(what, obj);
}

// Whole lines: newline-terminated, no other control byte than a tab (a
// payload's own newlines and escapes must have been escaped).
void check_text_lines(std::string_view text, const char* what) {
  if (!text.empty() && text.back() != '\n') fail(what, text);
  for (char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7f) fail(what, text);
}

void check_json_lines(std::string_view text, const char* what) {
  if (!text.empty() && text.back() != '\n') fail(what, text);
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    check_json_object(text.substr(0, nl), what);
    text.remove_prefix(nl + 1);
  }
}

// A scratch file the Output-based views write to, read back after each run.
class Scratch {
 public:
  Scratch() {
    char tmpl[] = "/tmp/socktrace-fuzz-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) std::abort();
    close(fd);
    path_ = tmpl;
  }
  ~Scratch() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::string read() const {
    std::string out;
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    char buf[65536];
    ssize_t n;
    while (fd >= 0 && (n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
    if (fd >= 0) close(fd);
    return out;
  }

 private:
  std::string path_;
};

// strace's own options that change the text: every combination of -T, -y,
// the pid prefix and -t/-tt/-ttt (32), each with one of the string limits.
// `only`: just that combination (for the events after the first few of a
// long input, to keep the fuzzer fast).
void format_strace_all(const SyscallEvent& e, const WallClock& clock, int only = -1) {
  static constexpr int kLimits[] = {0, 1, 32, 4096};
  std::string line;
  int combo = 0;
  for (int ts = 0; ts <= 3; ++ts)
    for (int durations = 0; durations <= 1; ++durations)
      for (int prefix = 0; prefix <= 1; ++prefix)
        for (int fds = 0; fds <= 1; ++fds) {
          if (only >= 0 && combo != only) {
            ++combo;
            continue;
          }
          StraceOptions opt;
          opt.timestamps = ts;
          opt.durations = durations;
          opt.pid_prefix = prefix;
          opt.annotate_fds = fds;
          opt.string_limit = kLimits[combo++ % 4];
          line.clear();
          format_syscall(e, opt, clock, line);
          if (line.empty() || line.find('\n') != line.size() - 1) fail("strace line", line);
          check_text_lines(line, "strace line");
        }
  for (int limit : kLimits) {
    fmt::memory_buffer args;
    append_syscall_args_json(e, limit, args);
    check_json_object(fmt::to_string(args), "syscall args json");
  }
}

void format_exit_all(const ProcEvent& e, const WallClock& clock) {
  std::string line;
  for (int ts = 0; ts <= 3; ++ts)
    for (int prefix = 0; prefix <= 1; ++prefix) {
      StraceOptions opt;
      opt.timestamps = ts;
      opt.pid_prefix = prefix;
      line.clear();
      format_exit(e, opt, clock, line);
      check_text_lines(line, "exit line");
    }
}

std::vector<Event> decode_all(const uint8_t* data, std::size_t size) {
  std::vector<Event> events;
  std::size_t off = 0;
  while (off < size) {
    std::size_t len = size - off;
    if (len >= sizeof(st_header)) {
      st_header h;
      std::memcpy(&h, data + off, sizeof(h));
      if (h.size >= sizeof(st_header) && h.size <= len) len = h.size;
    }
    // An exactly sized copy: ASan sees any read past the sample.
    std::vector<std::byte> sample(len);
    std::memcpy(sample.data(), data + off, len);
    DecodeError why{};
    if (auto e = decode(sample, &why)) events.push_back(std::move(*e));
    off += len;
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Scratch scratch;
  // Far from zero, so that the wall clock can be both before and after any
  // monotonic time an input carries.
  const WallClock clock(1'700'000'000'000'000'000);
  std::vector<Event> events = decode_all(data, size);
  if (events.empty()) return 0;

  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& ev = events[i];
    if (const auto* s = std::get_if<SyscallEvent>(&ev)) {
      format_strace_all(*s, clock, i < 8 ? -1 : static_cast<int>(i % 32));
      for (uint8_t which = 0; which < 4; ++which) (void)decode_fdinfo(*s, which);
    } else if (const auto* p = std::get_if<ProcEvent>(&ev)) {
      format_exit_all(*p, clock);
    }
  }

  // The views as the modes drive them, text and JSON.
  for (int json = 0; json <= 1; ++json) {
    {
      Output out(scratch.path());
      SyscallViewOptions vo;
      vo.json = json;
      vo.strace.durations = true;
      vo.strace.timestamps = 2;
      vo.strace.annotate_fds = true;
      SyscallView view(out, vo, clock);
      SyscallViewOptions so = vo;
      so.summary = true;
      SyscallView summary(out, so, clock);
      for (const Event& ev : events) {
        if (const auto* s = std::get_if<SyscallEvent>(&ev)) {
          view.on_syscall(*s);
          summary.on_syscall(*s);
        } else if (const auto* p = std::get_if<ProcEvent>(&ev)) {
          view.on_proc(*p);
        }
      }
      view.on_lost(3, "ringbuf", 0);
      view.finish();
      if (json) {
        out.flush();
        check_json_lines(scratch.read(), "syscall view json");
      }
      summary.finish();
    }
    if (!json) check_text_lines(scratch.read(), "syscall view text / summary");

    {
      Output out(scratch.path());
      StatesView states(out, json, clock);
      TimelineView timeline(out, json, clock);
      states.set_rst_reasons({"NOT_SPECIFIED", "", "TCP_STATE"});
      timeline.set_rst_reasons({"NOT_SPECIFIED", "", "TCP_STATE"});
      states.set_drop_reasons({"NOT_SPECIFIED", "", "TCP_CSUM"});
      states.header();
      timeline.header();
      // TIME_WAIT derivation with a lookup the input decides (its cookie's
      // low bits), feeding both views as run_states does.
      uint64_t now = 0;
      TimewaitTracker tw(
          [](const StateEvent& e) {
            TwLookup r;
            r.result = static_cast<TwLookup::Result>(e.cookie % 3);
            r.timewait = (e.cookie >> 2) & 1;
            r.state = static_cast<uint8_t>(e.cookie >> 8);
            r.expires_ms = static_cast<uint32_t>(e.cookie >> 16);
            return r;
          },
          [&](const StateEvent& e, bool derived) {
            states.on_state(e, derived);
            timeline.on_state(e, derived);
          });
      for (const Event& ev : events) {
        if (const auto* s = std::get_if<StateEvent>(&ev)) {
          now = s->hdr.ts_ns;
          tw.on_state(*s, now);
          tw.tick(now);
          // The same transition straight to the views, as without tracking.
          states.on_state(*s, false);
          timeline.on_state(*s, s->hdr.flags & ST_HF_RESET);
        } else if (const auto* r = std::get_if<RetransEvent>(&ev)) {
          states.on_retrans(*r);
          timeline.on_retrans(*r);
        } else if (const auto* rst = std::get_if<ResetEvent>(&ev)) {
          states.on_reset(*rst);  // a reason beyond the table, or in one of its holes
          timeline.on_reset(*rst);
        } else if (const auto* d = std::get_if<DropEvent>(&ev)) {
          states.on_drop(*d);  // any reason value: named or its number
        } else if (const auto* k = std::get_if<SockEvent>(&ev)) {
          states.on_sock(*k);  // UDP / unix lives: unix names are hostile bytes
        }
      }
      states.on_lost(1, "recursion", now);
      timeline.on_lost(1, "recursion", now);
      tw.tick(now + 120'000'000'000ull);
      tw.finish(now + 240'000'000'000ull);
      timeline.close_vanished([](uint64_t cookie, uint32_t) { return cookie & 1; }, now + 1);
      timeline.flush(now + 2);
      out.flush();
      std::string text = scratch.read();
      if (json) {
        check_json_lines(text, "states/timeline json");
      } else {
        check_text_lines(text, "states/timeline text");
      }
    }
  }
  return 0;
}
