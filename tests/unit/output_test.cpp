// Output: the file a view writes to.

#include "core/output.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/error.h"
#include "../support/files.h"

namespace socktrace {
namespace {

class OutputTest : public ::testing::Test {
 protected:
  std::string path(const char* name) const { return dir_.path(name); }
  static std::string read(const std::string& p) { return testing::slurp(p); }
  testing::TempDir dir_;
};

TEST_F(OutputTest, WritesEverythingByClose) {
  {
    Output out(path("out"));
    EXPECT_TRUE(out.ok());
    EXPECT_FALSE(out.is_terminal());
    EXPECT_EQ(out.path(), path("out"));
    out.write("one\n");
    fmt::memory_buffer b;
    fmt::format_to(std::back_inserter(b), "{}\n", "two");
    out.write(b);
  }
  EXPECT_EQ(read(path("out")), "one\ntwo\n");
}

TEST_F(OutputTest, FlushMakesLinesVisible) {
  Output out(path("out"));
  out.write("line\n");
  out.flush();
  EXPECT_EQ(read(path("out")), "line\n");
}

TEST_F(OutputTest, LargeOutputArrivesWhole) {
  std::string line(999, 'x');
  line += '\n';
  {
    Output out(path("out"));
    for (int i = 0; i < 300; ++i) out.write(line);  // several buffer flushes
  }
  std::string got = read(path("out"));
  EXPECT_EQ(got.size(), line.size() * 300);
  EXPECT_EQ(got.substr(got.size() - line.size()), line);
}

TEST_F(OutputTest, TruncatesAnExistingFile) {
  std::ofstream(path("out")) << "old contents that are longer\n";
  { Output out(path("out")); out.write("new\n"); }
  EXPECT_EQ(read(path("out")), "new\n");
}

TEST_F(OutputTest, CreatedWithoutGroupWriteOrOtherAccess) {
  mode_t old = ::umask(0);
  { Output out(path("out")); }
  ::umask(old);
  struct stat st{};
  ASSERT_EQ(::stat(path("out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(OutputTest, RefusesASymlink) {
  std::ofstream(path("target")) << "keep\n";
  ASSERT_EQ(::symlink(path("target").c_str(), path("link").c_str()), 0);
  try {
    Output out(path("link"));
    FAIL() << "followed a symlink";
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cannot write output file " + path("link")), std::string::npos) << msg;
    EXPECT_NE(msg.find("symlink"), std::string::npos) << msg;
  }
  EXPECT_EQ(read(path("target")), "keep\n");
}

TEST_F(OutputTest, UnwritablePathIsAUsageError) {
  try {
    Output out(dir_.path("missing-dir/out"));
    FAIL() << "no error";
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
    EXPECT_NE(msg.find("-o"), std::string::npos) << msg;
  }
}

TEST_F(OutputTest, DashAndEmptyAreStdout) {
  Output dash("-");
  Output empty("");
  EXPECT_TRUE(dash.ok());
  EXPECT_TRUE(empty.ok());
  EXPECT_EQ(::access("-", F_OK), -1);  // no file named "-" was created
}

// socktrace log: rotation between whole lines, each file starting with
// the header object, at most max_files rotated files kept.
TEST_F(OutputTest, RotatesBetweenLinesAndKeepsMaxFiles) {
  OutputPolicy policy;
  policy.max_size = 100;
  policy.max_files = 2;
  policy.file_header = "H\n";
  {
    Output out(path("out"), policy);
    for (int i = 0; i < 20; ++i) {
      out.write(fmt::format("line {:02} .......................\n", i));  // 31 bytes
      out.flush();
    }
    EXPECT_GT(out.rotations(), 3u);
  }
  struct stat st{};
  EXPECT_NE(::stat(path("out.3").c_str(), &st), 0) << "only 2 rotated files are kept";
  std::string all;
  for (const char* name : {"out.2", "out.1", "out"}) {
    std::string text = read(path(name));
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_LE(text.size(), 100u) << name;
    EXPECT_TRUE(text.starts_with("H\n")) << name;
    EXPECT_EQ(text.back(), '\n') << name;
    all += text;
  }
  // The newest lines are all there, in order, none split.
  EXPECT_NE(all.find("line 19 ......................."), std::string::npos);
  EXPECT_EQ(all.find("line 1 "), std::string::npos);
}

TEST_F(OutputTest, AppendCutsATornLastLine) {
  {
    std::ofstream f(path("out"));
    f << "{\"a\":1}\n{\"b\":";
  }
  OutputPolicy policy;
  policy.append = true;
  {
    Output out(path("out"), policy);
    out.write("{\"c\":3}\n");
  }
  EXPECT_EQ(read(path("out")), "{\"a\":1}\n{\"c\":3}\n");
}

// A full disk (/dev/full always is): lines are dropped and counted, the
// output stays usable, nothing throws.
TEST_F(OutputTest, KeepGoingCountsLinesLostToAFullDisk) {
  OutputPolicy policy;
  policy.keep_going = true;
  Output out("/dev/full", policy);
  out.write("one\ntwo\n");
  out.flush();
  out.write("three\n");
  out.flush();
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.lines_lost(), 3u);
  EXPECT_EQ(out.write_errors(), 2u);
}

TEST_F(OutputTest, WithoutKeepGoingAFullDiskEndsTheOutput) {
  Output out("/dev/full");
  out.write("one\n");
  out.flush();
  EXPECT_FALSE(out.ok());
}

}  // namespace
}  // namespace socktrace
