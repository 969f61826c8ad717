#ifndef FINEPRINT_EVENTS_CONSUMER_DEAD_LETTER_H_
#define FINEPRINT_EVENTS_CONSUMER_DEAD_LETTER_H_

// The dead-letter record format. A record a consumer cannot process is
// copied to the dead-letter topic unchanged (key, value, headers) with
// dlq_* headers appended saying where it came from and why it failed, so
// `fpevents dlq replay` can put the original back on its topic.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "events/consumer/record.h"

namespace fineprint::events {

// Declared in infra/kafka/topics.tsv.
inline constexpr absl::string_view kDeadLetterTopic = "fineprint.deadletter.v1";

inline constexpr absl::string_view kDlqPrefix = "dlq_";
inline constexpr absl::string_view kDlqOriginalTopic = "dlq_original_topic";
inline constexpr absl::string_view kDlqOriginalPartition =
    "dlq_original_partition";
inline constexpr absl::string_view kDlqOriginalOffset = "dlq_original_offset";
inline constexpr absl::string_view kDlqConsumerGroup = "dlq_consumer_group";
inline constexpr absl::string_view kDlqError = "dlq_error";
inline constexpr absl::string_view kDlqAttempts = "dlq_attempts";
inline constexpr absl::string_view kDlqTime = "dlq_time";

// Why and where a record was dead-lettered.
struct DeadLetterInfo {
  std::string original_topic;
  int32_t original_partition = -1;
  int64_t original_offset = -1;
  std::string consumer_group;
  // "<CODE>: <message>" of the last failure.
  std::string error;
  // Handler runs (0 for a poison record, which never reached the handler).
  int attempts = 0;
  absl::Time time;
};

// The longest dlq_error kept; handler messages can be long.
inline constexpr size_t kMaxDlqErrorBytes = 2048;

// `original`'s headers minus any dlq_* (a replayed record that failed
// again is dead-lettered afresh, not with two sets) plus `info`'s.
RecordHeaders DeadLetterHeaders(const RecordHeaders& original,
                                const DeadLetterInfo& info);

// "<CODE>: <message>", truncated to kMaxDlqErrorBytes.
std::string DescribeError(const absl::Status& status);

// Reads the dlq_* headers; INVALID_ARGUMENT if the origin is missing
// (not a dead-letter record).
absl::StatusOr<DeadLetterInfo> ParseDeadLetterInfo(
    const RecordHeaders& headers);

// `headers` without dlq_*: what the original record carried.
RecordHeaders OriginalHeaders(const RecordHeaders& headers);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_CONSUMER_DEAD_LETTER_H_
