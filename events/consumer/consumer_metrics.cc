#include "events/consumer/consumer_metrics.h"

#include "absl/strings/str_cat.h"

namespace fineprint::events {

ConsumerMetrics::TopicSeries& ConsumerMetrics::Series(
    const std::string& topic) {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(topic);
  if (it != series_.end()) return it->second;
  const metrics::Labels labels = {{"group", group_}, {"topic", topic}};
  TopicSeries s;
  s.consumed = &registry_.GetCounter("fineprint_consumer_events_consumed_total",
                                     "Records polled from Kafka.", labels);
  s.handled =
      &registry_.GetCounter("fineprint_consumer_events_handled_total",
                            "Events whose handler effects committed.", labels);
  s.duplicates = &registry_.GetCounter(
      "fineprint_consumer_duplicates_skipped_total",
      "Events skipped because their ce_id was already in the inbox.", labels);
  s.retries = &registry_.GetCounter(
      "fineprint_consumer_retries_total",
      "Handler re-runs after a retryable failure.", labels);
  s.dead_lettered = &registry_.GetCounter(
      "fineprint_consumer_dead_lettered_total",
      "Records written to the dead-letter topic.", labels);
  s.dead_letter_failures = &registry_.GetCounter(
      "fineprint_consumer_dead_letter_failures_total",
      "Dead-letter writes that failed (retried; the partition waits).", labels);
  s.latency = &registry_.GetHistogram(
      "fineprint_consumer_handler_seconds",
      "Latency of one handler transaction (inbox claim + handler + commit).",
      labels);
  return series_.emplace(topic, s).first->second;
}

void ConsumerMetrics::Count(Kind kind, const std::string& topic) {
  TopicSeries& s = Series(topic);
  metrics::Counter* counter = nullptr;
  switch (kind) {
    case Kind::kConsumed:
      counter = s.consumed;
      break;
    case Kind::kHandled:
      counter = s.handled;
      break;
    case Kind::kDuplicate:
      counter = s.duplicates;
      break;
    case Kind::kRetry:
      counter = s.retries;
      break;
    case Kind::kDeadLettered:
      counter = s.dead_lettered;
      break;
    case Kind::kDeadLetterFailure:
      counter = s.dead_letter_failures;
      break;
  }
  counter->Increment();
  totals_[static_cast<int>(kind)].fetch_add(1, std::memory_order_relaxed);
}

void ConsumerMetrics::ObserveLatency(const std::string& topic, double seconds) {
  Series(topic).latency->Observe(seconds);
}

void ConsumerMetrics::SetLag(const std::string& topic, int32_t partition,
                             int64_t lag) {
  registry_
      .GetGauge("fineprint_consumer_lag",
                "Records in the partition not yet processed by this group "
                "(high watermark minus the consumer's position).",
                {{"group", group_},
                 {"topic", topic},
                 {"partition", absl::StrCat(partition)}})
      .Set(static_cast<double>(lag));
}

ConsumerStats ConsumerMetrics::Totals() const {
  auto get = [this](Kind kind) {
    return totals_[static_cast<int>(kind)].load(std::memory_order_relaxed);
  };
  ConsumerStats stats;
  stats.consumed = get(Kind::kConsumed);
  stats.handled = get(Kind::kHandled);
  stats.duplicates = get(Kind::kDuplicate);
  stats.retries = get(Kind::kRetry);
  stats.dead_lettered = get(Kind::kDeadLettered);
  stats.dead_letter_failures = get(Kind::kDeadLetterFailure);
  return stats;
}

}  // namespace fineprint::events
