#ifndef FINEPRINT_SERVICES_MONITORING_NORMALIZE_H_
#define FINEPRINT_SERVICES_MONITORING_NORMALIZE_H_

// The text change detection compares: Unicode NFC, whitespace collapsed,
// blank lines and lines matching an ignore rule dropped. Two fetches that
// differ only in markup, spacing or an ignored "Last updated: ..." line
// normalise to the same bytes, hence the same SHA-256.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace fineprint::monitoring {

inline constexpr int kMaxIgnorePatterns = 20;
inline constexpr size_t kMaxIgnorePatternBytes = 512;

// Compiled ignore rules.
class IgnoreRules {
 public:
  // INVALID_ARGUMENT naming the first pattern that does not compile.
  static absl::StatusOr<IgnoreRules> Compile(
      const std::vector<std::string>& patterns);
  IgnoreRules() = default;

  bool Matches(absl::string_view line) const;

 private:
  std::vector<std::shared_ptr<const RE2>> rules_;
};

// Why `pattern` is not a usable ignore rule, or "" if it is.
std::string IgnorePatternProblem(absl::string_view pattern);

// NFC, each run of Unicode white space one ASCII space, lines trimmed,
// blank and ignored lines dropped, lines joined with '\n'. `text` must be
// UTF-8 (invalid sequences become U+FFFD).
std::string Normalize(absl::string_view text, const IgnoreRules& ignore);

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_NORMALIZE_H_
