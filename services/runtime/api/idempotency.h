#ifndef FINEPRINT_SERVICES_RUNTIME_API_IDEMPOTENCY_H_
#define FINEPRINT_SERVICES_RUNTIME_API_IDEMPOTENCY_H_

// Idempotent creates (AIP-155): a retried request with the same request_id
// gets the first result instead of creating twice. Lookup and remember run
// inside the create's own transaction, serialised per key by an advisory
// lock, so two concurrent retries cannot both create.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::api {

class IdempotencyKey {
 public:
  // `scope` names the tenant and method; `request` is hashed into a
  // fingerprint so reusing a request_id for a different request is caught.
  // An empty request_id disables idempotency for this call.
  IdempotencyKey(std::string scope, absl::string_view request_id,
                 const google::protobuf::Message& request);

  bool enabled() const { return !request_id_.empty(); }
  const std::string& request_id() const { return request_id_; }

  // The earlier response, if this request was already served.
  // INVALID_ARGUMENT if the request_id was used for a different request.
  absl::StatusOr<bool> Replay(db::Tx& tx,
                              google::protobuf::Message* response) const;

  absl::Status Remember(db::Tx& tx,
                        const google::protobuf::Message& response) const;

 private:
  std::string scope_;
  std::string request_id_;
  std::string fingerprint_;
};

// request_id format check: 1-128 chars of [A-Za-z0-9-_.:].
absl::Status ValidateRequestId(absl::string_view request_id);

}  // namespace fineprint::api

#endif  // FINEPRINT_SERVICES_RUNTIME_API_IDEMPOTENCY_H_
