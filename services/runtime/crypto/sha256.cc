#include "services/runtime/crypto/sha256.h"

// OpenSSL 3 deprecates the one-algorithm API in favour of EVP, whose
// per-call provider and engine lookups cost more than hashing a token.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "absl/strings/escaping.h"

namespace fineprint::crypto {

static_assert(kSha256Bytes == SHA256_DIGEST_LENGTH);

Sha256Digest Sha256(absl::string_view data) {
  // OpenSSL's, not libsodium's: it uses the CPU's SHA extensions, and the
  // edge hashes every bearer token it sees.
  SHA256_CTX ctx;
  Sha256Digest digest;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(digest.data(), &ctx);
  return digest;
}

std::string Sha256Hex(absl::string_view data) {
  const Sha256Digest digest = Sha256(data);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace fineprint::crypto
