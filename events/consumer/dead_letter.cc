#include "events/consumer/dead_letter.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fineprint::events {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";

}  // namespace

RecordHeaders OriginalHeaders(const RecordHeaders& headers) {
  RecordHeaders out;
  for (const auto& header : headers) {
    if (!absl::StartsWith(header.first, kDlqPrefix)) out.push_back(header);
  }
  return out;
}

std::string DescribeError(const absl::Status& status) {
  std::string text = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                  status.message());
  if (text.size() > kMaxDlqErrorBytes) text.resize(kMaxDlqErrorBytes);
  return text;
}

RecordHeaders DeadLetterHeaders(const RecordHeaders& original,
                                const DeadLetterInfo& info) {
  RecordHeaders out = OriginalHeaders(original);
  out.emplace_back(kDlqOriginalTopic, info.original_topic);
  out.emplace_back(kDlqOriginalPartition,
                   absl::StrCat(info.original_partition));
  out.emplace_back(kDlqOriginalOffset, absl::StrCat(info.original_offset));
  out.emplace_back(kDlqConsumerGroup, info.consumer_group);
  out.emplace_back(kDlqError, info.error.substr(0, kMaxDlqErrorBytes));
  out.emplace_back(kDlqAttempts, absl::StrCat(info.attempts));
  out.emplace_back(
      kDlqTime, absl::FormatTime(kTimeFormat, info.time, absl::UTCTimeZone()));
  return out;
}

absl::StatusOr<DeadLetterInfo> ParseDeadLetterInfo(
    const RecordHeaders& headers) {
  DeadLetterInfo info;
  std::optional<std::string> topic = FindHeader(headers, kDlqOriginalTopic);
  std::optional<std::string> partition =
      FindHeader(headers, kDlqOriginalPartition);
  std::optional<std::string> offset = FindHeader(headers, kDlqOriginalOffset);
  if (!topic.has_value() || topic->empty() || !partition.has_value() ||
      !offset.has_value() ||
      !absl::SimpleAtoi(*partition, &info.original_partition) ||
      !absl::SimpleAtoi(*offset, &info.original_offset)) {
    return absl::InvalidArgumentError(
        "not a dead-letter record: no valid dlq_original_* headers");
  }
  info.original_topic = *std::move(topic);
  info.consumer_group = FindHeader(headers, kDlqConsumerGroup).value_or("");
  info.error = FindHeader(headers, kDlqError).value_or("");
  if (std::optional<std::string> attempts = FindHeader(headers, kDlqAttempts);
      attempts.has_value() && !absl::SimpleAtoi(*attempts, &info.attempts)) {
    info.attempts = 0;
  }
  info.time = absl::InfinitePast();
  if (std::optional<std::string> time = FindHeader(headers, kDlqTime);
      time.has_value()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, *time, &info.time, &error)) {
      info.time = absl::InfinitePast();
    }
  }
  return info;
}

}  // namespace fineprint::events
