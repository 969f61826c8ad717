// The queue's scheduling and leases, driven through JobQueue directly (the
// service runs no workers here, so the test decides who claims what).

#include "fineprint/identity/events/v1/events.pb.h"
#include "services/analysis/job_queue.h"
#include "services/analysis/plan_events.h"
#include "services/analysis/tests/analysis_fixture.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::analysis::testing {
namespace {

class QueueTest : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    StartApps([](AnalysisAppOptions& o) {
      o.workers.workers = 0;
      o.queue.aging_step = absl::Seconds(60);
      o.queue.lease = absl::Milliseconds(500);
    });
  }
  void SetUp() override {
    // Each test starts from an empty queue.
    ASSERT_TRUE(Exec("UPDATE jobs SET state = 'CANCELLED' WHERE state IN"
                     " ('QUEUED', 'RUNNING')")
                    .ok());
  }

  static std::string IdOf(const std::string& name) {
    return name.substr(name.rfind('/') + 1);
  }
  // Claims the next job as `owner` and returns its id ("" if none).
  static std::string ClaimNext(absl::string_view owner = "test-worker") {
    auto job = app().queue().Claim(owner);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() && job->has_value() ? (*job)->id : "";
  }
};

TEST_F(QueueTest, PriorityComesFromThePlan) {
  Account free_org = SignUp("free");
  Account premium = SignUp("premium", idv1::PREMIUM);
  Account enterprise = SignUp("enterprise", idv1::ENTERPRISE);
  EXPECT_EQ(Submit(free_org, "a").job().priority(), v1::PRIORITY_NORMAL);
  EXPECT_EQ(Submit(free_org, "a2", /*low_priority=*/true).job().priority(),
            v1::PRIORITY_LOW);
  EXPECT_EQ(Submit(premium, "b").job().priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(Submit(enterprise, "c").job().priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(Submit(enterprise, "d", /*low_priority=*/true).job().priority(),
            v1::PRIORITY_LOW);
}

TEST_F(QueueTest, HigherPriorityFirstThenOldest) {
  Account free_org = SignUp("free");
  Account enterprise = SignUp("enterprise", idv1::ENTERPRISE);
  Account premium = SignUp("premium", idv1::PREMIUM);
  const std::string low1 = IdOf(Submit(free_org, "low 1", true).job().name());
  const std::string low2 = IdOf(Submit(free_org, "low 2", true).job().name());
  const std::string normal = IdOf(Submit(free_org, "normal").job().name());
  const std::string high1 = IdOf(Submit(premium, "high 1").job().name());
  const std::string high2 = IdOf(Submit(enterprise, "high 2").job().name());
  EXPECT_EQ(ClaimNext(), high1);
  EXPECT_EQ(ClaimNext(), high2);
  EXPECT_EQ(ClaimNext(), normal);
  EXPECT_EQ(ClaimNext(), low1);
  EXPECT_EQ(ClaimNext(), low2);
  EXPECT_EQ(ClaimNext(), "");
}

TEST_F(QueueTest, AgeingLetsAWaitingLowJobOvertakeNewHighJobs) {
  Account free_org = SignUp("free");
  Account enterprise = SignUp("enterprise", idv1::ENTERPRISE);
  const std::string old_low =
      IdOf(Submit(free_org, "old low", /*low_priority=*/true).job().name());
  const std::string high = IdOf(Submit(enterprise, "fresh high").job().name());
  // One aging step: LOW+1 = NORMAL still loses to HIGH.
  ASSERT_TRUE(
      Exec("UPDATE jobs SET enqueue_time = now() - interval '61 seconds'"
           " WHERE id = $1",
           {old_low})
          .ok());
  EXPECT_EQ(ClaimNext(), high);
  ASSERT_TRUE(
      Exec("UPDATE jobs SET state = 'QUEUED' WHERE id = $1", {high}).ok());
  // Two steps: it ties with HIGH and wins on age. Three: it wins outright.
  ASSERT_TRUE(
      Exec("UPDATE jobs SET enqueue_time = now() - interval '121 seconds'"
           " WHERE id = $1",
           {old_low})
          .ok());
  EXPECT_EQ(ClaimNext(), old_low);
}

TEST_F(QueueTest, PlanChangedReprioritisesQueuedJobsExactlyOnce) {
  Account a = SignUp("upgrader");
  const std::string queued = IdOf(Submit(a, "queued").job().name());
  const std::string batch =
      IdOf(Submit(a, "batch", /*low_priority=*/true).job().name());
  const std::string running = IdOf(Submit(a, "running").job().name());
  ASSERT_TRUE(
      Exec("UPDATE jobs SET state = 'RUNNING' WHERE id = $1", {running}).ok());

  ::fineprint::identity::events::v1::PlanChanged changed;
  changed.set_organization(a.org.name());
  changed.set_old_plan(idv1::FREE);
  changed.set_new_plan(idv1::ENTERPRISE);
  ::fineprint::events::Event event;
  event.ce_type = "fineprint.identity.events.v1.PlanChanged";
  event.payload = changed.SerializeAsString();
  ::fineprint::events::EventRouter handler;
  ASSERT_TRUE(HandlePlanChanges(handler).ok());
  ASSERT_TRUE(db::RunInTransaction(pool(), {}, [&](db::Tx& tx) {
                return handler.Handle(event, tx);
              }).ok());
  EXPECT_EQ(GetJob(a, JobName(a.org_id(), queued)).priority(),
            v1::PRIORITY_HIGH);
  EXPECT_EQ(GetJob(a, JobName(a.org_id(), batch)).priority(), v1::PRIORITY_LOW);
  EXPECT_EQ(GetJob(a, JobName(a.org_id(), running)).priority(),
            v1::PRIORITY_NORMAL);
  // New submissions follow the event's plan even with the old (FREE) token.
  EXPECT_EQ(Submit(a, "after").job().priority(), v1::PRIORITY_HIGH);

  // Other organisation events are ignored; garbage is refused for the DLQ.
  event.ce_type = "fineprint.identity.events.v1.OrganizationCreated";
  EXPECT_TRUE(db::RunInTransaction(pool(), {}, [&](db::Tx& tx) {
                return handler.Handle(event, tx);
              }).ok());
  event.ce_type = "fineprint.identity.events.v1.PlanChanged";
  event.payload = "\xff\xff";
  EXPECT_TRUE(absl::IsInvalidArgument(db::RunInTransaction(
      pool(), {}, [&](db::Tx& tx) { return handler.Handle(event, tx); })));
}

TEST_F(QueueTest, AnExpiredLeaseIsTakenOverAndTheJobCompletesOnce) {
  Account a = SignUp("lease");
  const std::string id = IdOf(Submit(a, "lease test").job().name());
  JobQueue& queue = app().queue();
  auto dead = queue.Claim("worker-a");
  ASSERT_TRUE(dead.ok() && dead->has_value());
  EXPECT_EQ((*dead)->id, id);
  EXPECT_EQ((*dead)->attempt, 1);
  EXPECT_EQ((*dead)->text, "lease test");
  // worker-a "dies": no heartbeats. Until the lease expires nobody takes it.
  EXPECT_EQ(ClaimNext("worker-b"), "");
  absl::SleepFor(absl::Milliseconds(600));
  auto taken = queue.Claim("worker-b");
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->id, id);
  EXPECT_EQ((*taken)->attempt, 2);

  // The old owner can neither report progress nor complete.
  auto beat = queue.Heartbeat(**dead, "worker-a", 50, "x");
  ASSERT_TRUE(beat.ok());
  EXPECT_EQ(*beat, LeaseState::kLost);
  v1::Analysis result;
  result.set_score(77);
  result.set_analyzer_version("test");
  EXPECT_TRUE(
      absl::IsFailedPrecondition(queue.Complete(**dead, "worker-a", result)));
  ASSERT_TRUE(queue.Complete(**taken, "worker-b", result).ok());
  EXPECT_TRUE(
      absl::IsFailedPrecondition(queue.Complete(**taken, "worker-b", result)));

  EXPECT_EQ(GetJob(a, JobName(a.org_id(), id)).state(), v1::SUCCEEDED);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND "
                  "event_type = $2",
                  {id, "fineprint.analysis.events.v1.AnalysisCompleted"}),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM analyses WHERE job_id = $1", {id}), 1);
}

}  // namespace
}  // namespace fineprint::analysis::testing
