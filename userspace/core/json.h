// A small JSON-lines writer appending to a reused buffer: no allocation per
// event once the buffer has grown.
#pragma once

#include <cstdint>
#include <string_view>

#include <fmt/format.h>

namespace socktrace {

// Appends `s` as a JSON string literal (quotes included), escaping control
// characters and bytes that are not valid UTF-8 as \u00XX.
void append_json_string(fmt::memory_buffer& out, std::string_view s);

class JsonObject {
 public:
  explicit JsonObject(fmt::memory_buffer& out) : out_(out) { out_.push_back('{'); }
  JsonObject& field(std::string_view key, std::string_view value);
  JsonObject& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonObject& field(std::string_view key, uint64_t value);
  JsonObject& field(std::string_view key, int64_t value);
  JsonObject& field(std::string_view key, uint32_t value) { return field(key, uint64_t{value}); }
  JsonObject& field(std::string_view key, int value) { return field(key, int64_t{value}); }
  JsonObject& field(std::string_view key, bool value);
  JsonObject& null_field(std::string_view key);
  // `json` must already be valid JSON (an object or array built elsewhere).
  JsonObject& raw_field(std::string_view key, std::string_view json);
  // Starts the value of `key` and returns the buffer to write it to: one
  // JSON value (a nested JsonObject closed with end(), an array...).
  fmt::memory_buffer& value(std::string_view key);
  // Closes the object and ends the line.
  void end_line();
  // Closes the object without ending the line (a nested object).
  void end() { out_.push_back('}'); }

 private:
  void key(std::string_view k);
  fmt::memory_buffer& out_;
  bool first_ = true;
};

// A JSON array written in place, as JsonObject: numbers, or nested values
// started with next() (a JsonObject closed with end()).
class JsonArray {
 public:
  explicit JsonArray(fmt::memory_buffer& out) : out_(out) { out_.push_back('['); }
  JsonArray& item(uint64_t value);
  JsonArray& item(int64_t value);
  JsonArray& item(int32_t value) { return item(int64_t{value}); }
  // Starts the next item and returns the buffer to write it to.
  fmt::memory_buffer& next();
  void end() { out_.push_back(']'); }

 private:
  fmt::memory_buffer& out_;
  bool first_ = true;
};

// One `event:"lost"` line (docs/design.md): `count` events lost at `where`,
// reported at `epoch_ns`. Every view writes its losses with it.
void append_lost_json(fmt::memory_buffer& out, uint64_t epoch_ns, uint64_t count, std::string_view where);

}  // namespace socktrace
