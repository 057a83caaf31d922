// The JSON-lines writer: string escaping and whole objects.

#include "core/json.h"

#include <string>

#include <gtest/gtest.h>

namespace socktrace {
namespace {

std::string json_string(std::string_view s) {
  fmt::memory_buffer buf;
  append_json_string(buf, s);
  return fmt::to_string(buf);
}

TEST(JsonString, PlainTextIsQuoted) {
  EXPECT_EQ(json_string("curl"), R"("curl")");
  EXPECT_EQ(json_string(""), R"("")");
}

TEST(JsonString, EscapesQuoteAndBackslash) {
  EXPECT_EQ(json_string(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(json_string(R"(C:\tmp)"), R"("C:\\tmp")");
  EXPECT_EQ(json_string(R"(\")"), R"("\\\"")");
}

TEST(JsonString, EscapesControlCharacters) {
  EXPECT_EQ(json_string("a\nb"), R"("a\nb")");
  EXPECT_EQ(json_string("a\tb\rc"), R"("a\tb\rc")");
  EXPECT_EQ(json_string("\x01"), R"("\u0001")");
  EXPECT_EQ(json_string("\x1f"), R"("\u001f")");
  EXPECT_EQ(json_string("\x7f"), R"("\u007f")");
  EXPECT_EQ(json_string(std::string_view("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonString, InvalidUtf8BytesBecomeEscapes) {
  EXPECT_EQ(json_string("\xff"), R"("\u00ff")");
  EXPECT_EQ(json_string("a\xff" "b"), R"("a\u00ffb")");
  // A lone continuation byte.
  EXPECT_EQ(json_string("\x80"), R"("\u0080")");
  // A sequence cut short by the end of the string.
  EXPECT_EQ(json_string("\xe2\x82"), R"("\u00e2\u0082")");
  // A lead byte followed by ASCII instead of a continuation.
  EXPECT_EQ(json_string("\xc3" "A"), R"("\u00c3A")");
  // C0/C1 can only start overlong encodings.
  EXPECT_EQ(json_string("\xc0\xaf"), R"("\u00c0\u00af")");
}

TEST(JsonString, ValidMultibyteUtf8PassesThrough) {
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");              // é, 2 bytes
  EXPECT_EQ(json_string("\xe2\x82\xac" "5"), "\"\xe2\x82\xac" "5\"");  // €, 3 bytes
  EXPECT_EQ(json_string("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");  // U+1F600, 4 bytes
}

// Bytes F5..FF never start UTF-8; followed by two continuation bytes they must
// still be escaped, or the line is not valid UTF-8 JSON. See the report:
// utf8_sequence() in userspace/core/json.cpp treats any byte >= 0xE0 that is
// not F0..F4 as a 3-byte lead. Enable once fixed.
TEST(JsonString, BytesThatNeverStartUtf8AreEscapedEvenBeforeContinuations) {
  EXPECT_EQ(json_string("\xff\x80\x80"), R"("\u00ff\u0080\u0080")");
  EXPECT_EQ(json_string("\xf8\x88\x80"), R"("\u00f8\u0088\u0080")");
}

TEST(JsonObject, AllFieldKindsMakeOneLine) {
  fmt::memory_buffer buf;
  JsonObject o(buf);
  o.field("s", std::string_view("a\"b"))
      .field("c", "text")
      .field("u64", uint64_t{18446744073709551615ull})
      .field("i64", int64_t{-9223372036854775807 - 1})
      .field("u32", uint32_t{4294967295u})
      .field("i", -7)
      .field("t", true)
      .field("f", false)
      .null_field("n")
      .raw_field("r", "[1,2]");
  o.end_line();
  EXPECT_EQ(fmt::to_string(buf),
            "{\"s\":\"a\\\"b\",\"c\":\"text\",\"u64\":18446744073709551615,"
            "\"i64\":-9223372036854775808,\"u32\":4294967295,\"i\":-7,\"t\":true,"
            "\"f\":false,\"n\":null,\"r\":[1,2]}\n");
}

TEST(JsonObject, EmptyObject) {
  fmt::memory_buffer buf;
  JsonObject(buf).end_line();
  EXPECT_EQ(fmt::to_string(buf), "{}\n");
}

TEST(JsonObject, KeysAreEscapedToo) {
  fmt::memory_buffer buf;
  JsonObject o(buf);
  o.field("a\"b", 1);
  o.end_line();
  EXPECT_EQ(fmt::to_string(buf), "{\"a\\\"b\":1}\n");
}

TEST(JsonObject, AppendsToWhatTheBufferHolds) {
  fmt::memory_buffer buf;
  JsonObject(buf).field("n", 1).end_line();
  JsonObject(buf).field("n", 2).end_line();
  EXPECT_EQ(fmt::to_string(buf), "{\"n\":1}\n{\"n\":2}\n");
}

TEST(JsonArray, NumbersAndNestedObjectsAreCommaSeparated) {
  fmt::memory_buffer buf;
  JsonObject o(buf);
  JsonArray(o.value("empty")).end();
  JsonArray(o.value("n")).item(uint64_t{18446744073709551615ull}).item(int64_t{-1}).item(int32_t{7}).end();
  JsonArray a(o.value("objs"));
  JsonObject(a.next()).field("x", 1).end();
  JsonObject(a.next()).end();
  a.end();
  o.end_line();
  EXPECT_EQ(fmt::to_string(buf), "{\"empty\":[],\"n\":[18446744073709551615,-1,7],\"objs\":[{\"x\":1},{}]}\n");
}

}  // namespace
}  // namespace socktrace
