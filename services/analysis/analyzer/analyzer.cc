#include "services/analysis/analyzer/analyzer.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"
#include "re2/set.h"
#include "services/analysis/analyzer/finding_builder.h"
#include "services/analysis/analyzer/negation.h"
#include "services/analysis/analyzer/scoring.h"
#include "services/analysis/analyzer/segmenter.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::analysis {
namespace {

// Generous budgets: the sets hold every pattern of a family, and running out
// of DFA memory would force the (correct but slow) fallback below.
constexpr int64_t kSetMaxMem = int64_t{64} << 20;
constexpr int64_t kRegexMaxMem = int64_t{8} << 20;
// A trigger may occur several times in one sentence with only the first
// ones negated; looking further than this is not worth the time.
constexpr int kMaxOccurrences = 8;

enum class ModifierKind { kSuppress, kAggravate, kMitigate };

struct TriggerRule {
  size_t category_index;
  bool risky_negation;
  std::unique_ptr<RE2> re;
};

struct ModifierRule {
  int category_index;  // -1: applies to every category
  ModifierKind kind;
  std::unique_ptr<RE2> re;
};

RE2::Options PatternOptions(int64_t max_mem) {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  options.set_max_mem(max_mem);
  return options;
}

re2::StringPiece Piece(absl::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

absl::Status CompileInto(const Pattern& pattern, RE2::Set& set,
                         std::unique_ptr<RE2>& re) {
  re = std::make_unique<RE2>(pattern.regex, PatternOptions(kRegexMaxMem));
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "taxonomy line ", pattern.line, ": bad pattern: ", re->error()));
  }
  std::string error;
  if (set.Add(Piece(pattern.regex), &error) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("taxonomy line ", pattern.line, ": ", error));
  }
  return absl::OkStatus();
}

// Indices of the set's patterns matching `s`, sorted. If the DFA runs out of
// memory (pathological input) every pattern becomes a candidate and the
// individual regexes decide, so results never depend on the budget.
void MatchSet(const RE2::Set& set, size_t size, absl::string_view s,
              std::vector<int>& hits) {
  hits.clear();
  RE2::Set::ErrorInfo info;
  if (!set.Match(Piece(s), &hits, &info) && info.kind != RE2::Set::kNoError) {
    hits.resize(size);
    std::iota(hits.begin(), hits.end(), 0);
  }
  std::sort(hits.begin(), hits.end());
}

// Calls `fn(begin, end)` for successive matches of `re` in `s` until it
// returns true or kMaxOccurrences were seen. With `overlapping`, the next
// search starts just after the previous match's start, so a long match
// (a negated "sell ... partners") cannot hide a later one ("share ...
// partners") that begins inside it.
template <typename Fn>
void ForEachMatch(const RE2& re, absl::string_view s, bool overlapping, Fn fn) {
  re2::StringPiece text = Piece(s);
  size_t pos = 0;
  for (int n = 0; n < kMaxOccurrences && pos <= s.size(); ++n) {
    re2::StringPiece m;
    if (!re.Match(text, pos, s.size(), RE2::UNANCHORED, &m, 1)) return;
    size_t b = static_cast<size_t>(m.data() - s.data());
    size_t e = b + m.size();
    if (fn(b, e)) return;
    pos = e > b && !overlapping ? e : b + 1;
  }
}

}  // namespace

struct Analyzer::Rules {
  Taxonomy taxonomy;
  std::vector<TriggerRule> triggers;
  std::unique_ptr<RE2::Set> trigger_set;
  std::vector<ModifierRule> modifiers;
  std::unique_ptr<RE2::Set> modifier_set;
  std::unique_ptr<NegationDetector> negation;
};

// A taxonomy built in code has no source text to hash; hash a canonical
// dump instead so the version still changes with the rules.
std::string RulesHash(const Taxonomy& t) {
  if (!t.sha256_hex.empty()) return t.sha256_hex;
  std::string dump = absl::StrCat(t.version, "\n", t.negation_window, "\n");
  auto add = [&dump](absl::string_view key,
                     const std::vector<Pattern>& patterns) {
    for (const Pattern& p : patterns)
      absl::StrAppend(&dump, key, " ", p.regex, "\n");
  };
  for (const std::string& w : t.negation_cues)
    absl::StrAppend(&dump, "cue ", w, "\n");
  for (const auto& phrase : t.negation_exemptions) {
    absl::StrAppend(&dump, "exempt ", absl::StrJoin(phrase, " "), "\n");
  }
  for (const std::string& w : t.clause_breaks)
    absl::StrAppend(&dump, "break ", w, "\n");
  add("global_aggravate", t.global_aggravators);
  add("global_mitigate", t.global_mitigators);
  for (const CategoryRules& c : t.categories) {
    absl::StrAppend(&dump, "category ", CategoryName(c.category), " ",
                    SeverityName(c.base_severity), " ", c.explanation, "\n");
    add("trigger", c.triggers);
    add("risky_negation", c.risky_negations);
    add("suppress", c.suppressors);
    add("aggravate", c.aggravators);
    add("mitigate", c.mitigators);
  }
  return crypto::Sha256Hex(dump);
}

Analyzer::Analyzer(std::unique_ptr<const Rules> rules)
    : rules_(std::move(rules)) {
  const Taxonomy& t = rules_->taxonomy;
  version_ = absl::StrCat(t.version, "+", RulesHash(t).substr(0, 12), ".e",
                          kEngineRevision);
}

Analyzer::~Analyzer() = default;

const Taxonomy& Analyzer::taxonomy() const { return rules_->taxonomy; }

absl::StatusOr<std::unique_ptr<Analyzer>> Analyzer::CreateDefault() {
  absl::StatusOr<Taxonomy> taxonomy = DefaultTaxonomy();
  if (!taxonomy.ok()) return taxonomy.status();
  return Create(*taxonomy);
}

absl::StatusOr<std::unique_ptr<Analyzer>> Analyzer::CreateFromRulesFile(
    const std::string& rules_file) {
  if (rules_file.empty()) return CreateDefault();
  absl::StatusOr<Taxonomy> taxonomy = LoadTaxonomyFile(rules_file);
  if (!taxonomy.ok()) return taxonomy.status();
  return Create(*taxonomy);
}

absl::StatusOr<std::unique_ptr<Analyzer>> Analyzer::Create(
    const Taxonomy& taxonomy) {
  if (taxonomy.categories.empty()) {
    return absl::InvalidArgumentError("taxonomy has no categories");
  }
  auto rules = std::make_unique<Rules>();
  rules->taxonomy = taxonomy;
  rules->trigger_set =
      std::make_unique<RE2::Set>(PatternOptions(kSetMaxMem), RE2::UNANCHORED);
  rules->modifier_set =
      std::make_unique<RE2::Set>(PatternOptions(kSetMaxMem), RE2::UNANCHORED);
  auto add_modifiers = [&](const std::vector<Pattern>& patterns, int category,
                           ModifierKind kind) -> absl::Status {
    for (const Pattern& p : patterns) {
      ModifierRule& rule = rules->modifiers.emplace_back();
      rule.category_index = category;
      rule.kind = kind;
      absl::Status status = CompileInto(p, *rules->modifier_set, rule.re);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  };
  absl::Status status =
      add_modifiers(taxonomy.global_aggravators, -1, ModifierKind::kAggravate);
  if (status.ok()) {
    status =
        add_modifiers(taxonomy.global_mitigators, -1, ModifierKind::kMitigate);
  }
  for (size_t i = 0; i < taxonomy.categories.size() && status.ok(); ++i) {
    const CategoryRules& c = taxonomy.categories[i];
    for (bool risky : {false, true}) {
      for (const Pattern& p : risky ? c.risky_negations : c.triggers) {
        TriggerRule& rule = rules->triggers.emplace_back();
        rule.category_index = i;
        rule.risky_negation = risky;
        status.Update(CompileInto(p, *rules->trigger_set, rule.re));
      }
    }
    int ci = static_cast<int>(i);
    status.Update(add_modifiers(c.suppressors, ci, ModifierKind::kSuppress));
    status.Update(add_modifiers(c.aggravators, ci, ModifierKind::kAggravate));
    status.Update(add_modifiers(c.mitigators, ci, ModifierKind::kMitigate));
  }
  if (!status.ok()) return status;
  if (!rules->trigger_set->Compile()) {
    return absl::ResourceExhaustedError(
        "trigger patterns too large to compile");
  }
  // An empty RE2::Set does not compile; the analyser then skips modifiers.
  if (!rules->modifiers.empty() && !rules->modifier_set->Compile()) {
    return absl::ResourceExhaustedError(
        "modifier patterns too large to compile");
  }
  NegationRules negation{taxonomy.negation_cues, taxonomy.negation_exemptions,
                         taxonomy.clause_breaks, taxonomy.negation_window};
  rules->negation = std::make_unique<NegationDetector>(negation);
  return std::unique_ptr<Analyzer>(new Analyzer(std::move(rules)));
}

void Analyzer::MatchTriggerSet(absl::string_view text,
                               std::vector<int>* hits) const {
  MatchSet(*rules_->trigger_set, rules_->triggers.size(), text, *hits);
}

absl::StatusOr<AnalysisResult> Analyzer::Analyze(
    absl::string_view text, const AnalyzeOptions& options) const {
  AnalysisResult result;
  result.analyzer_version = version_;
  std::vector<Section> sections = SegmentText(text);
  result.section_count = sections.size();
  for (const Section& section : sections) {
    if (options.progress) {
      int percent = static_cast<int>(section.range.begin * 100 / text.size());
      if (!options.progress(std::min(percent, 99), section.title)) {
        return absl::CancelledError("analysis cancelled");
      }
    }
    for (const TextRange& sentence : section.sentences) {
      AnalyzeSentence(text, sentence.begin, sentence.end, section.title,
                      options, result.findings);
    }
    result.sentence_count += section.sentences.size();
  }
  if (options.progress && !options.progress(100, "")) {
    return absl::CancelledError("analysis cancelled");
  }
  std::sort(result.findings.begin(), result.findings.end(),
            [](const Finding& a, const Finding& b) {
              if (a.severity != b.severity) return a.severity > b.severity;
              if (a.start != b.start) return a.start < b.start;
              if (a.category != b.category) return a.category < b.category;
              return a.end < b.end;
            });
  result.score = ScoreFindings(result.findings);
  result.grade = GradeForScore(result.score);
  return result;
}

void Analyzer::AnalyzeSentence(absl::string_view text, size_t begin, size_t end,
                               absl::string_view section,
                               const AnalyzeOptions& options,
                               std::vector<Finding>& findings) const {
  const Rules& r = *rules_;
  absl::string_view s = text.substr(begin, end - begin);
  thread_local std::vector<int> hits;
  MatchSet(*r.trigger_set, r.triggers.size(), s, hits);
  if (hits.empty()) return;

  // Modifiers (suppressors included) are only worth matching in sentences
  // that have a trigger at all, which is a small minority.
  const size_t categories = r.taxonomy.categories.size();
  absl::InlinedVector<bool, kMaxCategory> suppressed(categories, false);
  thread_local std::vector<int> modifier_hits;
  modifier_hits.clear();
  if (!r.modifiers.empty()) {
    MatchSet(*r.modifier_set, r.modifiers.size(), s, modifier_hits);
    for (int h : modifier_hits) {
      const ModifierRule& m = r.modifiers[h];
      // The set's hit is exact; no need to locate a veto.
      if (m.kind == ModifierKind::kSuppress)
        suppressed[m.category_index] = true;
    }
  }

  // All trigger occurrences per category, then the earliest one that is
  // neither negated itself nor inside the clause scope of a negated one.
  struct Occurrence {
    size_t begin;
    size_t end;
    bool negated;
    bool risky;
  };
  absl::InlinedVector<absl::InlinedVector<Occurrence, 2>, kMaxCategory>
      occurrences(categories);
  for (int h : hits) {
    const TriggerRule& t = r.triggers[h];
    if (suppressed[t.category_index]) continue;
    ForEachMatch(*t.re, s, /*overlapping=*/true, [&](size_t b, size_t e) {
      bool negated = !t.risky_negation && r.negation->IsNegated(s, b, e);
      occurrences[t.category_index].push_back(
          {b, e, negated, t.risky_negation});
      // Later occurrences of this trigger cannot be the earliest finding.
      return !negated;
    });
  }
  struct Located {
    bool found = false;
    size_t begin = 0;
    size_t end = 0;
  };
  absl::InlinedVector<Located, kMaxCategory> located(categories);
  absl::InlinedVector<TextRange, 4> scopes;
  for (size_t ci = 0; ci < occurrences.size(); ++ci) {
    scopes.clear();
    for (const Occurrence& n : occurrences[ci]) {
      if (n.negated)
        scopes.push_back({n.begin, r.negation->ClauseEnd(s, n.begin)});
    }
    for (const Occurrence& o : occurrences[ci]) {
      if (o.negated) continue;
      bool in_scope = false;
      for (const TextRange& scope : scopes) {
        in_scope = in_scope ||
                   (!o.risky && scope.begin <= o.begin && o.begin < scope.end);
      }
      Located& best = located[ci];
      if (!in_scope && (!best.found || o.begin < best.begin ||
                        (o.begin == best.begin && o.end < best.end))) {
        best = {true, o.begin, o.end};
      }
    }
  }

  bool any_located = false;
  for (const Located& loc : located) any_located = any_located || loc.found;
  if (!any_located) return;

  // Locate only the modifiers that can apply to a confirmed finding.
  std::vector<ModifierSpan> spans;
  for (int h : modifier_hits) {
    const ModifierRule& m = r.modifiers[h];
    if (m.kind == ModifierKind::kSuppress) continue;
    if (m.category_index >= 0 && !located[m.category_index].found) continue;
    ForEachMatch(*m.re, s, /*overlapping=*/false, [&](size_t b, size_t e) {
      // A negated mitigator ("you cannot opt out") mitigates nothing. One
      // usable occurrence is enough to move the severity.
      if (r.negation->IsNegated(s, b, e)) return false;
      spans.push_back(
          {b, e, m.category_index, m.kind == ModifierKind::kAggravate});
      return true;
    });
  }

  for (size_t ci = 0; ci < located.size(); ++ci) {
    const Located& loc = located[ci];
    if (!loc.found) continue;
    const CategoryRules& rules = r.taxonomy.categories[ci];
    Finding f;
    ResolveModifiers(s, spans, static_cast<int>(ci), loc.begin, loc.end,
                     f.aggravators, f.mitigators);
    f.category = rules.category;
    f.base_severity = rules.base_severity;
    f.severity = AdjustSeverity(rules.base_severity, !f.aggravators.empty(),
                                !f.mitigators.empty());
    f.match_start = begin + loc.begin;
    f.match_end = begin + loc.end;
    TextRange quote =
        QuoteRange(text, {begin, end}, {f.match_start, f.match_end},
                   options.max_quote_bytes);
    f.start = quote.begin;
    f.end = quote.end;
    f.quote = std::string(text.substr(quote.begin, quote.size()));
    f.section = std::string(section);
    f.explanation =
        ExplainSeverity(rules.explanation, f.aggravators, f.mitigators);
    findings.push_back(std::move(f));
  }
}

}  // namespace fineprint::analysis
