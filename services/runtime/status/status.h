#ifndef FINEPRINT_SERVICES_RUNTIME_STATUS_STATUS_H_
#define FINEPRINT_SERVICES_RUNTIME_STATUS_STATUS_H_

// One mapping between absl::Status (used inside every service) and
// grpc::Status (on the wire). Rich error details travel as absl::Status
// payloads keyed by their google.rpc type URL, and become the `details` of a
// google.rpc.Status in the `grpc-status-details-bin` trailer, which is what
// grpc-gateway, Envoy and every gRPC client library read.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace fineprint::status {

// The ErrorInfo domain of every error Fineprint raises.
inline constexpr absl::string_view kErrorDomain = "fineprint.dev";

struct FieldViolation {
  std::string field;
  std::string description;
};

// INVALID_ARGUMENT with a google.rpc.BadRequest listing each bad field, and
// an ErrorInfo whose reason is stable for clients to switch on.
absl::Status InvalidArgument(absl::string_view message,
                             std::vector<FieldViolation> violations,
                             absl::string_view reason = "INVALID_ARGUMENT");

// Returns `status` with a google.rpc.ErrorInfo{reason, domain, metadata}
// attached (replacing any previous one). OK stays OK.
absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    const std::map<std::string, std::string>& metadata = {});

// Attaches any google.rpc detail message as a payload.
void AttachDetail(absl::Status& status,
                  const google::protobuf::Message& detail);

// Reads back a detail of type T, if attached.
template <typename T>
bool GetDetail(const absl::Status& status, T* out) {
  auto payload = status.GetPayload("type.googleapis.com/" +
                                   std::string(T::descriptor()->full_name()));
  return payload.has_value() && out->ParseFromString(std::string(*payload));
}

// The stable ErrorInfo reason of `status`, or the code's name if none.
std::string Reason(const absl::Status& status);

// The google.rpc.Status form, details included. Always carries an
// ErrorInfo so clients can rely on a reason.
google::rpc::Status ToRpcStatus(const absl::Status& status);
absl::Status FromRpcStatus(const google::rpc::Status& rpc);

grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace fineprint::status

// Early-return helpers in the style of Abseil's internal macros.
#define FP_STATUS_CONCAT_INNER_(a, b) a##b
#define FP_STATUS_CONCAT_(a, b) FP_STATUS_CONCAT_INNER_(a, b)

#define FP_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status fp_status_ = (expr);      \
    if (!fp_status_.ok()) return fp_status_; \
  } while (0)

#define FP_ASSIGN_OR_RETURN(lhs, expr)                                      \
  FP_ASSIGN_OR_RETURN_IMPL_(FP_STATUS_CONCAT_(fp_statusor_, __LINE__), lhs, \
                            expr)

#define FP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) return statusor.status();        \
  lhs = std::move(statusor).value()

#endif  // FINEPRINT_SERVICES_RUNTIME_STATUS_STATUS_H_
