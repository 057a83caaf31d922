// top's trouble section from hand-built counts: per second since the last
// refresh, in all, the processes and ports that grew the most.
#include "core/top_view.h"
#include "../support/files.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

RetransEvent by(uint32_t pid, const char* comm, uint16_t sport, uint32_t segs) {
  RetransEvent e;
  e.hdr.pid = pid;
  std::memcpy(e.hdr.comm.chars.data(), comm, std::strlen(comm));
  e.sport = sport;
  e.segs = segs;
  return e;
}

TEST(TopViewTrouble, TextAndJsonPerSecondSinceTheLastRefresh) {
  testing::TempDir dir;
  std::string path = dir.path("out");
  Histogram h{HistFilter{}};
  TroubleCounts t;
  t.on_retrans(by(10, "nginx", 443, 4));
  {
    Output out(path);
    TopView text(out, false, false);
    text.refresh(h, {0, 1'000'000'000, 0, 0, 0, 0}, &t);
    t.on_retrans(by(20, "curl", 40000, 6));  // grew more in the second, less in all
    t.on_retrans(by(10, "nginx", 443, 1));
    text.refresh(h, {0, 3'000'000'000, 0, 0, 0, 0}, &t);
  }
  std::string s = testing::slurp(path);
  // First refresh: no rate yet, the totals.
  EXPECT_NE(s.find("tcp  retrans                -        4  nginx/10 4                         443 4\n"),
            std::string::npos)
      << s;
  // Second, 2 s later: 7 more segments, curl first (6 of them).
  EXPECT_NE(s.find("tcp  retrans              3.5       11  curl/20 3.0, nginx/10 0.5          40000 3.0, 443 0.5\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("tcp  listen_overflow        -        0\n"), std::string::npos) << s;

  {
    Output out(path);
    TopView json(out, true, false);
    json.refresh(h, {0, 1'000'000'000, 0, 0, 0, 0}, &t);
  }
  s = testing::slurp(path);
  EXPECT_NE(s.find(",\"trouble\":{\"retrans\":{\"total\":11,\"per_s\":null,\"processes\":[{\"key\":\"curl/20\","
                   "\"count\":6,\"per_s\":null},{\"key\":\"nginx/10\",\"count\":5,\"per_s\":null}],\"ports\":["),
            std::string::npos)
      << s;
  EXPECT_EQ(s.back(), '\n');
}

}  // namespace
}  // namespace socktrace
