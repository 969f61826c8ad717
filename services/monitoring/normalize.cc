#include "services/monitoring/normalize.h"

#include "absl/strings/str_cat.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"

namespace fineprint::monitoring {

std::string IgnorePatternProblem(absl::string_view pattern) {
  if (pattern.empty()) return "must not be empty";
  if (pattern.size() > kMaxIgnorePatternBytes) {
    return absl::StrCat("longer than ", kMaxIgnorePatternBytes, " bytes");
  }
  if (pattern.find('\n') != absl::string_view::npos) return "must be one line";
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re.ok()) return absl::StrCat("not a valid RE2 expression: ", re.error());
  return "";
}

absl::StatusOr<IgnoreRules> IgnoreRules::Compile(
    const std::vector<std::string>& patterns) {
  IgnoreRules rules;
  for (const std::string& pattern : patterns) {
    if (std::string problem = IgnorePatternProblem(pattern); !problem.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ignore pattern \"", pattern, "\": ", problem));
    }
    RE2::Options options;
    options.set_log_errors(false);
    rules.rules_.push_back(std::make_shared<const RE2>(pattern, options));
  }
  return rules;
}

bool IgnoreRules::Matches(absl::string_view line) const {
  for (const auto& rule : rules_) {
    if (RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *rule))
      return true;
  }
  return false;
}

std::string Normalize(absl::string_view text, const IgnoreRules& ignore) {
  UErrorCode error = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString normalized;
  if (U_SUCCESS(error)) normalized = nfc->normalize(source, error);
  if (U_FAILURE(error)) normalized = source;

  std::string out;
  icu::UnicodeString line;
  auto flush = [&]() {
    line.trim();
    if (!line.isEmpty()) {
      std::string utf8;
      line.toUTF8String(utf8);
      if (!ignore.Matches(utf8)) {
        if (!out.empty()) out.push_back('\n');
        out += utf8;
      }
    }
    line.remove();
  };
  bool pending_space = false;
  for (int32_t i = 0; i < normalized.length();) {
    const UChar32 c = normalized.char32At(i);
    i += U16_LENGTH(c);
    if (c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x0B ||
        c == 0x0C || c == 0x85) {
      flush();
      pending_space = false;
      continue;
    }
    if (u_isUWhiteSpace(c) || c == 0x200B || c == 0xFEFF) {
      pending_space = true;
      continue;
    }
    if (u_iscntrl(c)) continue;
    if (pending_space && !line.isEmpty()) line.append(static_cast<UChar>(' '));
    pending_space = false;
    line.append(c);
  }
  flush();
  return out;
}

}  // namespace fineprint::monitoring
