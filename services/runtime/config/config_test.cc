#include "services/runtime/config/config.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, fp_config_test_port, 1, "test flag");
ABSL_FLAG(std::string, fp_config_test_name, "default", "test flag");

namespace fineprint::config {
namespace {

TEST(ConfigTest, EnvVarName) {
  EXPECT_EQ(EnvVarFor("pg_dsn"), "FINEPRINT_PG_DSN");
}

TEST(ConfigTest, EnvironmentOverridesDefault) {
  setenv("FINEPRINT_FP_CONFIG_TEST_PORT", "8080", 1);
  setenv("FINEPRINT_FP_CONFIG_TEST_NAME", "from-env", 1);
  ASSERT_TRUE(ApplyEnvironment().ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_fp_config_test_port), 8080);
  EXPECT_EQ(absl::GetFlag(FLAGS_fp_config_test_name), "from-env");
  unsetenv("FINEPRINT_FP_CONFIG_TEST_PORT");
  unsetenv("FINEPRINT_FP_CONFIG_TEST_NAME");
}

TEST(ConfigTest, CommandLineWinsOverEnvironment) {
  setenv("FINEPRINT_FP_CONFIG_TEST_PORT", "8080", 1);
  char arg0[] = "prog";
  char arg1[] = "--fp_config_test_port=9090";
  char* argv[] = {arg0, arg1};
  ParseFlagsAndEnv(2, argv);
  EXPECT_EQ(absl::GetFlag(FLAGS_fp_config_test_port), 9090);
  unsetenv("FINEPRINT_FP_CONFIG_TEST_PORT");
}

TEST(ConfigTest, MalformedEnvironmentValueIsAnErrorWithoutTheValue) {
  setenv("FINEPRINT_FP_CONFIG_TEST_PORT", "not-a-number-s3cret", 1);
  absl::Status s = ApplyEnvironment();
  unsetenv("FINEPRINT_FP_CONFIG_TEST_PORT");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("FINEPRINT_FP_CONFIG_TEST_PORT"),
            std::string::npos);
  EXPECT_EQ(s.message().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace fineprint::config
