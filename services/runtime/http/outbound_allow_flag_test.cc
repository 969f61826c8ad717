#include "services/runtime/http/outbound_allow_flag.h"

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gtest/gtest.h"

namespace fineprint::http {
namespace {

TEST(OutboundAllowFlagTest, DefaultsToEmpty) {
  EXPECT_TRUE(OutboundAllowFromFlag().empty());
}

TEST(OutboundAllowFlagTest, ParsesCommaSeparatedCidrs) {
  absl::FlagSaver saver;
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag("outbound_allow");
  ASSERT_NE(flag, nullptr);
  std::string error;
  ASSERT_TRUE(flag->ParseFrom("127.0.0.0/8,::1", &error)) << error;
  std::vector<IpRange> ranges = OutboundAllowFromFlag();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].ToString(), "127.0.0.0/8");
  EXPECT_EQ(ranges[1].ToString(), "::1/128");
  EXPECT_EQ(flag->CurrentValue(), "127.0.0.0/8,::1/128");
}

TEST(OutboundAllowFlagTest, RejectsMalformedCidrs) {
  absl::FlagSaver saver;
  absl::CommandLineFlag* flag = absl::FindCommandLineFlag("outbound_allow");
  ASSERT_NE(flag, nullptr);
  std::string error;
  EXPECT_FALSE(flag->ParseFrom("127.0.0.0/8,10.0.0.0/99", &error));
  EXPECT_NE(error.find("10.0.0.0/99"), std::string::npos) << error;
  EXPECT_TRUE(OutboundAllowFromFlag().empty());
}

}  // namespace
}  // namespace fineprint::http
