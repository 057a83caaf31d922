// The command line: parse_cli() results and exit codes, and parse_size().

#include "core/cli.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

ParseResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "socktrace");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parse_cli(static_cast<int>(args.size()), argv.data());
}

// A usage error as the user sees it: no options, one line on stderr.
void expect_usage_error(const ParseResult& r, int exit_code) {
  EXPECT_FALSE(r.options.has_value());
  EXPECT_EQ(r.exit_code, exit_code);
  EXPECT_EQ(r.err.rfind("socktrace:", 0), 0u) << r.err;
  EXPECT_EQ(r.err.find('\n'), std::string::npos) << r.err;
  EXPECT_GT(r.err.size(), std::string("socktrace: ").size()) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(ParseCli, NoArgumentsIsTheSyscallTraceWithDefaults) {
  auto r = parse({});
  ASSERT_TRUE(r.options.has_value()) << r.err;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  const Options& o = *r.options;
  EXPECT_EQ(o.mode, Mode::kSyscalls);
  EXPECT_TRUE(o.filters.pids.empty());
  EXPECT_EQ(o.output.file, "");
  EXPECT_FALSE(o.output.json);
  EXPECT_EQ(o.output.timestamps, 0);
  EXPECT_EQ(o.output.string_limit, 32);
  EXPECT_EQ(o.buffer_size, 16u << 20);
  EXPECT_TRUE(o.command.empty());
}

TEST(ParseCli, StatesWithJsonPidsAndFile) {
  auto r = parse({"states", "--json", "-p", "1,2", "-o", "f"});
  ASSERT_TRUE(r.options.has_value()) << r.err;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.options->mode, Mode::kStates);
  EXPECT_EQ(r.options->filters.pids, (std::vector<int>{1, 2}));
  EXPECT_TRUE(r.options->output.json);
  EXPECT_EQ(r.options->output.file, "f");
}

TEST(ParseCli, RepeatedPidOptionsAccumulate) {
  auto r = parse({"states", "-p", "1", "--pid", "3,4"});
  ASSERT_TRUE(r.options.has_value()) << r.err;
  EXPECT_EQ(r.options->filters.pids, (std::vector<int>{1, 3, 4}));
}

TEST(ParseCli, OtherModes) {
  auto top = parse({"top", "--once", "--json", "--interval", "2.5"});
  ASSERT_TRUE(top.options.has_value()) << top.err;
  EXPECT_EQ(top.options->mode, Mode::kTop);
  EXPECT_TRUE(top.options->once);
  EXPECT_TRUE(top.options->output.json);
  EXPECT_DOUBLE_EQ(top.options->interval, 2.5);

  auto log = parse({"log", "-o", "/var/log/x.jsonl", "--max-size", "10M", "--max-files", "3"});
  ASSERT_TRUE(log.options.has_value()) << log.err;
  EXPECT_EQ(log.options->mode, Mode::kLog);
  EXPECT_EQ(log.options->output.file, "/var/log/x.jsonl");
  EXPECT_EQ(log.options->max_size, "10M");
  EXPECT_EQ(log.options->max_files, 3);

  auto check = parse({"check", "--warning", "TIME-WAIT=100", "--critical", "TIME-WAIT=1000"});
  ASSERT_TRUE(check.options.has_value()) << check.err;
  EXPECT_EQ(check.options->mode, Mode::kCheck);
  EXPECT_EQ(check.options->warning, (std::vector<std::string>{"TIME-WAIT=100"}));
  EXPECT_EQ(check.options->critical, (std::vector<std::string>{"TIME-WAIT=1000"}));
}

TEST(ParseCli, BadPidIsOneLineUsageError) {
  expect_usage_error(parse({"-p", "abc"}), 2);
  expect_usage_error(parse({"states", "-p", "abc"}), 2);
  expect_usage_error(parse({"states", "-p", "0"}), 2);
  expect_usage_error(parse({"states", "-p", "-5"}), 2);
}

// CLI::PositiveNumber's message prints its range as 0.000000 to DBL_MAX in
// full (300 digits), and calls 0 out of the range 0..max. See the report.
// Enable once fixed.
TEST(ParseCli, BadPidMessageIsReadable) {
  for (const char* bad : {"abc", "0"}) {
    auto r = parse({"-p", bad});
    SCOPED_TRACE(bad);
    EXPECT_NE(r.err.find("--pid"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("179769313486"), std::string::npos) << r.err;
    EXPECT_LT(r.err.size(), 120u) << r.err;
  }
}

TEST(ParseCli, UnknownOptionIsUsageError) {
  expect_usage_error(parse({"--bogus"}), 2);
  expect_usage_error(parse({"states", "--bogus"}), 2);
  // top has no --timeline.
  expect_usage_error(parse({"top", "--timeline"}), 2);
}

TEST(ParseCli, TopAndCheckOptions) {
  auto r = parse({"top", "--buffer-size", "32M", "--port", "80,443", "--reconcile", "5", "--interval", "0.5"});
  ASSERT_TRUE(r.options) << r.err;
  EXPECT_EQ(r.options->mode, Mode::kTop);
  EXPECT_EQ(r.options->buffer_size, 32u << 20);
  EXPECT_EQ(r.options->filters.ports, (std::vector<int>{80, 443}));
  EXPECT_EQ(r.options->reconcile, 5.0);
  EXPECT_EQ(r.options->interval, 0.5);
  r = parse({"check", "--sample", "2", "--warning", "new=10/s", "--critical", "CLOSE_WAIT=5"});
  ASSERT_TRUE(r.options) << r.err;
  EXPECT_EQ(r.options->sample, 2.0);
  expect_usage_error(parse({"top", "--port", "0"}), 2);
  expect_usage_error(parse({"top", "--reconcile", "-1"}), 2);
  expect_usage_error(parse({"check", "--sample", "0"}), 3);
}

TEST(ParseCli, CheckUsageErrorsExitThree) {
  // Monitoring plugins: 3 is UNKNOWN.
  auto r = parse({"check", "--bogus"});
  expect_usage_error(r, 3);
  EXPECT_NE(r.err.find("socktrace check --help"), std::string::npos) << r.err;
}

TEST(ParseCli, UsageErrorPointsAtTheRightHelp) {
  auto r = parse({"states", "--bogus"});
  EXPECT_NE(r.err.find("(see 'socktrace states --help')"), std::string::npos) << r.err;
  auto top = parse({"--bogus"});
  EXPECT_NE(top.err.find("(see 'socktrace --help')"), std::string::npos) << top.err;
}

TEST(ParseCli, HelpListsTheModes) {
  auto r = parse({"--help"});
  EXPECT_FALSE(r.options.has_value());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  for (const char* word : {"states", "top", "log", "check"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  EXPECT_NE(r.out.find("--buffer-size"), std::string::npos);
}

TEST(ParseCli, SubcommandHelpIsItsOwn) {
  auto r = parse({"states", "--help"});
  EXPECT_FALSE(r.options.has_value());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--timeline"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("--max-files"), std::string::npos) << r.out;
}

TEST(ParseCli, Version) {
  auto r = parse({"--version"});
  EXPECT_FALSE(r.options.has_value());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("socktrace ") + SOCKTRACE_VERSION + "\n");
}

TEST(ParseCli, BufferSizeMustBeAPowerOfTwoInRange) {
  for (const char* bad : {"3M", "2K", "2G", "0", "abc", "16X", "-16M"}) {
    auto r = parse({"--buffer-size", bad});
    SCOPED_TRACE(bad);
    expect_usage_error(r, 2);
    EXPECT_NE(r.err.find("--buffer-size"), std::string::npos) << r.err;
  }
  auto r = parse({"--buffer-size", "3M"});
  EXPECT_EQ(r.err,
            "socktrace: bad --buffer-size '3M': give a power of two between 4K and 1G, e.g. 16M");
}

TEST(ParseCli, BufferSizeDefaultsToHalfForGivenProcesses) {
  EXPECT_EQ(parse({"-p", "1"}).options->buffer_size, kTracedProcessesBufferSize);
  EXPECT_EQ(parse({"--", "true"}).options->buffer_size, kTracedProcessesBufferSize);
  EXPECT_EQ(parse({"log", "-o", "/tmp/x.json"}).options->buffer_size, kLogBufferSize);
  EXPECT_EQ(parse({"log", "--syscalls", "-o", "/tmp/x.json"}).options->buffer_size, 16u << 20);
  EXPECT_EQ(parse({"log", "--buffer-size", "32M", "-o", "/tmp/x.json"}).options->buffer_size, 32u << 20);
  EXPECT_EQ(parse({"--buffer-size", "64M", "--", "true"}).options->buffer_size, 64u << 20);
  EXPECT_EQ(parse({"states", "-p", "1"}).options->buffer_size, 16u << 20);
}

TEST(ParseCli, BufferSizeAccepted) {
  auto r = parse({"--buffer-size", "16M"});
  ASSERT_TRUE(r.options.has_value()) << r.err;
  EXPECT_EQ(r.options->buffer_size, 16777216u);

  auto states = parse({"states", "--buffer-size", "4K"});
  ASSERT_TRUE(states.options.has_value()) << states.err;
  EXPECT_EQ(states.options->buffer_size, 4096u);

  auto log = parse({"log", "-o", "x", "--buffer-size", "1G"});
  ASSERT_TRUE(log.options.has_value()) << log.err;
  EXPECT_EQ(log.options->buffer_size, 1073741824u);
}

// states/log --proto: repeatable, tcp/udp/unix, all three when absent;
// --timeline shows TCP only.
TEST(ParseCli, ProtoNarrowsStatesAndLog) {
  auto all = parse({"states"});
  ASSERT_TRUE(all.options.has_value()) << all.err;
  for (const char* p : {"tcp", "udp", "unix"}) EXPECT_TRUE(wants_proto(*all.options, p)) << p;

  auto two = parse({"states", "--proto", "tcp", "--proto", "unix"});
  ASSERT_TRUE(two.options.has_value()) << two.err;
  EXPECT_TRUE(wants_proto(*two.options, "tcp"));
  EXPECT_FALSE(wants_proto(*two.options, "udp"));
  EXPECT_TRUE(wants_proto(*two.options, "unix"));

  auto log = parse({"log", "-o", "x", "--proto", "udp"});
  ASSERT_TRUE(log.options.has_value()) << log.err;
  EXPECT_FALSE(wants_proto(*log.options, "tcp"));
  EXPECT_TRUE(wants_proto(*log.options, "udp"));

  auto timeline = parse({"states", "--timeline", "--proto", "tcp"});
  EXPECT_TRUE(timeline.options.has_value()) << timeline.err;
  expect_usage_error(parse({"states", "--proto", "sctp"}), 2);
  expect_usage_error(parse({"states", "--timeline", "--proto", "udp"}), 2);
  expect_usage_error(parse({"check", "--proto", "tcp"}), 3);
}

TEST(ParseCli, ModesOtherThanSyscallsTakeNoCommand) {
  expect_usage_error(parse({"states", "--", "ls"}), 2);
  expect_usage_error(parse({"top", "--", "ls"}), 2);
  expect_usage_error(parse({"check", "--", "ls"}), 3);
}

TEST(ParseCli, CommandAfterDoubleDash) {
  auto r = parse({"--", "echo", "hi"});
  ASSERT_TRUE(r.options.has_value()) << r.err;
  EXPECT_EQ(r.options->mode, Mode::kSyscalls);
  EXPECT_EQ(r.options->command, (std::vector<std::string>{"echo", "hi"}));

  // Options of the command are the command's, not socktrace's.
  auto opts = parse({"-s", "64", "--", "ls", "-p", "--json"});
  ASSERT_TRUE(opts.options.has_value()) << opts.err;
  EXPECT_EQ(opts.options->output.string_limit, 64);
  EXPECT_TRUE(opts.options->filters.pids.empty());
  EXPECT_FALSE(opts.options->output.json);
  EXPECT_EQ(opts.options->command, (std::vector<std::string>{"ls", "-p", "--json"}));
}

// A list option (-p, -e, --cgroup) right before "--" takes the "--" as the end
// of its list (CLI11 does this for options with allow_extra_args), and the
// command's own options are then parsed as socktrace's. See the report.
// Enable once fixed.
TEST(ParseCli, CommandAfterDoubleDashFollowingAListOption) {
  auto pids = parse({"-p", "7", "--", "ls", "-p", "--json"});
  ASSERT_TRUE(pids.options.has_value()) << pids.err;
  EXPECT_EQ(pids.options->filters.pids, (std::vector<int>{7}));
  EXPECT_FALSE(pids.options->output.json);
  EXPECT_EQ(pids.options->command, (std::vector<std::string>{"ls", "-p", "--json"}));

  auto trace = parse({"-e", "trace=connect", "--", "curl", "-s", "-o", "x", "http://h"});
  ASSERT_TRUE(trace.options.has_value()) << trace.err;
  EXPECT_EQ(trace.options->output.trace, (std::vector<std::string>{"trace=connect"}));
  EXPECT_EQ(trace.options->command, (std::vector<std::string>{"curl", "-s", "-o", "x", "http://h"}));

  auto cgroup = parse({"--cgroup", "/sys/fs/cgroup/a", "--", "ls", "-l"});
  ASSERT_TRUE(cgroup.options.has_value()) << cgroup.err;
  EXPECT_EQ(cgroup.options->command, (std::vector<std::string>{"ls", "-l"}));
}

TEST(ParseCli, ScopeFiltersRepeatInEveryMode) {
  for (std::vector<std::string> mode : {std::vector<std::string>{}, {"states"}, {"top"}, {"log"}, {"check"}}) {
    std::vector<std::string> args = mode;
    for (const char* a : {"--cgroup", "/a", "--cgroup", "b/c", "--container", "d0c4", "--container", "c0a7",
                          "--netns", "/run/netns/x", "--netns", "4026531840", "--comm", "nginx"})
      args.push_back(a);
    auto r = parse(args);
    ASSERT_TRUE(r.options.has_value()) << r.err;
    const Filters& f = r.options->filters;
    EXPECT_EQ(f.cgroups, (std::vector<std::string>{"/a", "b/c"}));
    EXPECT_EQ(f.container, (std::vector<std::string>{"d0c4", "c0a7"}));
    EXPECT_EQ(f.netns, (std::vector<std::string>{"/run/netns/x", "4026531840"}));
    EXPECT_EQ(f.comm, "nginx");
    EXPECT_TRUE(f.scoped());
  }
  auto none = parse({"states", "-p", "1"});
  ASSERT_TRUE(none.options.has_value()) << none.err;
  EXPECT_FALSE(none.options->filters.scoped());
  expect_usage_error(parse({"states", "--netns"}), 2);
}

TEST(ParseCli, TimestampFlagsCount) {
  auto one = parse({"-t"});
  ASSERT_TRUE(one.options.has_value()) << one.err;
  EXPECT_EQ(one.options->output.timestamps, 1);
  auto two = parse({"-tt"});
  ASSERT_TRUE(two.options.has_value()) << two.err;
  EXPECT_EQ(two.options->output.timestamps, 2);
  auto three = parse({"-ttt"});
  ASSERT_TRUE(three.options.has_value()) << three.err;
  EXPECT_EQ(three.options->output.timestamps, 3);
  auto split = parse({"-t", "-t"});
  ASSERT_TRUE(split.options.has_value()) << split.err;
  EXPECT_EQ(split.options->output.timestamps, 2);
}

TEST(ParseCli, SyscallOutputOptions) {
  auto r = parse({"-T", "-c", "-s", "128", "-e", "trace=connect,accept4", "-f", "-vv"});
  ASSERT_TRUE(r.options.has_value()) << r.err;
  EXPECT_TRUE(r.options->output.durations);
  EXPECT_TRUE(r.options->output.summary);
  EXPECT_EQ(r.options->output.string_limit, 128);
  EXPECT_EQ(r.options->output.trace, (std::vector<std::string>{"trace=connect,accept4"}));
  EXPECT_TRUE(r.options->filters.follow_forks);
  EXPECT_EQ(r.options->verbosity, 2);

  expect_usage_error(parse({"-s", "70000"}), 2);
}

// --host-root: where container and pod names are read; "/" by default, a
// directory in every mode that shows container ids, anything else one line.
TEST(ParseCli, HostRootIsADirectoryInEveryModeThatNamesContainers) {
  for (std::vector<std::string> mode : {std::vector<std::string>{}, {"states"}, {"top"}, {"log"}, {"check"}}) {
    auto d = parse(mode);
    ASSERT_TRUE(d.options.has_value()) << d.err;
    EXPECT_EQ(d.options->host_root, "/");
    mode.insert(mode.end(), {"--host-root", "/tmp"});
    auto r = parse(mode);
    ASSERT_TRUE(r.options.has_value()) << r.err;
    EXPECT_EQ(r.options->host_root, "/tmp");
    mode.back() = "/nonexistent/socktrace-host";
    auto bad = parse(mode);
    expect_usage_error(bad, mode.front() == "check" ? 3 : 2);
    EXPECT_NE(bad.err.find("--host-root"), std::string::npos) << bad.err;
    mode.back() = "/proc/self/status";  // a file, not a directory
    expect_usage_error(parse(mode), mode.front() == "check" ? 3 : 2);
  }
}

TEST(ModeName, EveryMode) {
  EXPECT_STREQ(mode_name(Mode::kSyscalls), "syscalls");
  EXPECT_STREQ(mode_name(Mode::kStates), "states");
  EXPECT_STREQ(mode_name(Mode::kTop), "top");
  EXPECT_STREQ(mode_name(Mode::kLog), "log");
  EXPECT_STREQ(mode_name(Mode::kCheck), "check");
}

TEST(ParseSize, Suffixes) {
  EXPECT_EQ(parse_size("8M"), std::optional<uint64_t>(8388608));
  EXPECT_EQ(parse_size("1G"), std::optional<uint64_t>(1073741824));
  EXPECT_EQ(parse_size("10"), std::optional<uint64_t>(10));
  EXPECT_EQ(parse_size("4K"), std::optional<uint64_t>(4096));
  EXPECT_EQ(parse_size("4k"), std::optional<uint64_t>(4096));
  EXPECT_EQ(parse_size("8m"), std::optional<uint64_t>(8388608));
  EXPECT_EQ(parse_size("8MiB"), std::optional<uint64_t>(8388608));
  EXPECT_EQ(parse_size("2GiB"), std::optional<uint64_t>(2147483648ull));
  EXPECT_EQ(parse_size("0"), std::optional<uint64_t>(0));
}

TEST(ParseSize, BadInputGivesNothing) {
  EXPECT_EQ(parse_size(""), std::nullopt);
  EXPECT_EQ(parse_size("x"), std::nullopt);
  EXPECT_EQ(parse_size("M"), std::nullopt);
  EXPECT_EQ(parse_size("-1"), std::nullopt);
  EXPECT_EQ(parse_size("+1"), std::nullopt);
  EXPECT_EQ(parse_size("5T"), std::nullopt);
  EXPECT_EQ(parse_size("8 M"), std::nullopt);
  EXPECT_EQ(parse_size("8MB"), std::nullopt);
  EXPECT_EQ(parse_size("1.5M"), std::nullopt);
}

TEST(ParseSize, OverflowGivesNothing) {
  EXPECT_EQ(parse_size("18446744073709551615"), std::optional<uint64_t>(UINT64_MAX));
  EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_size("17179869184G"), std::nullopt);  // 2^34 GiB = 2^64
  EXPECT_EQ(parse_size("17179869183G"), std::optional<uint64_t>(17179869183ull << 30));
}

// strtoull skips leading blanks and then accepts a sign, so " -1" is read as
// 2^64-1. See the report. Enable once fixed.
TEST(ParseSize, LeadingBlankThenSignGivesNothing) {
  EXPECT_EQ(parse_size(" -1"), std::nullopt);
  EXPECT_EQ(parse_size(" 8M"), std::nullopt);
}

}  // namespace
}  // namespace socktrace
