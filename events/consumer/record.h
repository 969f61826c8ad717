#ifndef FINEPRINT_EVENTS_CONSUMER_RECORD_H_
#define FINEPRINT_EVENTS_CONSUMER_RECORD_H_

// An owned copy of one Kafka record (key, value, headers and position), so
// that it can outlive the rd_kafka_message_t it came from: the consumer
// retries and dead-letters it, the CLI prints and replays it.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "librdkafka/rdkafka.h"

namespace fineprint::events {

// In record order; a name may repeat (Kafka allows it).
using RecordHeaders = std::vector<std::pair<std::string, std::string>>;

struct RawRecord {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  // Kafka distinguishes a null key from an empty one; so do we, because a
  // replay must reproduce the record exactly.
  std::optional<std::string> key;
  std::optional<std::string> value;
  RecordHeaders headers;
  // Broker timestamp; -1 if unknown.
  int64_t timestamp_ms = -1;
};

// Copies a consumed message (err must be NO_ERROR).
RawRecord CopyRecord(const rd_kafka_message_t& message);

// The LAST value of header `name` (later headers override earlier ones, as
// in the Java client's lastHeader), or nullopt.
std::optional<std::string> FindHeader(const RecordHeaders& headers,
                                      absl::string_view name);

// A new rd_kafka_headers_t with `headers`; the caller owns it until
// rd_kafka_producev takes it over.
rd_kafka_headers_t* ToKafkaHeaders(const RecordHeaders& headers);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_RECORD_H_
