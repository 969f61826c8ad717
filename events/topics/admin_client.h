#ifndef FINEPRINT_EVENTS_TOPICS_ADMIN_CLIENT_H_
#define FINEPRINT_EVENTS_TOPICS_ADMIN_CLIENT_H_

// Blocking wrappers over librdkafka's asynchronous Admin API, every call
// bounded by one overall deadline. Internal to events/topics (topic_admin.h
// is the public face).

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/kafka/rdkafka_util.h"
#include "events/topics/topic_admin.h"
#include "events/topics/topic_spec.h"

namespace fineprint::events::internal {

class AdminClient {
 public:
  static absl::StatusOr<AdminClient> Connect(
      absl::string_view bootstrap_servers, const KafkaConfig& client_config,
      absl::Time deadline);

  // Per-topic outcome of CreateTopics, keyed by name (OK, ALREADY_EXISTS or
  // the broker's error). A request-level failure is the returned status.
  absl::StatusOr<std::map<std::string, absl::Status>> CreateTopics(
      const std::vector<TopicSpec>& topics, int replication_factor);

  // Partition count of each of `names` that exists.
  absl::StatusOr<std::map<std::string, int>> PartitionCounts(
      const std::vector<std::string>& names);

  absl::StatusOr<std::map<std::string, std::map<std::string, TopicConfigValue>>>
  DescribeConfigs(const std::vector<std::string>& names);

  // Replaces ALL topic-level overrides of `topic` with `configs`
  // (AlterConfigs is not incremental; librdkafka 2.0 lacks the incremental
  // API).
  absl::Status AlterConfigs(absl::string_view topic,
                            const std::map<std::string, std::string>& configs);

  absl::Status CreatePartitions(absl::string_view topic, int total);

 private:
  AdminClient(KafkaHandle rk, KafkaQueue queue, absl::Time deadline)
      : rk_(std::move(rk)), queue_(std::move(queue)), deadline_(deadline) {}

  absl::StatusOr<KafkaAdminOptions> Options(rd_kafka_admin_op_t op,
                                            bool operation_timeout);
  // Waits for the result event of type `type`; a request-level error
  // becomes the status.
  absl::StatusOr<KafkaEvent> Await(rd_kafka_event_type_t type,
                                   absl::string_view what);

  KafkaHandle rk_;
  KafkaQueue queue_;
  absl::Time deadline_;
};

}  // namespace fineprint::events::internal

#endif  // FINEPRINT_EVENTS_TOPICS_ADMIN_CLIENT_H_
