#ifndef FINEPRINT_GATEWAY_TESTDATA_TEST_API_H_
#define FINEPRINT_GATEWAY_TESTDATA_TEST_API_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/api/api_config.h"

namespace fineprint::gateway::testing {

// Path of :transcode_test_descriptor_set in the test's runfiles.
std::string TestApiDescriptorSetPath();

// transcode_test.proto (every HttpRule feature) as an ApiConfig.
absl::StatusOr<std::shared_ptr<const api::ApiConfig>> LoadTestApi(
    const api::ApiConfigOptions& options = {});

}  // namespace fineprint::gateway::testing

#endif  // FINEPRINT_GATEWAY_TESTDATA_TEST_API_H_
