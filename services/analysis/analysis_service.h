#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_SERVICE_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_SERVICE_H_

// The analysis API: documents and their versions (documents.cc), and the
// analysis jobs with their results (jobs.cc). Handlers only read and write
// rows; the WorkerPool runs the analyses. Each state change commits with
// its domain event in one transaction.

#include <cstddef>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/analysis/v1/analysis.grpc.pb.h"
#include "services/analysis/model.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::analysis {

struct AnalysisConfig {
  size_t max_document_bytes = 2 * 1024 * 1024;
  // A finished analysis of the same text by the same analyser version is
  // reused for this long.
  absl::Duration result_cache_ttl = absl::Hours(24);
  int max_attempts = 3;
  // The analyser version new jobs are cached under (Analyzer::version()).
  std::string analyzer_version;
  // WatchJob polls the job row this often.
  absl::Duration watch_poll = absl::Milliseconds(100);
};

class AnalysisServiceImpl final : public v1::AnalysisService::Service {
 public:
  AnalysisServiceImpl(db::Pool* pool, AnalysisConfig config)
      : pool_(pool), config_(std::move(config)) {}

  // documents.cc
  grpc::Status SubmitDocument(grpc::ServerContext*,
                              const v1::SubmitDocumentRequest*,
                              v1::SubmitDocumentResponse*) override;
  grpc::Status GetDocument(grpc::ServerContext*, const v1::GetDocumentRequest*,
                           v1::Document*) override;
  grpc::Status ListDocuments(grpc::ServerContext*,
                             const v1::ListDocumentsRequest*,
                             v1::ListDocumentsResponse*) override;
  grpc::Status GetDocumentVersion(grpc::ServerContext*,
                                  const v1::GetDocumentVersionRequest*,
                                  v1::DocumentVersion*) override;
  grpc::Status ListDocumentVersions(grpc::ServerContext*,
                                    const v1::ListDocumentVersionsRequest*,
                                    v1::ListDocumentVersionsResponse*) override;

  // jobs.cc
  grpc::Status GetJob(grpc::ServerContext*, const v1::GetJobRequest*,
                      v1::AnalysisJob*) override;
  grpc::Status ListJobs(grpc::ServerContext*, const v1::ListJobsRequest*,
                        v1::ListJobsResponse*) override;
  grpc::Status CancelJob(grpc::ServerContext*, const v1::CancelJobRequest*,
                         v1::AnalysisJob*) override;
  grpc::Status WatchJob(grpc::ServerContext*, const v1::WatchJobRequest*,
                        grpc::ServerWriter<v1::JobUpdate>*) override;
  grpc::Status GetAnalysis(grpc::ServerContext*, const v1::GetAnalysisRequest*,
                           v1::Analysis*) override;
  grpc::Status ListDeadJobs(grpc::ServerContext*,
                            const v1::ListDeadJobsRequest*,
                            v1::ListDeadJobsResponse*) override;
  grpc::Status RequeueJob(grpc::ServerContext*, const v1::RequeueJobRequest*,
                          v1::AnalysisJob*) override;

 private:
  db::TxOptions TxOptionsForCall() const;

  absl::Status DoSubmit(const v1::SubmitDocumentRequest& req,
                        v1::SubmitDocumentResponse* resp);
  absl::Status DoListDocuments(const v1::ListDocumentsRequest& req,
                               v1::ListDocumentsResponse* resp);
  absl::Status DoListVersions(const v1::ListDocumentVersionsRequest& req,
                              v1::ListDocumentVersionsResponse* resp);
  absl::Status DoListJobs(const v1::ListJobsRequest& req,
                          v1::ListJobsResponse* resp);
  absl::Status DoListDead(const v1::ListDeadJobsRequest& req,
                          v1::ListDeadJobsResponse* resp);
  absl::Status DoCancel(const v1::CancelJobRequest& req, v1::AnalysisJob* resp);
  absl::Status DoRequeue(const v1::RequeueJobRequest& req,
                         v1::AnalysisJob* resp);
  absl::Status DoWatch(grpc::ServerContext* ctx, const v1::WatchJobRequest& req,
                       grpc::ServerWriter<v1::JobUpdate>* writer);
  absl::Status DoGetAnalysis(const v1::GetAnalysisRequest& req,
                             v1::Analysis* resp);

  // The job of a tenant job name, read through `ex`.
  absl::StatusOr<v1::AnalysisJob> LoadJob(db::Executor& ex,
                                          absl::string_view org,
                                          absl::string_view job,
                                          bool for_update);

  // Cancel and Requeue: with the job named `name` locked, `transition`
  // refuses (an error), keeps the job as it is (false) or changes it through
  // the queue (true); `resp` is the job as it then stands.
  using JobTransition = absl::FunctionRef<absl::StatusOr<bool>(
      db::Tx& tx, absl::string_view org, absl::string_view job,
      const v1::AnalysisJob& current)>;
  absl::Status TransitionJob(absl::string_view name, JobTransition transition,
                             v1::AnalysisJob* resp);

  db::Pool* const pool_;
  const AnalysisConfig config_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_SERVICE_H_
