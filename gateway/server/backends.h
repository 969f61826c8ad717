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
#include "gateway/upstream/grpc_unary_caller.h"
#include "gateway/upstream/h2_unary_caller.h"
#include "gateway/upstream/unary_caller.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/runtime/tls/tls_options.h"

namespace fineprint::gateway::server {

class Backends {
 public:
  virtual ~Backends() = default;
  // nullptr when no backend serves `service`.
  virtual grpc::GenericStub* StubFor(absl::string_view service) = 0;
  // Unary calls; nullptr when no backend serves `service`.
  virtual upstream::UnaryCaller* CallerFor(absl::string_view service) = 0;
};

// Arguments of the edge's plaintext backend channels.
grpc::ChannelArguments EdgeChannelArguments();

// Parses "svc=target" entries; each entry may itself be a comma list.
absl::StatusOr<std::map<std::string, std::string>> ParseBackendSpecs(
    const std::vector<std::string>& specs);

class ChannelBackends : public Backends {
 public:
  // Plaintext channels; with `http2`, unary calls made on an HTTP server
  // I/O thread go over the edge's own HTTP/2 client (upstream/h2_*).
  explicit ChannelBackends(const std::map<std::string, std::string>& targets,
                           bool http2 = true);
  // Channels with the process's mesh TLS (plaintext when it is off): the
  // edge presents its certificate, and a backend must present the one of
  // its service (fineprint.<name>.v1.X is served by "<name>"). With TLS,
  // every call goes over gRPC's channel.
  static absl::StatusOr<std::unique_ptr<ChannelBackends>> Create(
      const std::map<std::string, std::string>& targets,
      const tls::TlsOptions& tls, bool http2 = true);
  grpc::GenericStub* StubFor(absl::string_view service) override;
  upstream::UnaryCaller* CallerFor(absl::string_view service) override;
  // The channel serving `service`, for typed clients (JWKS, API keys).
  std::shared_ptr<grpc::Channel> ChannelFor(absl::string_view service) const;

 private:
  ChannelBackends() = default;
  void Add(const std::string& service, const std::string& target,
           std::shared_ptr<grpc::Channel> channel, bool http2);

  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_by_target_;
  // Per target: gRPC's caller, and the HTTP/2 one in front of it.
  std::map<std::string, std::unique_ptr<upstream::UnaryCaller>> grpc_callers_;
  std::map<std::string, std::unique_ptr<upstream::UnaryCaller>> h2_callers_;
  std::map<std::string, upstream::UnaryCaller*, std::less<>> callers_;
  std::map<std::string, std::shared_ptr<grpc::Channel>, std::less<>> channels_;
  std::map<std::string, std::unique_ptr<grpc::GenericStub>, std::less<>> stubs_;
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_BACKENDS_H_
