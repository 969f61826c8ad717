#ifndef FINEPRINT_GATEWAY_SERVER_BACKENDS_H_
#define FINEPRINT_GATEWAY_SERVER_BACKENDS_H_

// Backends are addressed by proto service name; `--backend` maps names to
// gRPC targets ("fineprint.identity.v1.IdentityService=127.0.0.1:50051").
// One channel per distinct target, shared by the services it serves.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"

namespace fineprint::gateway::server {

class Backends {
 public:
  virtual ~Backends() = default;
  // nullptr when no backend serves `service`.
  virtual grpc::GenericStub* StubFor(absl::string_view service) = 0;
};

// Parses "svc=target" entries; each entry may itself be a comma list.
absl::StatusOr<std::map<std::string, std::string>> ParseBackendSpecs(
    const std::vector<std::string>& specs);

class ChannelBackends : public Backends {
 public:
  // Insecure channels (the mesh's own transport security is a deployment
  // concern; see README).
  explicit ChannelBackends(const std::map<std::string, std::string>& targets);
  grpc::GenericStub* StubFor(absl::string_view service) override;
  // The channel serving `service`, for typed clients (JWKS, API keys).
  std::shared_ptr<grpc::Channel> ChannelFor(absl::string_view service) const;

 private:
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_by_target_;
  std::map<std::string, std::shared_ptr<grpc::Channel>, std::less<>> channels_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>, std::less<>> stubs_;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_BACKENDS_H_
