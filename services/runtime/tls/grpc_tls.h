#ifndef FINEPRINT_SERVICES_RUNTIME_TLS_GRPC_TLS_H_
#define FINEPRINT_SERVICES_RUNTIME_TLS_GRPC_TLS_H_

// gRPC credentials from TlsOptions: servers require a client certificate
// issued by the CA and whose SAN is on the allow-list; clients present their
// own certificate and check the server's name. gRPC's file watcher re-reads
// the files every refresh_interval, so rotated certificates reach new
// connections without a restart. With TLS off, both are plaintext.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/server_credentials.h"
#include "services/runtime/tls/tls_options.h"

namespace fineprint::tls {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const TlsOptions& options);

// A channel to `target`. With TLS, the server must present a certificate
// for `server_name` (a SAN, e.g. "identity"), whatever address it is
// reached at.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateGrpcChannel(
    const std::string& target, const TlsOptions& options,
    const std::string& server_name);

}  // namespace fineprint::tls

#endif  // FINEPRINT_SERVICES_RUNTIME_TLS_GRPC_TLS_H_
