#ifndef FINEPRINT_EVENTS_CONSUMER_EVENT_PROCESSOR_H_
#define FINEPRINT_EVENTS_CONSUMER_EVENT_PROCESSOR_H_

// Takes one consumed record to a final outcome: parsed, handled exactly
// once through the inbox (retrying transient failures in place, so the
// partition's order holds), or dead-lettered. Knows nothing of offsets: the
// consumer stores the record's offset when Process returns a final outcome.

#include <functional>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "events/consumer/consumer_metrics.h"
#include "events/consumer/dead_letter_sink.h"
#include "events/consumer/handler.h"
#include "events/consumer/inbox.h"
#include "events/consumer/record.h"
#include "events/consumer/retry_policy.h"
#include "services/runtime/db/pool.h"

namespace fineprint::events {

enum class Outcome {
  kHandled,       // the handler's effects committed
  kDuplicate,     // the inbox had the ce_id: skipped
  kDeadLettered,  // copied to the DLQ (acknowledged)
  kAbandoned,     // stop requested mid-way: not done, must not be committed
};

absl::string_view OutcomeName(Outcome outcome);

struct ProcessorOptions {
  std::string group_id;
  // Handler runs per event, the first included.
  int max_attempts = 5;
  BackoffOptions backoff;
  // Deadline of each handler transaction.
  absl::Duration transaction_timeout = absl::Seconds(30);
  // Default: IsRetryableStatus.
  std::function<bool(const absl::Status&)> is_retryable;
};

class EventProcessor {
 public:
  // Everything is borrowed and must outlive the processor. `stop` cuts
  // backoff waits short (the record is then abandoned).
  EventProcessor(ProcessorOptions options, db::Pool& pool, Inbox inbox,
                 EventHandler& handler, DeadLetterSink& dead_letters,
                 ConsumerMetrics& metrics, const absl::Notification& stop);

  // Not thread-safe: one record at a time (per-partition order).
  Outcome Process(const RawRecord& record);

 private:
  // One handler transaction: claim the ce_id, then handle unless a
  // duplicate. Sets `duplicate`.
  absl::Status RunOnce(const Event& event, bool& duplicate);
  // Sends to the DLQ, retrying until acknowledged or stopped.
  Outcome DeadLetter(const RawRecord& record, const absl::Status& error,
                     int attempts);
  // False if stop was requested during the wait.
  bool Sleep(absl::Duration delay);

  ProcessorOptions options_;
  db::Pool& pool_;
  const Inbox inbox_;
  EventHandler& handler_;
  DeadLetterSink& dead_letters_;
  ConsumerMetrics& metrics_;
  const absl::Notification& stop_;
  absl::BitGen gen_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_EVENT_PROCESSOR_H_
