#ifndef FINEPRINT_EVENTS_TOPICS_TOPIC_SPEC_H_
#define FINEPRINT_EVENTS_TOPICS_TOPIC_SPEC_H_

// The declared shape of a Kafka topic, as listed in infra/kafka/topics.tsv:
//
//   # comment
//   <name> <partitions> <retention.ms> <cleanup.policy>
//
// Columns are separated by tabs (or spaces); blank lines and lines starting
// with '#' are skipped. A malformed line is an error naming the file, line
// and column, never silently skipped: a typo must not drop a topic.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::events {

enum class CleanupPolicy { kDelete, kCompact };

// "delete" / "compact", Kafka's spelling.
absl::string_view CleanupPolicyName(CleanupPolicy policy);

struct TopicSpec {
  std::string name;
  int partitions = 1;
  // -1 keeps records forever (delete policy); ignored by compaction.
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  CleanupPolicy cleanup_policy = CleanupPolicy::kDelete;

  // The topic-level configs this spec manages, by their Kafka names
  // (cleanup.policy, retention.ms). Everything else is left to the broker.
  std::vector<std::pair<std::string, std::string>> Configs() const;

  friend bool operator==(const TopicSpec&, const TopicSpec&) = default;
};

// Kafka's topic name rules: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
bool IsValidTopicName(absl::string_view name);

// Parses topics.tsv text. `source` names the file in error messages.
absl::StatusOr<std::vector<TopicSpec>> ParseTopicSpecs(
    absl::string_view text, absl::string_view source = "topics.tsv");

// Reads and parses a topics file from disk.
absl::StatusOr<std::vector<TopicSpec>> ReadTopicSpecsFile(
    const std::string& path);

// The spec named `name`, or nullptr.
const TopicSpec* FindTopic(const std::vector<TopicSpec>& topics,
                           absl::string_view name);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOPICS_TOPIC_SPEC_H_
