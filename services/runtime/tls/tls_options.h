#ifndef FINEPRINT_SERVICES_RUNTIME_TLS_TLS_OPTIONS_H_
#define FINEPRINT_SERVICES_RUNTIME_TLS_TLS_OPTIONS_H_

// Transport security of one process, all from configuration: its own
// certificate and key (presented as server and as client), the CA its peers'
// certificates must chain to, and which peers may call its gRPC server. All
// unset: plaintext, as `./fineprint up` runs by default.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::tls {

struct TlsOptions {
  std::string cert_file;  // PEM chain, leaf first
  std::string key_file;   // PEM private key of the leaf
  std::string ca_file;    // PEM roots peers must chain to
  // SANs (DNS or URI) of the callers a gRPC server accepts; empty accepts
  // any certificate issued by the CA.
  std::vector<std::string> allowed_peers;
  // gRPC re-reads the three files this often, so a rotated certificate is
  // presented on new connections (and a rotated CA trusted) without restart.
  absl::Duration refresh_interval = absl::Minutes(1);

  bool enabled() const { return !cert_file.empty(); }
};

// OK when TLS is off, or when the three files are given, parse, the key is
// the certificate's, and the certificate chains to the CA. Otherwise
// INVALID_ARGUMENT naming the file at fault, so a misconfigured process
// fails at startup instead of at its first handshake.
absl::Status ValidateTlsOptions(const TlsOptions& options);

// The whole file, or NOT_FOUND / PERMISSION_DENIED naming it.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

// The peer name a mesh member's certificate carries, from the proto service
// it serves: "fineprint.identity.v1.IdentityService" -> "identity" (the
// launcher's and the dev CA script's naming). INVALID_ARGUMENT for a name
// not of that shape.
absl::StatusOr<std::string> PeerNameForProtoService(absl::string_view service);

}  // namespace fineprint::tls

#endif  // FINEPRINT_SERVICES_RUNTIME_TLS_TLS_OPTIONS_H_
