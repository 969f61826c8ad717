#ifndef FINEPRINT_SERVICES_RUNTIME_TLS_SERVER_CONTEXT_H_
#define FINEPRINT_SERVICES_RUNTIME_TLS_SERVER_CONTEXT_H_

// A TLS server's certificate and key, reloadable: Reload() (a service calls
// it from kit.OnReload, i.e. on SIGHUP) builds a new OpenSSL context from
// the files as they are now and makes it current. Connections already open
// keep the context they started with (each SSL holds a reference), so
// nothing is dropped; a bad pair is refused and the previous one stays.

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace fineprint::tls {

class ServerContextStore {
 public:
  // Builds the first context; fails on unreadable or mismatched files.
  static absl::StatusOr<std::unique_ptr<ServerContextStore>> Open(
      std::string cert_file, std::string key_file);

  absl::Status Reload() ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<SSL_CTX> Current() const ABSL_LOCKS_EXCLUDED(mu_);
  // Successful loads, the first included: tells callers a new context is in.
  int64_t generation() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  ServerContextStore(std::string cert_file, std::string key_file)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}
  absl::StatusOr<std::shared_ptr<SSL_CTX>> Build() const;

  const std::string cert_file_;
  const std::string key_file_;
  mutable absl::Mutex mu_;
  std::shared_ptr<SSL_CTX> current_ ABSL_GUARDED_BY(mu_);
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace fineprint::tls

#endif  // FINEPRINT_SERVICES_RUNTIME_TLS_SERVER_CONTEXT_H_
