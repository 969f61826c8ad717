// Workers running jobs with a scripted analyser: cancellation, retries into
// the dead-letter queue and back, a worker lost mid-job, and WatchJob.

#include <atomic>

#include "absl/strings/match.h"
#include "services/analysis/tests/analysis_fixture.h"

namespace fineprint::analysis::testing {
namespace {

// Texts script the fake analyser: "fail:N ..." fails the first N attempts
// (UNAVAILABLE), "slow ..." reports progress in 40 steps of 25 ms.
std::atomic<int> g_attempts{0};

absl::StatusOr<v1::Analysis> FakeAnalyze(const ClaimedJob& job,
                                         const ProgressFn& progress) {
  g_attempts++;
  if (absl::StartsWith(job.text, "fail:")) {
    const int failures = job.text[5] - '0';
    if (job.attempt <= failures)
      return absl::UnavailableError("backend hiccup");
  }
  const int steps = absl::StartsWith(job.text, "slow") ? 40 : 1;
  for (int i = 0; i < steps; ++i) {
    if (!progress(i * 100 / steps, absl::StrCat("Section ", i))) {
      return absl::CancelledError("stopped");
    }
    if (steps > 1) absl::SleepFor(absl::Milliseconds(25));
  }
  progress(100, "");
  v1::Analysis analysis;
  analysis.set_score(80);
  analysis.set_grade(v1::GRADE_A);
  analysis.set_analyzer_version("fake-1");
  v1::Finding* f = analysis.add_findings();
  f->set_category(v1::NO_REFUNDS);
  f->set_severity(v1::SEVERITY_MEDIUM);
  return analysis;
}

class WorkerTest : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    StartApps([](AnalysisAppOptions& o) {
      o.workers.workers = 2;
      o.workers.heartbeat_interval = absl::Milliseconds(50);
      o.workers.idle_poll = absl::Milliseconds(10);
      o.queue.lease = absl::Milliseconds(700);
      o.queue.retry_backoff = absl::Milliseconds(50);
      o.config.max_attempts = 3;
      o.config.analyzer_version = "fake-1";
      o.analyze = FakeAnalyze;
    });
  }
  static std::string IdOf(const std::string& name) {
    return name.substr(name.rfind('/') + 1);
  }
};

TEST_F(WorkerTest, CancelAQueuedJob) {
  Account a = SignUp();
  // Keep the workers busy is not needed: cancel in the same breath, and
  // accept that a worker may have picked it up (then it is cancelled while
  // RUNNING, which ends the same way).
  v1::SubmitDocumentResponse resp = Submit(a, "slow queued cancel");
  v1::CancelJobRequest cancel;
  cancel.set_name(resp.job().name());
  v1::AnalysisJob job;
  ASSERT_TRUE(stub().CancelJob(Ctx(a.token).get(), cancel, &job).ok());
  EXPECT_EQ(job.state(), v1::CANCELLED);
  // Cancelling again returns it unchanged.
  ASSERT_TRUE(stub().CancelJob(Ctx(a.token).get(), cancel, &job).ok());
  EXPECT_EQ(job.state(), v1::CANCELLED);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(GetJob(a, resp.job().name()).state(), v1::CANCELLED);
  EXPECT_EQ(Count("SELECT count(*) FROM analyses WHERE job_id = $1",
                  {IdOf(resp.job().name())}),
            0);
}

TEST_F(WorkerTest, CancelARunningJobStopsItAtTheNextProgressPoint) {
  Account a = SignUp();
  v1::SubmitDocumentResponse resp = Submit(a, "slow running cancel");
  v1::AnalysisJob running = WaitForJob(a, resp.job().name(), v1::RUNNING);
  ASSERT_EQ(running.state(), v1::RUNNING);
  v1::CancelJobRequest cancel;
  cancel.set_name(resp.job().name());
  v1::AnalysisJob job;
  ASSERT_TRUE(stub().CancelJob(Ctx(a.token).get(), cancel, &job).ok());
  EXPECT_EQ(job.state(), v1::CANCELLED);
  // The full run takes ~1 s; wait past it: the job must stay cancelled and
  // no result or completion event may appear.
  absl::SleepFor(absl::Milliseconds(1500));
  v1::AnalysisJob after = GetJob(a, resp.job().name());
  EXPECT_EQ(after.state(), v1::CANCELLED);
  EXPECT_LT(after.progress_percent(), 100);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE aggregate_id = $1",
                  {IdOf(resp.job().name())}),
            0);
  // A finished job cannot be cancelled.
  v1::SubmitDocumentResponse done = Submit(a, "quick");
  ASSERT_EQ(WaitForJob(a, done.job().name()).state(), v1::SUCCEEDED);
  cancel.set_name(done.job().name());
  EXPECT_EQ(stub().CancelJob(Ctx(a.token).get(), cancel, &job).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(WorkerTest, TransientFailuresAreRetried) {
  Account a = SignUp();
  v1::SubmitDocumentResponse resp = Submit(a, "fail:2 then fine");
  v1::AnalysisJob job = WaitForJob(a, resp.job().name());
  EXPECT_EQ(job.state(), v1::SUCCEEDED);
  EXPECT_EQ(job.attempt(), 3);
  EXPECT_FALSE(job.has_error());
}

TEST_F(WorkerTest, ExhaustedRetriesGoDeadAndCanBeRequeued) {
  Account a = SignUp();
  Account member = AddUser(a, idv1::MEMBER);
  v1::SubmitDocumentResponse resp = Submit(a, "fail:3 always");
  v1::AnalysisJob job = WaitForJob(a, resp.job().name());
  ASSERT_EQ(job.state(), v1::DEAD);
  EXPECT_EQ(job.attempt(), 3);
  EXPECT_EQ(job.error().code(),
            static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(
      Count("SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND "
            "event_type = $2",
            {IdOf(job.name()), "fineprint.analysis.events.v1.AnalysisFailed"}),
      1);

  v1::ListDeadJobsRequest list;
  list.set_parent(a.org.name());
  v1::ListDeadJobsResponse dead;
  ASSERT_TRUE(stub().ListDeadJobs(Ctx(a.token).get(), list, &dead).ok());
  ASSERT_EQ(dead.jobs_size(), 1);
  EXPECT_EQ(dead.jobs(0).name(), job.name());
  EXPECT_EQ(
      stub().ListDeadJobs(Ctx(member.token).get(), list, &dead).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  v1::RequeueJobRequest requeue;
  requeue.set_name(job.name());
  v1::AnalysisJob requeued;
  EXPECT_EQ(stub()
                .RequeueJob(Ctx(member.token).get(), requeue, &requeued)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub().RequeueJob(Ctx(a.token).get(), requeue, &requeued).ok());
  EXPECT_EQ(requeued.state(), v1::QUEUED);
  EXPECT_EQ(requeued.attempt(), 0);
  EXPECT_FALSE(requeued.has_error());
  // attempt restarts at 0, so "fail:3" fails three more times: DEAD again.
  EXPECT_EQ(WaitForJob(a, job.name()).state(), v1::DEAD);
  // Requeueing a job that is not DEAD/FAILED is refused.
  v1::SubmitDocumentResponse ok = Submit(a, "fine");
  ASSERT_EQ(WaitForJob(a, ok.job().name()).state(), v1::SUCCEEDED);
  requeue.set_name(ok.job().name());
  EXPECT_EQ(
      stub().RequeueJob(Ctx(a.token).get(), requeue, &requeued).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(WorkerTest, AJobOfALostWorkerIsFinishedByAnotherExactlyOnce) {
  Account a = SignUp();
  app().workers().SimulateCrashOnNextProgress();
  v1::SubmitDocumentResponse resp = Submit(a, "slow crash victim");
  v1::AnalysisJob job = WaitForJob(a, resp.job().name());
  EXPECT_EQ(job.state(), v1::SUCCEEDED);
  EXPECT_EQ(job.attempt(), 2);  // the first attempt's lease expired
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND "
                  "event_type = $2",
                  {IdOf(job.name()),
                   "fineprint.analysis.events.v1.AnalysisCompleted"}),
            1);
}

TEST_F(WorkerTest, WatchJobStreamsProgressUntilDone) {
  Account a = SignUp();
  v1::SubmitDocumentResponse resp = Submit(a, "slow watched");
  v1::WatchJobRequest req;
  req.set_name(resp.job().name());
  auto ctx = Ctx(a.token, 20);
  auto reader = stub().WatchJob(ctx.get(), req);
  std::vector<v1::AnalysisJob> updates;
  v1::JobUpdate update;
  while (reader->Read(&update)) updates.push_back(update.job());
  grpc::Status s = reader->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GE(updates.size(), 3u);
  EXPECT_EQ(updates.back().state(), v1::SUCCEEDED);
  int progress_updates = 0;
  int last = -1;
  for (const v1::AnalysisJob& j : updates) {
    if (j.state() == v1::RUNNING && j.progress_percent() > 0)
      ++progress_updates;
    if (j.state() == v1::RUNNING) {
      EXPECT_GE(j.progress_percent(), last);
      last = j.progress_percent();
    }
  }
  EXPECT_GE(progress_updates, 2);

  // Another organisation cannot watch it.
  Account b = SignUp("other");
  auto ctx2 = Ctx(b.token);
  auto other = stub().WatchJob(ctx2.get(), req);
  while (other->Read(&update)) {
  }
  EXPECT_EQ(other->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace fineprint::analysis::testing
