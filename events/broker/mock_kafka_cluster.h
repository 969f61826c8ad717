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
// the real broker is configured to refuse them. Each first join of a
// consumer group waits 3 s (the mock's fixed initial rebalance delay).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "events/kafka/rdkafka_util.h"
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

  // Closes all listeners and drops all data. Idempotent. May take up to
  // 1 s: librdkafka 2.0.2 then joins an internal broker thread that
  // sometimes misses its wake-up and sleeps out its idle timeout.
  void Stop();
  bool running() const;

  // Runs `op` against the mock for fault injection through rdkafka_mock.h
  // (rd_kafka_mock_push_request_errors, rd_kafka_mock_broker_set_rtt, ...),
  // keeping the mock's thread awake meanwhile (see WakeupKicker in the .cc:
  // librdkafka 2.0.2 otherwise delays some control calls by 1 s).
  // FAILED_PRECONDITION after Stop; else `op`'s error, named by `what`.
  absl::Status Call(
      absl::FunctionRef<rd_kafka_resp_err_t(rd_kafka_mock_cluster_t*)> op,
      absl::string_view what);

 private:
  MockKafkaCluster(KafkaHandle handle, rd_kafka_mock_cluster_t* cluster,
                   int brokers, int replication_factor);

  mutable absl::Mutex mu_;
  // The mock cluster runs its own thread but is owned by this (otherwise
  // idle) producer handle, which must outlive it.
  KafkaHandle handle_ ABSL_GUARDED_BY(mu_);
  rd_kafka_mock_cluster_t* cluster_ ABSL_GUARDED_BY(mu_);
  const std::string bootstrap_servers_;
  // The brokers' listening ports, for wake-up connections.
  const std::vector<int> wakeup_ports_;
  const int brokers_;
  const int replication_factor_;
};

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_BROKER_MOCK_KAFKA_CLUSTER_H_
