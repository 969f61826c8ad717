#ifndef FINEPRINT_GATEWAY_SERVER_FORWARDING_H_
#define FINEPRINT_GATEWAY_SERVER_FORWARDING_H_

// What of an HTTP request travels to the backend as gRPC metadata, and with
// which deadline. Only credentials, trace/request ids and an explicit
// allow-list pass; names the mesh reserves for itself can never be
// allow-listed, so a client cannot forge them.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/server/http_types.h"

namespace fineprint::gateway::server {

// grpc-*, pseudo headers, hop-by-hop headers and the x-fineprint-* prefix.
bool IsReservedMetadata(absl::string_view lower_name);

// INVALID_ARGUMENT naming the first reserved or malformed entry.
absl::Status ValidateForwardAllowList(const std::vector<std::string>& names);

// gRPC's `grpc-timeout` value: 1-8 digits and a unit (H M S m u n).
std::optional<absl::Duration> ParseGrpcTimeout(absl::string_view value);

// `X-Request-Timeout`: a Go-style duration ("2.5s", "300ms") or seconds.
std::optional<absl::Duration> ParseRequestTimeout(absl::string_view value);

// The call's timeout: grpc-timeout, else x-request-timeout, else
// `default_timeout`; capped at `max_timeout`. INVALID_ARGUMENT for a
// malformed or non-positive header.
absl::StatusOr<absl::Duration> TimeoutFor(const HttpRequest& request,
                                          absl::Duration default_timeout,
                                          absl::Duration max_timeout);

struct CallIds {
  std::string request_id;   // client's if valid, else a new UUID
  std::string trace_id;     // from traceparent, else new
  std::string span_id;      // the edge's own span
  std::string traceparent;  // to send downstream (edge span as parent)
};

CallIds IdsFor(const HttpRequest& request);

// Metadata for the backend call.
std::vector<std::pair<std::string, std::string>> OutboundMetadata(
    const HttpRequest& request, const CallIds& ids,
    const std::vector<std::string>& allow_list);

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_FORWARDING_H_
