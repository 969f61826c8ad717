#include "events/tool/dlq.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

void AppendField(std::string& out, absl::string_view name,
                 absl::string_view value) {
  if (out.size() > 1) out += ",";
  log::AppendJsonString(out, name);
  out += ":";
  log::AppendJsonString(out, value);
}

}  // namespace

absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(
    const DlqOptions& options, int* skipped) {
  absl::StatusOr<std::vector<RawRecord>> records =
      ReadTopic(options.reader, options.topic);
  if (!records.ok()) return records.status();
  std::vector<DeadLetter> letters;
  int bad = 0;
  for (RawRecord& record : *records) {
    absl::StatusOr<DeadLetterInfo> info = ParseDeadLetterInfo(record.headers);
    if (!info.ok()) {
      ++bad;
      continue;
    }
    letters.push_back({std::move(record), *std::move(info)});
  }
  if (skipped != nullptr) *skipped = bad;
  return letters;
}

std::string DeadLetterSummaryJson(const DeadLetter& letter) {
  std::string out = "{";
  absl::StrAppend(&out, "\"partition\":", letter.record.partition,
                  ",\"offset\":", letter.record.offset);
  AppendField(out, "original_topic", letter.info.original_topic);
  absl::StrAppend(&out,
                  ",\"original_partition\":", letter.info.original_partition,
                  ",\"original_offset\":", letter.info.original_offset);
  AppendField(out, "group", letter.info.consumer_group);
  absl::StrAppend(&out, ",\"attempts\":", letter.info.attempts);
  AppendField(out, "time",
              absl::FormatTime(absl::RFC3339_full, letter.info.time,
                               absl::UTCTimeZone()));
  AppendField(out, "ce_type",
              FindHeader(letter.record.headers, "ce_type").value_or(""));
  AppendField(out, "ce_id",
              FindHeader(letter.record.headers, "ce_id").value_or(""));
  AppendField(out, "key", letter.record.key.value_or(""));
  AppendField(out, "error", letter.info.error);
  out += "}";
  return out;
}

absl::StatusOr<DeadLetter> FindDeadLetter(const DlqOptions& options,
                                          std::optional<int32_t> partition,
                                          int64_t offset) {
  std::vector<int32_t> partitions;
  if (partition.has_value()) {
    partitions.push_back(*partition);
  } else {
    absl::StatusOr<int> count = TopicPartitions(options.reader, options.topic);
    if (!count.ok()) return count.status();
    for (int32_t p = 0; p < *count; ++p) partitions.push_back(p);
  }
  std::vector<RawRecord> found;
  for (int32_t p : partitions) {
    absl::StatusOr<RawRecord> record =
        ReadRecord(options.reader, options.topic, p, offset);
    if (record.ok()) {
      found.push_back(*std::move(record));
    } else if (record.status().code() != absl::StatusCode::kNotFound) {
      return record.status();
    }
  }
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no dead letter at offset ", offset));
  }
  if (found.size() > 1) {
    std::vector<int32_t> where;
    for (const RawRecord& r : found) where.push_back(r.partition);
    return absl::InvalidArgumentError(
        absl::StrCat("offset ", offset, " exists in partitions ",
                     absl::StrJoin(where, ", "), "; pass --partition"));
  }
  absl::StatusOr<DeadLetterInfo> info = ParseDeadLetterInfo(found[0].headers);
  if (!info.ok()) return info.status();
  return DeadLetter{std::move(found[0]), *std::move(info)};
}

RawRecord OriginalRecord(const DeadLetter& letter) {
  RawRecord record;
  record.topic = letter.info.original_topic;
  record.partition = letter.info.original_partition;
  record.offset = letter.info.original_offset;
  record.key = letter.record.key;
  record.value = letter.record.value;
  record.headers = OriginalHeaders(letter.record.headers);
  return record;
}

absl::StatusOr<std::vector<Replayed>> ReplayDeadLetters(
    const DlqOptions& options, RecordProducer& producer,
    const ReplaySelection& selection) {
  if (selection.all == selection.offset.has_value()) {
    return absl::InvalidArgumentError(
        "replay needs exactly one of --all or --offset");
  }
  std::vector<DeadLetter> letters;
  if (selection.all) {
    absl::StatusOr<std::vector<DeadLetter>> all = ListDeadLetters(options);
    if (!all.ok()) return all.status();
    letters = *std::move(all);
  } else {
    absl::StatusOr<DeadLetter> one =
        FindDeadLetter(options, selection.partition, *selection.offset);
    if (!one.ok()) return one.status();
    letters.push_back(*std::move(one));
  }
  std::vector<Replayed> replayed;
  for (DeadLetter& letter : letters) {
    if (!selection.group.empty() &&
        letter.info.consumer_group != selection.group) {
      if (!selection.all) {
        return absl::FailedPreconditionError(absl::StrCat(
            "that dead letter is from group '", letter.info.consumer_group,
            "', not '", selection.group, "'"));
      }
      continue;
    }
    const RawRecord original = OriginalRecord(letter);
    absl::StatusOr<ProducedAt> at = producer.Produce(
        original.topic, original.key, original.value, original.headers,
        absl::Now() + options.reader.timeout);
    if (!at.ok()) {
      return absl::Status(
          at.status().code(),
          absl::StrCat("replay of ", options.topic, "/",
                       letter.record.partition, "@", letter.record.offset,
                       " failed after ", replayed.size(),
                       " replayed: ", at.status().message()));
    }
    replayed.push_back({std::move(letter), *at});
  }
  return replayed;
}

}  // namespace fineprint::events
