#ifndef FINEPRINT_SERVICES_RUNTIME_LOG_ACCESS_LOG_H_
#define FINEPRINT_SERVICES_RUNTIME_LOG_ACCESS_LOG_H_

// Which finished calls (RPCs at a service, HTTP requests at the edge) are
// written to the log. Every call counts in the metrics; at production rates
// a log line per call costs more than the call, so successful fast calls
// are sampled, while failed and slow ones are always logged.

#include <optional>

#include "absl/time/time.h"
#include "services/runtime/log/log.h"

namespace fineprint::log {

struct AccessLogOptions {
  double sample_rate = 0.01;  // of successful, fast calls; 0 logs none
  absl::Duration slow_threshold = absl::Seconds(1);
};

enum class Outcome {
  kOk,
  kClientError,  // the request was refused (bad input, auth, not found, ...)
  kServerFault,  // the server failed (internal, unavailable, ...)
};

// The level to log a finished call at, or nullopt to leave it out: server
// faults as errors, slow calls as warnings, client errors and the sampled
// share of the rest as info.
std::optional<Level> AccessLogLevel(const AccessLogOptions& options,
                                    Outcome outcome, absl::Duration elapsed);

}  // namespace fineprint::log

#endif  // FINEPRINT_SERVICES_RUNTIME_LOG_ACCESS_LOG_H_
