#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_APP_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_APP_H_

// Analysis's domain, handed to the service kit: the analyser (built-in rule
// engine, optionally behind an external backend with a circuit breaker),
// the service, the job queue and its workers, and the PlanChanged and
// SourceChanged handlers.
// main() and the tests assemble exactly the same thing.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/analysis/analysis_service.h"
#include "services/analysis/analyzer/analyzer.h"
#include "services/analysis/backend_analyzer.h"
#include "services/analysis/job_queue.h"
#include "services/analysis/worker_pool.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::analysis {

service::Declaration Declaration();

struct AnalysisDomainOptions {
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

// The parts of the domain tests reach into; owned by the kit.
struct AnalysisDomain {
  Analyzer* analyzer = nullptr;
  AnalysisServiceImpl* service = nullptr;
  JobQueue* queue = nullptr;
  WorkerPool* workers = nullptr;
};

// Registers analysis's domain with `kit`.
absl::StatusOr<AnalysisDomain> Assemble(service::ServiceKit& kit,
                                        AnalysisDomainOptions options);

struct AnalysisAppOptions : service::KitOptions, AnalysisDomainOptions {};

// The assembled and started service, for tests and benchmarks.
class AnalysisApp {
 public:
  static absl::StatusOr<std::unique_ptr<AnalysisApp>> Start(
      AnalysisAppOptions options);

  std::string grpc_target() const { return kit_->host().grpc_target(); }
  db::Pool& pool() { return kit_->pool(); }
  server::ServiceHost& host() { return kit_->host(); }
  WorkerPool& workers() { return *domain_.workers; }
  JobQueue& queue() { return *domain_.queue; }
  AnalysisServiceImpl& service() { return *domain_.service; }
  const std::string& analyzer_version() const {
    return domain_.analyzer->version();
  }

 private:
  AnalysisApp(std::unique_ptr<service::ServiceKit> kit, AnalysisDomain domain)
      : kit_(std::move(kit)), domain_(domain) {}

  std::unique_ptr<service::ServiceKit> kit_;
  AnalysisDomain domain_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYSIS_APP_H_
