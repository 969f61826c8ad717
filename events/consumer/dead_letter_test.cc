#include "events/consumer/dead_letter.h"

#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

TEST(DeadLetterTest, HeadersRoundTrip) {
  const RecordHeaders original = {
      {"ce_id", "id-1"}, {"ce_type", "T"}, {"traceparent", "tp"}};
  DeadLetterInfo info;
  info.original_topic = "fineprint.identity.user.v1";
  info.original_partition = 2;
  info.original_offset = 1234567890123;
  info.consumer_group = "notification";
  info.error = DescribeError(absl::InvalidArgumentError("bad payload"));
  info.attempts = 3;
  info.time = absl::FromUnixMicros(1795482123456789);

  const RecordHeaders headers = DeadLetterHeaders(original, info);
  EXPECT_EQ(FindHeader(headers, kDlqError), "INVALID_ARGUMENT: bad payload");
  EXPECT_EQ(FindHeader(headers, kDlqTime), "2026-11-24T01:02:03.456789Z");
  EXPECT_EQ(OriginalHeaders(headers), original);

  absl::StatusOr<DeadLetterInfo> parsed = ParseDeadLetterInfo(headers);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->original_topic, info.original_topic);
  EXPECT_EQ(parsed->original_partition, 2);
  EXPECT_EQ(parsed->original_offset, 1234567890123);
  EXPECT_EQ(parsed->consumer_group, "notification");
  EXPECT_EQ(parsed->error, info.error);
  EXPECT_EQ(parsed->attempts, 3);
  EXPECT_EQ(parsed->time, info.time);
}

TEST(DeadLetterTest, DeadLetteringAgainReplacesTheOldHeaders) {
  DeadLetterInfo first;
  first.original_topic = "a";
  first.original_partition = 0;
  first.original_offset = 1;
  first.time = absl::UnixEpoch();
  DeadLetterInfo second = first;
  second.original_topic = "b";
  const RecordHeaders twice =
      DeadLetterHeaders(DeadLetterHeaders({{"ce_id", "x"}}, first), second);
  int topics = 0;
  for (const auto& h : twice) topics += h.first == kDlqOriginalTopic;
  EXPECT_EQ(topics, 1);
  EXPECT_EQ(FindHeader(twice, kDlqOriginalTopic), "b");
}

TEST(DeadLetterTest, NotADeadLetter) {
  EXPECT_EQ(ParseDeadLetterInfo({{"ce_id", "x"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseDeadLetterInfo({{"dlq_original_topic", "t"},
                                    {"dlq_original_partition", "x"},
                                    {"dlq_original_offset", "1"}})
                   .ok());
}

TEST(DeadLetterTest, LongErrorsAreTruncated) {
  const std::string error =
      DescribeError(absl::InternalError(std::string(10000, 'e')));
  EXPECT_EQ(error.size(), kMaxDlqErrorBytes);
}

}  // namespace
}  // namespace fineprint::events
