#include "services/runtime/log/access_log.h"

#include "gtest/gtest.h"

namespace fineprint::log {
namespace {

TEST(AccessLogTest, FaultsAndSlowCallsAlwaysLogged) {
  AccessLogOptions never;
  never.sample_rate = 0;
  EXPECT_EQ(AccessLogLevel(never, Outcome::kServerFault, absl::Milliseconds(1)),
            Level::kError);
  EXPECT_EQ(AccessLogLevel(never, Outcome::kOk, absl::Seconds(2)),
            Level::kWarning);
  EXPECT_EQ(AccessLogLevel(never, Outcome::kClientError, absl::Milliseconds(1)),
            Level::kInfo);
  EXPECT_EQ(AccessLogLevel(never, Outcome::kOk, absl::Milliseconds(1)),
            std::nullopt);
}

TEST(AccessLogTest, SuccessfulCallsAreSampled) {
  AccessLogOptions tenth;
  tenth.sample_rate = 0.1;
  int logged = 0;
  for (int i = 0; i < 10000; ++i) {
    if (AccessLogLevel(tenth, Outcome::kOk, absl::Milliseconds(1)).has_value())
      ++logged;
  }
  // 1,000 expected; the bounds are > 9 standard deviations wide.
  EXPECT_GT(logged, 700);
  EXPECT_LT(logged, 1300);
  AccessLogOptions all;
  all.sample_rate = 1;
  EXPECT_EQ(AccessLogLevel(all, Outcome::kOk, absl::Milliseconds(1)),
            Level::kInfo);
}

}  // namespace
}  // namespace fineprint::log
