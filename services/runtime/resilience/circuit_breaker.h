#ifndef FINEPRINT_SERVICES_RUNTIME_RESILIENCE_CIRCUIT_BREAKER_H_
#define FINEPRINT_SERVICES_RUNTIME_RESILIENCE_CIRCUIT_BREAKER_H_

// A consecutive-failure circuit breaker for calls to a dependency (the
// external analyser, webhook endpoints, ...).
//
//   closed     every call goes through; `failure_threshold` failures in a
//              row open the circuit.
//   open       calls are refused (the caller falls back) for `cool_down`.
//   half-open  after the cool-down one trial call goes through (others are
//              still refused); its success closes the circuit, its failure
//              opens it for another cool-down.

#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace fineprint::resilience {

struct CircuitBreakerOptions {
  int failure_threshold = 5;
  absl::Duration cool_down = absl::Seconds(30);
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(CircuitBreakerOptions options,
                          std::function<absl::Time()> clock = absl::Now)
      : options_(options), clock_(std::move(clock)) {}

  // Whether a call may go out now. A true in half-open reserves the single
  // trial: the caller must report its outcome.
  bool Allow();
  void RecordSuccess();
  void RecordFailure();
  State state();

 private:
  const CircuitBreakerOptions options_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time open_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool trial_in_flight_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace fineprint::resilience

#endif  // FINEPRINT_SERVICES_RUNTIME_RESILIENCE_CIRCUIT_BREAKER_H_
