#ifndef FINEPRINT_EVENTS_TOPICS_TOPIC_ADMIN_H_
#define FINEPRINT_EVENTS_TOPICS_TOPIC_ADMIN_H_

// Brings a Kafka cluster's topics in line with their TopicSpecs through the
// Admin API: creates missing topics and resets drifted retention.ms /
// cleanup.policy. Safe to run concurrently from every service at start-up
// (a topic another process created first counts as success).
//
// Needs a real broker: librdkafka's mock cluster (events/broker) has no
// Admin API and fails here with DEADLINE_EXCEEDED; use
// MockKafkaCluster::CreateTopics there instead.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/kafka/rdkafka_util.h"
#include "events/topics/topic_spec.h"

namespace fineprint::events {

struct EnsureTopicsOptions {
  // -1: the broker's default.replication.factor.
  int replication_factor = -1;
  // Kafka can only add partitions, and adding re-maps keys to partitions
  // (breaking per-key ordering across the change), so an existing topic with
  // fewer partitions than declared is an error unless this is set.
  bool grow_partitions = false;
  // Extra librdkafka properties for the admin client (TLS, SASL, ...).
  KafkaConfig client_config;
};

// What EnsureTopics changed, by topic name.
struct EnsureTopicsResult {
  std::vector<std::string> created;
  std::vector<std::string> reconfigured;
  std::vector<std::string> grown;
};

// Creates every missing topic (with its configs) and fixes the configs of
// existing ones. Idempotent. An existing topic with MORE partitions than
// declared is accepted (partitions cannot shrink) and logged.
// `result`, if given, receives what was changed.
absl::Status EnsureTopics(absl::string_view bootstrap_servers,
                          const std::vector<TopicSpec>& topics,
                          absl::Duration timeout,
                          const EnsureTopicsOptions& options = {},
                          EnsureTopicsResult* result = nullptr);

struct TopicConfigValue {
  std::string value;
  // Set on the topic itself rather than inherited from the broker.
  bool topic_override = false;
};

struct TopicDescription {
  std::string name;
  int partitions = 0;
  // Every config the broker reports for the topic.
  std::map<std::string, TopicConfigValue> configs;
};

// Partition counts and configs of `names`; NOT_FOUND if one does not exist.
absl::StatusOr<std::vector<TopicDescription>> DescribeTopics(
    absl::string_view bootstrap_servers, const std::vector<std::string>& names,
    absl::Duration timeout, const KafkaConfig& client_config = {});

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOPICS_TOPIC_ADMIN_H_
