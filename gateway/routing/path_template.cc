#include "gateway/routing/path_template.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/routing/path_codec.h"

namespace fineprint::gateway::routing {
namespace {

bool IsLiteralChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '+':
    case ',':
    case ';':
    case '=':
    case '@':
    case ':':
    case '%':
      return true;
    default:
      return false;
  }
}

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<PathTemplate> Parse() {
    if (text_.empty() || text_[0] != '/') {
      return Error(0, "must start with '/'");
    }
    end_ = text_.size();
    SplitVerb();
    if (end_ < text_.size()) {
      absl::string_view verb = text_.substr(end_ + 1);
      if (verb.empty()) return Error(end_, "empty custom verb");
      for (size_t i = 0; i < verb.size(); ++i) {
        if (!IsLiteralChar(verb[i]) || verb[i] == ':') {
          return Error(end_ + 1 + i, "invalid character in custom verb");
        }
      }
      auto decoded = PercentDecodeAll(verb);
      if (!decoded) return Error(end_ + 1, "malformed percent escape in verb");
      out_.verb = *std::move(decoded);
    }
    pos_ = 1;
    if (end_ == 1) {
      if (!out_.verb.empty()) return Error(1, "custom verb needs a segment");
      return std::move(out_);  // "/" alone: the root.
    }
    if (absl::Status s = ParseSegments(/*in_variable=*/false); !s.ok())
      return s;
    if (pos_ != end_) return Error(pos_, "unexpected character");
    for (size_t i = 0; i + 1 < out_.segments.size(); ++i) {
      if (out_.segments[i].kind == TemplateSegment::Kind::kMulti) {
        return Error(0, "'**' must be the last segment");
      }
    }
    return std::move(out_);
  }

 private:
  absl::Status Error(size_t at, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid path template \"", text_, "\" at offset ", at, ": ", what));
  }

  // The verb is a ':' outside braces after the last '/' outside braces.
  void SplitVerb() {
    int depth = 0;
    size_t last_slash = 0;
    size_t last_colon = std::string::npos;
    for (size_t i = 0; i < text_.size(); ++i) {
      char c = text_[i];
      if (c == '{') ++depth;
      if (c == '}') --depth;
      if (depth != 0) continue;
      if (c == '/') last_slash = i;
      if (c == ':') last_colon = i;
    }
    if (last_colon != std::string::npos && last_colon > last_slash) {
      end_ = last_colon;
    }
  }

  bool Peek(char c) const { return pos_ < end_ && text_[pos_] == c; }

  absl::Status ParseSegments(bool in_variable) {
    while (true) {
      if (absl::Status s = ParseSegment(in_variable); !s.ok()) return s;
      if (!Peek('/')) return absl::OkStatus();
      ++pos_;
    }
  }

  absl::Status ParseSegment(bool in_variable) {
    if (pos_ >= end_) return Error(pos_, "expected a segment");
    if (Peek('*')) {
      ++pos_;
      TemplateSegment seg;
      seg.kind = TemplateSegment::Kind::kSingle;
      if (Peek('*')) {
        ++pos_;
        seg.kind = TemplateSegment::Kind::kMulti;
      }
      if (pos_ < end_ && text_[pos_] != '/' && text_[pos_] != '}') {
        return Error(pos_, "wildcard must fill the whole segment");
      }
      out_.segments.push_back(std::move(seg));
      return absl::OkStatus();
    }
    if (Peek('{')) {
      if (in_variable) return Error(pos_, "variables cannot nest");
      return ParseVariable();
    }
    size_t start = pos_;
    while (pos_ < end_ && IsLiteralChar(text_[pos_])) ++pos_;
    if (pos_ == start) {
      return Error(pos_, absl::StrCat("unexpected character '",
                                      text_.substr(pos_, 1), "'"));
    }
    auto literal = PercentDecodeAll(text_.substr(start, pos_ - start));
    if (!literal) return Error(start, "malformed percent escape");
    if (*literal == "." || *literal == "..") {
      return Error(start, "'.' and '..' segments are not allowed");
    }
    if (literal->find('/') != std::string::npos) {
      return Error(start, "encoded '/' in a literal");
    }
    TemplateSegment seg;
    seg.literal = *std::move(literal);
    out_.segments.push_back(std::move(seg));
    return absl::OkStatus();
  }

  absl::Status ParseVariable() {
    size_t open = pos_++;
    TemplateVariable var;
    while (true) {
      size_t start = pos_;
      if (pos_ < end_ &&
          (absl::ascii_isalpha(static_cast<unsigned char>(text_[pos_])) ||
           text_[pos_] == '_')) {
        ++pos_;
        while (pos_ < end_ &&
               (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) ||
                text_[pos_] == '_')) {
          ++pos_;
        }
      }
      if (pos_ == start) return Error(pos_, "expected a field name");
      var.field_path.emplace_back(text_.substr(start, pos_ - start));
      if (!Peek('.')) break;
      ++pos_;
    }
    std::string joined = absl::StrJoin(var.field_path, ".");
    if (!seen_.insert(joined).second) {
      return Error(open, absl::StrCat("field \"", joined, "\" bound twice"));
    }
    var.start_segment = static_cast<int>(out_.segments.size());
    if (Peek('=')) {
      ++pos_;
      if (absl::Status s = ParseSegments(/*in_variable=*/true); !s.ok())
        return s;
    } else {
      TemplateSegment seg;
      seg.kind = TemplateSegment::Kind::kSingle;
      out_.segments.push_back(std::move(seg));
    }
    if (!Peek('}')) return Error(pos_, "expected '}'");
    ++pos_;
    var.end_segment = static_cast<int>(out_.segments.size());
    var.multi_segment = var.end_segment - var.start_segment > 1;
    for (int i = var.start_segment; i < var.end_segment; ++i) {
      if (out_.segments[i].kind == TemplateSegment::Kind::kMulti) {
        var.multi_segment = true;
      }
    }
    out_.variables.push_back(std::move(var));
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
  size_t end_ = 0;  // end of the segments, before any verb
  PathTemplate out_;
  std::set<std::string> seen_;
};

// Literals are stored decoded; print them so that they parse back.
std::string EncodeLiteral(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsLiteralChar(c) && c != '%' && c != ':') {
      out += c;
    } else {
      absl::StrAppend(
          &out, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

std::string SegmentText(const TemplateSegment& seg) {
  switch (seg.kind) {
    case TemplateSegment::Kind::kSingle:
      return "*";
    case TemplateSegment::Kind::kMulti:
      return "**";
    case TemplateSegment::Kind::kLiteral:
      break;
  }
  return EncodeLiteral(seg.literal);
}

}  // namespace

absl::StatusOr<PathTemplate> ParsePathTemplate(absl::string_view text) {
  return Parser(text).Parse();
}

std::string PathTemplate::ToString() const {
  std::string out;
  for (size_t i = 0; i < segments.size();) {
    out += '/';
    const TemplateVariable* var = nullptr;
    for (const auto& v : variables) {
      if (v.start_segment == static_cast<int>(i)) var = &v;
    }
    if (var == nullptr) {
      out += SegmentText(segments[i++]);
      continue;
    }
    absl::StrAppend(&out, "{", absl::StrJoin(var->field_path, "."));
    bool plain = var->end_segment - var->start_segment == 1 &&
                 segments[i].kind == TemplateSegment::Kind::kSingle;
    if (!plain) {
      out += '=';
      for (int j = var->start_segment; j < var->end_segment; ++j) {
        if (j > var->start_segment) out += '/';
        out += SegmentText(segments[j]);
      }
    }
    out += '}';
    i = var->end_segment;
  }
  if (segments.empty()) out = "/";
  if (!verb.empty()) absl::StrAppend(&out, ":", EncodeLiteral(verb));
  return out;
}

std::string PathTemplate::Shape() const {
  std::string out;
  for (const auto& seg : segments) absl::StrAppend(&out, "/", SegmentText(seg));
  if (segments.empty()) out = "/";
  if (!verb.empty()) absl::StrAppend(&out, ":", verb);
  return out;
}

}  // namespace fineprint::gateway::routing
