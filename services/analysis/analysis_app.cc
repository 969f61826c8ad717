#include "services/analysis/analysis_app.h"

#include "grpcpp/create_channel.h"
#include "infra/migrations/analysis_migrations.h"
#include "services/analysis/plan_events.h"
#include "services/analysis/rule_engine.h"
#include "services/analysis/source_events.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::analysis {

service::Declaration Declaration() {
  return {std::string(kService), {migrations::AnalysisMigrations()}};
}

absl::StatusOr<AnalysisDomain> Assemble(service::ServiceKit& kit,
                                        AnalysisDomainOptions options) {
  AnalysisDomain domain;
  FP_ASSIGN_OR_RETURN(std::unique_ptr<Analyzer> analyzer,
                      Analyzer::CreateDefault());
  domain.analyzer = kit.Own(std::move(analyzer));
  if (options.config.analyzer_version.empty()) {
    options.config.analyzer_version = domain.analyzer->version();
  }
  options.queue.result_cache_ttl = options.config.result_cache_ttl;

  domain.service = kit.Own(
      std::make_unique<AnalysisServiceImpl>(&kit.pool(), options.config));
  FP_RETURN_IF_ERROR(
      kit.Serve(domain.service, v1::AnalysisService::service_full_name()));
  FP_RETURN_IF_ERROR(HandlePlanChanges(kit.events()));
  FP_RETURN_IF_ERROR(HandleSourceChanges(
      kit.events(),
      {options.config.max_document_bytes, options.config.max_attempts}));

  domain.queue =
      kit.Own(std::make_unique<JobQueue>(&kit.pool(), options.queue));
  if (options.workers.instance_id.empty()) {
    options.workers.instance_id = trace::RandomHex(8);
  }
  AnalyzeFn analyze =
      options.analyze ? options.analyze : RuleEngineAnalyzeFn(domain.analyzer);
  if (!options.analyzer_backend.empty()) {
    auto* backend = kit.Own(std::make_unique<BackendAnalyzer>(
        v1::Analyzer::NewStub(grpc::CreateChannel(
            options.analyzer_backend, grpc::InsecureChannelCredentials())),
        std::move(analyze), options.backend));
    analyze = backend->AsAnalyzeFn();
  }
  WorkerPool* workers = domain.workers = kit.Own(std::make_unique<WorkerPool>(
      domain.queue, std::move(analyze), options.workers));
  kit.AddWorker(
      "analysis workers",
      [workers] {
        workers->Start();
        return absl::OkStatus();
      },
      [workers] { workers->Stop(); });
  return domain;
}

absl::StatusOr<std::unique_ptr<AnalysisApp>> AnalysisApp::Start(
    AnalysisAppOptions options) {
  if (options.identity_target.empty()) {
    return absl::InvalidArgumentError("identity_target is required");
  }
  FP_ASSIGN_OR_RETURN(std::unique_ptr<service::ServiceKit> kit,
                      service::ServiceKit::Open(Declaration(), options));
  FP_ASSIGN_OR_RETURN(
      AnalysisDomain domain,
      Assemble(*kit, static_cast<AnalysisDomainOptions&>(options)));
  FP_RETURN_IF_ERROR(kit->Start());
  return std::unique_ptr<AnalysisApp>(new AnalysisApp(std::move(kit), domain));
}

}  // namespace fineprint::analysis
