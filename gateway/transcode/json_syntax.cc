#include "gateway/transcode/json_syntax.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace fineprint::gateway::transcode {
namespace {

class Checker {
 public:
  Checker(absl::string_view s, int max_depth) : s_(s), max_depth_(max_depth) {}

  absl::Status Run() {
    SkipSpace();
    if (!Value(0)) return Error();
    SkipSpace();
    if (pos_ != s_.size()) {
      what_ = "unexpected data after the JSON value";
      return Error();
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Error() const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON request body: ", what_, " at line ", line,
                     ", column ", col, " (byte ", pos_, ")"));
  }

  bool Fail(const char* what) {
    what_ = what;
    return false;
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  void SkipSpace() {
    while (!AtEnd() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                        s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Value(int depth) {
    if (AtEnd()) return Fail("unexpected end of input, expected a value");
    switch (s_[pos_]) {
      case '{':
        return Object(depth + 1);
      case '[':
        return Array(depth + 1);
      case '"':
        return String();
      case 't':
        return Word("true");
      case 'f':
        return Word("false");
      case 'n':
        return Word("null");
      default:
        return Number();
    }
  }

  bool Word(absl::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return Fail("invalid literal");
    pos_ += w.size();
    return true;
  }

  bool Number() {
    size_t start = pos_;
    if (!AtEnd() && s_[pos_] == '-') ++pos_;
    if (AtEnd() || !isdigit(static_cast<unsigned char>(s_[pos_]))) {
      pos_ = start;
      return Fail("expected a value");
    }
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (!AtEnd() && isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    if (!AtEnd() && s_[pos_] == '.') {
      ++pos_;
      if (AtEnd() || !isdigit(static_cast<unsigned char>(s_[pos_]))) {
        return Fail("expected a digit after '.'");
      }
      while (!AtEnd() && isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    if (!AtEnd() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (!AtEnd() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (AtEnd() || !isdigit(static_cast<unsigned char>(s_[pos_]))) {
        return Fail("expected a digit in the exponent");
      }
      while (!AtEnd() && isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    return true;
  }

  bool String() {
    ++pos_;  // opening quote
    while (!AtEnd()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character in string");
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) break;
        char e = s_[pos_];
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i) {
            if (pos_ + i >= s_.size() ||
                !isxdigit(static_cast<unsigned char>(s_[pos_ + i]))) {
              return Fail("invalid \\u escape");
            }
          }
          pos_ += 4;
        } else if (std::string("\"\\/bfnrt").find(e) == std::string::npos) {
          return Fail("invalid escape");
        }
      }
      ++pos_;
    }
    return Fail("unterminated string");
  }

  bool Object(int depth) {
    if (depth > max_depth_) return Fail("nesting too deep");
    ++pos_;
    SkipSpace();
    if (!AtEnd() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (AtEnd() || s_[pos_] != '"') return Fail("expected a member name");
      if (!String()) return false;
      SkipSpace();
      if (AtEnd() || s_[pos_] != ':') return Fail("expected ':'");
      ++pos_;
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input, expected ',' or '}'");
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') return Fail("expected ',' or '}'");
      ++pos_;
    }
  }

  bool Array(int depth) {
    if (depth > max_depth_) return Fail("nesting too deep");
    ++pos_;
    SkipSpace();
    if (!AtEnd() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (!Value(depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input, expected ',' or ']'");
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') return Fail("expected ',' or ']'");
      ++pos_;
    }
  }

  absl::string_view s_;
  const int max_depth_;
  size_t pos_ = 0;
  const char* what_ = "";
};

}  // namespace

absl::Status CheckJsonSyntax(absl::string_view json, int max_depth) {
  return Checker(json, max_depth).Run();
}

}  // namespace fineprint::gateway::transcode
