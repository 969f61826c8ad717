// Figures, not assertions (beyond sanity):
//  1. Throughput: jobs submitted -> AnalysisCompleted in the outbox, with the
//     real rule engine and the default 2 workers.
//  2. Queue wait of one HIGH (ENTERPRISE) job submitted behind a backlog of
//     LOW (FREE) jobs, against the LOW jobs' waits.

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/analysis/analyzer/analyzer.h"
#include "services/analysis/rule_engine.h"
#include "services/analysis/tests/analysis_fixture.h"

namespace fineprint::analysis::testing {
namespace {

using google::protobuf::util::TimeUtil;

class E2eBench : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    StartApps([](AnalysisAppOptions& o) {
      o.pg_pool_size = 16;
      o.workers.workers = 0;  // each benchmark runs its own pool
    });
  }

  // The service's own worker pool with the real rule engine, 2 workers.
  static std::unique_ptr<WorkerPool> StartWorkers() {
    static const Analyzer* analyzer = Analyzer::CreateDefault()->release();
    WorkerOptions options;
    options.workers = 2;
    options.instance_id = "bench";
    auto pool = std::make_unique<WorkerPool>(
        &app().queue(), RuleEngineAnalyzeFn(analyzer), options);
    pool->Start();
    return pool;
  }

  static std::string Doc(int i, int repeat) {
    std::string text;
    for (int r = 0; r < repeat; ++r) {
      absl::StrAppend(&text, "Section ", r, "\n", kTermsText,
                      "We collect your location for advertising. ", i, "\n");
    }
    return text;
  }
};

TEST_F(E2eBench, Throughput) {
  Account a = SignUp();
  auto workers = StartWorkers();
  for (int repeat : {1, 20}) {
    const int n = 200;
    const int64_t before =
        OutboxCount("fineprint.analysis.events.v1.AnalysisCompleted");
    const absl::Time start = absl::Now();
    for (int i = 0; i < n; ++i) Submit(a, Doc(i + repeat * 1000, repeat));
    const absl::Duration submit = absl::Now() - start;
    while (OutboxCount("fineprint.analysis.events.v1.AnalysisCompleted") <
           before + n) {
      ASSERT_LT(absl::Now() - start, absl::Minutes(5));
      absl::SleepFor(absl::Milliseconds(5));
    }
    const absl::Duration total = absl::Now() - start;
    std::printf(
        "throughput: %d docs of %zu bytes: submit %.0f/s, submit->completed "
        "%.1f jobs/s "
        "(%.2f s)\n",
        n, Doc(0, repeat).size(), n / absl::ToDoubleSeconds(submit),
        n / absl::ToDoubleSeconds(total), absl::ToDoubleSeconds(total));
  }
}

TEST_F(E2eBench, HighPriorityBehindALowBacklog) {
  Account free_org = SignUp("free");
  Account enterprise = SignUp("enterprise");
  ChangePlan(enterprise, idv1::ENTERPRISE);
  const int backlog = 300;
  std::vector<std::string> low;
  for (int i = 0; i < backlog; ++i) {
    low.push_back(Submit(free_org, Doc(50000 + i, 5)).job().name());
  }
  const std::string high = Submit(enterprise, Doc(99999, 5)).job().name();
  const absl::Time start = absl::Now();
  auto workers = StartWorkers();
  v1::AnalysisJob high_job =
      WaitForJob(enterprise, high, v1::JOB_STATE_UNSPECIFIED, absl::Minutes(5));
  ASSERT_EQ(high_job.state(), v1::SUCCEEDED);
  int low_done_before = 0;
  for (const std::string& name : low) {
    v1::AnalysisJob j =
        WaitForJob(free_org, name, v1::JOB_STATE_UNSPECIFIED, absl::Minutes(5));
    if (j.start_time() < high_job.start_time()) ++low_done_before;
  }
  const double drain = absl::ToDoubleSeconds(absl::Now() - start);
  const double high_wait =
      static_cast<double>(
          TimeUtil::TimestampToMicroseconds(high_job.start_time()) -
          absl::ToUnixMicros(start)) /
      1e6;
  std::printf(
      "priority: HIGH job submitted last behind %d queued LOW jobs (%zu bytes "
      "each) "
      "started %.4f s after the workers did (%d LOW jobs started before it); "
      "backlog drained in %.2f s (%.0f jobs/s)\n",
      backlog, Doc(0, 5).size(), high_wait, low_done_before, drain,
      (backlog + 1) / drain);
  EXPECT_LT(low_done_before, 10);
}

TEST_F(E2eBench, LargestDocument) {
  Account a = SignUp("large");
  auto workers = StartWorkers();
  // Close to the 2 MiB limit, one paragraph per line, no headings: one
  // section, so the analyser reports progress only at its start and end.
  std::string text;
  for (int i = 0; text.size() < 2 * 1024 * 1024 - 1024; ++i) {
    absl::StrAppend(&text, "Paragraph ", i,
                    ". We may share your data with partners. ",
                    "You agree to binding arbitration.\n");
  }
  v1::SubmitDocumentResponse resp = Submit(a, text);
  v1::AnalysisJob job = WaitForJob(a, resp.job().name(),
                                   v1::JOB_STATE_UNSPECIFIED, absl::Minutes(2));
  ASSERT_EQ(job.state(), v1::SUCCEEDED);
  std::printf(
      "large: %zu bytes analysed in %.3f s (start -> end)\n", text.size(),
      static_cast<double>(
          TimeUtil::DurationToMicroseconds(job.end_time() - job.start_time())) /
          1e6);
}

}  // namespace
}  // namespace fineprint::analysis::testing
