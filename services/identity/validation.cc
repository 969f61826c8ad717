#include "services/identity/validation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::identity {
namespace {

bool HasControlCharacters(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsLocalPartChar(char c) {
  return absl::ascii_isalnum(c) || absl::StrContains("._%+-'", c);
}

bool IsDomainLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!absl::ascii_isalnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string NormalizeEmail(absl::string_view field, absl::string_view email,
                           std::vector<status::FieldViolation>& violations) {
  auto bad = [&](absl::string_view why) {
    violations.push_back({std::string(field), std::string(why)});
    return std::string();
  };
  if (email.empty()) return bad("required");
  if (email.size() > kMaxEmailLength) return bad("longer than 254 characters");
  const size_t at = email.find('@');
  if (at == absl::string_view::npos ||
      email.find('@', at + 1) != absl::string_view::npos) {
    return bad("must contain exactly one '@'");
  }
  absl::string_view local = email.substr(0, at);
  absl::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64 || local.front() == '.' ||
      local.back() == '.' || absl::StrContains(local, "..")) {
    return bad("invalid local part");
  }
  for (char c : local) {
    if (!IsLocalPartChar(c)) return bad("invalid character in local part");
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return bad("domain must contain a dot");
  for (absl::string_view label : labels) {
    if (!IsDomainLabel(label)) return bad("invalid domain");
  }
  if (labels.back().size() < 2 || !absl::ascii_isalpha(labels.back()[0])) {
    return bad("invalid top-level domain");
  }
  return absl::AsciiStrToLower(email);
}

void CheckPassword(absl::string_view field, absl::string_view password,
                   absl::string_view email,
                   std::vector<status::FieldViolation>& violations) {
  auto bad = [&](absl::string_view why) {
    violations.push_back({std::string(field), std::string(why)});
  };
  if (password.size() > kMaxPasswordLength) {
    return bad(absl::StrCat("at most ", kMaxPasswordLength, " bytes"));
  }
  if (text::CodePointCount(password) < kMinPasswordLength) {
    return bad(absl::StrCat("at least ", kMinPasswordLength, " characters"));
  }
  if (HasControlCharacters(password)) return bad("contains control characters");
  std::set<char> distinct(password.begin(), password.end());
  if (distinct.size() < 5) return bad("too few distinct characters");
  static const auto* common = new std::set<std::string>{
      "password123", "password1234", "1234567890",    "12345678910",
      "qwertyuiop",  "iloveyou123",  "0987654321",    "passw0rd123",
      "letmein123",  "welcome123",   "administrator", "abcdefghij",
      "qwerty12345", "changeme123"};
  const std::string lower = absl::AsciiStrToLower(password);
  if (common->count(lower) > 0) return bad("too common");
  const size_t at = email.find('@');
  absl::string_view local = email.substr(0, at);
  if (local.size() >= 4 &&
      absl::StrContains(lower, absl::AsciiStrToLower(local))) {
    return bad("must not contain the email address");
  }
}

void CheckDisplayName(absl::string_view field, absl::string_view name,
                      std::vector<status::FieldViolation>& violations,
                      bool required) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(name);
  if (trimmed.empty()) {
    if (required) violations.push_back({std::string(field), "required"});
    return;
  }
  if (text::CodePointCount(name) > kMaxDisplayNameLength) {
    violations.push_back(
        {std::string(field),
         absl::StrCat("at most ", kMaxDisplayNameLength, " characters")});
  } else if (HasControlCharacters(name)) {
    violations.push_back({std::string(field), "contains control characters"});
  }
}

}  // namespace fineprint::identity
