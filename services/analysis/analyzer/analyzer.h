#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_ANALYZER_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_ANALYZER_H_

// The deterministic clause analyser: segments a legal text, finds risky
// clauses with the taxonomy's patterns, scores them, and explains why.
//
// Matching runs one compiled RE2::Set over each sentence per pattern family
// (triggers; suppressors+modifiers); individual RE2s then only locate the
// spans in sentences the set hit. An Analyzer is immutable after Create and
// safe for concurrent Analyze calls.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/analysis/analyzer/analysis_result.h"
#include "services/analysis/analyzer/taxonomy.h"

namespace fineprint::analysis {

// Bumped whenever the engine's behaviour changes for the same rules, so the
// version (the service's result-cache key) moves with it.
inline constexpr int kEngineRevision = 1;

struct AnalyzeOptions {
  // Called before each section with the share of bytes done so far (0-99)
  // and the section's title, and once at the end with (100, ""). Returning
  // false cancels the analysis: Analyze returns CANCELLED.
  std::function<bool(int percent, absl::string_view section)> progress;
  // Sentences longer than this are quoted as a window around the trigger.
  size_t max_quote_bytes = 600;
};

class Analyzer {
 public:
  // INVALID_ARGUMENT if a pattern does not compile or the taxonomy is empty.
  static absl::StatusOr<std::unique_ptr<Analyzer>> Create(
      const Taxonomy& taxonomy);
  // With the taxonomy embedded in the binary.
  static absl::StatusOr<std::unique_ptr<Analyzer>> CreateDefault();
  // With the taxonomy in `rules_file`, or the embedded one if it is empty:
  // for the tools that measure candidate rules.
  static absl::StatusOr<std::unique_ptr<Analyzer>> CreateFromRulesFile(
      const std::string& rules_file);

  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;
  ~Analyzer();

  // Fails only with CANCELLED (from the progress callback). The text should
  // be valid UTF-8 (see services/runtime/text/utf8.h); invalid bytes are
  // analysed as they are.
  absl::StatusOr<AnalysisResult> Analyze(
      absl::string_view text, const AnalyzeOptions& options = {}) const;

  // "<taxonomy version>+<first 12 hex of the data's SHA-256>.e<revision>",
  // e.g. "rules-v1+3f2a9c1b7d4e.e1".
  const std::string& version() const { return version_; }
  const Taxonomy& taxonomy() const;

  // The bare trigger RE2::Set over `text` (indices of the patterns that
  // match); the benchmark's baseline for raw matching throughput.
  void MatchTriggerSet(absl::string_view text, std::vector<int>* hits) const;

 private:
  struct Rules;
  explicit Analyzer(std::unique_ptr<const Rules> rules);

  void AnalyzeSentence(absl::string_view text, size_t begin, size_t end,
                       absl::string_view section, const AnalyzeOptions& options,
                       std::vector<Finding>& findings) const;

  std::unique_ptr<const Rules> rules_;
  std::string version_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_ANALYZER_H_
