#include "services/runtime/api/idempotency.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::api {

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.empty() || trace::IsValidRequestId(request_id)) {
    return absl::OkStatus();
  }
  return status::InvalidArgument(
      "invalid request_id",
      {{"request_id",
        "1-128 characters of letters, digits, '-', '_', '.', ':'"}});
}

IdempotencyKey::IdempotencyKey(std::string scope, absl::string_view request_id,
                               const google::protobuf::Message& request)
    : scope_(std::move(scope)), request_id_(request_id) {
  if (!enabled()) return;
  // Deterministic serialization: equal requests hash equally.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  fingerprint_ = crypto::Sha256Hex(bytes);
}

absl::StatusOr<bool> IdempotencyKey::Replay(
    db::Tx& tx, google::protobuf::Message* response) const {
  if (!enabled()) return false;
  FP_RETURN_IF_ERROR(tx.Execute("SELECT pg_advisory_xact_lock(hashtext($1))",
                                {absl::StrCat(scope_, "\x1f", request_id_)})
                         .status());
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      tx.Execute(
          "SELECT fingerprint, encode(response, 'hex') FROM idempotency_keys"
          " WHERE scope = $1 AND request_id = $2",
          {scope_, request_id_}));
  if (r.empty()) return false;
  if (r[0].Value(0) != fingerprint_) {
    return status::InvalidArgument(
        "request_id was already used for a different request",
        {{"request_id", "reused with different content"}}, "REQUEST_ID_REUSED");
  }
  if (!response->ParseFromString(absl::HexStringToBytes(r[0].Value(1)))) {
    return absl::DataLossError("stored response does not parse");
  }
  return true;
}

absl::Status IdempotencyKey::Remember(
    db::Tx& tx, const google::protobuf::Message& response) const {
  if (!enabled()) return absl::OkStatus();
  return tx
      .Execute(
          "INSERT INTO idempotency_keys (scope, request_id, fingerprint, "
          "response)"
          " VALUES ($1, $2, $3, decode($4, 'hex'))",
          {scope_, request_id_, fingerprint_,
           absl::BytesToHexString(response.SerializeAsString())})
      .status();
}

}  // namespace fineprint::api
