#include "services/runtime/tls/grpc_tls.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/runtime/log/log.h"

namespace fineprint::tls {
namespace {

namespace gx = grpc::experimental;

std::shared_ptr<gx::FileWatcherCertificateProvider> Provider(
    const TlsOptions& options) {
  return std::make_shared<gx::FileWatcherCertificateProvider>(
      options.key_file, options.cert_file, options.ca_file,
      static_cast<unsigned int>(
          absl::ToInt64Seconds(options.refresh_interval)));
}

// Runs after gRPC verified the chain: the caller must also be one of the
// services allowed to call this one. Refusing here fails the handshake, so
// a wrong caller never reaches a handler.
class AllowListVerifier : public gx::ExternalCertificateVerifier {
 public:
  explicit AllowListVerifier(std::vector<std::string> allowed)
      : allowed_(std::move(allowed)) {}

  bool Verify(gx::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    std::vector<std::string> names;
    for (const auto& n : request->dns_names())
      names.emplace_back(n.data(), n.size());
    for (const auto& n : request->uri_names())
      names.emplace_back(n.data(), n.size());
    for (const std::string& name : names) {
      if (std::find(allowed_.begin(), allowed_.end(), name) != allowed_.end()) {
        *sync_status = grpc::Status::OK;
        return true;
      }
    }
    log::Warning("TLS peer refused: not on the allow-list",
                 {{"peer_names", absl::StrJoin(names, ",")},
                  {"allowed", absl::StrJoin(allowed_, ",")}});
    *sync_status =
        grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                     absl::StrCat("peer [", absl::StrJoin(names, ","),
                                  "] is not allowed to call this service"));
    return true;
  }
  void Cancel(gx::TlsCustomVerificationCheckRequest*) override {}

 private:
  const std::vector<std::string> allowed_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const TlsOptions& options) {
  if (absl::Status s = ValidateTlsOptions(options); !s.ok()) return s;
  if (!options.enabled()) return grpc::InsecureServerCredentials();
  gx::TlsServerCredentialsOptions tls(Provider(options));
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  tls.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!options.allowed_peers.empty()) {
    tls.set_certificate_verifier(
        gx::ExternalCertificateVerifier::Create<AllowListVerifier>(
            options.allowed_peers));
  }
  return gx::TlsServerCredentials(tls);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateGrpcChannel(
    const std::string& target, const TlsOptions& options,
    const std::string& server_name) {
  if (absl::Status s = ValidateTlsOptions(options); !s.ok()) return s;
  if (!options.enabled()) {
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  }
  if (server_name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS channel to ", target, " needs the server's name"));
  }
  gx::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(Provider(options));
  tls.watch_root_certs();
  tls.watch_identity_key_cert_pairs();
  tls.set_verify_server_certs(true);
  tls.set_certificate_verifier(
      std::make_shared<gx::HostNameCertificateVerifier>());
  grpc::ChannelArguments args;
  // Services are reached by address; their certificates name the service.
  args.SetSslTargetNameOverride(server_name);
  return grpc::CreateCustomChannel(target, gx::TlsCredentials(tls), args);
}

}  // namespace fineprint::tls
