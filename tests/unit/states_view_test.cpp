// `socktrace states` output, text and JSON, from hand-built events written
// through a real Output to a file.

#include "core/states_view.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/names.h"
#include "core/net_format.h"
#include "socktrace/events.h"
#include "../support/files.h"
#include "../support/json_line.h"

namespace socktrace {
namespace {

// ---- The flat JSON objects the views write ----

using testing::JsonFields;
using Kind = JsonReader::Kind;

JsonFields parse_line(const std::string& line) {
  auto fields = testing::parse_json_object(line);
  EXPECT_TRUE(fields.has_value()) << "not a flat JSON object: " << line;
  return fields.value_or(JsonFields{});
}

std::string str_field(const JsonFields& f, const std::string& key) {
  auto it = f.find(key);
  if (it == f.end()) {
    ADD_FAILURE() << "no field " << key;
    return {};
  }
  EXPECT_EQ(it->second.kind, Kind::kString) << key;
  return it->second.text;
}

std::string num_field(const JsonFields& f, const std::string& key) {
  auto it = f.find(key);
  if (it == f.end()) {
    ADD_FAILURE() << "no field " << key;
    return {};
  }
  EXPECT_EQ(it->second.kind, Kind::kNumber) << key;
  return it->second.text;
}

bool is_null(const JsonFields& f, const std::string& key) {
  auto it = f.find(key);
  return it != f.end() && it->second.kind == Kind::kNull;
}

// ---- Events and the view under test ----

constexpr int64_t kOffset = 1'700'000'000'000'000'000;  // 2023-11-14 22:13:20 UTC

StateEvent make_event(uint64_t cookie, uint64_t ts_ns, uint8_t old_state, uint8_t new_state, uint16_t sport) {
  StateEvent e;
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  e.hdr.ts_ns = ts_ns;
  e.hdr.pid = 4242;
  e.hdr.tid = 4243;
  e.hdr.cgroup_id = 77;
  std::memcpy(e.hdr.comm.chars.data(), "curl", 4);
  e.skaddr = 0xffff888012345678ull;
  e.cookie = cookie;
  e.sock_cgroup_id = 88;
  e.tx_bytes = 1000;
  e.rx_bytes = 2000;
  e.ino = 31337;
  e.saddr.family = AF_INET;
  e.saddr.bytes = {127, 0, 0, 1};
  e.daddr.family = AF_INET;
  e.daddr.bytes = {10, 1, 2, 3};
  e.sport = sport;
  e.dport = 443;
  e.netns = 4026531840u;
  e.rx_queue = 5;
  e.tx_queue = 6;
  e.cpu_pid = 4242;
  e.protocol = 6;
  e.old_state = old_state;
  e.new_state = new_state;
  return e;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      ADD_FAILURE() << "last line has no newline: " << text.substr(start);
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

class StatesViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path("states.out");
    // Text lines print local time; pin the zone.
    if (const char* tz = std::getenv("TZ")) saved_tz_ = tz;
    setenv("TZ", "UTC", 1);
    tzset();
  }

  void TearDown() override {
    if (saved_tz_)
      setenv("TZ", saved_tz_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

  // What the view writes to a file while `feed` drives it. Every SYN_SENT ->
  // X also writes a `connect` line after the transition's: tests of the
  // transitions alone leave those out (`with_connects` keeps them).
  std::string run(bool json, const std::function<void(StatesView&)>& feed, bool with_connects = false) {
    {
      Output out(path_);
      StatesView view(out, json, WallClock(kOffset));
      feed(view);
    }  // the Output flushes and closes here
    std::ifstream in(path_, std::ios::binary);
    std::string text, line;
    while (std::getline(in, line)) {
      bool connect = line.find(json ? "{\"event\":\"connect\"" : " CONNECT        ") != std::string::npos;
      if (with_connects || !connect) text += line + (in.eof() ? "" : "\n");
    }
    return text;
  }

  testing::TempDir dir_;
  std::string path_;
  std::optional<std::string> saved_tz_;
};

// ---- JSON ----

TEST_F(StatesViewTest, JsonLineHasEveryFieldExactly) {
  std::string text = run(true, [](StatesView& v) {
    v.header();  // nothing in JSON mode
    v.on_state(make_event(99, 1'000, kTcpSynSent, kTcpEstablished, 40000));
  });
  EXPECT_EQ(text,
            "{\"event\":\"state\",\"ts_ns\":1700000000000001000,\"pid\":4242,\"tid\":4243,\"comm\":\"curl\","
            "\"sk\":\"0xffff888012345678\",\"proto\":\"tcp\",\"family\":4,\"saddr\":\"127.0.0.1\",\"sport\":40000,"
            "\"daddr\":\"10.1.2.3\",\"dport\":443,\"old\":\"SYN_SENT\",\"new\":\"ESTABLISHED\",\"cgroup_id\":77,"
            "\"netns\":4026531840,\"owner\":\"known\",\"cookie\":99,\"sock_cgroup_id\":88,\"rx_queue\":5,"
            "\"tx_queue\":6,\"tx_bytes\":1000,\"rx_bytes\":2000,\"in_old_ns\":null}\n");

  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 1u);
  JsonFields f = parse_line(lines[0]);
  EXPECT_EQ(str_field(f, "event"), "state");
  EXPECT_EQ(num_field(f, "ts_ns"), "1700000000000001000");  // monotonic + offset
  EXPECT_EQ(num_field(f, "pid"), "4242");
  EXPECT_EQ(num_field(f, "tid"), "4243");
  EXPECT_EQ(str_field(f, "comm"), "curl");
  EXPECT_EQ(str_field(f, "sk"), "0xffff888012345678");
  EXPECT_EQ(str_field(f, "proto"), "tcp");
  EXPECT_EQ(num_field(f, "family"), "4");
  EXPECT_EQ(str_field(f, "saddr"), "127.0.0.1");
  EXPECT_EQ(num_field(f, "sport"), "40000");
  EXPECT_EQ(str_field(f, "daddr"), "10.1.2.3");
  EXPECT_EQ(num_field(f, "dport"), "443");
  EXPECT_EQ(str_field(f, "old"), "SYN_SENT");
  EXPECT_EQ(str_field(f, "new"), "ESTABLISHED");
  EXPECT_EQ(str_field(f, "owner"), "known");
  EXPECT_EQ(num_field(f, "cookie"), "99");
  EXPECT_TRUE(is_null(f, "in_old_ns"));
}

TEST_F(StatesViewTest, SecondTransitionOfASocketHasTimeInOldState) {
  std::size_t tracked_after = 99;
  std::string text = run(true, [&](StatesView& v) {
    v.on_state(make_event(99, 1'000, kTcpSynSent, kTcpEstablished, 40000));
    v.on_state(make_event(99, 2'500, kTcpEstablished, kTcpFinWait1, 40000));
    tracked_after = v.tracked();
  });
  EXPECT_EQ(tracked_after, 1u);
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(is_null(parse_line(lines[0]), "in_old_ns"));
  JsonFields f = parse_line(lines[1]);
  EXPECT_EQ(num_field(f, "in_old_ns"), "1500");
  EXPECT_EQ(num_field(f, "ts_ns"), "1700000000000002500");
  EXPECT_EQ(str_field(f, "old"), "ESTABLISHED");
  EXPECT_EQ(str_field(f, "new"), "FIN_WAIT1");
}

TEST_F(StatesViewTest, SocketsAreTimedSeparatelyByCookie) {
  std::size_t tracked_after = 0;
  std::string text = run(true, [&](StatesView& v) {
    v.on_state(make_event(1, 1'000, kTcpSynSent, kTcpEstablished, 40001));
    v.on_state(make_event(2, 5'000, kTcpSynSent, kTcpEstablished, 40002));
    v.on_state(make_event(1, 11'000, kTcpEstablished, kTcpFinWait1, 40001));
    v.on_state(make_event(2, 12'000, kTcpEstablished, kTcpCloseWait, 40002));
    tracked_after = v.tracked();
  });
  EXPECT_EQ(tracked_after, 2u);
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(num_field(parse_line(lines[2]), "in_old_ns"), "10000");
  EXPECT_EQ(num_field(parse_line(lines[3]), "in_old_ns"), "7000");
}

TEST_F(StatesViewTest, CloseShowsTheRememberedPortAndForgetsTheSocket) {
  std::vector<std::size_t> tracked;
  std::string text = run(true, [&](StatesView& v) {
    // connect(): the local port is not chosen yet at -> SYN_SENT.
    v.on_state(make_event(5, 1'000, kTcpClose, kTcpSynSent, 0));
    tracked.push_back(v.tracked());
    v.on_state(make_event(5, 3'000, kTcpSynSent, kTcpEstablished, 40000));
    tracked.push_back(v.tracked());
    v.on_state(make_event(5, 6'000, kTcpEstablished, kTcpFinWait1, 40000));
    tracked.push_back(v.tracked());
    // The kernel has cleared the port by the time it reports -> CLOSE.
    v.on_state(make_event(5, 10'000, kTcpFinWait1, kTcpClose, 0));
    tracked.push_back(v.tracked());
  });
  EXPECT_EQ(tracked, (std::vector<std::size_t>{1, 1, 1, 0}));
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(num_field(parse_line(lines[0]), "sport"), "0");  // nothing to remember yet
  EXPECT_EQ(num_field(parse_line(lines[1]), "sport"), "40000");
  JsonFields close = parse_line(lines[3]);
  EXPECT_EQ(str_field(close, "old"), "FIN_WAIT1");
  EXPECT_EQ(str_field(close, "new"), "CLOSE");
  EXPECT_EQ(num_field(close, "sport"), "40000");
  EXPECT_EQ(num_field(close, "in_old_ns"), "4000");
}

TEST_F(StatesViewTest, ASocketSeenAgainAfterCloseStartsOver) {
  std::string text = run(true, [&](StatesView& v) {
    v.on_state(make_event(5, 1'000, kTcpSynSent, kTcpEstablished, 40000));
    v.on_state(make_event(5, 2'000, kTcpEstablished, kTcpClose, 0));
    v.on_state(make_event(5, 9'000, kTcpClose, kTcpSynSent, 0));
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 3u);
  JsonFields again = parse_line(lines[2]);
  EXPECT_TRUE(is_null(again, "in_old_ns"));
  EXPECT_EQ(num_field(again, "sport"), "0");
}

TEST_F(StatesViewTest, CloseOfAnUnseenSocketIsNotTracked) {
  std::size_t tracked_after = 99;
  std::string text = run(true, [&](StatesView& v) {
    v.on_state(make_event(1, 1'000, kTcpSynSent, kTcpEstablished, 40001));
    v.on_state(make_event(8, 2'000, kTcpLastAck, kTcpClose, 0));
    tracked_after = v.tracked();
  });
  EXPECT_EQ(tracked_after, 1u);  // only socket 1
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 2u);
  JsonFields f = parse_line(lines[1]);
  EXPECT_TRUE(is_null(f, "in_old_ns"));
  EXPECT_EQ(num_field(f, "sport"), "0");
  EXPECT_EQ(str_field(f, "new"), "CLOSE");
}

TEST_F(StatesViewTest, OwnerKinds) {
  std::string text = run(true, [](StatesView& v) {
    StateEvent known = make_event(1, 1'000, kTcpSynSent, kTcpEstablished, 1);
    known.hdr.flags = ST_HF_OWNER_KNOWN;
    StateEvent listener = make_event(2, 1'000, kTcpSynRecv, kTcpEstablished, 2);
    listener.hdr.flags = ST_HF_OWNER_KNOWN | ST_HF_OWNER_INHERITED;
    StateEvent unknown = make_event(3, 1'000, kTcpSynSent, kTcpEstablished, 3);
    unknown.hdr = Header{};
    unknown.hdr.ts_ns = 1'000;
    StateEvent resolved = make_event(4, 1'000, kTcpSynSent, kTcpEstablished, 4);
    resolved.hdr.flags = 0;
    v.on_state(known);
    v.on_state(listener);
    v.on_state(unknown);
    v.on_state(resolved);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(str_field(parse_line(lines[0]), "owner"), "known");
  EXPECT_EQ(str_field(parse_line(lines[1]), "owner"), "listener");
  JsonFields unknown = parse_line(lines[2]);
  EXPECT_EQ(str_field(unknown, "owner"), "unknown");
  EXPECT_EQ(num_field(unknown, "pid"), "0");
  EXPECT_EQ(str_field(unknown, "comm"), "");
  EXPECT_EQ(str_field(parse_line(lines[3]), "owner"), "resolved");
}

TEST_F(StatesViewTest, JsonIpv6AndOutOfRangeStates) {
  std::string text = run(true, [](StatesView& v) {
    StateEvent e = make_event(1, 1'000, 200, kTcpListen, 8080);
    e.saddr.family = AF_INET6;
    e.saddr.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    e.daddr.family = AF_INET6;
    e.daddr.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
    v.on_state(e);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 1u);
  JsonFields f = parse_line(lines[0]);
  EXPECT_EQ(num_field(f, "family"), "6");
  EXPECT_EQ(str_field(f, "saddr"), "::1");
  EXPECT_EQ(str_field(f, "daddr"), "::ffff:10.1.2.3");
  EXPECT_EQ(str_field(f, "old"), "UNKNOWN");
  EXPECT_EQ(str_field(f, "new"), "LISTEN");
}

TEST_F(StatesViewTest, JsonEscapesComm) {
  std::string text = run(true, [](StatesView& v) {
    StateEvent e = make_event(1, 1'000, kTcpSynSent, kTcpEstablished, 1);
    std::memcpy(e.hdr.comm.chars.data(), "a\"b\\c\nd", 7);
    v.on_state(e);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(str_field(parse_line(lines[0]), "comm"), "a\"b\\c\nd");
}

TEST_F(StatesViewTest, JsonLost) {
  std::string text = run(true, [](StatesView& v) { v.on_lost(7, "ringbuf", 2'000); });
  EXPECT_EQ(text,
            "{\"event\":\"lost\",\"ts_ns\":1700000000000002000,\"pid\":0,\"tid\":0,\"comm\":\"\","
            "\"count\":7,\"where\":\"ringbuf\"}\n");
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 1u);
  JsonFields f = parse_line(lines[0]);
  EXPECT_EQ(str_field(f, "event"), "lost");
  EXPECT_EQ(num_field(f, "count"), "7");
  EXPECT_EQ(str_field(f, "where"), "ringbuf");
}

// ---- Text ----

TEST_F(StatesViewTest, TextLinesLineUpUnderTheHeader) {
  std::string text = run(false, [](StatesView& v) {
    v.header();
    StateEvent a = make_event(7, 1'000'000, kTcpSynSent, kTcpEstablished, 40000);
    a.hdr = Header{};  // owner unknown
    a.hdr.ts_ns = 1'000'000;
    v.on_state(a);
    StateEvent b = make_event(7, 1'001'500, kTcpEstablished, kTcpFinWait1, 40000);
    v.on_state(b);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "TIME                PID COMM            LOCAL                   REMOTE                  "
            "OLD            NEW          IN_OLD");
  EXPECT_EQ(lines[1],
            "22:13:20.001000       - ?               127.0.0.1:40000         10.1.2.3:443            "
            "SYN_SENT    -> ESTABLISHED  -");
  EXPECT_EQ(lines[2],
            "22:13:20.001001    4242 curl            127.0.0.1:40000         10.1.2.3:443            "
            "ESTABLISHED -> FIN_WAIT1    1.5us");
  // Columns start where their titles do.
  EXPECT_EQ(lines[0].find("PID") + 2, lines[2].find("4242") + 3);  // right-aligned
  EXPECT_EQ(lines[0].find("COMM"), lines[2].find("curl"));
  EXPECT_EQ(lines[0].find("LOCAL"), lines[2].find("127.0.0.1:40000"));
  EXPECT_EQ(lines[0].find("REMOTE"), lines[2].find("10.1.2.3:443"));
  EXPECT_EQ(lines[0].find("OLD"), lines[2].find("ESTABLISHED"));
  EXPECT_EQ(lines[0].find("NEW"), lines[2].find("FIN_WAIT1"));
  EXPECT_EQ(lines[0].find("IN_OLD"), lines[2].find("1.5us"));
}

TEST_F(StatesViewTest, TextIpv6AndRememberedPortOnClose) {
  std::string text = run(false, [](StatesView& v) {
    StateEvent a = make_event(3, 1'000, kTcpSynSent, kTcpEstablished, 8080);
    a.saddr.family = AF_INET6;
    a.saddr.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    a.daddr = a.saddr;
    a.dport = 9090;
    v.on_state(a);
    StateEvent b = a;
    b.hdr.ts_ns = 2'500'001'000;
    b.old_state = kTcpEstablished;
    b.new_state = kTcpClose;
    b.sport = 0;
    v.on_state(b);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find(" [::1]:8080 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(" [::1]:9090 "), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("ESTABLISHED -> CLOSE        2.500s"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[1].substr(0, 16), "22:13:22.500001 ");
}

TEST_F(StatesViewTest, TextLost) {
  std::string text = run(false, [](StatesView& v) { v.on_lost(7, "ringbuf", 2'000); });
  EXPECT_EQ(text, "22:13:20.000002 LOST 7 events (ringbuf)\n");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

TEST_F(StatesViewTest, TextNeverPrintsControlBytesOfComm) {
  std::string text = run(false, [](StatesView& v) {
    StateEvent e = make_event(1, 1'000, kTcpSynSent, kTcpEstablished, 1);
    std::memcpy(e.hdr.comm.chars.data(), "\x1b[31mevil\n", 10);
    v.on_state(e);
  });
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("?[31mevil?"), std::string::npos) << text;
  EXPECT_EQ(split_lines(text).size(), 1u);
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

SockEvent udp_event(uint8_t op, uint8_t old_state, uint8_t new_state, uint64_t ts_ns) {
  SockEvent e;
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  e.hdr.ts_ns = ts_ns;
  e.hdr.pid = e.hdr.tid = 700;
  std::memcpy(e.hdr.comm.chars.data(), "dig", 3);
  e.skaddr = 0xabc0;
  e.ino = 99;
  e.family = AF_INET;
  e.type = SOCK_DGRAM;
  e.protocol = 17;
  e.saddr.family = e.daddr.family = AF_INET;
  e.saddr.bytes = {127, 0, 0, 1};
  e.sport = 5353;
  e.op = op;
  e.old_state = old_state;
  e.new_state = new_state;
  return e;
}

class SockStatesViewTest : public StatesViewTest {};

// JSON keeps docs/design.md's state vocabulary (the kernel's names) in old/new
// and gives ss's names in ss_old/ss_new.
TEST_F(SockStatesViewTest, UdpLifeInJsonUsesKernelAndSsNamesAndOps) {
  std::string text = run(true, [](StatesView& v) {
    v.on_sock(udp_event(ST_SOCK_CREATE, 0, kTcpClose, 1000));
    v.on_sock(udp_event(ST_SOCK_CONNECT, kTcpClose, kTcpEstablished, 3000));
    v.on_sock(udp_event(ST_SOCK_EXIT, kTcpEstablished, kTcpClose, 7000));
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 3u);
  auto a = parse_line(lines[0]), b = parse_line(lines[1]), c = parse_line(lines[2]);
  EXPECT_EQ(str_field(a, "event"), "state");
  EXPECT_EQ(str_field(a, "proto"), "udp");
  EXPECT_EQ(num_field(a, "family"), "4");
  EXPECT_EQ(str_field(a, "old"), "CLOSE");
  EXPECT_EQ(str_field(a, "new"), "CLOSE");
  EXPECT_EQ(str_field(a, "ss_new"), "UNCONN");
  EXPECT_EQ(str_field(a, "op"), "socket");
  EXPECT_EQ(str_field(a, "saddr"), "127.0.0.1");
  EXPECT_EQ(num_field(a, "sport"), "5353");
  EXPECT_EQ(num_field(a, "ino"), "99");
  EXPECT_EQ(str_field(a, "sk"), "0xabc0");
  EXPECT_TRUE(is_null(a, "in_old_ns"));
  EXPECT_EQ(str_field(b, "old"), "CLOSE");
  EXPECT_EQ(str_field(b, "new"), "ESTABLISHED");
  EXPECT_EQ(str_field(b, "ss_old"), "UNCONN");
  EXPECT_EQ(str_field(b, "ss_new"), "ESTAB");
  EXPECT_EQ(num_field(b, "in_old_ns"), "2000");
  EXPECT_EQ(str_field(c, "old"), "ESTABLISHED");
  EXPECT_EQ(str_field(c, "ss_old"), "ESTAB");
  EXPECT_EQ(str_field(c, "new"), "CLOSE");
  EXPECT_EQ(str_field(c, "op"), "exit");
  EXPECT_EQ(num_field(c, "in_old_ns"), "4000");
  EXPECT_EQ(c.count("peer_ino"), 0u);
}

TEST_F(SockStatesViewTest, EndedSocketIsForgottenAndUnknownOldStateNamed) {
  std::string text = run(true, [](StatesView& v) {
    v.on_sock(udp_event(ST_SOCK_BIND, 0, kTcpClose, 1000));  // older than socktrace
    v.on_sock(udp_event(ST_SOCK_CLOSE, kTcpClose, kTcpClose, 2000));
    v.on_sock(udp_event(ST_SOCK_CREATE, 0, kTcpClose, 3000));  // the address reused
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(str_field(parse_line(lines[0]), "old"), "CLOSE");
  EXPECT_EQ(str_field(parse_line(lines[0]), "ss_old"), "UNKNOWN");
  EXPECT_EQ(str_field(parse_line(lines[1]), "new"), "CLOSE");
  EXPECT_TRUE(is_null(parse_line(lines[2]), "in_old_ns"));
}

TEST_F(SockStatesViewTest, UnixNamesAbstractEscapedAndPeer) {
  std::string text = run(true, [](StatesView& v) {
    SockEvent e = udp_event(ST_SOCK_ACCEPT, 0, kTcpEstablished, 1000);
    e.family = AF_UNIX;
    e.type = SOCK_STREAM;
    e.protocol = 0;
    e.sport = 0;
    e.path = std::string("\0bus\n", 5);
    e.peer_ino = 100;
    v.on_sock(e);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 1u);
  auto f = parse_line(lines[0]);
  EXPECT_EQ(str_field(f, "proto"), "unix");
  EXPECT_EQ(num_field(f, "family"), "0");
  EXPECT_EQ(str_field(f, "saddr"), "@bus\\012");
  EXPECT_EQ(str_field(f, "daddr"), "");
  EXPECT_EQ(num_field(f, "peer_ino"), "100");
  EXPECT_EQ(str_field(f, "old"), "CLOSE");
  EXPECT_EQ(str_field(f, "new"), "ESTABLISHED");
  EXPECT_EQ(str_field(f, "ss_new"), "ESTAB");
  EXPECT_EQ(str_field(f, "op"), "accept");
}

TEST_F(SockStatesViewTest, TextLineNamesProtocolAndStep) {
  std::string text = run(false, [](StatesView& v) {
    v.on_sock(udp_event(ST_SOCK_CREATE, 0, kTcpClose, 1000));
    SockEvent u = udp_event(ST_SOCK_LISTEN, kTcpClose, kTcpListen, 2000);
    u.skaddr = 0xdef0;
    u.family = AF_UNIX;
    u.path = "/run/x.sock";
    v.on_sock(u);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("    700 dig             127.0.0.1:5353          0.0.0.0:0               CLOSE       -> "
                          "UNCONN       - (udp socket)"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("/run/x.sock             *                       UNCONN      -> LISTEN       - (unix listen)"),
            std::string::npos)
      << lines[1];
}

TEST(SockNames, TablesAreBoundsChecked) {
  EXPECT_EQ(sock_state_name(kTcpClose), "UNCONN");
  EXPECT_EQ(sock_state_name(kTcpEstablished), "ESTAB");
  EXPECT_EQ(sock_state_name(0), "UNKNOWN");
  EXPECT_EQ(sock_state_name(200), "UNKNOWN");
  EXPECT_EQ(sock_op_name(ST_SOCK_PAIR), "socketpair");
  EXPECT_EQ(sock_op_name(0), "UNKNOWN");
  EXPECT_EQ(sock_op_name(9), "UNKNOWN");
  EXPECT_EQ(format_unix_name(""), "*");
  EXPECT_EQ(format_unix_name(std::string("/a\0junk", 7)), "/a");
  EXPECT_EQ(format_unix_name(std::string("\0", 1)), "@");
}

}  // namespace
}  // namespace socktrace

namespace socktrace {
namespace {

RetransEvent make_retrans(uint64_t cookie, uint64_t ts_ns, uint32_t segs) {
  RetransEvent r;
  r.hdr.flags = ST_HF_OWNER_KNOWN;
  r.hdr.ts_ns = ts_ns;
  r.hdr.pid = 4242;
  r.hdr.tid = 4243;
  r.hdr.cgroup_id = 77;
  std::memcpy(r.hdr.comm.chars.data(), "curl", 4);
  r.skaddr = 0xffff888012345678ull;
  r.cookie = cookie;
  r.saddr.family = AF_INET;
  r.saddr.bytes = {127, 0, 0, 1};
  r.daddr.family = AF_INET;
  r.daddr.bytes = {10, 1, 2, 3};
  r.sport = 40000;
  r.dport = 443;
  r.netns = 4026531840u;
  r.rto_us = 204000;
  r.segs = segs;
  r.srtt_us = 90;
  r.state = kTcpEstablished;
  return r;
}

TEST_F(StatesViewTest, RetransJsonCountsSegmentsPerSocketUntilClose) {
  std::string text = run(true, [](StatesView& v) {
    v.on_retrans(make_retrans(5, 1'000, 1));
    v.on_retrans(make_retrans(6, 2'000, 1));  // another socket: its own count
    v.on_retrans(make_retrans(5, 3'000, 2));
    v.on_state(make_event(5, 4'000, kTcpEstablished, kTcpClose, 40000));
    RetransEvent again = make_retrans(5, 5'000, 1);  // a new life of the cookie starts over
    again.rto_us = 0;
    again.srtt_us = 0;
    v.on_retrans(again);
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0],
            "{\"event\":\"retrans\",\"ts_ns\":1700000000000001000,\"pid\":4242,\"tid\":4243,\"comm\":\"curl\","
            "\"sk\":\"0xffff888012345678\",\"proto\":\"tcp\",\"family\":4,\"saddr\":\"127.0.0.1\",\"sport\":40000,"
            "\"daddr\":\"10.1.2.3\",\"dport\":443,\"state\":\"ESTABLISHED\",\"count\":1,\"segs\":1,\"synack\":false,"
            "\"rto_us\":204000,\"srtt_us\":90,\"cgroup_id\":77,\"netns\":4026531840,\"owner\":\"known\",\"cookie\":5}");
  EXPECT_EQ(num_field(parse_line(lines[1]), "count"), "1");
  EXPECT_EQ(num_field(parse_line(lines[2]), "count"), "3");
  EXPECT_EQ(str_field(parse_line(lines[3]), "event"), "state");
  JsonFields last = parse_line(lines[4]);
  EXPECT_EQ(num_field(last, "count"), "1");
  EXPECT_TRUE(is_null(last, "rto_us"));
  EXPECT_TRUE(is_null(last, "srtt_us"));
}

TEST_F(StatesViewTest, SynAckRetransCountIsTheKernels) {
  std::string text = run(true, [](StatesView& v) {
    RetransEvent r = make_retrans(5, 1'000, 1);
    r.synack = true;
    r.kernel_count = 4;
    r.state = kTcpSynRecv;
    r.hdr.flags |= ST_HF_OWNER_INHERITED;
    v.on_retrans(r);
  });
  JsonFields f = parse_line(split_lines(text).at(0));
  EXPECT_EQ(num_field(f, "count"), "4");
  EXPECT_EQ(str_field(f, "state"), "SYN_RECV");
  EXPECT_EQ(str_field(f, "owner"), "listener");
  EXPECT_EQ(f.at("synack").text, "true");
}

ResetEvent make_reset(ResetEvent::Dir dir, std::optional<uint16_t> reason) {
  ResetEvent r;
  r.hdr.ts_ns = 1'000;
  r.hdr.pid = 0;  // a timewait socket: no owner
  r.skaddr = 0x10;
  r.cookie = 9;
  r.saddr.family = AF_INET;
  r.saddr.bytes = {127, 0, 0, 1};
  r.daddr.family = AF_INET;
  r.daddr.bytes = {127, 0, 0, 2};
  r.sport = 1;
  r.dport = 2;
  r.state = kTcpClose;
  r.dir = dir;
  r.reason = reason;
  return r;
}

TEST_F(StatesViewTest, ResetJsonNamesTheKernelsReasonOrNull) {
  std::string text = run(true, [](StatesView& v) {
    v.set_rst_reasons({"NOT_SPECIFIED", "NO_SOCKET", "", "TCP_ABORT_ON_LINGER"});
    v.on_reset(make_reset(ResetEvent::Dir::kSent, 3));
    v.on_reset(make_reset(ResetEvent::Dir::kSent, 2));   // a hole in the enum: the number
    v.on_reset(make_reset(ResetEvent::Dir::kSent, 40));  // beyond it: the number
    v.on_reset(make_reset(ResetEvent::Dir::kReceived, std::nullopt));
  });
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "{\"event\":\"reset\",\"ts_ns\":1700000000000001000,\"pid\":0,\"tid\":0,\"comm\":\"\","
            "\"sk\":\"0x10\",\"proto\":\"tcp\",\"family\":4,\"saddr\":\"127.0.0.1\",\"sport\":1,"
            "\"daddr\":\"127.0.0.2\",\"dport\":2,\"dir\":\"sent\",\"state\":\"CLOSE\","
            "\"reason\":\"TCP_ABORT_ON_LINGER\",\"cgroup_id\":0,\"netns\":0,\"owner\":\"unknown\",\"cookie\":9}");
  EXPECT_EQ(str_field(parse_line(lines[1]), "reason"), "2");
  EXPECT_EQ(str_field(parse_line(lines[2]), "reason"), "40");
  JsonFields recv = parse_line(lines[3]);
  EXPECT_EQ(str_field(recv, "dir"), "received");
  EXPECT_TRUE(is_null(recv, "reason"));
}

DropEvent make_drop(uint32_t reason) {
  DropEvent d;
  d.hdr.ts_ns = 1'000;
  d.hdr.pid = 4242;
  d.hdr.flags = ST_HF_OWNER_KNOWN;
  std::memcpy(d.hdr.comm.chars.data(), "nginx", 5);
  d.skaddr = 0x20;
  d.cookie = 11;
  d.saddr.family = AF_INET;
  d.saddr.bytes = {10, 0, 0, 2};
  d.daddr.family = AF_INET;
  d.daddr.bytes = {10, 0, 0, 1};
  d.sport = 443;
  d.dport = 40000;
  d.state = kTcpEstablished;
  d.reason = reason;
  d.len = 232;
  return d;
}

TEST_F(StatesViewTest, DropNamesTheKernelsReasonOrItsNumber) {
  std::vector<std::string> reasons(12);
  reasons[9] = "TCP_CSUM";
  std::string json = run(true, [&](StatesView& v) {
    v.set_drop_reasons(reasons);
    v.on_drop(make_drop(9));
    v.on_drop(make_drop(10));   // a hole in the enum: the number
    v.on_drop(make_drop(300));  // beyond it: the number
  });
  auto lines = split_lines(json);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "{\"event\":\"drop\",\"ts_ns\":1700000000000001000,\"pid\":4242,\"tid\":0,\"comm\":\"nginx\","
            "\"sk\":\"0x20\",\"proto\":\"tcp\",\"family\":4,\"saddr\":\"10.0.0.2\",\"sport\":443,"
            "\"daddr\":\"10.0.0.1\",\"dport\":40000,\"state\":\"ESTABLISHED\",\"reason\":\"TCP_CSUM\","
            "\"len\":232,\"cgroup_id\":0,\"netns\":0,\"owner\":\"known\",\"cookie\":11}");
  EXPECT_EQ(str_field(parse_line(lines[1]), "reason"), "10");
  EXPECT_EQ(str_field(parse_line(lines[2]), "reason"), "300");

  std::string text = run(false, [&](StatesView& v) {
    v.set_drop_reasons(reasons);
    v.on_drop(make_drop(9));
  });
  EXPECT_EQ(text,
            "22:13:20.000001    4242 nginx           10.0.0.2:443            10.0.0.1:40000          "
            "DROP           ESTABLISHED  TCP_CSUM (232 bytes)\n");
}

TEST_F(StatesViewTest, ListenOverflowLineAndJson) {
  ListenOverflowEvent e;
  e.hdr.ts_ns = 1'000;
  e.hdr.pid = 8080;
  e.hdr.tid = 8080;
  e.hdr.flags = ST_HF_OWNER_KNOWN;
  std::memcpy(e.hdr.comm.chars.data(), "nginx", 5);
  e.cookie = 12;
  e.saddr.family = AF_INET;
  e.sport = 443;
  e.netns = 3;
  e.drops = 4;
  e.total = 10;
  e.backlog = 129;
  e.max_backlog = 128;
  std::string json = run(true, [&](StatesView& v) { v.on_listen_overflow(e); });
  EXPECT_EQ(json,
            "{\"event\":\"listen_overflow\",\"ts_ns\":1700000000000001000,\"pid\":8080,\"tid\":8080,"
            "\"comm\":\"nginx\",\"proto\":\"tcp\",\"family\":4,\"saddr\":\"0.0.0.0\",\"sport\":443,"
            "\"drops\":4,\"total\":10,\"backlog\":129,\"max_backlog\":128,\"cgroup_id\":0,\"netns\":3,"
            "\"owner\":\"known\",\"cookie\":12}\n");
  std::string text = run(false, [&](StatesView& v) { v.on_listen_overflow(e); });
  EXPECT_EQ(text,
            "22:13:20.000001    8080 nginx           0.0.0.0:443             0.0.0.0:0               "
            "OVERFLOW       LISTEN       +4 (10 in all) backlog 129/128\n");
}

TEST(ConnectOutcome, FromTheTransitionAndTheSocketError) {
  EXPECT_EQ(connect_outcome(kTcpEstablished, 0), "established");
  EXPECT_EQ(connect_outcome(kTcpClose, ECONNREFUSED), "refused");
  EXPECT_EQ(connect_outcome(kTcpClose, ETIMEDOUT), "timeout");
  EXPECT_EQ(connect_outcome(kTcpClose, EHOSTUNREACH), "unreachable");
  EXPECT_EQ(connect_outcome(kTcpClose, ENETUNREACH), "unreachable");
  EXPECT_EQ(connect_outcome(kTcpClose, ECONNRESET), "reset");
  EXPECT_EQ(connect_outcome(kTcpClose, 0), "aborted");
  EXPECT_EQ(connect_outcome(kTcpClose, EPERM), "error");
}

TEST_F(StatesViewTest, ConnectObjectFollowsEachSynSentExit) {
  std::string text = run(true, [&](StatesView& v) {
    v.on_state(make_event(1, 1'000, kTcpClose, kTcpSynSent, 40000));
    StateEvent refused = make_event(1, 3'001'000, kTcpSynSent, kTcpClose, 0);  // port cleared at unhash
    refused.sk_err = ECONNREFUSED;
    v.on_state(refused);
    v.on_state(make_event(2, 5'000, kTcpSynSent, kTcpEstablished, 40001));  // start not seen
  }, true);
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2],
            "{\"event\":\"connect\",\"ts_ns\":1700000000003001000,\"pid\":4242,\"tid\":4243,\"comm\":\"curl\","
            "\"sk\":\"0xffff888012345678\",\"proto\":\"tcp\",\"family\":4,\"saddr\":\"127.0.0.1\",\"sport\":40000,"
            "\"daddr\":\"10.1.2.3\",\"dport\":443,\"outcome\":\"refused\",\"dur_ns\":3000000,"
            "\"errno\":\"ECONNREFUSED\",\"cgroup_id\":77,\"netns\":4026531840,\"owner\":\"known\",\"cookie\":1}");
  JsonFields ok = parse_line(lines[4]);
  EXPECT_EQ(str_field(ok, "event"), "connect");
  EXPECT_EQ(str_field(ok, "outcome"), "established");
  EXPECT_TRUE(is_null(ok, "dur_ns"));
  EXPECT_TRUE(is_null(ok, "errno"));
}

TEST_F(StatesViewTest, TextLinesOfRetransResetAndConnect) {
  std::string text = run(false, [](StatesView& v) {
    v.set_rst_reasons({"NOT_SPECIFIED", "NO_SOCKET"});
    v.on_retrans(make_retrans(5, 1'000, 1));
    RetransEvent synack = make_retrans(6, 1'000, 1);
    synack.synack = true;
    synack.kernel_count = 2;
    synack.state = kTcpSynRecv;
    synack.rto_us = 0;
    v.on_retrans(synack);
    v.on_reset(make_reset(ResetEvent::Dir::kSent, 1));
    v.on_reset(make_reset(ResetEvent::Dir::kReceived, std::nullopt));
    v.on_state(make_event(1, 1'000, kTcpClose, kTcpSynSent, 40000));
    StateEvent timeout = make_event(1, 3'000'001'000, kTcpSynSent, kTcpClose, 40000);
    timeout.sk_err = ETIMEDOUT;
    v.on_state(timeout);
  }, true);
  auto lines = split_lines(text);
  ASSERT_EQ(lines.size(), 7u);
  const std::string who = "22:13:20.000001    4242 curl            127.0.0.1:40000         10.1.2.3:443            ";
  EXPECT_EQ(lines[0], who + "RETRANS        ESTABLISHED  #1 rto 204.00ms");
  EXPECT_EQ(lines[1], who + "RETRANS        SYN_RECV     #2 rto ? (SYN-ACK)");
  EXPECT_EQ(lines[2],
            "22:13:20.000001       - ?               127.0.0.1:1             127.0.0.2:2             "
            "RST sent       CLOSE        NO_SOCKET");
  EXPECT_EQ(lines[3],
            "22:13:20.000001       - ?               127.0.0.1:1             127.0.0.2:2             "
            "RST received   CLOSE");
  EXPECT_EQ(lines[5].substr(0, 15), "22:13:23.000001");
  EXPECT_EQ(lines[6],
            "22:13:23.000001    4242 curl            127.0.0.1:40000         10.1.2.3:443            "
            "CONNECT        timeout      3.000s (ETIMEDOUT)");
}

}  // namespace
}  // namespace socktrace
