#include "services/runtime/tls/tls_options.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace fineprint::tls {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();  // NOLINT(runtime/int): OpenSSL
  ERR_clear_error();
  if (e == 0) return "no PEM data";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(
    const std::string& path) {
  absl::StatusOr<std::string> pem = ReadPemFile(path);
  if (!pem.ok()) return pem.status();
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  std::vector<X509Ptr> out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(x);
  }
  ERR_clear_error();  // the end of the data reads as an error
  if (out.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no PEM certificate"));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string message = absl::StrCat(path, ": ", std::strerror(err));
    return err == EACCES ? absl::PermissionDeniedError(message)
                         : absl::NotFoundError(message);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status ValidateTlsOptions(const TlsOptions& options) {
  const bool any = !options.cert_file.empty() || !options.key_file.empty() ||
                   !options.ca_file.empty() || !options.allowed_peers.empty();
  if (!any) return absl::OkStatus();
  if (options.cert_file.empty() || options.key_file.empty() ||
      options.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs --tls_cert, --tls_key and --tls_ca together");
  }
  if (options.refresh_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "--tls_refresh_interval must be at least 1s");
  }
  absl::StatusOr<std::vector<X509Ptr>> chain =
      ParseCertificates(options.cert_file);
  if (!chain.ok()) return absl::InvalidArgumentError(chain.status().message());
  absl::StatusOr<std::vector<X509Ptr>> roots =
      ParseCertificates(options.ca_file);
  if (!roots.ok()) return absl::InvalidArgumentError(roots.status().message());
  absl::StatusOr<std::string> key_pem = ReadPemFile(options.key_file);
  if (!key_pem.ok()) {
    return absl::InvalidArgumentError(key_pem.status().message());
  }
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.key_file, ": not a PEM private key: ", OpenSslError()));
  }
  X509* leaf = chain->front().get();
  if (X509_check_private_key(leaf, key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        options.key_file, " is not the key of ", options.cert_file));
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  for (const X509Ptr& root : *roots)
    X509_STORE_add_cert(store.get(), root.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < chain->size(); ++i) {
    sk_X509_push(untrusted, (*chain)[i].get());
  }
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted);
  const bool verified = X509_verify_cert(ctx.get()) == 1;
  const int error = X509_STORE_CTX_get_error(ctx.get());
  sk_X509_free(untrusted);
  ERR_clear_error();
  if (!verified) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.cert_file, " does not chain to ", options.ca_file,
                     ": ", X509_verify_cert_error_string(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PeerNameForProtoService(absl::string_view service) {
  std::vector<absl::string_view> parts = absl::StrSplit(service, '.');
  if (parts.size() < 3 || parts[0] != "fineprint" || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", service,
                     "\" is not fineprint.<service>.<version>.<Name>: its "
                     "certificate's name is unknown"));
  }
  return std::string(parts[1]);
}

}  // namespace fineprint::tls
