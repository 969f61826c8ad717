#ifndef FINEPRINT_TESTS_TESTING_KIT_OPTIONS_H_
#define FINEPRINT_TESTS_TESTING_KIT_OPTIONS_H_

// Options for a service started in-process by a test: a fresh database on
// the binary's shared PostgreSQL, loopback only, a free gRPC port, no admin
// port. Assign the result to the KitOptions base of an app's options.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::testing {

absl::StatusOr<service::KitOptions> LocalKitOptions(
    absl::string_view database_prefix, const std::string& kafka = "",
    const std::string& identity_target = "", int pool_size = 4);

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_KIT_OPTIONS_H_
