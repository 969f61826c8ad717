// Runs the analyser over the sample documents in testdata/ and checks each
// against its sidecar `<name>.expected`: one `CATEGORY<TAB>quote substring`
// per line. Recall: every expected line is matched by a finding of that
// category whose quote contains the substring. Precision: no finding has a
// category the sidecar does not list.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "services/analysis/analyzer/analyzer.h"

namespace fineprint::analysis {
namespace {

std::string TestdataDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string base = srcdir != nullptr ? srcdir : ".";
  return base + "/fineprint/services/analysis/analyzer/testdata";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Expectation {
  Category category;
  std::string substring;
};

std::vector<Expectation> ParseExpected(const std::string& text) {
  std::vector<Expectation> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts =
        absl::StrSplit(line, absl::MaxSplits('\t', 1));
    std::optional<Category> category = CategoryFromName(parts[0]);
    EXPECT_TRUE(category.has_value()) << "bad category in sidecar: " << line;
    EXPECT_EQ(parts.size(), 2u) << "no quote substring: " << line;
    if (!category || parts.size() != 2) continue;
    out.push_back({*category, parts[1]});
  }
  return out;
}

std::vector<std::string> Documents() {
  std::vector<std::string> docs;
  for (const auto& entry : std::filesystem::directory_iterator(TestdataDir())) {
    std::string ext = entry.path().extension().string();
    if (ext == ".txt" || ext == ".md") docs.push_back(entry.path().string());
  }
  std::sort(docs.begin(), docs.end());
  return docs;
}

TEST(CorpusTest, PrecisionAndRecallPerDocument) {
  auto analyzer = Analyzer::CreateDefault();
  ASSERT_TRUE(analyzer.ok()) << analyzer.status();
  std::vector<std::string> docs = Documents();
  ASSERT_GE(docs.size(), 12u);

  int expected_total = 0, expected_found = 0;
  int findings_total = 0, findings_expected = 0;
  for (const std::string& path : docs) {
    SCOPED_TRACE(path);
    std::string text = ReadFile(path);
    ASSERT_FALSE(text.empty());
    std::string sidecar = path.substr(0, path.rfind('.')) + ".expected";
    ASSERT_TRUE(std::filesystem::exists(sidecar)) << "missing " << sidecar;
    std::vector<Expectation> expected = ParseExpected(ReadFile(sidecar));

    auto result = (*analyzer)->Analyze(text);
    ASSERT_TRUE(result.ok()) << result.status();
    std::set<Category> expected_categories;
    for (const Expectation& e : expected) {
      expected_categories.insert(e.category);
      ++expected_total;
      bool found = std::any_of(result->findings.begin(), result->findings.end(),
                               [&](const Finding& f) {
                                 return f.category == e.category &&
                                        absl::StrContains(f.quote, e.substring);
                               });
      expected_found += found ? 1 : 0;
      EXPECT_TRUE(found) << "missed " << CategoryName(e.category) << ": "
                         << e.substring;
    }
    for (const Finding& f : result->findings) {
      ++findings_total;
      bool ok = expected_categories.count(f.category) > 0;
      findings_expected += ok ? 1 : 0;
      EXPECT_TRUE(ok) << "unexpected " << CategoryName(f.category) << ": "
                      << f.quote;
      EXPECT_EQ(f.quote, text.substr(f.start, f.end - f.start));
    }
  }
  std::printf(
      "corpus: %zu documents; recall %d/%d expected findings; "
      "precision %d/%d findings in expected categories\n",
      docs.size(), expected_found, expected_total, findings_expected,
      findings_total);
  EXPECT_EQ(expected_found, expected_total);
  EXPECT_EQ(findings_expected, findings_total);
}

}  // namespace
}  // namespace fineprint::analysis
