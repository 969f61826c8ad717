#include "services/analysis/analyzer/taxonomy.h"

#include <array>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "re2/re2.h"
#include "services/analysis/analyzer/embedded_taxonomy.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::analysis {
namespace {

constexpr std::array<absl::string_view, kMaxCategory + 1> kCategoryNames = {
    "FINDING_CATEGORY_UNSPECIFIED", "BINDING_ARBITRATION",
    "CLASS_ACTION_WAIVER",          "AUTOMATIC_RENEWAL",
    "UNILATERAL_CHANGES",           "DATA_SALE_OR_SHARING",
    "INDEFINITE_DATA_RETENTION",    "TRACKING_AND_PROFILING",
    "BROAD_CONTENT_LICENSE",        "LIABILITY_LIMITATION",
    "USER_INDEMNIFICATION",         "TERMINATION_WITHOUT_NOTICE",
    "DISTANT_GOVERNING_LAW",        "NO_REFUNDS",
    "ACCOUNT_DELETION_OBSTACLES",   "PRICE_CHANGES_WITHOUT_NOTICE",
};

constexpr std::array<absl::string_view, 5> kSeverityNames = {
    "SEVERITY_UNSPECIFIED", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

absl::Status LineError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("taxonomy line ", line, ": ", message));
}

absl::Status CheckRegex(const std::string& regex, int line) {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  RE2 re(regex, options);
  if (!re.ok()) {
    return LineError(line, absl::StrCat("bad pattern: ", re.error()));
  }
  return absl::OkStatus();
}

std::vector<std::string> LowerWords(absl::string_view value) {
  std::vector<std::string> words;
  for (absl::string_view w :
       absl::StrSplit(value, absl::ByAnyChar(" \t"), absl::SkipEmpty())) {
    words.push_back(absl::AsciiStrToLower(w));
  }
  return words;
}

// Applies one `key value` line inside a category block.
absl::Status ApplyCategoryKey(absl::string_view key, absl::string_view value,
                              int line, CategoryRules& rules) {
  if (key == "severity") {
    std::optional<Severity> severity = SeverityFromName(value);
    if (!severity) return LineError(line, absl::StrCat("bad severity ", value));
    if (rules.base_severity != Severity::kUnspecified) {
      return LineError(line, "severity given twice");
    }
    rules.base_severity = *severity;
    return absl::OkStatus();
  }
  if (key == "explanation") {
    if (!rules.explanation.empty()) rules.explanation += ' ';
    absl::StrAppend(&rules.explanation, value);
    return absl::OkStatus();
  }
  std::vector<Pattern>* target = nullptr;
  if (key == "trigger") target = &rules.triggers;
  if (key == "risky_negation") target = &rules.risky_negations;
  if (key == "suppress") target = &rules.suppressors;
  if (key == "aggravate") target = &rules.aggravators;
  if (key == "mitigate") target = &rules.mitigators;
  if (target == nullptr) {
    return LineError(line, absl::StrCat("unknown key in category: ", key));
  }
  Pattern pattern{std::string(value), line};
  absl::Status status = CheckRegex(pattern.regex, line);
  if (!status.ok()) return status;
  target->push_back(std::move(pattern));
  return absl::OkStatus();
}

absl::Status ApplyHeaderKey(absl::string_view key, absl::string_view value,
                            int line, Taxonomy& taxonomy, bool& saw_format) {
  if (key == "format") {
    if (value != "1") return LineError(line, "unsupported format (want 1)");
    saw_format = true;
    return absl::OkStatus();
  }
  if (key == "version") {
    taxonomy.version = std::string(value);
    return absl::OkStatus();
  }
  if (key == "negation_window") {
    int window = 0;
    if (!absl::SimpleAtoi(value, &window) || window < 1 || window > 20) {
      return LineError(line, "negation_window must be 1..20");
    }
    taxonomy.negation_window = window;
    return absl::OkStatus();
  }
  if (key == "negation_cue") {
    for (std::string& w : LowerWords(value)) {
      taxonomy.negation_cues.push_back(std::move(w));
    }
    return absl::OkStatus();
  }
  if (key == "negation_exempt") {
    taxonomy.negation_exemptions.push_back(LowerWords(value));
    return absl::OkStatus();
  }
  if (key == "clause_break") {
    for (std::string& w : LowerWords(value)) {
      taxonomy.clause_breaks.push_back(std::move(w));
    }
    return absl::OkStatus();
  }
  std::vector<Pattern>* target = nullptr;
  if (key == "global_aggravate") target = &taxonomy.global_aggravators;
  if (key == "global_mitigate") target = &taxonomy.global_mitigators;
  if (target == nullptr) {
    return LineError(line,
                     absl::StrCat("unknown key before categories: ", key));
  }
  Pattern pattern{std::string(value), line};
  absl::Status status = CheckRegex(pattern.regex, line);
  if (!status.ok()) return status;
  target->push_back(std::move(pattern));
  return absl::OkStatus();
}

absl::Status ValidateCategory(const CategoryRules& rules, int line) {
  if (rules.base_severity == Severity::kUnspecified) {
    return LineError(line, "category has no severity");
  }
  if (rules.explanation.empty()) {
    return LineError(line, "category has no explanation");
  }
  if (rules.triggers.empty() && rules.risky_negations.empty()) {
    return LineError(line, "category has no trigger");
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view CategoryName(Category category) {
  int i = static_cast<int>(category);
  if (i < 0 || i > kMaxCategory) return kCategoryNames[0];
  return kCategoryNames[i];
}

std::optional<Category> CategoryFromName(absl::string_view name) {
  for (int i = 1; i <= kMaxCategory; ++i) {
    if (kCategoryNames[i] == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

absl::string_view SeverityName(Severity severity) {
  int i = static_cast<int>(severity);
  if (i < 0 || i >= static_cast<int>(kSeverityNames.size())) {
    return kSeverityNames[0];
  }
  return kSeverityNames[i];
}

std::optional<Severity> SeverityFromName(absl::string_view name) {
  for (size_t i = 1; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

absl::StatusOr<Taxonomy> ParseTaxonomy(absl::string_view text) {
  Taxonomy taxonomy;
  taxonomy.sha256_hex = crypto::Sha256Hex(text);
  bool saw_format = false;
  bool seen[kMaxCategory + 1] = {};
  int block_line = 0;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    size_t split = line.find_first_of(" \t");
    absl::string_view key = line.substr(0, split);
    absl::string_view value =
        split == absl::string_view::npos
            ? absl::string_view()
            : absl::StripAsciiWhitespace(line.substr(split));
    if (value.empty()) return LineError(line_number, "missing value");
    absl::Status status;
    if (key == "category") {
      if (!taxonomy.categories.empty()) {
        status = ValidateCategory(taxonomy.categories.back(), block_line);
        if (!status.ok()) return status;
      }
      std::optional<Category> category = CategoryFromName(value);
      if (!category) {
        return LineError(line_number, absl::StrCat("unknown category ", value));
      }
      if (seen[static_cast<int>(*category)]) {
        return LineError(line_number,
                         absl::StrCat("duplicate category ", value));
      }
      seen[static_cast<int>(*category)] = true;
      taxonomy.categories.emplace_back().category = *category;
      block_line = line_number;
      continue;
    }
    if (taxonomy.categories.empty()) {
      status = ApplyHeaderKey(key, value, line_number, taxonomy, saw_format);
    } else {
      status =
          ApplyCategoryKey(key, value, line_number, taxonomy.categories.back());
    }
    if (!status.ok()) return status;
  }
  if (!saw_format) return absl::InvalidArgumentError("taxonomy: no `format 1`");
  if (taxonomy.version.empty()) {
    return absl::InvalidArgumentError("taxonomy: no `version`");
  }
  if (taxonomy.categories.empty()) {
    return absl::InvalidArgumentError("taxonomy: no categories");
  }
  absl::Status status =
      ValidateCategory(taxonomy.categories.back(), block_line);
  if (!status.ok()) return status;
  return taxonomy;
}

absl::StatusOr<Taxonomy> LoadTaxonomyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return ParseTaxonomy(contents.str());
}

absl::string_view EmbeddedTaxonomyText() {
  return absl::string_view(internal::kEmbeddedTaxonomy,
                           internal::kEmbeddedTaxonomySize);
}

absl::StatusOr<Taxonomy> DefaultTaxonomy() {
  return ParseTaxonomy(EmbeddedTaxonomyText());
}

}  // namespace fineprint::analysis
