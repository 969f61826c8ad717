#include "gateway/testdata/test_api.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace fineprint::gateway::testing {

std::string TestApiDescriptorSetPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(
      srcdir != nullptr ? srcdir : ".",
      "/fineprint/gateway/testdata/transcode_test_descriptor_set.pb");
}

absl::StatusOr<std::shared_ptr<const api::ApiConfig>> LoadTestApi(
    const api::ApiConfigOptions& options) {
  return api::ApiConfig::FromFile(TestApiDescriptorSetPath(), options);
}

}  // namespace fineprint::gateway::testing
