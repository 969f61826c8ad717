// The event wiring on a real Kafka broker: identity's PlanChanged reaches
// the analysis consumer (which re-prioritises the org's queued jobs), and
// the analysis relay publishes the service's own events.

#include "services/analysis/tests/analysis_fixture.h"
#include "tests/testing/kafka_broker.h"

namespace fineprint::analysis::testing {
namespace {

class KafkaTest : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    broker_ = new fineprint::testing::KafkaBroker();
    auto bootstrap = broker_->Start();
    ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
    StartApps([](AnalysisAppOptions& o) { o.workers.workers = 0; }, *bootstrap);
  }
  static void TearDownTestSuite() {
    AnalysisTest::TearDownTestSuite();
    delete broker_;
  }
  static fineprint::testing::KafkaBroker* broker_;
};

fineprint::testing::KafkaBroker* KafkaTest::broker_ = nullptr;

TEST_F(KafkaTest, PlanChangedReprioritisesQueuedJobs) {
  Account a = SignUp();
  v1::SubmitDocumentResponse resp = Submit(a, "queued until the upgrade");
  ASSERT_EQ(resp.job().priority(), v1::PRIORITY_NORMAL);
  ChangePlan(a, idv1::ENTERPRISE);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  v1::AnalysisJob job;
  do {
    absl::SleepFor(absl::Milliseconds(100));
    job = GetJob(a, resp.job().name());
  } while (job.priority() != v1::PRIORITY_HIGH && absl::Now() < deadline);
  EXPECT_EQ(job.priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(
      Count("SELECT count(*) FROM org_plans WHERE org_id = $1 AND plan = $2",
            {a.org_id(), "ENTERPRISE"}),
      1);
  // OrganizationCreated (ignored) and PlanChanged, each recorded once; same
  // key, so the first was handled before the second.
  EXPECT_EQ(
      Count("SELECT count(*) FROM inbox WHERE consumer_group = 'analysis'"), 2);

  // The DocumentSubmitted event left the outbox for Kafka.
  const absl::Time publish_deadline = absl::Now() + absl::Seconds(30);
  while (Count("SELECT count(*) FROM outbox WHERE published_at IS NULL") > 0 &&
         absl::Now() < publish_deadline) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE published_at IS NULL"), 0);
}

}  // namespace
}  // namespace fineprint::analysis::testing
