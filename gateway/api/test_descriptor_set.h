#ifndef FINEPRINT_GATEWAY_API_TEST_DESCRIPTOR_SET_H_
#define FINEPRINT_GATEWAY_API_TEST_DESCRIPTOR_SET_H_

#include <cstdlib>
#include <string>

namespace fineprint::gateway::api {

// Path of //protos:fineprint_descriptor_set inside a test's runfiles.
inline std::string TestDescriptorSetPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  std::string base = srcdir != nullptr ? srcdir : ".";
  return base + "/fineprint/protos/fineprint_descriptor_set.pb";
}

}  // namespace fineprint::gateway::api

#endif  // FINEPRINT_GATEWAY_API_TEST_DESCRIPTOR_SET_H_
