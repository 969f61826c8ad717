#include "events/kafka/rdkafka_util.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RdKafkaUtilTest, MapsErrorsToStatusCodes) {
  EXPECT_TRUE(KafkaError(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok());
  EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, "x").code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR__TRANSPORT, "x").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "x").code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "x").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR_INVALID_CONFIG, "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR_POLICY_VIOLATION, "x").code(),
            absl::StatusCode::kPermissionDenied);
  absl::Status s = KafkaError(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
                              "create topic t", "Number of partitions is 0");
  EXPECT_EQ(s.message(),
            "create topic t: INVALID_PARTITIONS: Number of partitions is 0");
}

TEST(RdKafkaUtilTest, RejectedPropertyIsNamedButItsValueIsNot) {
  auto conf = NewKafkaConf({{"security.protocol", "s3cret"}});
  ASSERT_FALSE(conf.ok());
  EXPECT_THAT(conf.status().message(), HasSubstr("security.protocol"));
  EXPECT_THAT(conf.status().message(), Not(HasSubstr("s3cret")));
  EXPECT_EQ(NewKafkaConf({{"no.such.property", "1"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RdKafkaUtilTest, CreatesHandles) {
  auto rk = NewKafkaHandle(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", "127.0.0.1:1"}, {"client.id", "util-test"}});
  ASSERT_TRUE(rk.ok()) << rk.status();
  EXPECT_THAT(rd_kafka_name(rk->get()), HasSubstr("util-test"));
}

TEST(RdKafkaUtilTest, RemainingMsClamps) {
  EXPECT_EQ(RemainingMs(absl::Now() - absl::Seconds(5)), 0);
  EXPECT_GT(RemainingMs(absl::Now() + absl::Seconds(5)), 4000);
  EXPECT_EQ(RemainingMs(absl::InfiniteFuture()), INT_MAX);
}

}  // namespace
}  // namespace fineprint::events
