// The queue against a real PostgreSQL: order and ageing, leases, exactly-once
// completion, retries into DEAD and back, cancellation, trace context, and
// that the claim is index-driven (EXPLAIN shows no Sort).

#include "services/runtime/jobs/job_queue.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/jobs/test_jobs.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::jobs {
namespace {

using testing::TestPayload;

class JobQueueTest : public testing::JobsDatabaseTest {
 protected:
  void SetUp() override {
    JobsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    options_.table = "jobs";
    options_.aging_step = absl::Seconds(60);
    options_.lease = absl::Milliseconds(400);
    options_.retry_backoff = absl::Milliseconds(1);
    options_.track_progress = true;
    queue_ = std::make_unique<JobQueue>(pool_.get(), options_);
  }

  void Enqueue(const std::string& id, int priority, int max_attempts = 3) {
    NewJob job;
    job.org_id = "org";
    job.id = id;
    job.priority = priority;
    job.max_attempts = max_attempts;
    absl::Status s = db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) {
      return queue_->Enqueue(tx, job, TestPayload{"payload of " + id});
    });
    ASSERT_TRUE(s.ok()) << s;
  }
  std::optional<ClaimedJob<TestPayload>> Claim(absl::string_view owner = "w") {
    absl::StatusOr<std::optional<ClaimedJob<TestPayload>>> job =
        queue_->Claim<TestPayload>(owner);
    EXPECT_TRUE(job.ok()) << job.status();
    return job.ok() ? *std::move(job) : std::nullopt;
  }
  std::string ClaimId(absl::string_view owner = "w") {
    std::optional<ClaimedJob<TestPayload>> job = Claim(owner);
    return job.has_value() ? job->id : "";
  }
  absl::Status Exec(absl::string_view sql, std::vector<db::Param> params = {}) {
    absl::StatusOr<db::PooledConnection> conn = pool_->Acquire();
    if (!conn.ok()) return conn.status();
    return (*conn)->Execute(sql, params).status();
  }
  std::string StateOf(const std::string& id) {
    return Value("SELECT state FROM jobs WHERE id = $1", {id});
  }

  JobQueueOptions options_;
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(JobQueueTest, HigherPriorityFirstThenOldestAndThePayloadComesBack) {
  Enqueue("low", 1);
  Enqueue("normal", 2);
  Enqueue("high1", 3);
  Enqueue("high2", 3);
  std::optional<ClaimedJob<TestPayload>> first = Claim();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, "high1");
  EXPECT_EQ(first->org_id, "org");
  EXPECT_EQ(first->payload.value, "payload of high1");
  EXPECT_EQ(first->attempt, 1);
  EXPECT_EQ(first->max_attempts, 3);
  EXPECT_EQ(ClaimId(), "high2");
  EXPECT_EQ(ClaimId(), "normal");
  EXPECT_EQ(ClaimId(), "low");
  EXPECT_EQ(ClaimId(), "");
}

TEST_F(JobQueueTest, AgeingLetsAWaitingJobOvertakeAndUnrankedRowsAreRanked) {
  Enqueue("old-low", 1);
  Enqueue("high", 3);
  // Moved back by a writer that does not know the ageing step: the trigger
  // clears the rank, the claim computes it. One step older: LOW+1 < HIGH.
  ASSERT_TRUE(Exec("UPDATE jobs SET enqueue_time = now() - interval '61 "
                   "seconds' WHERE id = 'old-low'")
                  .ok());
  EXPECT_EQ(Value("SELECT rank_time IS NULL FROM jobs WHERE id = 'old-low'"),
            "t");
  EXPECT_EQ(ClaimId(), "high");
  ASSERT_TRUE(Exec("UPDATE jobs SET state = 'QUEUED' WHERE id = 'high'").ok());
  // Over two steps older than the HIGH job: it goes first.
  ASSERT_TRUE(Exec("UPDATE jobs SET enqueue_time = now() - interval '121 "
                   "seconds' WHERE id = 'old-low'")
                  .ok());
  EXPECT_EQ(ClaimId(), "old-low");
  // A priority change re-ranks too.
  ASSERT_TRUE(
      Exec("UPDATE jobs SET state = 'CANCELLED' WHERE id = 'high'").ok());
  Enqueue("a", 1);
  Enqueue("b", 1);
  ASSERT_TRUE(Exec("UPDATE jobs SET priority = 2 WHERE id = 'b'").ok());
  EXPECT_EQ(ClaimId(), "b");
}

TEST_F(JobQueueTest, AnExpiredLeaseIsTakenOverAndTheJobCompletesOnce) {
  Enqueue("j", 2);
  std::optional<ClaimedJob<TestPayload>> dead = Claim("worker-a");
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(ClaimId("worker-b"), "");  // leased
  absl::SleepFor(absl::Milliseconds(500));
  std::optional<ClaimedJob<TestPayload>> taken = Claim("worker-b");
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->id, "j");
  EXPECT_EQ(taken->attempt, 2);
  EXPECT_EQ(taken->payload.value, "payload of j");

  absl::StatusOr<LeaseState> beat =
      queue_->Heartbeat(*dead, "worker-a", Progress{50, "x"});
  ASSERT_TRUE(beat.ok());
  EXPECT_EQ(*beat, LeaseState::kLost);
  beat = queue_->Heartbeat(*taken, "worker-b", Progress{40, "Section 2"});
  ASSERT_TRUE(beat.ok());
  EXPECT_EQ(*beat, LeaseState::kHeld);
  EXPECT_EQ(Value("SELECT progress_percent || current_section FROM jobs"),
            "40Section 2");

  int writes = 0;
  TxFn write = [&](db::Tx& tx) {
    ++writes;
    return tx.Execute("UPDATE jobs SET payload = 'done' WHERE id = 'j'")
        .status();
  };
  absl::Status lost = queue_->Complete(*dead, "worker-a", write);
  EXPECT_TRUE(absl::IsFailedPrecondition(lost)) << lost;
  EXPECT_EQ(writes, 0);
  // The result writer fails: the state change rolls back with it.
  EXPECT_FALSE(queue_
                   ->Complete(*taken, "worker-b",
                              [](db::Tx&) { return absl::InternalError("no"); })
                   .ok());
  EXPECT_EQ(StateOf("j"), "RUNNING");
  ASSERT_TRUE(queue_->Complete(*taken, "worker-b", write).ok());
  EXPECT_TRUE(
      absl::IsFailedPrecondition(queue_->Complete(*taken, "worker-b", write)));
  EXPECT_EQ(writes, 1);
  EXPECT_EQ(Value("SELECT state || '/' || payload || '/' || progress_percent "
                  "FROM jobs"),
            "SUCCEEDED/done/100");
}

TEST_F(JobQueueTest, RetriesBackOffThenDieAndRequeueBringsThemBack) {
  Enqueue("flaky", 2, /*max_attempts=*/2);
  std::vector<FailOutcome> recorded;
  FailFn record = [&](db::Tx&, FailOutcome outcome) {
    recorded.push_back(outcome);
    return absl::OkStatus();
  };
  std::optional<ClaimedJob<TestPayload>> job = Claim();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(JobQueue::OutcomeOf(*job, true), FailOutcome::kRetry);
  ASSERT_TRUE(
      queue_->Fail(*job, "w", absl::UnavailableError("hiccup"), true, record)
          .ok());
  EXPECT_EQ(StateOf("flaky"), "QUEUED");
  EXPECT_EQ(Value("SELECT error_code FROM jobs"), "14");
  absl::SleepFor(absl::Milliseconds(20));  // the backoff (1 ms) has passed
  job = Claim();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->attempt, 2);
  ASSERT_TRUE(
      queue_->Fail(*job, "w", absl::UnavailableError("hiccup"), true, record)
          .ok());
  EXPECT_EQ(StateOf("flaky"), "DEAD");
  EXPECT_EQ(recorded, (std::vector<FailOutcome>{FailOutcome::kRetry,
                                                FailOutcome::kDead}));
  // A stale owner changes nothing.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      queue_->Fail(*job, "w", absl::UnavailableError("late"), true, record)));
  EXPECT_EQ(recorded.size(), 2u);

  absl::StatusOr<bool> requeued;
  ASSERT_TRUE(db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
                requeued = queue_->Requeue(tx, "org", "flaky");
                return requeued.status();
              }).ok());
  EXPECT_TRUE(*requeued);
  job = Claim();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->attempt, 1);
  // Not retryable: FAILED at once.
  ASSERT_TRUE(
      queue_->Fail(*job, "w", absl::InvalidArgumentError("bad"), false, record)
          .ok());
  EXPECT_EQ(StateOf("flaky"), "FAILED");
  EXPECT_EQ(recorded.back(), FailOutcome::kFailed);
}

TEST_F(JobQueueTest, JobsInBackoffAreSteppedOver) {
  options_.retry_backoff = absl::Minutes(1);
  queue_ = std::make_unique<JobQueue>(pool_.get(), options_);
  Enqueue("first", 3);
  Enqueue("second", 1);
  std::optional<ClaimedJob<TestPayload>> job = Claim();
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(
      queue_->Fail(*job, "w", absl::UnavailableError("later"), true).ok());
  EXPECT_EQ(ClaimId(), "second");
  EXPECT_EQ(ClaimId(), "");
}

TEST_F(JobQueueTest, CancelStopsQueuedAndRunningJobs) {
  Enqueue("queued", 2);
  Enqueue("running", 3);
  std::optional<ClaimedJob<TestPayload>> running = Claim();
  ASSERT_TRUE(running.has_value());
  for (const char* id : {"queued", "running"}) {
    absl::StatusOr<bool> cancelled;
    ASSERT_TRUE(
        db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
          cancelled = queue_->Cancel(tx, "org", id);
          return cancelled.status();
        }).ok());
    EXPECT_TRUE(*cancelled) << id;
    EXPECT_EQ(StateOf(id), "CANCELLED");
  }
  absl::StatusOr<LeaseState> beat = queue_->Heartbeat(*running, "w");
  ASSERT_TRUE(beat.ok());
  EXPECT_EQ(*beat, LeaseState::kLost);
  EXPECT_TRUE(absl::IsFailedPrecondition(queue_->Complete(*running, "w", {})));
  EXPECT_EQ(ClaimId(), "");
}

TEST_F(JobQueueTest, TheEnqueuersTraceContextTravelsWithTheJob) {
  const std::string parent =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  {
    trace::ScopedTraceContext span(parent);
    Enqueue("traced", 2);
  }
  Enqueue("untraced", 1);
  std::optional<ClaimedJob<TestPayload>> job = Claim();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->traceparent, parent);
  job = Claim();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->traceparent, "");
}

// The plan of a statement, as JSON text.
std::string Explain(db::Pool& pool, const std::string& sql,
                    std::vector<db::Param> params) {
  absl::StatusOr<db::PooledConnection> conn = pool.Acquire();
  EXPECT_TRUE(conn.ok());
  absl::StatusOr<db::Result> r =
      (*conn)->Execute(absl::StrCat("EXPLAIN (FORMAT JSON) ", sql), params);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::string((*r)[0].Value(0)) : "";
}

TEST_F(JobQueueTest, TheClaimWalksAnIndexInsteadOfSortingTheEligibleRows) {
  // 200k QUEUED jobs of mixed priority and age, some in backoff, some
  // finished, some running.
  ASSERT_TRUE(
      Exec("INSERT INTO jobs (org_id, id, state, priority, max_attempts,"
           "   enqueue_time, available_at, rank_time, payload)"
           " SELECT 'org' || (i % 50), 'bulk' || i,"
           "   CASE WHEN i % 10 = 0 THEN 'SUCCEEDED'"
           "        WHEN i % 97 = 0 THEN 'RUNNING' ELSE 'QUEUED' END,"
           "   1 + i % 3, 3, t, t + CASE WHEN i % 13 = 0 THEN interval '1 hour'"
           "                             ELSE interval '0' END,"
           "   t - (1 + i % 3) * interval '60 seconds', ''"
           " FROM generate_series(1, 200000) AS i,"
           "   LATERAL (SELECT now() - i * interval '1 millisecond' AS t) AS s")
          .ok());
  ASSERT_TRUE(Exec("ANALYZE jobs").ok());
  const std::string plan = Explain(
      *pool_, queue_->ClaimQueuedSql(TestPayload::kColumns), {"w", 15.0});
  EXPECT_FALSE(absl::StrContains(plan, "\"Sort\"")) << plan;
  EXPECT_FALSE(absl::StrContains(plan, "Seq Scan")) << plan;
  EXPECT_TRUE(absl::StrContains(plan, "\"Index Name\": \"jobs_claim\""))
      << plan;
  // And it claims the best-ranked eligible job.
  const std::string best = Value(
      "SELECT id FROM jobs WHERE state = 'QUEUED' AND available_at <= now()"
      " ORDER BY rank_time, id LIMIT 1");
  EXPECT_EQ(ClaimId(), best);
}

}  // namespace
}  // namespace fineprint::jobs
