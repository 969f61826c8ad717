#ifndef FINEPRINT_GATEWAY_TRANSCODE_RESPONSE_TRANSCODER_H_
#define FINEPRINT_GATEWAY_TRANSCODE_RESPONSE_TRANSCODER_H_

// gRPC response -> HTTP: the message (or its `response_body` field) as
// proto3 JSON, gRPC status codes as HTTP statuses, and errors as
// google.rpc.Status JSON with their details.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"

namespace fineprint::gateway::transcode {

struct ResponseOptions {
  // Print fields that hold their default value (grpc-gateway's
  // EmitUnpopulated); clients then see a stable shape.
  bool emit_unpopulated = true;
  // snake_case keys instead of lowerCamel.
  bool proto_field_names = false;
};

absl::StatusOr<std::string> TranscodeResponse(
    const google::protobuf::Message& response, absl::string_view response_body,
    const ResponseOptions& options,
    google::protobuf::util::TypeResolver* resolver);

// The whole message (no response_body) straight from its wire form, as
// TranscodeResponse would render it parsed: one parse instead of a parse,
// a re-serialization and a parse. INTERNAL if `wire` is not a `type_name`.
absl::StatusOr<std::string> TranscodeWireResponse(
    absl::string_view type_name, const std::string& wire,
    const ResponseOptions& options,
    google::protobuf::util::TypeResolver* resolver);

// The same parsed into a message of `type` made from `prototype` (a
// compiled-in class or a DynamicMessage; nullptr: neither), printed by
// PrintJsonDirect where it can: the edge's path for whole-message answers.
absl::StatusOr<std::string> TranscodeWireResponse(
    const google::protobuf::Descriptor* type,
    const google::protobuf::Message* prototype, const std::string& wire,
    const ResponseOptions& options,
    google::protobuf::util::TypeResolver* resolver);

// The grpc-gateway / Envoy mapping of gRPC status codes to HTTP statuses.
int HttpStatusFromGrpcCode(int grpc_code);

// `{"code":..,"message":..,"details":[..]}`. `status_details_bin` is the
// grpc-status-details-bin trailer (a serialized google.rpc.Status) or
// empty; details whose type `resolver` cannot resolve are dropped rather
// than failing the whole error body.
std::string ErrorBodyJson(int grpc_code, absl::string_view message,
                          absl::string_view status_details_bin,
                          google::protobuf::util::TypeResolver* resolver);

// `s` as a JSON string literal, quotes included.
std::string JsonString(absl::string_view s);

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_RESPONSE_TRANSCODER_H_
