// Workers on the reference jobs table: the creator's trace reaches the
// events a job writes, failures retry into DEAD, cancellation and lost
// workers, drain.

#include "services/runtime/jobs/worker_pool.h"

#include <atomic>

#include "absl/strings/match.h"
#include "events/outbox/outbox_writer.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/jobs/test_jobs.h"
#include "services/runtime/trace/trace.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::jobs {
namespace {

using testing::TestPayload;

// Payloads script the handler: "fail:N" fails the first N attempts
// (UNAVAILABLE), "bad" is INVALID_ARGUMENT, "slow" reports progress for
// ~1 s. Successes append a JobDone (StringValue) event to the outbox.
class ScriptedHandler : public JobHandler<TestPayload> {
 public:
  absl::StatusOr<TxFn> Run(const ClaimedJob<TestPayload>& job,
                           JobContext& context) override {
    const std::string& script = job.payload.value;
    if (absl::StartsWith(script, "fail:") && job.attempt <= script[5] - '0') {
      return absl::UnavailableError("hiccup");
    }
    if (script == "bad") return absl::InvalidArgumentError("unusable");
    const int steps = absl::StartsWith(script, "slow") ? 40 : 1;
    for (int i = 0; i < steps; ++i) {
      if (!context.Progress(i * 100 / steps, "step"))
        return absl::CancelledError("stopped");
      if (steps > 1) absl::SleepFor(absl::Milliseconds(25));
    }
    const std::string id = job.id;
    return TxFn([id](db::Tx& tx) -> absl::Status {
      google::protobuf::StringValue done;
      done.set_value(id);
      return ::fineprint::events::OutboxWriter("jobs_test")
          .AppendToAggregate(tx, "job", id, done)
          .status();
    });
  }
  absl::Status OnFailure(db::Tx& tx, const ClaimedJob<TestPayload>& job,
                         const absl::Status& error,
                         FailOutcome outcome) override {
    if (outcome == FailOutcome::kRetry) return absl::OkStatus();
    google::protobuf::StringValue failed;
    failed.set_value(job.id);
    return ::fineprint::events::OutboxWriter("jobs_test")
        .AppendToAggregate(tx, "job", job.id, failed)
        .status();
  }
};

class WorkerPoolTest : public testing::JobsDatabaseTest {
 protected:
  void SetUp() override {
    JobsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    JobQueueOptions options;
    options.table = "jobs";
    options.lease = absl::Milliseconds(600);
    options.retry_backoff = absl::Milliseconds(20);
    options.track_progress = true;
    queue_ = std::make_unique<JobQueue>(pool_.get(), options);
    WorkerOptions workers;
    workers.workers = 2;
    workers.instance_id = "test";
    workers.heartbeat_interval = absl::Milliseconds(50);
    workers.idle_poll = absl::Milliseconds(10);
    workers.metrics = &registry_;
    workers_ = std::make_unique<WorkerPool>(queue_.get(), &handler_, workers);
  }

  void Enqueue(const std::string& id, const std::string& script,
               int max_attempts = 3) {
    NewJob job;
    job.org_id = "org";
    job.id = id;
    job.priority = 2;
    job.max_attempts = max_attempts;
    absl::Status s = db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) {
      return queue_->Enqueue(tx, job, TestPayload{script});
    });
    ASSERT_TRUE(s.ok()) << s;
  }
  // Polls until the job is in `state` (up to 10 s); returns the last state.
  std::string WaitFor(const std::string& id, absl::string_view state) {
    std::string now;
    for (absl::Time end = absl::Now() + absl::Seconds(10); absl::Now() < end;) {
      now = Value("SELECT state FROM jobs WHERE id = $1", {id});
      if (now == state) break;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return now;
  }

  metrics::Registry registry_;
  ScriptedHandler handler_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<WorkerPool> workers_;
};

TEST_F(WorkerPoolTest, EventsWrittenByAJobCarryTheTraceOfWhoeverEnqueuedIt) {
  const std::string parent =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  {
    trace::ScopedTraceContext span(parent);
    Enqueue("traced", "quick");
  }
  workers_->Start();
  ASSERT_EQ(WaitFor("traced", "SUCCEEDED"), "SUCCEEDED");
  const std::string written =
      Value("SELECT traceparent FROM outbox WHERE aggregate_id = 'traced'");
  trace::TraceParent got;
  ASSERT_TRUE(trace::ParseTraceParent(written, &got)) << written;
  EXPECT_EQ(got.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  // A child span of the creator's, not the creator's own.
  EXPECT_NE(got.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(workers_->completed(), 1);
}

TEST_F(WorkerPoolTest, TransientFailuresRetryThenDieAndBadInputFailsAtOnce) {
  workers_->Start();
  Enqueue("recovers", "fail:2");
  Enqueue("dies", "fail:9");
  Enqueue("bad", "bad");
  EXPECT_EQ(WaitFor("recovers", "SUCCEEDED"), "SUCCEEDED");
  EXPECT_EQ(Value("SELECT attempt FROM jobs WHERE id = 'recovers'"), "3");
  EXPECT_EQ(WaitFor("dies", "DEAD"), "DEAD");
  EXPECT_EQ(Value("SELECT attempt FROM jobs WHERE id = 'dies'"), "3");
  EXPECT_EQ(WaitFor("bad", "FAILED"), "FAILED");
  EXPECT_EQ(Value("SELECT attempt FROM jobs WHERE id = 'bad'"), "1");
  // One event each: the success, the death, the failure.
  EXPECT_EQ(Value("SELECT count(*) FROM outbox"), "3");
}

TEST_F(WorkerPoolTest, ACancelledRunningJobStopsAndWritesNothing) {
  workers_->Start();
  Enqueue("victim", "slow");
  ASSERT_EQ(WaitFor("victim", "RUNNING"), "RUNNING");
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_GT(
      std::stoi(Value("SELECT progress_percent FROM jobs WHERE id = 'victim'")),
      0);
  ASSERT_TRUE(db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) {
                return queue_->Cancel(tx, "org", "victim").status();
              }).ok());
  absl::SleepFor(absl::Milliseconds(1200));
  EXPECT_EQ(Value("SELECT state FROM jobs WHERE id = 'victim'"), "CANCELLED");
  EXPECT_EQ(Value("SELECT count(*) FROM outbox"), "0");
}

TEST_F(WorkerPoolTest, AJobOfALostWorkerIsFinishedByAnotherExactlyOnce) {
  workers_->Start();
  workers_->SimulateCrashOnNextProgress();
  Enqueue("orphan", "slow");
  ASSERT_EQ(WaitFor("orphan", "SUCCEEDED"), "SUCCEEDED");
  EXPECT_EQ(Value("SELECT attempt FROM jobs WHERE id = 'orphan'"), "2");
  EXPECT_EQ(Value("SELECT count(*) FROM outbox"), "1");
}

TEST_F(WorkerPoolTest, DrainLetsRunningJobsFinish) {
  workers_->Start();
  Enqueue("long", "slow");
  ASSERT_EQ(WaitFor("long", "RUNNING"), "RUNNING");
  workers_->Drain(absl::Seconds(5));
  EXPECT_EQ(Value("SELECT state FROM jobs WHERE id = 'long'"), "SUCCEEDED");
}

}  // namespace
}  // namespace fineprint::jobs
