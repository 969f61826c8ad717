#ifndef FINEPRINT_SERVICES_MONITORING_MONITORING_SERVICE_H_
#define FINEPRINT_SERVICES_MONITORING_MONITORING_SERVICE_H_

// The monitoring API: watches (watches.cc) and the versions fetched from
// them with their diffs (versions.cc). Handlers only read and write rows;
// checks run in the Checker, claimed from the `checks` job queue, so a
// CheckNow is a check moved to the front of that queue and awaited.

#include <string>

#include "events/outbox/outbox_writer.h"
#include "fineprint/monitoring/v1/monitoring.grpc.pb.h"
#include "services/monitoring/model.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/http/ssrf_guard.h"
#include "services/runtime/status/status.h"

namespace fineprint::monitoring {

class MonitoringServiceImpl final : public v1::MonitoringService::Service {
 public:
  // `guard` vets watched hosts at create and update (the fetcher's guard
  // vets them again at every fetch, since DNS answers change).
  MonitoringServiceImpl(db::Pool* pool, MonitoringConfig config,
                        http::SsrfGuard guard)
      : pool_(pool), config_(std::move(config)), guard_(std::move(guard)) {}

  // watches.cc
  grpc::Status CreateWatch(grpc::ServerContext*, const v1::CreateWatchRequest*,
                           v1::Watch*) override;
  grpc::Status GetWatch(grpc::ServerContext*, const v1::GetWatchRequest*,
                        v1::Watch*) override;
  grpc::Status ListWatches(grpc::ServerContext*, const v1::ListWatchesRequest*,
                           v1::ListWatchesResponse*) override;
  grpc::Status UpdateWatch(grpc::ServerContext*, const v1::UpdateWatchRequest*,
                           v1::Watch*) override;
  grpc::Status DeleteWatch(grpc::ServerContext*, const v1::DeleteWatchRequest*,
                           google::protobuf::Empty*) override;
  grpc::Status CheckNow(grpc::ServerContext*, const v1::CheckNowRequest*,
                        v1::CheckNowResponse*) override;

  // versions.cc
  grpc::Status GetSourceVersion(grpc::ServerContext*,
                                const v1::GetSourceVersionRequest*,
                                v1::SourceVersion*) override;
  grpc::Status ListSourceVersions(grpc::ServerContext*,
                                  const v1::ListSourceVersionsRequest*,
                                  v1::ListSourceVersionsResponse*) override;
  grpc::Status GetVersionDiff(grpc::ServerContext*,
                              const v1::GetVersionDiffRequest*,
                              v1::VersionDiff*) override;

 private:
  db::TxOptions TxOptionsForCall() const;

  absl::Status DoCreate(const v1::CreateWatchRequest& req, v1::Watch* resp);
  absl::Status DoList(const v1::ListWatchesRequest& req,
                      v1::ListWatchesResponse* resp);
  absl::Status DoUpdate(const v1::UpdateWatchRequest& req, v1::Watch* resp);
  absl::Status DoDelete(const v1::DeleteWatchRequest& req);
  absl::Status DoCheckNow(const v1::CheckNowRequest& req,
                          v1::CheckNowResponse* resp);
  absl::Status DoListVersions(const v1::ListSourceVersionsRequest& req,
                              v1::ListSourceVersionsResponse* resp);
  absl::Status DoDiff(const v1::GetVersionDiffRequest& req,
                      v1::VersionDiff* resp);

  // Adds violations for the fields of `watch` named in `fields` (all when
  // empty). `plan` sets the minimum interval.
  void Validate(const v1::Watch& watch, const std::vector<std::string>& fields,
                absl::string_view plan,
                std::vector<status::FieldViolation>& v) const;
  void ValidateUrl(absl::string_view url,
                   std::vector<status::FieldViolation>& v) const;

  db::Pool* const pool_;
  const MonitoringConfig config_;
  const http::SsrfGuard guard_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

// The plan PlanChanged events last reported for `org`, else `fallback`.
absl::StatusOr<std::string> PlanOf(db::Executor& ex, absl::string_view org,
                                   absl::string_view fallback);

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_MONITORING_SERVICE_H_
