#ifndef FINEPRINT_EVENTS_TOOL_TOPIC_READER_H_
#define FINEPRINT_EVENTS_TOOL_TOPIC_READER_H_

// Reads Kafka topics without joining a consumer group: partitions are
// assigned directly and nothing is ever committed, so inspecting a topic
// (the CLI, tests) cannot disturb the offsets of any service.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/consumer/record.h"
#include "events/kafka/rdkafka_util.h"

namespace fineprint::events {

struct ReaderOptions {
  std::string bootstrap_servers;
  // Extra librdkafka properties (TLS, SASL).
  KafkaConfig client_config;
  // Bounds metadata and watermark queries, and each read as a whole.
  absl::Duration timeout = absl::Seconds(30);
};

// Partition count of `topic`; NOT_FOUND if it does not exist.
absl::StatusOr<int> TopicPartitions(const ReaderOptions& options,
                                    absl::string_view topic);

// Every record `topic` holds now (up to each partition's end when the read
// starts), ordered by partition, then offset.
absl::StatusOr<std::vector<RawRecord>> ReadTopic(const ReaderOptions& options,
                                                 absl::string_view topic);

// The record at `partition`/`offset`; NOT_FOUND if there is none (never
// written, expired, or beyond the end).
absl::StatusOr<RawRecord> ReadRecord(const ReaderOptions& options,
                                     absl::string_view topic, int32_t partition,
                                     int64_t offset);

struct TailOptions {
  // From the oldest retained record; otherwise only records that arrive
  // after the start.
  bool from_beginning = false;
  // Stop after this many records; 0: no limit.
  int64_t max_records = 0;
  // Stop when no record arrived for this long (InfiniteDuration: follow
  // until `sink` returns false or max_records).
  absl::Duration idle_timeout = absl::InfiniteDuration();
};

// Calls `sink` with each record of `topic` as it arrives (in arrival
// order across partitions); stops when `sink` returns false.
absl::Status TailTopic(const ReaderOptions& options, absl::string_view topic,
                       const TailOptions& tail,
                       const std::function<bool(const RawRecord&)>& sink);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOOL_TOPIC_READER_H_
