#include "services/analysis/analyzer/taxonomy.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "services/runtime/crypto/sha256.h"

namespace fineprint::analysis {
namespace {

constexpr char kMinimal[] =
    "format 1\n"
    "version test-v1\n"
    "category NO_REFUNDS\n"
    "severity MEDIUM\n"
    "explanation No money back.\n"
    "trigger \\bnon-?refundable\\b\n";

TEST(TaxonomyTest, EmbeddedTaxonomyCoversEveryCategory) {
  absl::StatusOr<Taxonomy> taxonomy = DefaultTaxonomy();
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  EXPECT_EQ(taxonomy->version, "rules-v1");
  ASSERT_EQ(taxonomy->categories.size(), static_cast<size_t>(kMaxCategory));
  for (int i = 1; i <= kMaxCategory; ++i) {
    bool present = false;
    for (const CategoryRules& c : taxonomy->categories) {
      present = present || c.category == static_cast<Category>(i);
      EXPECT_FALSE(c.explanation.empty());
      EXPECT_NE(c.base_severity, Severity::kUnspecified);
    }
    EXPECT_TRUE(present) << CategoryName(static_cast<Category>(i));
  }
  EXPECT_FALSE(taxonomy->negation_cues.empty());
  EXPECT_FALSE(taxonomy->global_aggravators.empty());
  EXPECT_FALSE(taxonomy->global_mitigators.empty());
}

TEST(TaxonomyTest, EmbeddedTextIsTheDataFile) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  ASSERT_NE(srcdir, nullptr);
  absl::StatusOr<Taxonomy> from_file = LoadTaxonomyFile(
      std::string(srcdir) +
      "/fineprint/services/analysis/analyzer/taxonomy/v1/taxonomy.rules");
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->sha256_hex, crypto::Sha256Hex(EmbeddedTaxonomyText()));
}

TEST(TaxonomyTest, ParsesMinimalFile) {
  absl::StatusOr<Taxonomy> taxonomy = ParseTaxonomy(kMinimal);
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  ASSERT_EQ(taxonomy->categories.size(), 1u);
  const CategoryRules& c = taxonomy->categories[0];
  EXPECT_EQ(c.category, Category::kNoRefunds);
  EXPECT_EQ(c.base_severity, Severity::kMedium);
  EXPECT_EQ(c.explanation, "No money back.");
  ASSERT_EQ(c.triggers.size(), 1u);
  EXPECT_EQ(c.triggers[0].regex, "\\bnon-?refundable\\b");
  EXPECT_EQ(c.triggers[0].line, 6);
  EXPECT_EQ(taxonomy->sha256_hex, crypto::Sha256Hex(kMinimal));
}

TEST(TaxonomyTest, ParsesHeaderKeysAndMultiLineExplanations) {
  absl::StatusOr<Taxonomy> taxonomy = ParseTaxonomy(
      "# comment\n\nformat 1\nversion v\nnegation_window 3\n"
      "negation_cue not  never\nnegation_exempt not limited\n"
      "clause_break but\nglobal_aggravate \\bat any time\\b\n"
      "global_mitigate \\bopt out\\b\n"
      "category NO_REFUNDS\nseverity LOW\nexplanation One\nexplanation two.\n"
      "risky_negation \\bnot refundable\\b\nsuppress x\naggravate y\nmitigate "
      "z\n");
  ASSERT_TRUE(taxonomy.ok()) << taxonomy.status();
  EXPECT_EQ(taxonomy->negation_window, 3);
  EXPECT_EQ(taxonomy->negation_cues,
            (std::vector<std::string>{"not", "never"}));
  ASSERT_EQ(taxonomy->negation_exemptions.size(), 1u);
  EXPECT_EQ(taxonomy->negation_exemptions[0],
            (std::vector<std::string>{"not", "limited"}));
  EXPECT_EQ(taxonomy->categories[0].explanation, "One two.");
  EXPECT_EQ(taxonomy->categories[0].risky_negations.size(), 1u);
  EXPECT_EQ(taxonomy->categories[0].suppressors.size(), 1u);
}

void ExpectError(const std::string& text, const std::string& fragment) {
  absl::StatusOr<Taxonomy> taxonomy = ParseTaxonomy(text);
  ASSERT_FALSE(taxonomy.ok()) << text;
  EXPECT_EQ(taxonomy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(taxonomy.status().message().find(fragment), std::string::npos)
      << taxonomy.status();
}

TEST(TaxonomyTest, RejectsMalformedFiles) {
  ExpectError(
      "version v\ncategory NO_REFUNDS\nseverity LOW\nexplanation e\ntrigger "
      "x\n",
      "format");
  ExpectError(std::string(kMinimal) + "trigger (unclosed\n",
              "line 7: bad pattern");
  ExpectError(std::string(kMinimal) + "colour red\n", "line 7: unknown key");
  ExpectError(std::string(kMinimal) + "category NO_REFUNDS\n", "duplicate");
  ExpectError(std::string(kMinimal) + "category NOT_A_THING\n",
              "unknown category");
  ExpectError(std::string(kMinimal) + "severity HIGH\n",
              "severity given twice");
  ExpectError(std::string(kMinimal) + "severity\n", "missing value");
  ExpectError(
      "format 1\nversion v\ncategory NO_REFUNDS\nexplanation e\ntrigger x\n",
      "no severity");
  ExpectError(
      "format 1\nversion v\ncategory NO_REFUNDS\nseverity LOW\ntrigger x\n",
      "no explanation");
  ExpectError(
      "format 1\nversion v\ncategory NO_REFUNDS\nseverity LOW\nexplanation e\n",
      "no trigger");
  ExpectError("format 2\n", "unsupported format");
  ExpectError("format 1\nversion v\n", "no categories");
  ExpectError("format 1\nnegation_window 0\n", "negation_window");
}

TEST(TaxonomyTest, LoadMissingFileIsNotFound) {
  EXPECT_EQ(LoadTaxonomyFile("/nonexistent/taxonomy.rules").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(TaxonomyTest, NamesRoundTrip) {
  for (int i = 1; i <= kMaxCategory; ++i) {
    Category c = static_cast<Category>(i);
    EXPECT_EQ(CategoryFromName(CategoryName(c)), c);
  }
  EXPECT_EQ(CategoryName(Category::kNoRefunds), "NO_REFUNDS");
  EXPECT_FALSE(CategoryFromName("FINDING_CATEGORY_UNSPECIFIED").has_value());
  EXPECT_EQ(SeverityFromName("CRITICAL"), Severity::kCritical);
  EXPECT_FALSE(SeverityFromName("SEVERITY_UNSPECIFIED").has_value());
}

}  // namespace
}  // namespace fineprint::analysis
