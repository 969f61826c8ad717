#ifndef FINEPRINT_EVENTS_BROKER_MOCK_KAFKA_CLUSTER_H_
#define FINEPRINT_EVENTS_BROKER_MOCK_KAFKA_CLUSTER_H_

// An in-process Kafka cluster built on librdkafka's mock cluster: real Kafka
// protocol on 127.0.0.1 (random ports), no JVM, starts in milliseconds. It is
// the default broker for local runs (fineprint_mock_kafka) and for tests
// that do not need real-broker semantics.
//
// What librdkafka 2.0.2's mock does NOT do (use tests/testing:kafka_broker
// for these): the Admin API (CreateTopics, DescribeConfigs, ... time out, so
// EnsureTopics fails); topic configs (retention, compaction: records are
// kept in memory forever); persistence (Stop loses everything); choosing the
// listening port. Producers auto-create unknown topics (4 partitions), where
// the real broker is configured to refuse them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "events/topics/rdkafka_util.h"
#include "events/topics/topic_spec.h"
#include "librdkafka/rdkafka_mock.h"

namespace fineprint::events {

struct MockKafkaOptions {
  int brokers = 1;
  // Created at start, with their declared partition counts.
  std::vector<TopicSpec> topics;
  // Capped at `brokers`.
  int replication_factor = 3;
};

class MockKafkaCluster {
 public:
  static absl::StatusOr<std::unique_ptr<MockKafkaCluster>> Start(
      const MockKafkaOptions& options = {});

  // Stops the cluster if still running.
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // "127.0.0.1:<port>[,127.0.0.1:<port>...]", one per broker. Stays
  // readable after Stop (nothing listens there any more).
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  int brokers() const { return brokers_; }

  // Creates topics that do not exist yet (an existing one is left as is,
  // whatever its partition count). Configs are ignored: the mock has none.
  absl::Status CreateTopics(const std::vector<TopicSpec>& topics);
  absl::Status CreateTopic(absl::string_view name, int partitions);

  // Takes broker `broker_id` (1..brokers()) down or back up: its
  // connections are closed and new ones refused while down.
  absl::Status SetBrokerUp(int32_t broker_id, bool up);

  // Closes all listeners and drops all data. Idempotent.
  void Stop();
  bool running() const;

  // For fault injection through rdkafka_mock.h (push_request_errors, ...);
  // nullptr after Stop. Do not destroy it.
  rd_kafka_mock_cluster_t* raw();

 private:
  MockKafkaCluster(KafkaHandle handle, rd_kafka_mock_cluster_t* cluster,
                   int brokers, int replication_factor);

  mutable absl::Mutex mu_;
  // The mock cluster runs its own thread but is owned by this (otherwise
  // idle) producer handle, which must outlive it.
  KafkaHandle handle_ ABSL_GUARDED_BY(mu_);
  rd_kafka_mock_cluster_t* cluster_ ABSL_GUARDED_BY(mu_);
  const std::string bootstrap_servers_;
  const int brokers_;
  const int replication_factor_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_BROKER_MOCK_KAFKA_CLUSTER_H_
