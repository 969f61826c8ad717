#include "gateway/transcode/response_transcoder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/transcode/json_printer.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "services/runtime/text/utf8.h"

namespace fineprint::gateway::transcode {
namespace {

namespace pb = ::google::protobuf;
using FD = pb::FieldDescriptor;

absl::StatusOr<std::string> WireJson(absl::string_view type_name,
                                     const std::string& wire,
                                     const ResponseOptions& options,
                                     pb::util::TypeResolver* resolver,
                                     bool emit_unpopulated) {
  pb::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = emit_unpopulated;
  opts.preserve_proto_field_names = options.proto_field_names;
  std::string out;
  pb::util::Status st = pb::util::BinaryToJsonString(
      resolver, absl::StrCat("type.googleapis.com/", type_name), wire, &out,
      opts);
  if (!st.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot render ", type_name,
        " as JSON: ", std::string(st.message().data(), st.message().size())));
  }
  return out;
}

absl::StatusOr<std::string> ToJson(const pb::Message& m,
                                   const ResponseOptions& options,
                                   pb::util::TypeResolver* resolver,
                                   bool emit_unpopulated) {
  std::string out;
  if (PrintJsonDirect(m,
                      {.emit_unpopulated = emit_unpopulated,
                       .proto_field_names = options.proto_field_names},
                      &out)) {
    return out;
  }
  return WireJson(m.GetDescriptor()->full_name(), m.SerializeAsString(),
                  options, resolver, emit_unpopulated);
}

// JSON of a field at its default value, used when response_body names an
// unset non-message field.
std::string DefaultJson(const FD* f) {
  if (f->is_map()) return "{}";
  if (f->is_repeated()) return "[]";
  switch (f->cpp_type()) {
    case FD::CPPTYPE_STRING:
      return "\"\"";
    case FD::CPPTYPE_BOOL:
      return "false";
    case FD::CPPTYPE_INT64:
    case FD::CPPTYPE_UINT64:
      return "\"0\"";
    case FD::CPPTYPE_ENUM:
      return JsonString(f->enum_type()->value(0)->name());
    case FD::CPPTYPE_MESSAGE:
      return "{}";
    default:
      return "0";
  }
}

}  // namespace

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(u, absl::kZeroPad2));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

absl::StatusOr<std::string> TranscodeResponse(
    const pb::Message& response, absl::string_view response_body,
    const ResponseOptions& options, pb::util::TypeResolver* resolver) {
  if (response_body.empty()) {
    return ToJson(response, options, resolver, options.emit_unpopulated);
  }
  const FD* field =
      response.GetDescriptor()->FindFieldByName(std::string(response_body));
  if (field == nullptr) {
    return absl::InternalError(
        absl::StrCat("response_body ", response_body, " is not a field"));
  }
  const pb::Reflection* r = response.GetReflection();
  if (field->cpp_type() == FD::CPPTYPE_MESSAGE && !field->is_repeated()) {
    return ToJson(r->GetMessage(response, field), options, resolver,
                  options.emit_unpopulated);
  }
  // Render a copy holding only that field and unwrap `{"key":VALUE}`.
  std::unique_ptr<pb::Message> only(response.New());
  std::vector<const FD*> set;
  r->ListFields(response, &set);
  only->CopyFrom(response);
  for (const FD* f : set) {
    if (f != field) only->GetReflection()->ClearField(only.get(), f);
  }
  absl::StatusOr<std::string> json = ToJson(*only, options, resolver, false);
  if (!json.ok()) return json.status();
  const std::string key =
      options.proto_field_names ? field->name() : field->json_name();
  const std::string prefix = absl::StrCat("{\"", key, "\":");
  if (json->size() > prefix.size() + 1 &&
      json->compare(0, prefix.size(), prefix) == 0) {
    return json->substr(prefix.size(), json->size() - prefix.size() - 1);
  }
  return DefaultJson(field);
}

absl::StatusOr<std::string> TranscodeWireResponse(
    absl::string_view type_name, const std::string& wire,
    const ResponseOptions& options, pb::util::TypeResolver* resolver) {
  return WireJson(type_name, wire, options, resolver, options.emit_unpopulated);
}

absl::StatusOr<std::string> TranscodeWireResponse(
    const pb::Descriptor* type, const pb::Message* prototype,
    const std::string& wire, const ResponseOptions& options,
    pb::util::TypeResolver* resolver) {
  if (prototype != nullptr) {
    // The per-request arena takes the parsed message's fields in a few
    // blocks and frees them at once.
    pb::Arena arena;
    pb::Message* message = prototype->New(&arena);
    std::string out;
    // Bytes that do not parse get protobuf's own verdict below.
    if (message->ParsePartialFromString(wire) &&
        PrintJsonDirect(*message,
                        {.emit_unpopulated = options.emit_unpopulated,
                         .proto_field_names = options.proto_field_names},
                        &out)) {
      return out;
    }
  }
  return WireJson(type->full_name(), wire, options, resolver,
                  options.emit_unpopulated);
}

int HttpStatusFromGrpcCode(int code) {
  switch (code) {
    case 0:
      return 200;  // OK
    case 1:
      return 499;  // CANCELLED
    case 2:
      return 500;  // UNKNOWN
    case 3:
      return 400;  // INVALID_ARGUMENT
    case 4:
      return 504;  // DEADLINE_EXCEEDED
    case 5:
      return 404;  // NOT_FOUND
    case 6:
      return 409;  // ALREADY_EXISTS
    case 7:
      return 403;  // PERMISSION_DENIED
    case 8:
      return 429;  // RESOURCE_EXHAUSTED
    case 9:
      return 400;  // FAILED_PRECONDITION
    case 10:
      return 409;  // ABORTED
    case 11:
      return 400;  // OUT_OF_RANGE
    case 12:
      return 501;  // UNIMPLEMENTED
    case 13:
      return 500;  // INTERNAL
    case 14:
      return 503;  // UNAVAILABLE
    case 15:
      return 500;  // DATA_LOSS
    case 16:
      return 401;  // UNAUTHENTICATED
    default:
      return 500;
  }
}

std::string ErrorBodyJson(int grpc_code, absl::string_view message,
                          absl::string_view status_details_bin,
                          pb::util::TypeResolver* resolver) {
  std::string out = absl::StrCat(
      "{\"code\":", grpc_code, ",\"message\":",
      JsonString(text::IsValidUtf8(message) ? message
                                            : "invalid UTF-8 message"),
      ",\"details\":[");
  google::rpc::Status rpc;
  if (!status_details_bin.empty() && resolver != nullptr &&
      rpc.ParseFromArray(status_details_bin.data(),
                         static_cast<int>(status_details_bin.size()))) {
    bool first = true;
    for (const pb::Any& any : rpc.details()) {
      std::string json;
      pb::util::Status st = pb::util::BinaryToJsonString(
          resolver, "type.googleapis.com/google.protobuf.Any",
          any.SerializeAsString(), &json);
      if (!st.ok()) continue;
      if (!first) out += ',';
      out += json;
      first = false;
    }
  }
  out += "]}";
  return out;
}

}  // namespace fineprint::gateway::transcode
