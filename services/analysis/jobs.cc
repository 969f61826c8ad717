// Jobs: reads, cancellation, requeue, the dead-letter list, WatchJob and
// results.

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/analysis/analysis_service.h"
#include "services/analysis/job_queue.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/single_row.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {
namespace {

constexpr char kJobPattern[] = "orgs/{org}/jobs/{job}";

absl::Status NotInState(absl::string_view what) {
  return status::WithReason(absl::FailedPreconditionError(what), "JOB_STATE");
}

// Cancel and Requeue only write the row in the caller's transaction; they
// need neither the queue's timings nor its ageing step (a requeued job is
// ranked by the next claim).
jobs::JobQueue Queue(db::Pool* pool) {
  return jobs::JobQueue(pool, QueueOptions({}));
}

}  // namespace

absl::StatusOr<v1::AnalysisJob> AnalysisServiceImpl::LoadJob(
    db::Executor& ex, absl::string_view org, absl::string_view job,
    bool for_update) {
  return api::ReadSingleRow(
      ex,
      absl::StrCat("SELECT ", kJobColumns,
                   " FROM jobs WHERE org_id = $1 AND id = $2",
                   for_update ? " FOR UPDATE" : ""),
      {org, job}, "job not found", JobFromRow);
}

grpc::Status AnalysisServiceImpl::GetJob(grpc::ServerContext*,
                                         const v1::GetJobRequest* req,
                                         v1::AnalysisJob* resp) {
  return status::ToGrpc([&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kJobPattern, "name"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(*resp, LoadJob(*conn, ids[0], ids[1], false));
    return absl::OkStatus();
  }());
}

absl::Status AnalysisServiceImpl::DoListJobs(const v1::ListJobsRequest& req,
                                             v1::ListJobsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  std::vector<std::string> states;
  for (int s : req.states()) {
    if (!v1::JobState_IsValid(s) || s == v1::JOB_STATE_UNSPECIFIED) {
      return status::InvalidArgument("invalid filter",
                                     {{"states", "unknown state"}});
    }
    states.push_back(v1::JobState_Name(static_cast<v1::JobState>(s)));
  }
  std::string document;
  if (!req.document().empty()) {
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> d,
        api::ParseTenantName(caller, req.document(),
                             "orgs/{org}/documents/{document}", "document"));
    document = d[1];
  }
  const std::string state_list = absl::StrJoin(states, ",");
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(req.page_size(), req.page_token(),
                             absl::StrCat(req.parent(), "/jobs?states=",
                                          state_list, "&document=", document)));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(*conn,
                 absl::StrCat(
                     "SELECT ", kJobColumns,
                     " FROM jobs WHERE org_id = $1"
                     " AND ($2 = '' OR state = ANY (string_to_array($2, ',')))"
                     " AND ($3 = '' OR document_id = $3)"
                     " AND ($4 OR (create_time, id) < ($5::timestamptz, $6))"
                     " ORDER BY create_time DESC, id DESC LIMIT $7"),
                 {ids[0], state_list, document}, "create_time",
                 resp->mutable_jobs(), JobFromRow));
  return absl::OkStatus();
}

grpc::Status AnalysisServiceImpl::ListJobs(grpc::ServerContext*,
                                           const v1::ListJobsRequest* req,
                                           v1::ListJobsResponse* resp) {
  return status::ToGrpc(DoListJobs(*req, resp));
}

absl::Status AnalysisServiceImpl::DoListDead(const v1::ListDeadJobsRequest& req,
                                             v1::ListDeadJobsResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(req.page_size(), req.page_token(),
                             absl::StrCat(req.parent(), "/jobs:listDead")));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(
          *conn,
          absl::StrCat("SELECT ", kJobColumns,
                       " FROM jobs WHERE org_id = $1 AND state = 'DEAD'"
                       " AND ($2 OR (end_time, id) > ($3::timestamptz, $4))"
                       " ORDER BY end_time, id LIMIT $5"),
          {ids[0]}, "end_time", resp->mutable_jobs(), JobFromRow));
  return absl::OkStatus();
}

grpc::Status AnalysisServiceImpl::ListDeadJobs(
    grpc::ServerContext*, const v1::ListDeadJobsRequest* req,
    v1::ListDeadJobsResponse* resp) {
  return status::ToGrpc(DoListDead(*req, resp));
}

absl::Status AnalysisServiceImpl::TransitionJob(absl::string_view name,
                                                JobTransition transition,
                                                v1::AnalysisJob* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseTenantName(caller, name, kJobPattern, "name"));
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(v1::AnalysisJob job,
                            LoadJob(tx, ids[0], ids[1], true));
        FP_ASSIGN_OR_RETURN(bool changed, transition(tx, ids[0], ids[1], job));
        if (!changed) {
          *resp = std::move(job);
          return absl::OkStatus();
        }
        FP_ASSIGN_OR_RETURN(*resp, LoadJob(tx, ids[0], ids[1], false));
        return absl::OkStatus();
      });
}

absl::Status AnalysisServiceImpl::DoCancel(const v1::CancelJobRequest& req,
                                           v1::AnalysisJob* resp) {
  return TransitionJob(
      req.name(),
      [&](db::Tx& tx, absl::string_view org, absl::string_view job,
          const v1::AnalysisJob& current) -> absl::StatusOr<bool> {
        if (current.state() == v1::CANCELLED) return false;
        if (IsTerminal(current.state())) {
          return NotInState("the job has already finished");
        }
        // A RUNNING job's worker finds its lease gone (state is no longer
        // RUNNING) at its next progress point and stops; every write it could
        // still make is guarded on state = 'RUNNING'.
        FP_RETURN_IF_ERROR(Queue(pool_).Cancel(tx, org, job).status());
        return true;
      },
      resp);
}

grpc::Status AnalysisServiceImpl::CancelJob(grpc::ServerContext*,
                                            const v1::CancelJobRequest* req,
                                            v1::AnalysisJob* resp) {
  return status::ToGrpc(DoCancel(*req, resp));
}

absl::Status AnalysisServiceImpl::DoRequeue(const v1::RequeueJobRequest& req,
                                            v1::AnalysisJob* resp) {
  return TransitionJob(
      req.name(),
      [&](db::Tx& tx, absl::string_view org, absl::string_view job,
          const v1::AnalysisJob& current) -> absl::StatusOr<bool> {
        if (current.state() != v1::DEAD && current.state() != v1::FAILED) {
          return NotInState("only DEAD or FAILED jobs can be requeued");
        }
        FP_RETURN_IF_ERROR(Queue(pool_).Requeue(tx, org, job).status());
        return true;
      },
      resp);
}

grpc::Status AnalysisServiceImpl::RequeueJob(grpc::ServerContext*,
                                             const v1::RequeueJobRequest* req,
                                             v1::AnalysisJob* resp) {
  return status::ToGrpc(DoRequeue(*req, resp));
}

absl::Status AnalysisServiceImpl::DoWatch(
    grpc::ServerContext* ctx, const v1::WatchJobRequest& req,
    grpc::ServerWriter<v1::JobUpdate>* writer) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kJobPattern, "name"));
  const absl::Time deadline = TxOptionsForCall().deadline;
  std::string last_sent;
  while (true) {
    if (ctx->IsCancelled()) return absl::CancelledError("the client went away");
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          "the job did not finish within the deadline");
    }
    v1::AnalysisJob job;
    {
      FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire(deadline));
      FP_ASSIGN_OR_RETURN(job, LoadJob(*conn, ids[0], ids[1], false));
    }
    std::string bytes;
    job.SerializeToString(&bytes);
    if (bytes != last_sent) {
      v1::JobUpdate update;
      *update.mutable_job() = job;
      if (!writer->Write(update))
        return absl::CancelledError("the stream is closed");
      last_sent = std::move(bytes);
    }
    if (IsTerminal(job.state())) return absl::OkStatus();
    absl::SleepFor(std::min(config_.watch_poll, deadline - absl::Now()));
  }
}

grpc::Status AnalysisServiceImpl::WatchJob(
    grpc::ServerContext* ctx, const v1::WatchJobRequest* req,
    grpc::ServerWriter<v1::JobUpdate>* writer) {
  return status::ToGrpc(DoWatch(ctx, *req, writer));
}

absl::Status AnalysisServiceImpl::DoGetAnalysis(
    const v1::GetAnalysisRequest& req, v1::Analysis* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), "orgs/{org}/jobs/{job}/analysis",
                           "name"));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(v1::AnalysisJob job,
                      LoadJob(*conn, ids[0], ids[1], false));
  if (job.state() != v1::SUCCEEDED)
    return NotInState("the job has not succeeded");
  FP_ASSIGN_OR_RETURN(db::Result r,
                      conn->Execute("SELECT result FROM analyses"
                                    " WHERE org_id = $1 AND job_id = $2",
                                    {ids[0], ids[1]}));
  if (r.empty()) return absl::InternalError("succeeded job without a result");
  FP_ASSIGN_OR_RETURN(std::string encoded, r[0].GetString(0));
  std::string blob;
  if (!absl::Base64Unescape(encoded, &blob) || !resp->ParseFromString(blob)) {
    return absl::InternalError("unreadable analysis");
  }
  return absl::OkStatus();
}

grpc::Status AnalysisServiceImpl::GetAnalysis(grpc::ServerContext*,
                                              const v1::GetAnalysisRequest* req,
                                              v1::Analysis* resp) {
  return status::ToGrpc(DoGetAnalysis(*req, resp));
}

}  // namespace fineprint::analysis
