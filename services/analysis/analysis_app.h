#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_APP_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_APP_H_

// The analysis service assembled from the runtime: pool and migrations
// (outbox, common, inbox, analysis), the service behind a ServiceHost that
// authenticates through identity, the worker pool, and, with Kafka, the
// outbox relay and the PlanChanged consumer. main() and the integration
// tests start exactly the same thing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "events/consumer/consumer.h"
#include "events/relay/outbox_relay.h"
#include "services/analysis/analysis_service.h"
#include "services/analysis/backend_analyzer.h"
#include "services/analysis/analyzer/analyzer.h"
#include "services/analysis/job_queue.h"
#include "services/analysis/plan_events.h"
#include "services/analysis/worker_pool.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/server/service_host.h"

namespace fineprint::analysis {

struct AnalysisAppOptions {
  std::string pg_dsn;
  int pg_pool_size = 16;
  server::HostOptions host;
  // gRPC address of identity (JWKS and API-key verification).
  std::string identity_target;
  // When set: in-process outbox relay and the PlanChanged consumer.
  std::string kafka_bootstrap_servers;
  AnalysisConfig config;
  QueueConfig queue;
  WorkerOptions workers;
  // Optional external analyser (fineprint.analysis.v1.Analyzer); the
  // built-in one is its fallback.
  std::string analyzer_backend;
  BackendOptions backend;
  // Replaces the built-in analyser (tests inject failures and delays).
  AnalyzeFn analyze;
};

class AnalysisApp {
 public:
  static absl::StatusOr<std::unique_ptr<AnalysisApp>> Start(AnalysisAppOptions options);
  ~AnalysisApp();

  std::string grpc_target() const { return host_->grpc_target(); }
  db::Pool& pool() { return *pool_; }
  server::ServiceHost& host() { return *host_; }
  WorkerPool& workers() { return *workers_; }
  JobQueue& queue() { return *queue_; }
  AnalysisServiceImpl& service() { return *service_; }
  const std::string& analyzer_version() const { return analyzer_->version(); }

 private:
  AnalysisApp() = default;

  std::unique_ptr<db::Pool> pool_;
  std::unique_ptr<Analyzer> analyzer_;
  std::unique_ptr<auth::JwksClient> jwks_;
  std::unique_ptr<auth::GrpcApiKeyVerifier> api_keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<AnalysisServiceImpl> service_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<BackendAnalyzer> backend_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<server::ServiceHost> host_;
  std::unique_ptr<::fineprint::events::OutboxRelay> relay_;
  PlanEventHandler plan_handler_;
  std::unique_ptr<::fineprint::events::Consumer> consumer_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_APP_H_
