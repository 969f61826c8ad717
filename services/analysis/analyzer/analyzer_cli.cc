// Prints the findings of one document, for tuning rules by hand:
//   bazel run //services/analysis/analyzer:analyzer_cli -- FILE [RULES_FILE]
// With RULES_FILE, that taxonomy replaces the embedded one.

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "services/analysis/analyzer/analyzer.h"

namespace fa = fineprint::analysis;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [RULES_FILE]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  auto analyzer = fa::Analyzer::CreateFromRulesFile(argc > 2 ? argv[2] : "");
  if (!analyzer.ok()) {
    std::fprintf(stderr, "%s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<fa::AnalysisResult> result = (*analyzer)->Analyze(text.str());
  if (!result.ok()) return 1;
  std::printf("version %s score %d grade %c sections %zu sentences %zu\n",
              result->analyzer_version.c_str(), result->score,
              "?ABCDE"[static_cast<int>(result->grade)],
              result -> section_count, result -> sentence_count);
  for (const fa::Finding& f : result->findings) {
    std::printf("%s\t%s\t[%zu,%zu)\t[%s]\n  %s\n  %s\n",
                std::string(fa::CategoryName(f.category)).c_str(),
                std::string(fa::SeverityName(f.severity)).c_str(), f.start,
                f.end, f.section.c_str(), f.quote.c_str(),
                f.explanation.c_str());
  }
  return 0;
}
