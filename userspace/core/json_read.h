// A strict JSON reader (RFC 8259) for the container runtimes' state files
// that name containers (runtime_names.h). Those files are untrusted input: the
// reader walks the text without building a tree (a file of a million tiny
// values costs no memory), nests at most `max_depth` levels, throws nothing,
// and once it meets an error every later call fails, so a caller can chain
// calls and look at the result once.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace socktrace {

class JsonReader {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject, kInvalid };

  explicit JsonReader(std::string_view text, int max_depth = 64) : s_(text), max_depth_(max_depth) {}

  // The kind of the value at the cursor (kInvalid at an error or the end).
  Kind next();
  // An object: `member(key)` is called at each member with the cursor at its
  // value, which it must consume (a read or skip()); it returns false to fail
  // the read. A repeated key is passed again.
  bool object(const std::function<bool(const std::string& key)>& member);
  // An array: `item()` at each element, which it must consume.
  bool array(const std::function<bool()>& item);
  // A string, unescaped (\uXXXX, surrogate pairs included, as UTF-8).
  bool string(std::string& out);
  // Any value, checked and thrown away.
  bool skip();
  // Only blanks are left, and nothing failed: the whole text was one value.
  bool end();
  bool ok() const { return ok_; }
  // Where the cursor is in the text (after next(): where the value starts).
  std::size_t offset() const { return i_; }

 private:
  bool fail() { return ok_ = false; }
  void blanks();
  bool literal(std::string_view word);
  bool number();
  bool hex4(unsigned& out);
  bool utf8();
  bool enter();
  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;
  int max_depth_;
  bool ok_ = true;
};

}  // namespace socktrace
