#ifndef FINEPRINT_EVENTS_CONSUMER_CONSUMER_H_
#define FINEPRINT_EVENTS_CONSUMER_CONSUMER_H_

// Consumes Fineprint events from Kafka with exactly-once effects:
//
//   events::ConsumerOptions options;
//   options.bootstrap_servers = flags.kafka;
//   options.group_id = "notification";
//   options.topics = {"fineprint.identity.user.v1"};
//   options.pool = pool.get();          // schema has the inbox migrations
//   auto consumer = events::Consumer::Create(options, &handler);
//   FP_RETURN_IF_ERROR((*consumer)->Start());
//   ...
//   (*consumer)->Stop();
//
// - Each event's handler effects and its inbox row commit in one database
//   transaction; a ce_id the inbox already has is skipped. So redelivery
//   (at-least-once Kafka) never repeats an effect.
// - Offsets are stored (rd_kafka_offsets_store) only once a record reached
//   a final outcome, and committed from those stored offsets: every
//   commit_interval, before partitions are revoked, and on Stop(). A crash
//   re-delivers at most what was processed since the last commit, and the
//   inbox absorbs that.
// - A retryable handler failure is retried in place (the partition waits;
//   order per key holds) with exponential backoff and full jitter, up to
//   max_attempts runs; then, or at once for other errors and for records
//   that are not valid CloudEvents, the record goes to the dead-letter
//   topic and the consumer moves on once the DLQ acknowledged it.
//
// One thread handles all assigned partitions, one record at a time.
// Thread-compatible: call Start/Stop and the test hooks from one thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "events/consumer/consumer_metrics.h"
#include "events/consumer/dead_letter.h"
#include "events/consumer/dead_letter_sink.h"
#include "events/consumer/event_processor.h"
#include "events/consumer/handler.h"
#include "events/consumer/retry_policy.h"
#include "events/kafka/rdkafka_util.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/metrics/metrics.h"

namespace fineprint::events {

struct ConsumerOptions {
  std::string bootstrap_servers;
  std::string group_id;
  std::vector<std::string> topics;
  // Not owned. Its search_path (or `schema`) must reach the inbox table.
  db::Pool* pool = nullptr;
  // Schema of the inbox table; empty: the pool's search_path.
  std::string schema;

  // Handler runs per event before it is dead-lettered (>= 1).
  int max_attempts = 5;
  BackoffOptions backoff;
  absl::Duration transaction_timeout = absl::Seconds(30);
  // Default: IsRetryableStatus.
  std::function<bool(const absl::Status&)> is_retryable;

  // Longest wait in one rd_kafka_consumer_poll (bounds Stop() latency).
  absl::Duration poll_timeout = absl::Milliseconds(100);
  // How often stored offsets are committed; InfiniteDuration: only on
  // revocation, Stop() and Commit().
  absl::Duration commit_interval = absl::Seconds(1);
  // How often fineprint_consumer_lag is refreshed.
  absl::Duration lag_interval = absl::Seconds(10);

  // Inbox rows of this group older than this are deleted, every
  // prune_interval. Keep it above the topics' retention.ms (7 days) plus
  // the longest a DLQ record may wait for a replay: a replayed event whose
  // row is gone would be applied again. InfiniteDuration: never prune.
  absl::Duration inbox_retention = absl::Hours(24 * 30);
  absl::Duration prune_interval = absl::Hours(1);

  std::string dead_letter_topic = std::string(kDeadLetterTopic);
  // Per DLQ write attempt (failed writes are retried with backoff).
  absl::Duration dead_letter_timeout = absl::Seconds(30);

  // Extra librdkafka properties, applied after the defaults.
  KafkaConfig consumer_config;
  KafkaConfig producer_config;
  // Default: metrics::Registry::Default().
  metrics::Registry* metrics = nullptr;
};

class Consumer {
 public:
  // Validates `options`, checks that the inbox table is usable
  // (FAILED_PRECONDITION if not; UNAVAILABLE if the database is down),
  // creates the Kafka clients and subscribes (the group is joined on the
  // first poll). `handler` is borrowed.
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(
      ConsumerOptions options, EventHandler* handler);
  // Stop().
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Runs the poll loop on a thread of its own.
  absl::Status Start();

  // Graceful: lets the record in hand finish (a record still waiting for a
  // retry or a DLQ write is abandoned, uncommitted, and delivered again
  // later), commits the stored offsets, leaves the group. Idempotent.
  absl::Status Stop();

  // Test hooks, for use without Start() -------------------------------

  // Polls once (up to `timeout`) and takes the record, if any, to its
  // outcome. nullopt when nothing came; Kafka errors as status.
  absl::StatusOr<std::optional<Outcome>> PollOnce(absl::Duration timeout);
  // Polls until `count` records reached a final outcome or `timeout`.
  absl::StatusOr<std::vector<Outcome>> PollUntil(size_t count,
                                                 absl::Duration timeout);
  // Commits the stored offsets now (synchronously).
  absl::Status Commit();
  // Leaves the group WITHOUT committing, as a crash would (but without
  // waiting for the session timeout): whatever was processed since the
  // last commit is delivered again.
  absl::Status CloseWithoutCommit();

  ConsumerStats stats() const { return metrics_.Totals(); }
  // Partitions currently assigned, as "topic/partition".
  std::vector<std::string> Assignment() const;

 private:
  Consumer(ConsumerOptions options, EventHandler* handler);
  absl::Status Init();
  void Run();
  void StoreOffset(const std::string& topic, int32_t partition, int64_t next);
  void MaybeCommit();
  void UpdateLag();
  void MaybePruneInbox();
  absl::Status Close(bool commit);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);

  const ConsumerOptions options_;
  metrics::Registry& registry_;
  ConsumerMetrics metrics_;
  absl::Notification stop_;
  std::unique_ptr<DeadLetterSink> dead_letters_;
  std::unique_ptr<EventProcessor> processor_;
  EventHandler* handler_;
  KafkaHandle rk_;
  std::thread thread_;
  bool started_ = false;
  bool closed_ = false;
  // Read by the rebalance callback, which runs inside poll/close.
  std::atomic<bool> commit_on_revoke_{true};
  absl::Time next_commit_ = absl::InfinitePast();
  absl::Time next_lag_ = absl::InfinitePast();
  absl::Time next_prune_ = absl::InfinitePast();
  bool dirty_ = false;  // offsets stored since the last commit
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_CONSUMER_H_
