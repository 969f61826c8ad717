#include "services/analysis/analyzer/analyzer.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::analysis {
namespace {

class AnalyzerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto analyzer = Analyzer::CreateDefault();
    ASSERT_TRUE(analyzer.ok()) << analyzer.status();
    analyzer_ = analyzer->release();
  }
  static void TearDownTestSuite() {
    delete analyzer_;
    analyzer_ = nullptr;
  }

  static AnalysisResult Run(absl::string_view text,
                            const AnalyzeOptions& options = {}) {
    absl::StatusOr<AnalysisResult> result = analyzer_->Analyze(text, options);
    EXPECT_TRUE(result.ok()) << result.status();
    const bool valid = text::IsValidUtf8(text);
    for (const Finding& f : result->findings) {
      EXPECT_EQ(f.quote, text.substr(f.start, f.end - f.start));
      EXPECT_LE(f.start, f.match_start);
      EXPECT_LE(f.match_end, f.end);
      // Quotes never cut a character in two.
      if (valid) {
        EXPECT_TRUE(text::IsValidUtf8(f.quote)) << f.quote;
      }
    }
    return *std::move(result);
  }

  static std::vector<Category> Categories(absl::string_view text) {
    std::vector<Category> out;
    for (const Finding& f : Run(text).findings) out.push_back(f.category);
    return out;
  }

  static const Finding* Find(const AnalysisResult& r, Category c) {
    for (const Finding& f : r.findings) {
      if (f.category == c) return &f;
    }
    return nullptr;
  }

  static Analyzer* analyzer_;
};

Analyzer* AnalyzerTest::analyzer_ = nullptr;

TEST_F(AnalyzerTest, EmptyTextIsPerfect) {
  for (absl::string_view text : {"", "   \n\n  ", "# Heading only\n"}) {
    AnalysisResult r = Run(text);
    EXPECT_TRUE(r.findings.empty());
    EXPECT_EQ(r.score, 100);
    EXPECT_EQ(r.grade, Grade::kA);
    EXPECT_EQ(r.analyzer_version, analyzer_->version());
  }
}

TEST_F(AnalyzerTest, VersionNamesRulesAndDataHash) {
  const std::string& v = analyzer_->version();
  EXPECT_TRUE(absl::StartsWith(v, "rules-v1+")) << v;
  EXPECT_TRUE(absl::EndsWith(v, absl::StrCat(".e", kEngineRevision))) << v;
  EXPECT_NE(v.find(analyzer_->taxonomy().sha256_hex.substr(0, 12)),
            std::string::npos);
}

TEST_F(AnalyzerTest, NegatedClausesAreNotFindings) {
  EXPECT_TRUE(Categories("We do not sell your personal data.").empty());
  EXPECT_TRUE(Categories("We will never share your personal information with "
                         "advertisers or data brokers.")
                  .empty());
  EXPECT_TRUE(Categories("There is no binding arbitration.").empty());
  EXPECT_TRUE(
      Categories("You are not required to arbitrate disputes.").empty());
  EXPECT_TRUE(
      Categories("We will not terminate your account without notice.").empty());
  EXPECT_TRUE(
      Categories("Nothing in these terms limits our liability for fraud.")
          .empty());
}

TEST_F(AnalyzerTest, PositiveForms) {
  EXPECT_EQ(Categories("We sell your personal data to advertisers."),
            std::vector<Category>{Category::kDataSaleOrSharing});
  EXPECT_EQ(Categories("Disputes are resolved by binding arbitration."),
            std::vector<Category>{Category::kBindingArbitration});
}

TEST_F(AnalyzerTest, RiskyNegationIsAFinding) {
  EXPECT_EQ(Categories("We do not refund unused months."),
            std::vector<Category>{Category::kNoRefunds});
  EXPECT_EQ(Categories("Gift cards aren't refundable."),
            std::vector<Category>{Category::kNoRefunds});
  EXPECT_EQ(Categories("In no event shall we be liable for lost data."),
            std::vector<Category>{Category::kLiabilityLimitation});
  // Not a refund refusal: the negation belongs to another clause.
  EXPECT_TRUE(
      Categories("If you are not satisfied, we will refund you.").empty());
}

TEST_F(AnalyzerTest, NegationDoesNotCrossClauses) {
  EXPECT_EQ(
      Categories("We do not sell your personal data, but we share it with "
                 "our marketing partners."),
      std::vector<Category>{Category::kDataSaleOrSharing});
}

TEST_F(AnalyzerTest, AggravatorsRaiseSeverity) {
  AnalysisResult plain = Run("We may change our fees.");
  AnalysisResult harsh =
      Run("We may change our fees at any time in our sole discretion.");
  const Finding* p = Find(plain, Category::kPriceChangesWithoutNotice);
  const Finding* h = Find(harsh, Category::kPriceChangesWithoutNotice);
  ASSERT_NE(p, nullptr);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(p->severity, Severity::kMedium);
  EXPECT_EQ(h->severity, Severity::kHigh);
  EXPECT_EQ(h->base_severity, Severity::kMedium);
  EXPECT_EQ(h->aggravators,
            (std::vector<std::string>{"at any time", "sole discretion"}));
  EXPECT_TRUE(
      absl::StrContains(h->explanation, "Severity raised by \"at any time\""))
      << h->explanation;
  EXPECT_LT(harsh.score, plain.score);
}

TEST_F(AnalyzerTest, MitigatorsLowerSeverity) {
  const AnalysisResult r = Run("We may change our fees with 30 days' notice.");
  const Finding* f = Find(r, Category::kPriceChangesWithoutNotice);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kLow);
  EXPECT_EQ(f->mitigators, std::vector<std::string>{"30 days' notice"});
}

TEST_F(AnalyzerTest, LongestOverlappingModifierWins) {
  // "prior notice" would mitigate; "without prior notice" aggravates.
  const AnalysisResult r = Run("We may change our fees without prior notice.");
  const Finding* f = Find(r, Category::kPriceChangesWithoutNotice);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_TRUE(f->mitigators.empty());
}

TEST_F(AnalyzerTest, NegatedMitigatorDoesNotMitigate) {
  const AnalysisResult with =
      Run("We share your personal data with advertisers; "
          "you may opt out.");
  const AnalysisResult without =
      Run("We share your personal data with advertisers "
          "and you cannot opt out.");
  ASSERT_NE(Find(without, Category::kDataSaleOrSharing), nullptr);
  EXPECT_EQ(Find(without, Category::kDataSaleOrSharing)->severity,
            Severity::kHigh);
  ASSERT_NE(Find(with, Category::kDataSaleOrSharing), nullptr);
  EXPECT_EQ(Find(with, Category::kDataSaleOrSharing)->severity,
            Severity::kMedium);
}

TEST_F(AnalyzerTest, FindingsCarrySectionAndOffsets) {
  std::string text =
      "Intro.\n\n## 4. Payments\n\nPrices are fine. All fees are "
      "non-refundable.\n";
  AnalysisResult r = Run(text);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.category, Category::kNoRefunds);
  EXPECT_EQ(f.section, "4. Payments");
  EXPECT_EQ(f.quote, "All fees are non-refundable.");
  EXPECT_EQ(f.start, text.find("All fees"));
  EXPECT_EQ(text.substr(f.match_start, f.match_end - f.match_start),
            "non-refundable");
  EXPECT_FALSE(f.explanation.empty());
}

TEST_F(AnalyzerTest, OrderIsSeverityThenPosition) {
  AnalysisResult r =
      Run("All fees are non-refundable. Disputes go to binding arbitration. "
          "These terms are governed by the laws of Delaware. Fees are "
          "non-refundable.");
  ASSERT_EQ(r.findings.size(), 4u);
  EXPECT_EQ(r.findings[0].category, Category::kBindingArbitration);
  EXPECT_EQ(r.findings[1].category, Category::kNoRefunds);
  EXPECT_EQ(r.findings[2].category, Category::kNoRefunds);
  EXPECT_LT(r.findings[1].start, r.findings[2].start);
  EXPECT_EQ(r.findings[3].category, Category::kDistantGoverningLaw);
  EXPECT_EQ(r.score, 100 - 12 - (7 + 1) - 3);
  EXPECT_EQ(r.grade, Grade::kB);
}

TEST_F(AnalyzerTest, LongSentencesAreQuotedAsAWindow) {
  std::string filler;
  for (int i = 0; i < 60; ++i)
    absl::StrAppend(&filler, "and the café keeps going ");
  std::string text = absl::StrCat(
      "Blah ", filler, "so all fees are non-refundable ", filler, "end.");
  AnalyzeOptions options;
  options.max_quote_bytes = 200;
  AnalysisResult r = Run(text, options);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_LE(f.quote.size(), 200u);
  EXPECT_TRUE(absl::StrContains(f.quote, "non-refundable"));
  EXPECT_NE(f.quote.front(), ' ');
  EXPECT_NE(f.quote.back(), ' ');
}

TEST_F(AnalyzerTest, DeterministicAcrossRunsAndThreads) {
  std::string text;
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(
        &text, "## Part ", i,
        "\n\nWe may change these terms at any time. "
        "We sell your personal data to data brokers. Fees are "
        "non-refundable. We do not track you across other websites.\n\n");
  }
  AnalysisResult first = Run(text);
  ASSERT_EQ(first.findings.size(), 60u);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = analyzer_->Analyze(text);
        if (!r.ok() || r->score != first.score ||
            r->findings.size() != first.findings.size()) {
          ++mismatches;
          continue;
        }
        for (size_t k = 0; k < r->findings.size(); ++k) {
          const Finding& a = r->findings[k];
          const Finding& b = first.findings[k];
          if (a.category != b.category || a.start != b.start ||
              a.end != b.end || a.severity != b.severity ||
              a.explanation != b.explanation) {
            ++mismatches;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(AnalyzerTest, ProgressReportsSectionsAndCanCancel) {
  std::string text = "# One\nA.\n# Two\nB.\n# Three\nC.\n";
  std::vector<std::pair<int, std::string>> calls;
  AnalyzeOptions options;
  options.progress = [&](int percent, absl::string_view section) {
    calls.emplace_back(percent, std::string(section));
    return true;
  };
  ASSERT_TRUE(analyzer_->Analyze(text, options).ok());
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0], std::make_pair(0, std::string("One")));
  EXPECT_EQ(calls[1].second, "Two");
  EXPECT_EQ(calls[2].second, "Three");
  EXPECT_LT(calls[0].first, calls[1].first);
  EXPECT_LT(calls[1].first, calls[2].first);
  EXPECT_EQ(calls[3], std::make_pair(100, std::string()));

  int seen = 0;
  options.progress = [&](int, absl::string_view) { return ++seen < 2; };
  absl::StatusOr<AnalysisResult> cancelled = analyzer_->Analyze(text, options);
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(seen, 2);
}

TEST_F(AnalyzerTest, AlternativeTaxonomy) {
  absl::StatusOr<Taxonomy> taxonomy = ParseTaxonomy(
      "format 1\nversion test-v9\nnegation_cue not\n"
      "category NO_REFUNDS\nseverity CRITICAL\nexplanation Gone.\n"
      "trigger \\bkeep the money\\b\n");
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  auto analyzer = Analyzer::Create(*taxonomy);
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  EXPECT_TRUE(absl::StartsWith((*analyzer)->version(), "test-v9+"));
  auto r = (*analyzer)->Analyze("We KEEP THE MONEY. We do not keep the money.");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].severity, Severity::kCritical);
  EXPECT_EQ(r->findings[0].explanation, "Gone.");
  EXPECT_EQ(r->score, 80);
}

TEST_F(AnalyzerTest, TaxonomyBuiltInCodeStillGetsARulesHash) {
  Taxonomy t;
  t.version = "code-v1";
  CategoryRules& c = t.categories.emplace_back();
  c.category = Category::kNoRefunds;
  c.base_severity = Severity::kLow;
  c.explanation = "x";
  c.triggers.push_back({"\\bno money back\\b", 0});
  auto a = Analyzer::Create(t);
  c.triggers[0].regex = "\\bnever money back\\b";
  auto b = Analyzer::Create(t);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->version().size(), std::string("code-v1+").size() + 12 + 3);
  EXPECT_NE((*a)->version(), (*b)->version());
}

TEST_F(AnalyzerTest, CreateRejectsEmptyTaxonomyAndBadPatterns) {
  EXPECT_EQ(Analyzer::Create(Taxonomy()).status().code(),
            absl::StatusCode::kInvalidArgument);
  Taxonomy t;
  t.version = "bad";
  CategoryRules& c = t.categories.emplace_back();
  c.category = Category::kNoRefunds;
  c.base_severity = Severity::kLow;
  c.triggers.push_back({"(unclosed", 42});
  absl::Status status = Analyzer::Create(t).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "line 42")) << status;
}

TEST_F(AnalyzerTest, InvalidUtf8DoesNotCrash) {
  std::string text =
      "All fees are non-refundable \xFF\xFE. We sell your personal data \xC0.";
  AnalysisResult r = Run(text);
  EXPECT_FALSE(r.findings.empty());
}

TEST_F(AnalyzerTest, RunOnInputStaysTractable) {
  // One 600 KB "sentence" full of triggers and negations: the segmenter cuts
  // it into bounded pieces, so this takes milliseconds, not minutes.
  std::string text;
  while (text.size() < 600000) {
    text +=
        "we do not sell your personal data to advertisers and all fees are "
        "non-refundable and we may change these terms at any time ";
  }
  AnalysisResult r = Run(text);
  EXPECT_GT(r.findings.size(), 100u);
  EXPECT_EQ(r.grade, Grade::kC);
}

TEST_F(AnalyzerTest, MatchTriggerSetBaseline) {
  std::vector<int> hits;
  analyzer_->MatchTriggerSet("fees are non-refundable", &hits);
  EXPECT_FALSE(hits.empty());
  analyzer_->MatchTriggerSet("a garden party", &hits);
  EXPECT_TRUE(hits.empty());
}

}  // namespace
}  // namespace fineprint::analysis
