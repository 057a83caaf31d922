// strace -c -w table. The layout (header, widths, blank zero errors, the
// usecs/call of the total row) is copied from `strace -f -c -w -e
// trace=network` output of strace 6.1 on the reference machine.

#include "core/syscall_summary.h"

#include <gtest/gtest.h>

#include "strace_event_builder.h"

namespace socktrace {
namespace {

using testing::EventBuilder;

void add(SyscallSummary& s, uint32_t nr, int64_t ret, uint64_t dur_ns) {
  s.add(EventBuilder(nr, {}, ret).ts(0, dur_ns));
}

TEST(SyscallSummary, TableSortedByTime) {
  SyscallSummary s;
  // accept4: 5 calls, 4 errors, 5.455940 s in all.
  add(s, 288, 3, 5'455'000'000);
  for (int i = 0; i < 4; ++i) add(s, 288, -11, 235'000);
  // sendto: 14 calls, 3 errors, 0.000863 s.
  for (int i = 0; i < 11; ++i) add(s, 44, 6, 60'000);
  for (int i = 0; i < 3; ++i) add(s, 44, -22, 67'666);
  // getsockname: 2 calls, no error.
  add(s, 51, 0, 8'000);
  add(s, 51, 0, 8'000);
  EXPECT_EQ(s.table(),
            "% time     seconds  usecs/call     calls    errors syscall\n"
            "------ ----------- ----------- --------- --------- ----------------\n"
            " 99.98    5.455940     1091188         5         4 accept4\n"
            "  0.02    0.000863          61        14         3 sendto\n"
            "  0.00    0.000016           8         2           getsockname\n"
            "------ ----------- ----------- --------- --------- ----------------\n"
            "100.00    5.456819      259848        21         7 total\n");
}

TEST(SyscallSummary, WidthsGrowAndTiesKeepSyscallOrder) {
  SyscallSummary s;
  for (int i = 0; i < 1'234'567'890 / 100'000'000; ++i) add(s, 42, -111, 0);
  add(s, 41, 3, 0);
  std::string t = s.table();
  // No time at all: percentages are 0, ties sorted by syscall number.
  EXPECT_EQ(t,
            "% time     seconds  usecs/call     calls    errors syscall\n"
            "------ ----------- ----------- --------- --------- ----------------\n"
            "  0.00    0.000000           0         1           socket\n"
            "  0.00    0.000000           0        12        12 connect\n"
            "------ ----------- ----------- --------- --------- ----------------\n"
            "100.00    0.000000           0        13        12 total\n");
  SyscallSummary big;
  add(big, 41, 3, 123'456'789'000'000);  // 123456 s: the seconds column widens
  std::string b = big.table();
  EXPECT_NE(b.find("% time       seconds   usecs/call"), std::string::npos) << b;
  EXPECT_NE(b.find("100.00 123456.789000 123456789000         1           socket"), std::string::npos) << b;
}

TEST(SyscallSummary, EmptyTable) {
  SyscallSummary s;
  EXPECT_EQ(s.table(),
            "% time     seconds  usecs/call     calls    errors syscall\n"
            "------ ----------- ----------- --------- --------- ----------------\n"
            "------ ----------- ----------- --------- --------- ----------------\n"
            "100.00    0.000000           0         0           total\n");
}

}  // namespace
}  // namespace socktrace
