#include "services/analysis/analyzer/proto_convert.h"

namespace fineprint::analysis {

// The engine's enums mirror the proto's values so conversion is a cast;
// these guard the ends of each range (the test checks every name).
static_assert(static_cast<int>(Category::kBindingArbitration) ==
              v1::BINDING_ARBITRATION);
static_assert(static_cast<int>(Category::kPriceChangesWithoutNotice) ==
              v1::PRICE_CHANGES_WITHOUT_NOTICE);
static_assert(kMaxCategory == v1::FindingCategory_MAX);
static_assert(static_cast<int>(Severity::kCritical) == v1::SEVERITY_CRITICAL);
static_assert(static_cast<int>(Severity::kLow) == v1::SEVERITY_LOW);
static_assert(static_cast<int>(Grade::kA) == v1::GRADE_A);
static_assert(static_cast<int>(Grade::kE) == v1::GRADE_E);

v1::FindingCategory ToProto(Category category) {
  int value = static_cast<int>(category);
  return v1::FindingCategory_IsValid(value)
             ? static_cast<v1::FindingCategory>(value)
             : v1::FINDING_CATEGORY_UNSPECIFIED;
}

v1::Severity ToProto(Severity severity) {
  int value = static_cast<int>(severity);
  return v1::Severity_IsValid(value) ? static_cast<v1::Severity>(value)
                                     : v1::SEVERITY_UNSPECIFIED;
}

v1::Grade ToProto(Grade grade) {
  int value = static_cast<int>(grade);
  return v1::Grade_IsValid(value) ? static_cast<v1::Grade>(value)
                                  : v1::GRADE_UNSPECIFIED;
}

v1::Finding ToProto(const Finding& finding) {
  v1::Finding out;
  out.set_category(ToProto(finding.category));
  out.set_severity(ToProto(finding.severity));
  out.set_quote(finding.quote);
  out.set_start_offset(static_cast<int64_t>(finding.start));
  out.set_end_offset(static_cast<int64_t>(finding.end));
  out.set_explanation(finding.explanation);
  out.set_section(finding.section);
  return out;
}

void ToProto(const AnalysisResult& result, v1::Analysis* analysis) {
  analysis->set_score(result.score);
  analysis->set_grade(ToProto(result.grade));
  analysis->set_analyzer_version(result.analyzer_version);
  analysis->clear_findings();
  for (const Finding& finding : result.findings) {
    *analysis->add_findings() = ToProto(finding);
  }
}

}  // namespace fineprint::analysis
