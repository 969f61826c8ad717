#ifndef FINEPRINT_SERVICES_ANALYSIS_BACKEND_ANALYZER_H_
#define FINEPRINT_SERVICES_ANALYSIS_BACKEND_ANALYZER_H_

// The optional external analyser (fineprint.analysis.v1.Analyzer) as a
// worker's AnalyzeFn: each call has a deadline and goes through a circuit
// breaker; when the backend fails, is slow or the circuit is open, the
// built-in engine's result is used instead, marked degraded, and counted in
// fineprint_analysis_degraded_total.

#include <memory>

#include "absl/time/time.h"
#include "fineprint/analysis/v1/analyzer.grpc.pb.h"
#include "services/analysis/worker_pool.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/resilience/circuit_breaker.h"

namespace fineprint::analysis {

struct BackendOptions {
  absl::Duration deadline = absl::Seconds(10);
  resilience::CircuitBreakerOptions breaker;
  metrics::Registry* metrics = nullptr;  // default: Registry::Default()
};

class BackendAnalyzer {
 public:
  BackendAnalyzer(std::shared_ptr<v1::Analyzer::StubInterface> stub,
                  AnalyzeFn fallback, BackendOptions options);

  absl::StatusOr<v1::Analysis> Analyze(const ClaimedJob& job,
                                       const ProgressFn& progress);
  // Binds this object (which must outlive the function).
  AnalyzeFn AsAnalyzeFn();

  resilience::CircuitBreaker& breaker() { return breaker_; }

 private:
  absl::StatusOr<v1::Analysis> CallBackend(const ClaimedJob& job);

  const std::shared_ptr<v1::Analyzer::StubInterface> stub_;
  const AnalyzeFn fallback_;
  const BackendOptions options_;
  resilience::CircuitBreaker breaker_;
  metrics::Counter& degraded_;
  metrics::Counter& backend_errors_;
};

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_BACKEND_ANALYZER_H_
