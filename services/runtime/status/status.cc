#include "services/runtime/status/status.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fineprint::status {
namespace {

constexpr absl::string_view kTypePrefix = "type.googleapis.com/";

std::string TypeUrl(const google::protobuf::Descriptor* d) {
  return absl::StrCat(kTypePrefix, d->full_name());
}

}  // namespace

void AttachDetail(absl::Status& status,
                  const google::protobuf::Message& detail) {
  if (status.ok()) return;
  status.SetPayload(TypeUrl(detail.GetDescriptor()),
                    absl::Cord(detail.SerializeAsString()));
}

absl::Status WithReason(absl::Status status, absl::string_view reason,
                        const std::map<std::string, std::string>& metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [k, v] : metadata) (*info.mutable_metadata())[k] = v;
  AttachDetail(status, info);
  return status;
}

absl::Status InvalidArgument(absl::string_view message,
                             std::vector<FieldViolation> violations,
                             absl::string_view reason) {
  absl::Status status = absl::InvalidArgumentError(message);
  google::rpc::BadRequest bad_request;
  for (auto& v : violations) {
    auto* fv = bad_request.add_field_violations();
    fv->set_field(std::move(v.field));
    fv->set_description(std::move(v.description));
  }
  AttachDetail(status, bad_request);
  return WithReason(std::move(status), reason);
}

std::string Reason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  if (GetDetail(status, &info) && !info.reason().empty()) return info.reason();
  return absl::StatusCodeToString(status.code());
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  if (status.ok()) return rpc;
  bool has_error_info = false;
  const std::string error_info_url =
      TypeUrl(google::rpc::ErrorInfo::descriptor());
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    // Only google.rpc-style Any payloads cross the wire; internal payloads
    // (e.g. a database SQLSTATE) stay inside the process.
    if (!absl::StartsWith(url, kTypePrefix)) return;
    auto* any = rpc.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(value));
    if (url == error_info_url) has_error_info = true;
  });
  if (!has_error_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(absl::StatusCodeToString(status.code()));
    info.set_domain(std::string(kErrorDomain));
    rpc.add_details()->PackFrom(info);
  }
  return rpc;
}

absl::Status FromRpcStatus(const google::rpc::Status& rpc) {
  absl::Status status(static_cast<absl::StatusCode>(rpc.code()), rpc.message());
  if (status.ok()) return status;
  for (const auto& any : rpc.details()) {
    status.SetPayload(any.type_url(), absl::Cord(any.value()));
  }
  return status;
}

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      ToRpcStatus(status).SerializeAsString());
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  google::rpc::Status rpc;
  if (!status.error_details().empty() &&
      rpc.ParseFromString(status.error_details())) {
    return FromRpcStatus(rpc);
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

}  // namespace fineprint::status
