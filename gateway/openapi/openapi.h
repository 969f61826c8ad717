#ifndef FINEPRINT_GATEWAY_OPENAPI_OPENAPI_H_
#define FINEPRINT_GATEWAY_OPENAPI_OPENAPI_H_

// OpenAPI 3.1 from the same descriptors the edge routes with, so the
// document can never drift from what is served. Multi-segment path
// variables (`{name=orgs/*/users/*}`) are expanded into literal segments and
// one parameter per wildcard (`/v1/orgs/{org_id}/users/{user_id}`), which is
// what HTTP clients can actually call; schemas follow the proto3 JSON
// mapping (lowerCamel names, 64-bit integers as strings, enums as names).

#include <string>

#include "absl/status/statusor.h"
#include "gateway/api/api_config.h"

namespace fineprint::gateway::openapi {

struct OpenApiOptions {
  std::string title = "Fineprint API";
  std::string version = "v1";
  std::string server_url;  // omitted when empty
};

absl::StatusOr<std::string> GenerateOpenApi(const api::ApiConfig& config,
                                            const OpenApiOptions& options = {});

}  // namespace fineprint::gateway::openapi

#endif  // FINEPRINT_GATEWAY_OPENAPI_OPENAPI_H_
