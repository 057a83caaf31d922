#include "core/json.h"

#include <array>
#include <cstring>

namespace socktrace {

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
  auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F))
    return 0;
  return n;
}

// Printable ASCII other than '"' and '\\': copied as it is.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();
bool plain_json_char(unsigned char c) { return kPlain[c]; }

bool all_plain(std::string_view s) {
  for (char c : s)
    if (!plain_json_char(static_cast<unsigned char>(c))) return false;
  return true;
}

// Appends before + s + after in one step (s needs no escaping).
void append_framed(fmt::memory_buffer& out, std::string_view before, std::string_view s, std::string_view after) {
  std::size_t n = out.size();
  out.resize(n + before.size() + s.size() + after.size());
  char* p = out.data() + n;
  std::memcpy(p, before.data(), before.size());
  std::memcpy(p + before.size(), s.data(), s.size());
  std::memcpy(p + before.size() + s.size(), after.data(), after.size());
}
}  // namespace

void append_json_string(fmt::memory_buffer& out, std::string_view s) {
  if (all_plain(s)) {  // nearly every string
    append_framed(out, "\"", s, "\"");
    return;
  }
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Runs of plain characters (nearly every string) in one append.
    std::size_t run = i;
    while (run < s.size() && plain_json_char(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      out.append(s.substr(i, run - i));
      i = run;
      if (i == s.size()) break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out.append(std::string_view("\\\"")); continue;
      case '\\': out.append(std::string_view("\\\\")); continue;
      case '\n': out.append(std::string_view("\\n")); continue;
      case '\t': out.append(std::string_view("\\t")); continue;
      case '\r': out.append(std::string_view("\\r")); continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (std::size_t n = utf8_sequence(s, i)) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
  }
  out.push_back('"');
}

void JsonObject::key(std::string_view k) {
  bool first = first_;
  first_ = false;
  if (all_plain(k)) {  // every key socktrace writes
    append_framed(out_, first ? std::string_view("\"") : std::string_view(",\""), k, "\":");
    return;
  }
  if (!first) out_.push_back(',');
  append_json_string(out_, k);
  out_.push_back(':');
}

JsonObject& JsonObject::field(std::string_view k, std::string_view value) {
  key(k);
  append_json_string(out_, value);
  return *this;
}

JsonObject& JsonObject::field(std::string_view k, uint64_t value) {
  key(k);
  fmt::format_int digits(value);
  out_.append(digits.data(), digits.data() + digits.size());
  return *this;
}

JsonObject& JsonObject::field(std::string_view k, int64_t value) {
  key(k);
  fmt::format_int digits(value);
  out_.append(digits.data(), digits.data() + digits.size());
  return *this;
}

JsonObject& JsonObject::field(std::string_view k, bool value) {
  key(k);
  out_.append(value ? std::string_view("true") : std::string_view("false"));
  return *this;
}

JsonObject& JsonObject::null_field(std::string_view k) {
  key(k);
  out_.append(std::string_view("null"));
  return *this;
}

JsonObject& JsonObject::raw_field(std::string_view k, std::string_view json) {
  key(k);
  out_.append(json);
  return *this;
}

fmt::memory_buffer& JsonObject::value(std::string_view k) {
  key(k);
  return out_;
}

void JsonObject::end_line() {
  out_.push_back('}');
  out_.push_back('\n');
}

fmt::memory_buffer& JsonArray::next() {
  if (!first_) out_.push_back(',');
  first_ = false;
  return out_;
}

JsonArray& JsonArray::item(uint64_t value) {
  fmt::format_int digits(value);
  next().append(digits.data(), digits.data() + digits.size());
  return *this;
}

JsonArray& JsonArray::item(int64_t value) {
  fmt::format_int digits(value);
  next().append(digits.data(), digits.data() + digits.size());
  return *this;
}

void append_lost_json(fmt::memory_buffer& out, uint64_t epoch_ns, uint64_t count, std::string_view where) {
  JsonObject o(out);
  o.field("event", "lost")
      .field("ts_ns", epoch_ns)
      .field("pid", 0)
      .field("tid", 0)
      .field("comm", "")
      .field("count", count)
      .field("where", where)
      .end_line();
}

}  // namespace socktrace
