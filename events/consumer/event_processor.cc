#include "events/consumer/event_processor.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "events/consumer/event.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/log/log.h"
#include "services/runtime/trace/trace.h"
#include "services/runtime/trace/trace_context.h"

namespace fineprint::events {
namespace {

// The handler's log lines carry the event's trace (the call that caused
// it) and its id as request id, so one grep follows an event end to end.
// Handling is a new span whose parent is the span that wrote the event.
log::Context ContextFor(const Event& event, absl::string_view span) {
  log::Context context;
  context.request_id = event.ce_id;
  context.method = event.ce_type;
  trace::TraceParent parsed;
  if (!event.traceparent.empty() && trace::ParseTraceParent(span, &parsed)) {
    context.trace_id = parsed.trace_id;
    context.span_id = parsed.span_id;
  }
  return context;
}

}  // namespace

absl::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHandled:
      return "handled";
    case Outcome::kDuplicate:
      return "duplicate";
    case Outcome::kDeadLettered:
      return "dead_lettered";
    case Outcome::kAbandoned:
      return "abandoned";
  }
  return "unknown";
}

EventProcessor::EventProcessor(ProcessorOptions options, db::Pool& pool,
                               Inbox inbox, EventHandler& handler,
                               DeadLetterSink& dead_letters,
                               ConsumerMetrics& metrics,
                               const absl::Notification& stop)
    : options_(std::move(options)),
      pool_(pool),
      inbox_(std::move(inbox)),
      handler_(handler),
      dead_letters_(dead_letters),
      metrics_(metrics),
      stop_(stop) {
  if (!options_.is_retryable) options_.is_retryable = IsRetryableStatus;
}

bool EventProcessor::Sleep(absl::Duration delay) {
  return !stop_.WaitForNotificationWithTimeout(delay);
}

absl::Status EventProcessor::RunOnce(const Event& event, bool& duplicate) {
  db::TxOptions tx_options;
  tx_options.deadline = absl::Now() + options_.transaction_timeout;
  return db::RunInTransaction(pool_, tx_options,
                              [&](db::Tx& tx) -> absl::Status {
                                // Reset per run: a serialization-failure
                                // restart starts over.
                                duplicate = false;
                                absl::StatusOr<bool> claimed =
                                    inbox_.Claim(tx, options_.group_id, event);
                                if (!claimed.ok()) return claimed.status();
                                if (!*claimed) {
                                  duplicate = true;
                                  return absl::OkStatus();
                                }
                                return handler_.Handle(event, tx);
                              });
}

Outcome EventProcessor::Process(const RawRecord& record) {
  metrics_.Count(ConsumerMetrics::Kind::kConsumed, record.topic);
  absl::StatusOr<Event> event = ParseEvent(record);
  if (!event.ok()) {
    log::Warning("poison record",
                 {{"topic", record.topic},
                  {"partition", static_cast<int64_t>(record.partition)},
                  {"offset", record.offset},
                  {"error", event.status()}});
    return DeadLetter(record, event.status(), 0);
  }
  // Events the handler writes carry this span, so the trace continues.
  trace::ScopedTraceContext span(trace::ChildSpanOf(event->traceparent));
  log::ScopedContext scoped(ContextFor(*event, span.traceparent()));
  for (int attempt = 1;; ++attempt) {
    bool duplicate = false;
    const absl::Time start = absl::Now();
    absl::Status status = RunOnce(*event, duplicate);
    metrics_.ObserveLatency(record.topic,
                            absl::ToDoubleSeconds(absl::Now() - start));
    if (status.ok()) {
      if (duplicate) {
        log::Info("duplicate event skipped",
                  {{"topic", record.topic}, {"offset", record.offset}});
        metrics_.Count(ConsumerMetrics::Kind::kDuplicate, record.topic);
        return Outcome::kDuplicate;
      }
      metrics_.Count(ConsumerMetrics::Kind::kHandled, record.topic);
      return Outcome::kHandled;
    }
    if (!options_.is_retryable(status) || attempt >= options_.max_attempts) {
      return DeadLetter(record, status, attempt);
    }
    const absl::Duration delay = BackoffDelay(attempt, options_.backoff, gen_);
    log::Warning("event handler failed; retrying",
                 {{"topic", record.topic},
                  {"partition", static_cast<int64_t>(record.partition)},
                  {"offset", record.offset},
                  {"attempt", attempt},
                  {"delay", delay},
                  {"error", status}});
    metrics_.Count(ConsumerMetrics::Kind::kRetry, record.topic);
    if (!Sleep(delay)) return Outcome::kAbandoned;
  }
}

Outcome EventProcessor::DeadLetter(const RawRecord& record,
                                   const absl::Status& error, int attempts) {
  DeadLetterInfo info;
  info.original_topic = record.topic;
  info.original_partition = record.partition;
  info.original_offset = record.offset;
  info.consumer_group = options_.group_id;
  info.error = DescribeError(error);
  info.attempts = attempts;
  info.time = absl::Now();
  // The offset may only move past this record once its copy is durable,
  // so a DLQ outage holds the partition here (retrying) rather than lose it.
  for (int retry = 1;; ++retry) {
    absl::Status sent = dead_letters_.Send(record, info);
    if (sent.ok()) {
      log::Error("event dead-lettered",
                 {{"topic", record.topic},
                  {"partition", static_cast<int64_t>(record.partition)},
                  {"offset", record.offset},
                  {"attempts", attempts},
                  {"error", error}});
      metrics_.Count(ConsumerMetrics::Kind::kDeadLettered, record.topic);
      return Outcome::kDeadLettered;
    }
    metrics_.Count(ConsumerMetrics::Kind::kDeadLetterFailure, record.topic);
    log::Error(
        "dead-letter write failed; retrying",
        {{"topic", record.topic}, {"offset", record.offset}, {"error", sent}});
    if (stop_.HasBeenNotified() ||
        !Sleep(BackoffDelay(std::min(retry, 16), options_.backoff, gen_))) {
      return Outcome::kAbandoned;
    }
  }
}

}  // namespace fineprint::events
