#include "services/analysis/analysis_flags.h"

#include "absl/flags/flag.h"
#include "absl/time/time.h"

ABSL_FLAG(int, workers, 2, "Analysis worker threads.");
ABSL_FLAG(int64_t, max_document_bytes, 2 * 1024 * 1024,
          "Largest accepted document text, in bytes.");
ABSL_FLAG(absl::Duration, result_cache_ttl, absl::Hours(24),
          "How long a finished analysis is reused for identical text.");
ABSL_FLAG(int, max_attempts, 3, "Attempts per job before it is DEAD.");
ABSL_FLAG(absl::Duration, aging_step, absl::Seconds(30),
          "Waiting this long raises a job's effective priority by one.");
ABSL_FLAG(
    absl::Duration, job_lease, absl::Seconds(15),
    "Lease of a running job; an unrenewed lease lets another worker take it.");
ABSL_FLAG(absl::Duration, retry_backoff, absl::Seconds(1),
          "Wait before the first retry; doubles per attempt.");
ABSL_FLAG(std::string, analyzer_backend, "",
          "gRPC address of an external fineprint.analysis.v1.Analyzer; empty "
          "uses the built-in rule engine only.");
ABSL_FLAG(absl::Duration, analyzer_backend_deadline, absl::Seconds(10),
          "Deadline of one call to the external analyser.");
ABSL_FLAG(int, analyzer_backend_failure_threshold, 5,
          "Consecutive backend failures that open the circuit breaker.");
ABSL_FLAG(absl::Duration, analyzer_backend_cool_down, absl::Seconds(30),
          "How long an open circuit refuses calls before a trial call.");

namespace fineprint::analysis {

AnalysisDomainOptions AnalysisDomainOptionsFromFlags() {
  AnalysisDomainOptions options;
  options.workers.workers = absl::GetFlag(FLAGS_workers);
  options.config.max_document_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_document_bytes));
  options.config.result_cache_ttl = absl::GetFlag(FLAGS_result_cache_ttl);
  options.config.max_attempts = absl::GetFlag(FLAGS_max_attempts);
  options.queue.aging_step = absl::GetFlag(FLAGS_aging_step);
  options.queue.lease = absl::GetFlag(FLAGS_job_lease);
  options.queue.retry_backoff = absl::GetFlag(FLAGS_retry_backoff);
  options.analyzer_backend = absl::GetFlag(FLAGS_analyzer_backend);
  options.backend.deadline = absl::GetFlag(FLAGS_analyzer_backend_deadline);
  options.backend.breaker.failure_threshold =
      absl::GetFlag(FLAGS_analyzer_backend_failure_threshold);
  options.backend.breaker.cool_down =
      absl::GetFlag(FLAGS_analyzer_backend_cool_down);
  return options;
}

}  // namespace fineprint::analysis
