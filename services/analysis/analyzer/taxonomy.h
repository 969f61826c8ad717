#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_TAXONOMY_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_TAXONOMY_H_

// The clause taxonomy: which categories exist, how severe they are, and the
// patterns that find them. The rules are versioned data (see
// taxonomy/v1/taxonomy.rules for the format), so changing a pattern never
// needs a code change, and the analyser version (a hash of the data) moves
// whenever the rules do.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::analysis {

// Values equal fineprint.analysis.v1.FindingCategory; names equal the proto
// enum value names (the converter and its test hold both to that).
enum class Category : int {
  kUnspecified = 0,
  kBindingArbitration = 1,
  kClassActionWaiver = 2,
  kAutomaticRenewal = 3,
  kUnilateralChanges = 4,
  kDataSaleOrSharing = 5,
  kIndefiniteDataRetention = 6,
  kTrackingAndProfiling = 7,
  kBroadContentLicense = 8,
  kLiabilityLimitation = 9,
  kUserIndemnification = 10,
  kTerminationWithoutNotice = 11,
  kDistantGoverningLaw = 12,
  kNoRefunds = 13,
  kAccountDeletionObstacles = 14,
  kPriceChangesWithoutNotice = 15,
};
inline constexpr int kMaxCategory = 15;

// "BINDING_ARBITRATION", ...; "FINDING_CATEGORY_UNSPECIFIED" for 0.
absl::string_view CategoryName(Category category);
std::optional<Category> CategoryFromName(absl::string_view name);

// Values equal fineprint.analysis.v1.Severity; ordered, so arithmetic on the
// underlying value moves a severity up or down one step.
enum class Severity : int {
  kUnspecified = 0,
  kLow = 1,
  kMedium = 2,
  kHigh = 3,
  kCritical = 4,
};

// "LOW", "MEDIUM", "HIGH", "CRITICAL" (the data file's spelling).
absl::string_view SeverityName(Severity severity);
std::optional<Severity> SeverityFromName(absl::string_view name);

// A regular expression (RE2 syntax, matched case-insensitively) and the data
// file line it came from, for error messages.
struct Pattern {
  std::string regex;
  int line = 0;
};

struct CategoryRules {
  Category category = Category::kUnspecified;
  Severity base_severity = Severity::kUnspecified;
  std::string explanation;
  // A match is a finding unless a negation cue shortly precedes it.
  std::vector<Pattern> triggers;
  // Matches a negated wording that is itself the risk ("we do not refund");
  // negation cues never suppress it.
  std::vector<Pattern> risky_negations;
  // A match anywhere in the sentence vetoes this category for the sentence.
  std::vector<Pattern> suppressors;
  std::vector<Pattern> aggravators;
  std::vector<Pattern> mitigators;
};

struct Taxonomy {
  // Declared by the file, e.g. "rules-v1".
  std::string version;
  // Lowercase hex SHA-256 of the exact source text.
  std::string sha256_hex;
  // Lowercase words that negate a trigger a few words after them. Words
  // ending in "n't" always count.
  std::vector<std::string> negation_cues;
  // Word sequences starting with a cue that do not negate ("not limited").
  std::vector<std::vector<std::string>> negation_exemptions;
  // Words that end a clause: a cue before them does not reach past them.
  std::vector<std::string> clause_breaks;
  // How many words before a trigger a cue may stand.
  int negation_window = 5;
  std::vector<Pattern> global_aggravators;
  std::vector<Pattern> global_mitigators;
  // In file order; each category at most once.
  std::vector<CategoryRules> categories;
};

// Parses the line format documented in taxonomy/v1/taxonomy.rules. Errors
// (INVALID_ARGUMENT) name the offending line. Patterns are syntax-checked.
absl::StatusOr<Taxonomy> ParseTaxonomy(absl::string_view text);

// Reads and parses a taxonomy file (for tests and operators trying rules).
absl::StatusOr<Taxonomy> LoadTaxonomyFile(const std::string& path);

// The taxonomy compiled into the binary from taxonomy/v1/taxonomy.rules.
absl::string_view EmbeddedTaxonomyText();
absl::StatusOr<Taxonomy> DefaultTaxonomy();

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_TAXONOMY_H_
