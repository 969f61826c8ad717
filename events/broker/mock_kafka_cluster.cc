#include "events/broker/mock_kafka_cluster.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fineprint::events {

absl::StatusOr<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Start(
    const MockKafkaOptions& options) {
  if (options.brokers < 1 || options.brokers > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("brokers must be in 1..64, got ", options.brokers));
  }
  if (options.replication_factor < 1) {
    return absl::InvalidArgumentError("replication_factor must be >= 1");
  }
  // The handle only hosts the cluster. Notice-level logs are skipped: it
  // would announce its own lack of bootstrap.servers.
  absl::StatusOr<KafkaHandle> handle = NewKafkaHandle(
      RD_KAFKA_PRODUCER,
      {{"client.id", "fineprint-mock-kafka"}, {"log_level", "4"}});
  if (!handle.ok()) return handle.status();
  rd_kafka_mock_cluster_t* cluster =
      rd_kafka_mock_cluster_new(handle->get(), options.brokers);
  if (cluster == nullptr) {
    return absl::InternalError(
        "rd_kafka_mock_cluster_new failed (see the librdkafka log)");
  }
  std::unique_ptr<MockKafkaCluster> mock(new MockKafkaCluster(
      *std::move(handle), cluster, options.brokers,
      std::min(options.replication_factor, options.brokers)));
  if (absl::Status s = mock->CreateTopics(options.topics); !s.ok()) return s;
  return mock;
}

MockKafkaCluster::MockKafkaCluster(KafkaHandle handle,
                                   rd_kafka_mock_cluster_t* cluster,
                                   int brokers, int replication_factor)
    : handle_(std::move(handle)),
      cluster_(cluster),
      bootstrap_servers_(rd_kafka_mock_cluster_bootstraps(cluster)),
      brokers_(brokers),
      replication_factor_(replication_factor) {}

MockKafkaCluster::~MockKafkaCluster() { Stop(); }

absl::Status MockKafkaCluster::CreateTopics(
    const std::vector<TopicSpec>& topics) {
  for (const TopicSpec& spec : topics) {
    if (absl::Status s = CreateTopic(spec.name, spec.partitions); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status MockKafkaCluster::CreateTopic(absl::string_view name,
                                           int partitions) {
  if (!IsValidTopicName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid topic name '", name, "'"));
  }
  if (partitions < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic ", name, ": partitions must be >= 1"));
  }
  absl::MutexLock lock(&mu_);
  if (cluster_ == nullptr) {
    return absl::FailedPreconditionError("mock Kafka cluster is stopped");
  }
  const std::string topic(name);
  const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
      cluster_, topic.c_str(), partitions, replication_factor_);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return absl::OkStatus();
  return KafkaError(err, absl::StrCat("mock create topic ", name));
}

absl::Status MockKafkaCluster::SetBrokerUp(int32_t broker_id, bool up) {
  absl::MutexLock lock(&mu_);
  if (cluster_ == nullptr) {
    return absl::FailedPreconditionError("mock Kafka cluster is stopped");
  }
  const rd_kafka_resp_err_t err =
      up ? rd_kafka_mock_broker_set_up(cluster_, broker_id)
         : rd_kafka_mock_broker_set_down(cluster_, broker_id);
  return KafkaError(
      err, absl::StrCat("mock broker ", broker_id, up ? " up" : " down"));
}

void MockKafkaCluster::Stop() {
  rd_kafka_mock_cluster_t* cluster;
  KafkaHandle handle;
  {
    absl::MutexLock lock(&mu_);
    cluster = std::exchange(cluster_, nullptr);
    handle = std::move(handle_);
  }
  // Destroying joins the mock's thread: not under the lock.
  if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
  handle.reset();
}

bool MockKafkaCluster::running() const {
  absl::MutexLock lock(&mu_);
  return cluster_ != nullptr;
}

rd_kafka_mock_cluster_t* MockKafkaCluster::raw() {
  absl::MutexLock lock(&mu_);
  return cluster_;
}

}  // namespace fineprint::events
