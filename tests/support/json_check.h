// Shared by the fuzz target and the integration tests.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace socktrace {

// A strict JSON syntax check (RFC 8259), enough to tell a line a JSON parser
// would reject.
class JsonCheck {
 public:
  explicit JsonCheck(std::string_view s) : s_(s) {}
  bool object_line() {
    if (!object()) return false;
    return i_ == s_.size();
  }

 private:
  bool ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    return true;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool string() {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    ++i_;
    while (i_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i_ >= s_.size()) return false;
        char e = s_[i_];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k)
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) return false;
          i_ += 4;
        } else if (!std::strchr("\"\\/bfnrt", e)) {
          return false;
        }
        ++i_;
        continue;
      }
      if (c >= 0x80 && !utf8()) return false;
      if (c < 0x80) ++i_;
    }
    return false;
  }
  // One well-formed UTF-8 sequence at i_ (JSON text must be UTF-8).
  bool utf8() {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
    unsigned char c = b(0);
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (!n || i_ + n > s_.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((b(k) & 0xc0) != 0x80) return false;
    i_ += n;
    return true;
  }
  bool number() {
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
    if (s_[i_] == '0' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1]))) return false;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[i_]))) return false;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    return i_ > start;
  }
  bool value() {
    ws();
    if (i_ >= s_.size()) return false;
    bool ok;
    switch (s_[i_]) {
      case '{': ok = object(); break;
      case '[': ok = array(); break;
      case '"': ok = string(); break;
      case 't': ok = lit("true"); break;
      case 'f': ok = lit("false"); break;
      case 'n': ok = lit("null"); break;
      default: ok = number();
    }
    return ok && ws();
  }
  bool object() {
    if (++depth_ > 64 || i_ >= s_.size() || s_[i_] != '{') return false;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, --depth_, true;
    while (true) {
      ws();
      if (!string()) return false;
      ws();
      if (!lit(":") || !value()) return false;
      if (lit(",")) continue;
      if (!lit("}")) return false;
      --depth_;
      return true;
    }
  }
  bool array() {
    if (++depth_ > 64) return false;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, --depth_, true;
    while (true) {
      if (!value()) return false;
      if (lit(",")) continue;
      if (!lit("]")) return false;
      --depth_;
      return true;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace socktrace
