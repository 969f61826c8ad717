#include "services/runtime/crypto/sha256.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/escaping.h"

namespace fineprint::crypto {

namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

Sha256Digest Sha256(absl::string_view data) {
  // OpenSSL's, not libsodium's: it uses the CPU's SHA extensions, and the
  // edge hashes every bearer token it sees. The algorithm is fetched once
  // and a context kept per thread: OpenSSL 3's one-shot SHA256() looks the
  // algorithm up (under a lock) on every call.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  Sha256Digest digest;
  unsigned int size = 0;
  if (md == nullptr || ctx == nullptr ||
      EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1 ||
      size != kSha256Bytes) {
    // Only when OpenSSL cannot work at all; a zero digest would be a
    // collision for every input.
    std::abort();
  }
  return digest;
}

std::string Sha256Hex(absl::string_view data) {
  const Sha256Digest digest = Sha256(data);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace fineprint::crypto
