#include "services/runtime/crypto/hmac.h"

#include <sodium.h>

namespace fineprint::crypto {
namespace {

void InitSodium() {
  // Idempotent and thread-safe (see sha256.cc).
  static const int initialized = sodium_init();
  (void)initialized;
}

}  // namespace

Sha256Digest HmacSha256(absl::string_view key, absl::string_view message) {
  InitSodium();
  // The _init/_update/_final form takes keys of any length (the one-shot
  // crypto_auth_hmacsha256 insists on 32 bytes).
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  Sha256Digest mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  InitSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

}  // namespace fineprint::crypto
