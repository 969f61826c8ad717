#ifndef FINEPRINT_GATEWAY_TRANSCODE_REQUEST_TRANSCODER_H_
#define FINEPRINT_GATEWAY_TRANSCODE_REQUEST_TRANSCODER_H_

// HTTP request -> gRPC request message, following google.api.HttpRule:
// the body (all of it for `body: "*"`, one field for `body: "field"`, none
// otherwise) is proto3 JSON, then path variables are set, then query
// parameters fill the remaining fields. Every rejection is
// INVALID_ARGUMENT with a message a client can act on (it becomes a 400).

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/routing/route_table.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver.h"

namespace fineprint::gateway::transcode {

struct RequestOptions {
  // Query parameters that name no field (or a field the path or body
  // already carries) are rejected unless this is set; then they are skipped.
  bool allow_unknown_query_params = false;
  // Unknown JSON object members in the body.
  bool allow_unknown_json_fields = false;
};

struct HttpRequestParts {
  const std::vector<routing::Binding>* bindings = nullptr;
  absl::string_view query;       // raw, without '?'
  absl::string_view body;        // raw bytes
  absl::string_view body_field;  // HttpRule.body
};

// Fills `out` (a fresh message of the method's input type). `resolver`
// resolves types of `out`'s pool.
absl::Status TranscodeRequest(const HttpRequestParts& parts,
                              const RequestOptions& options,
                              google::protobuf::util::TypeResolver* resolver,
                              google::protobuf::Message* out);

// Parses `json` into `out` with the proto3 JSON mapping (lowerCamel or
// proto field names accepted).
absl::Status ParseJsonInto(absl::string_view json, bool allow_unknown_fields,
                           google::protobuf::util::TypeResolver* resolver,
                           google::protobuf::Message* out);

}  // namespace fineprint::gateway::transcode

#endif  // FINEPRINT_GATEWAY_TRANSCODE_REQUEST_TRANSCODER_H_
