#ifndef FINEPRINT_EVENTS_CONSUMER_BROADCAST_SUBSCRIBER_H_
#define FINEPRINT_EVENTS_CONSUMER_BROADCAST_SUBSCRIBER_H_

// Delivers every event of some topics to EVERY process that subscribes, for
// process-local state such as caches that must hear about all changes:
//
//   events::BroadcastOptions options;
//   options.bootstrap_servers = flags.kafka;
//   options.topics = {"fineprint.identity.apikey.v1"};
//   auto subscriber = events::BroadcastSubscriber::Start(
//       options, [&](const events::Event& e) { cache.Invalidate(e); });
//
// Unlike events::Consumer it is not for effects: each process joins a
// consumer group of its own (so replicas do not split the partitions),
// never commits offsets, and has no inbox or dead-letter topic. A callback
// is run at most once per record in this process, in partition order; a
// record that is not a valid CloudEvent is logged and skipped. The callback
// must therefore be idempotent and cheap (it runs on the poll thread).
//
// At start (and whenever partitions are assigned) reading begins at the
// first record written `lookback` ago, so a fresh process also learns
// what happened shortly before it started; with a zero lookback it begins
// at the end.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "events/consumer/event.h"
#include "events/kafka/rdkafka_util.h"

namespace fineprint::events {

struct BroadcastOptions {
  std::string bootstrap_servers;
  std::vector<std::string> topics;
  // Prefix of the per-process group id and client id.
  std::string name = "broadcast";
  // See the file comment.
  absl::Duration lookback = absl::ZeroDuration();
  // Longest wait in one poll (bounds Stop() latency).
  absl::Duration poll_timeout = absl::Milliseconds(100);
  // Extra librdkafka properties, applied after the defaults.
  KafkaConfig consumer_config;
};

class BroadcastSubscriber {
 public:
  using Callback = std::function<void(const Event&)>;

  // Creates the consumer, subscribes and starts the poll thread.
  static absl::StatusOr<std::unique_ptr<BroadcastSubscriber>> Start(
      BroadcastOptions options, Callback callback);
  // Stop().
  ~BroadcastSubscriber();
  BroadcastSubscriber(const BroadcastSubscriber&) = delete;
  BroadcastSubscriber& operator=(const BroadcastSubscriber&) = delete;

  // Joins the thread and leaves the group. Idempotent.
  void Stop();

  // Blocks until partitions were assigned and positioned, i.e. until every
  // record written from now on will be delivered; false on timeout.
  // Readiness checks and tests use it.
  bool WaitUntilAssigned(absl::Duration timeout);
  bool assigned() const { return assigned_.load(); }
  const std::string& group_id() const { return group_id_; }

 private:
  BroadcastSubscriber(BroadcastOptions options, Callback callback);
  absl::Status Init();
  void Run();
  void Assign(rd_kafka_topic_partition_list_t* partitions);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);

  const BroadcastOptions options_;
  const Callback callback_;
  const std::string group_id_;
  KafkaHandle rk_;
  std::thread thread_;
  absl::Notification stop_;
  std::atomic<bool> assigned_{false};
  bool stopped_ = false;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_BROADCAST_SUBSCRIBER_H_
