#ifndef FINEPRINT_EVENTS_TOOL_DLQ_H_
#define FINEPRINT_EVENTS_TOOL_DLQ_H_

// The dead-letter topic, seen from an operator's chair: list what is there,
// show one record decoded, and replay records to the topic they came from
// once the cause is fixed. Replaying is safe to repeat: the record keeps
// its ce_id, so consumers that already applied it skip it (inbox).
// Dead letters stay in the DLQ after a replay (Kafka cannot delete single
// records); they expire with the topic's retention.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "events/consumer/dead_letter.h"
#include "events/consumer/record.h"
#include "events/consumer/record_producer.h"
#include "events/tool/topic_reader.h"

namespace fineprint::events {

struct DlqOptions {
  ReaderOptions reader;
  std::string topic = std::string(kDeadLetterTopic);
};

struct DeadLetter {
  RawRecord record;  // as stored in the DLQ (dlq_* headers included)
  DeadLetterInfo info;
};

// Every dead letter in the topic. Records without valid dlq_* headers are
// skipped (and counted in `skipped`, if given).
absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(
    const DlqOptions& options, int* skipped = nullptr);

// One line per dead letter: where it is, where it came from, why.
std::string DeadLetterSummaryJson(const DeadLetter& letter);

// The dead letter at `offset` of `partition`, or, without a partition, of
// whichever partition has that offset (INVALID_ARGUMENT naming them when
// several do: the DLQ has several partitions).
absl::StatusOr<DeadLetter> FindDeadLetter(const DlqOptions& options,
                                          std::optional<int32_t> partition,
                                          int64_t offset);

// The record as it was before it was dead-lettered: key, value, headers
// minus dlq_*, and its original topic.
RawRecord OriginalRecord(const DeadLetter& letter);

struct ReplaySelection {
  // Exactly one of: all dead letters, or the one at offset (+ partition).
  bool all = false;
  std::optional<int64_t> offset;
  std::optional<int32_t> partition;
  // Only those a given consumer group dead-lettered; empty: any.
  std::string group;
};

struct Replayed {
  DeadLetter letter;
  ProducedAt at;  // where the copy landed in the original topic
};

// Re-produces the selected dead letters to their original topics, in DLQ
// order, waiting for each acknowledgement. Stops at the first failure
// (earlier ones stay replayed; the error names how many).
absl::StatusOr<std::vector<Replayed>> ReplayDeadLetters(
    const DlqOptions& options, RecordProducer& producer,
    const ReplaySelection& selection);

}  // namespace fineprint::events

#endif  // FINEPRINT_EVENTS_TOOL_DLQ_H_
