#include "services/analysis/backend_analyzer.h"

#include <chrono>

#include "grpcpp/client_context.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::analysis {
namespace {

metrics::Registry& RegistryOf(const BackendOptions& options) {
  return options.metrics ? *options.metrics : metrics::Registry::Default();
}

}  // namespace

BackendAnalyzer::BackendAnalyzer(
    std::shared_ptr<v1::Analyzer::StubInterface> stub, AnalyzeFn fallback,
    BackendOptions options)
    : stub_(std::move(stub)),
      fallback_(std::move(fallback)),
      options_(options),
      breaker_(options.breaker),
      degraded_(RegistryOf(options).GetCounter(
          "fineprint_analysis_degraded_total",
          "Analyses that used the built-in analyser because the backend "
          "failed.")),
      backend_errors_(RegistryOf(options).GetCounter(
          "fineprint_analysis_backend_errors_total",
          "Failed or too slow calls to the external analyser.")) {}

absl::StatusOr<v1::Analysis> BackendAnalyzer::CallBackend(
    const ClaimedJob& job) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(options_.deadline));
  v1::AnalyzeRequest req;
  req.set_text(job.text);
  req.set_kind(job.kind);
  req.set_language(job.language);
  v1::AnalyzeResponse resp;
  grpc::Status s = stub_->Analyze(&ctx, req, &resp);
  if (!s.ok()) return status::FromGrpc(s);
  // Offsets come from outside: a finding that does not point into the text
  // makes the whole answer untrustworthy.
  for (const v1::Finding& f : resp.findings()) {
    if (f.start_offset() < 0 || f.end_offset() < f.start_offset() ||
        f.end_offset() > static_cast<int64_t>(job.text.size())) {
      return absl::InternalError("the analyser backend returned bad offsets");
    }
  }
  if (resp.score() < 0 || resp.score() > 100) {
    return absl::InternalError("the analyser backend returned a bad score");
  }
  v1::Analysis analysis;
  *analysis.mutable_findings() = std::move(*resp.mutable_findings());
  analysis.set_score(resp.score());
  analysis.set_grade(resp.grade());
  analysis.set_analyzer_version(resp.analyzer_version());
  return analysis;
}

absl::StatusOr<v1::Analysis> BackendAnalyzer::Analyze(
    const ClaimedJob& job, const ProgressFn& progress) {
  if (breaker_.Allow()) {
    if (!progress(0, "")) return absl::CancelledError("stopped");
    absl::StatusOr<v1::Analysis> result = CallBackend(job);
    if (result.ok()) {
      breaker_.RecordSuccess();
      if (!progress(100, "")) return absl::CancelledError("stopped");
      return result;
    }
    breaker_.RecordFailure();
    backend_errors_.Increment();
    log::Warning("analyser backend failed; using the built-in analyser",
                 {{"job", job.id}, {"error", result.status()}});
  }
  absl::StatusOr<v1::Analysis> fallback = fallback_(job, progress);
  if (!fallback.ok()) return fallback;
  fallback->set_degraded(true);
  degraded_.Increment();
  return fallback;
}

AnalyzeFn BackendAnalyzer::AsAnalyzeFn() {
  return [this](const ClaimedJob& job, const ProgressFn& progress) {
    return Analyze(job, progress);
  };
}

}  // namespace fineprint::analysis
