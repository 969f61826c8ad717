#include "services/runtime/tls/server_context.h"

#include <openssl/err.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/runtime/log/log.h"

namespace fineprint::tls {
namespace {

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();  // NOLINT(runtime/int): OpenSSL
  ERR_clear_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerContextStore>> ServerContextStore::Open(
    std::string cert_file, std::string key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS server needs a certificate and a key");
  }
  std::unique_ptr<ServerContextStore> store(
      new ServerContextStore(std::move(cert_file), std::move(key_file)));
  if (absl::Status s = store->Reload(); !s.ok()) return s;
  return store;
}

absl::StatusOr<std::shared_ptr<SSL_CTX>> ServerContextStore::Build() const {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (ctx == nullptr) return absl::InternalError(OpenSslError());
  // TLS 1.0 and 1.1 are deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION |
                                     SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Forward-secret AEAD suites only for TLS 1.2 (1.3's are all such).
  if (SSL_CTX_set_cipher_list(ctx.get(),
                              "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL") != 1) {
    return absl::InternalError(OpenSslError());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file_.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(cert_file_, ": ", OpenSslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file_.c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(key_file_, ": ", OpenSslError()));
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat(key_file_, " is not the key of ", cert_file_));
  }
  return ctx;
}

absl::Status ServerContextStore::Reload() {
  absl::StatusOr<std::shared_ptr<SSL_CTX>> next = Build();
  if (!next.ok()) {
    log::Error("TLS certificate not reloaded; the previous one stays",
               {{"cert", cert_file_}, {"error", next.status()}});
    return next.status();
  }
  int64_t generation;
  {
    absl::MutexLock lock(&mu_);
    current_ = *std::move(next);
    generation = ++generation_;
  }
  log::Info("TLS certificate loaded",
            {{"cert", cert_file_}, {"generation", generation}});
  return absl::OkStatus();
}

std::shared_ptr<SSL_CTX> ServerContextStore::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

int64_t ServerContextStore::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

}  // namespace fineprint::tls
