// With an external analyser that is down, jobs still succeed with the
// built-in engine's result, marked degraded, and such results are never
// served from the cache.

#include "services/analysis/tests/analysis_fixture.h"

namespace fineprint::analysis::testing {
namespace {

class DegradedTest : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    StartApps([](AnalysisAppOptions& o) {
      // Nothing listens on port 1: every call fails at once.
      o.analyzer_backend = "127.0.0.1:1";
      o.backend.deadline = absl::Milliseconds(200);
      o.backend.breaker = {/*failure_threshold=*/2,
                           /*cool_down=*/absl::Seconds(60)};
    });
  }
};

TEST_F(DegradedTest, FallsBackToTheRuleEngineAndMarksTheResultDegraded) {
  Account a = SignUp();
  v1::SubmitDocumentResponse first = Submit(a, kTermsText);
  v1::AnalysisJob job = WaitForJob(a, first.job().name());
  ASSERT_EQ(job.state(), v1::SUCCEEDED);
  v1::GetAnalysisRequest get;
  get.set_name(job.analysis());
  v1::Analysis analysis;
  ASSERT_TRUE(stub().GetAnalysis(Ctx(a.token).get(), get, &analysis).ok());
  EXPECT_TRUE(analysis.degraded());
  EXPECT_GE(analysis.findings_size(), 3);
  EXPECT_EQ(analysis.analyzer_version(), app().analyzer_version());
  EXPECT_EQ(Count("SELECT count(*) FROM analyses WHERE degraded"), 1);

  // Identical text is analysed again rather than reusing a degraded result.
  v1::SubmitDocumentResponse second = Submit(a, kTermsText);
  EXPECT_FALSE(second.job().cached());
  EXPECT_EQ(WaitForJob(a, second.job().name()).state(), v1::SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM result_cache"), 0);
}

}  // namespace
}  // namespace fineprint::analysis::testing
