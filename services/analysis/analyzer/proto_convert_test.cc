#include "services/analysis/analyzer/proto_convert.h"

#include "gtest/gtest.h"
#include "services/analysis/analyzer/analyzer.h"

namespace fineprint::analysis {
namespace {

TEST(ProtoConvertTest, EnumNamesMatchTheProto) {
  const google::protobuf::EnumDescriptor* categories =
      v1::FindingCategory_descriptor();
  ASSERT_EQ(categories->value_count(), kMaxCategory + 1);
  for (int i = 1; i <= kMaxCategory; ++i) {
    Category c = static_cast<Category>(i);
    EXPECT_EQ(v1::FindingCategory_Name(ToProto(c)),
              std::string(CategoryName(c)));
  }
  EXPECT_EQ(ToProto(Severity::kHigh), v1::SEVERITY_HIGH);
  EXPECT_EQ(ToProto(Grade::kC), v1::GRADE_C);
  EXPECT_EQ(ToProto(static_cast<Category>(99)),
            v1::FINDING_CATEGORY_UNSPECIFIED);
}

TEST(ProtoConvertTest, ConvertsAnalysis) {
  auto analyzer = Analyzer::CreateDefault();
  ASSERT_TRUE(analyzer.ok());
  const std::string text =
      "# Billing\nAll fees are non-refundable. We may change our "
      "fees at any time.";
  auto result = (*analyzer)->Analyze(text);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->findings.size(), 2u);

  v1::Analysis proto;
  proto.add_findings();  // replaced, not appended to
  ToProto(*result, &proto);
  EXPECT_EQ(proto.score(), result->score);
  EXPECT_EQ(proto.grade(), ToProto(result->grade));
  EXPECT_EQ(proto.analyzer_version(), (*analyzer)->version());
  ASSERT_EQ(proto.findings_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const Finding& f = result->findings[i];
    const v1::Finding& p = proto.findings(i);
    EXPECT_EQ(p.category(), ToProto(f.category));
    EXPECT_EQ(p.severity(), ToProto(f.severity));
    EXPECT_EQ(p.quote(), f.quote);
    EXPECT_EQ(p.start_offset(), static_cast<int64_t>(f.start));
    EXPECT_EQ(p.end_offset(), static_cast<int64_t>(f.end));
    EXPECT_EQ(p.section(), "Billing");
    EXPECT_EQ(p.explanation(), f.explanation);
    EXPECT_EQ(text.substr(p.start_offset(), p.end_offset() - p.start_offset()),
              p.quote());
  }
}

}  // namespace
}  // namespace fineprint::analysis
