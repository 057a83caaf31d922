// The tests' one JSON reader: socktrace's own strict reader (core/json_read.h,
// RFC 8259) turned into what a test asserts on, a line's top-level fields.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_read.h"

namespace socktrace::testing {

// One top-level member: its kind and its text (a string unescaped; any other
// value, nested objects and arrays included, as written).
struct JsonField {
  JsonReader::Kind kind;
  std::string text;
};
using JsonFields = std::map<std::string, JsonField>;

// The members of `line`, one JSON object and nothing else on one line;
// nothing when it is not that (bad syntax or UTF-8, a newline, a repeated
// key).
inline std::optional<JsonFields> parse_json_object(std::string_view line) {
  if (line.find('\n') != std::string_view::npos) return std::nullopt;
  JsonReader r(line);
  JsonFields out;
  bool ok = r.next() == JsonReader::Kind::kObject && r.object([&](const std::string& key) {
    JsonField f{r.next(), {}};
    if (f.kind == JsonReader::Kind::kString) {
      if (!r.string(f.text)) return false;
    } else {
      std::size_t start = r.offset();
      if (!r.skip()) return false;
      f.text = std::string(line.substr(start, r.offset() - start));
    }
    return out.emplace(key, std::move(f)).second;
  });
  if (!ok || !r.end()) return std::nullopt;
  return out;
}

// Whether `line` is one JSON object on one line (what every JSON line
// socktrace writes must be).
inline bool is_json_object_line(std::string_view line) { return parse_json_object(line).has_value(); }

}  // namespace socktrace::testing
