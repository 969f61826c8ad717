#include "services/runtime/log/access_log.h"

#include "absl/random/distributions.h"
#include "absl/random/random.h"

namespace fineprint::log {

std::optional<Level> AccessLogLevel(const AccessLogOptions& options,
                                    Outcome outcome, absl::Duration elapsed) {
  if (outcome == Outcome::kServerFault) return Level::kError;
  if (elapsed >= options.slow_threshold) return Level::kWarning;
  if (outcome == Outcome::kClientError) return Level::kInfo;
  if (options.sample_rate <= 0) return std::nullopt;
  thread_local absl::InsecureBitGen gen;
  if (absl::Bernoulli(gen, options.sample_rate)) return Level::kInfo;
  return std::nullopt;
}

}  // namespace fineprint::log
