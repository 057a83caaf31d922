#include "core/json_read.h"

namespace socktrace {

namespace {

bool json_digit(char c) { return c >= '0' && c <= '9'; }

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

void JsonReader::blanks() {
  while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
}

JsonReader::Kind JsonReader::next() {
  if (!ok_) return Kind::kInvalid;
  blanks();
  if (i_ >= s_.size()) return Kind::kInvalid;
  switch (s_[i_]) {
    case 'n': return Kind::kNull;
    case 't':
    case 'f': return Kind::kBool;
    case '"': return Kind::kString;
    case '[': return Kind::kArray;
    case '{': return Kind::kObject;
    default: return s_[i_] == '-' || json_digit(s_[i_]) ? Kind::kNumber : Kind::kInvalid;
  }
}

bool JsonReader::enter() {
  if (++depth_ > max_depth_) return fail();
  ++i_;  // the '{' or '['
  return true;
}

bool JsonReader::object(const std::function<bool(const std::string&)>& member) {
  if (next() != Kind::kObject || !enter()) return fail();
  blanks();
  if (i_ < s_.size() && s_[i_] == '}') {
    ++i_;
    --depth_;
    return true;
  }
  std::string key;
  for (;;) {
    blanks();
    if (!string(key)) return fail();
    blanks();
    if (i_ >= s_.size() || s_[i_] != ':') return fail();
    ++i_;
    if (!member(key) || !ok_) return fail();
    blanks();
    if (i_ >= s_.size()) return fail();
    if (s_[i_] == '}') break;
    if (s_[i_] != ',') return fail();
    ++i_;
  }
  ++i_;
  --depth_;
  return true;
}

bool JsonReader::array(const std::function<bool()>& item) {
  if (next() != Kind::kArray || !enter()) return fail();
  blanks();
  if (i_ < s_.size() && s_[i_] == ']') {
    ++i_;
    --depth_;
    return true;
  }
  for (;;) {
    if (!item() || !ok_) return fail();
    blanks();
    if (i_ >= s_.size()) return fail();
    if (s_[i_] == ']') break;
    if (s_[i_] != ',') return fail();
    ++i_;
  }
  ++i_;
  --depth_;
  return true;
}

bool JsonReader::hex4(unsigned& out) {
  if (s_.size() - i_ < 4) return false;
  out = 0;
  for (int k = 0; k < 4; ++k) {
    char c = s_[i_++];
    unsigned v = json_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
    if (v > 15) return false;
    out = out * 16 + v;
  }
  return true;
}

// One well-formed UTF-8 sequence at i_ (no overlong forms, no surrogates,
// nothing past U+10FFFF), consumed.
bool JsonReader::utf8() {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s_[i_ + k]); };
  unsigned char c = b(0);
  std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n == 0 || s_.size() - i_ < n) return false;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(k) & 0xc0) != 0x80) return false;
  if (c == 0xe0 && b(1) < 0xa0) return false;  // overlong
  if (c == 0xed && b(1) > 0x9f) return false;  // a surrogate
  if (c == 0xf0 && b(1) < 0x90) return false;  // overlong
  if (c == 0xf4 && b(1) > 0x8f) return false;  // past U+10FFFF
  i_ += n;
  return true;
}

bool JsonReader::string(std::string& out) {
  out.clear();
  if (next() != Kind::kString) return fail();
  ++i_;
  while (i_ < s_.size()) {
    auto c = static_cast<unsigned char>(s_[i_]);
    if (c == '"') {
      ++i_;
      return true;
    }
    if (c < 0x20) return fail();
    if (c >= 0x80) {
      std::size_t from = i_;
      if (!utf8()) return fail();
      out.append(s_.substr(from, i_ - from));
      continue;
    }
    ++i_;
    if (c != '\\') {
      out += static_cast<char>(c);
      continue;
    }
    if (i_ >= s_.size()) return fail();
    char e = s_[i_++];
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned cp = 0;
        if (!hex4(cp)) return fail();
        if (cp >= 0xdc00 && cp <= 0xdfff) return fail();  // a low surrogate alone
        if (cp >= 0xd800 && cp <= 0xdbff) {
          unsigned low = 0;
          if (s_.size() - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u') return fail();
          i_ += 2;
          if (!hex4(low) || low < 0xdc00 || low > 0xdfff) return fail();
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(out, cp);
        break;
      }
      default: return fail();
    }
  }
  return fail();  // unterminated
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool JsonReader::number() {
  auto digits = [&] {
    std::size_t from = i_;
    while (i_ < s_.size() && json_digit(s_[i_])) ++i_;
    return i_ > from;
  };
  if (i_ < s_.size() && s_[i_] == '-') ++i_;
  if (i_ < s_.size() && s_[i_] == '0')
    ++i_;
  else if (!digits())
    return fail();
  if (i_ < s_.size() && s_[i_] == '.') {
    ++i_;
    if (!digits()) return fail();
  }
  if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
    ++i_;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
    if (!digits()) return fail();
  }
  return true;
}

bool JsonReader::literal(std::string_view word) {
  if (s_.substr(i_, word.size()) != word) return fail();
  i_ += word.size();
  return true;
}

bool JsonReader::skip() {
  std::string ignored;
  switch (next()) {
    case Kind::kNull: return literal("null");
    case Kind::kBool: return s_[i_] == 't' ? literal("true") : literal("false");
    case Kind::kNumber: return number();
    case Kind::kString: return string(ignored);
    case Kind::kArray: return array([this] { return skip(); });
    case Kind::kObject: return object([this](const std::string&) { return skip(); });
    case Kind::kInvalid: break;
  }
  return fail();
}

bool JsonReader::end() {
  if (!ok_) return false;
  blanks();
  return i_ == s_.size() || fail();
}

}  // namespace socktrace
