#ifndef FINEPRINT_EVENTS_CONSUMER_CONSUMER_METRICS_H_
#define FINEPRINT_EVENTS_CONSUMER_CONSUMER_METRICS_H_

// The consumer's Prometheus series (labels: group, topic[, partition]):
//   fineprint_consumer_events_consumed_total   records polled
//   fineprint_consumer_events_handled_total    handler effects committed
//   fineprint_consumer_duplicates_skipped_total  ce_id already in the inbox
//   fineprint_consumer_retries_total           handler re-runs after a
//                                              retryable failure
//   fineprint_consumer_dead_lettered_total     records sent to the DLQ
//   fineprint_consumer_dead_letter_failures_total  failed DLQ writes (the
//                                              partition waits meanwhile)
//   fineprint_consumer_handler_seconds         handler transaction latency
//   fineprint_consumer_lag                     high watermark - position
// plus process-local totals for tests and status pages.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::events {

struct ConsumerStats {
  int64_t consumed = 0;
  int64_t handled = 0;
  int64_t duplicates = 0;
  int64_t retries = 0;
  int64_t dead_lettered = 0;
  int64_t dead_letter_failures = 0;
};

class ConsumerMetrics {
 public:
  enum class Kind {
    kConsumed,
    kHandled,
    kDuplicate,
    kRetry,
    kDeadLettered,
    kDeadLetterFailure,
  };

  ConsumerMetrics(metrics::Registry& registry, std::string group)
      : registry_(registry), group_(std::move(group)) {}

  void Count(Kind kind, const std::string& topic);
  void ObserveLatency(const std::string& topic, double seconds);
  void SetLag(const std::string& topic, int32_t partition, int64_t lag);

  ConsumerStats Totals() const;

 private:
  struct TopicSeries {
    metrics::Counter* consumed;
    metrics::Counter* handled;
    metrics::Counter* duplicates;
    metrics::Counter* retries;
    metrics::Counter* dead_lettered;
    metrics::Counter* dead_letter_failures;
    metrics::Histogram* latency;
  };
  TopicSeries& Series(const std::string& topic) ABSL_LOCKS_EXCLUDED(mu_);

  metrics::Registry& registry_;
  const std::string group_;
  absl::Mutex mu_;
  std::map<std::string, TopicSeries> series_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> totals_[6] = {};
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_CONSUMER_METRICS_H_
