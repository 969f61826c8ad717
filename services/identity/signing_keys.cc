#include "services/identity/signing_keys.h"

#include <sodium.h>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/status/status.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::identity {

absl::Status SigningKeyStore::Load() {
  FP_RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, {}, [&](db::Tx& tx) -> absl::Status {
        // Instances starting together must not each create a first key.
        FP_RETURN_IF_ERROR(
            tx.Execute(
                  "SELECT "
                  "pg_advisory_xact_lock(hashtext('identity.signing_keys'))")
                .status());
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute("SELECT 1 FROM signing_keys WHERE retire_time IS NULL"));
        if (!r.empty()) return absl::OkStatus();
        std::array<uint8_t, 32> seed;
        randombytes_buf(seed.data(), seed.size());
        const std::string seed_hex = absl::BytesToHexString(absl::string_view(
            reinterpret_cast<const char*>(seed.data()), seed.size()));
        sodium_memzero(seed.data(), seed.size());
        return tx
            .Execute(
                "INSERT INTO signing_keys (kid, seed) VALUES ($1, decode($2, "
                "'hex'))",
                {trace::RandomHex(8), seed_hex})
            .status();
      }));
  absl::MutexLock lock(&mu_);
  return Reload();
}

absl::Status SigningKeyStore::Reload() {
  last_reload_ = absl::Now();
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute("SELECT kid, encode(seed, 'hex') FROM signing_keys"
                    " WHERE retire_time IS NULL ORDER BY create_time, kid"));
  if (r.empty()) return absl::FailedPreconditionError("no active signing key");
  keys_.clear();
  for (db::Row row : r) {
    const std::string seed_bytes = absl::HexStringToBytes(row.Value(1));
    if (seed_bytes.size() != 32)
      return absl::DataLossError("malformed signing key");
    std::array<uint8_t, 32> seed;
    std::copy(seed_bytes.begin(), seed_bytes.end(), seed.begin());
    keys_[std::string(row.Value(0))] =
        auth::SigningKey::FromSeed(row.Value(0), seed);
    active_kid_ = std::string(row.Value(0));
  }
  return absl::OkStatus();
}

auth::SigningKey SigningKeyStore::Active() const {
  absl::MutexLock lock(&mu_);
  return keys_.at(active_kid_);
}

absl::StatusOr<auth::PublicKey> SigningKeyStore::Resolve(
    absl::string_view kid) {
  absl::MutexLock lock(&mu_);
  if (auto it = keys_.find(kid); it != keys_.end())
    return it->second.public_key;
  if (absl::Now() - last_reload_ > absl::Seconds(1)) {
    FP_RETURN_IF_ERROR(Reload());
    if (auto it = keys_.find(kid); it != keys_.end())
      return it->second.public_key;
  }
  return absl::NotFoundError("unknown key id");
}

void SigningKeyStore::FillKeySet(
    fineprint::identity::v1::PublicKeySet* set) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [kid, key] : keys_) {
    auto* jwk = set->add_keys();
    jwk->set_kty("OKP");
    jwk->set_crv("Ed25519");
    jwk->set_kid(kid);
    jwk->set_alg("EdDSA");
    jwk->set_use("sig");
    jwk->set_x(auth::Base64UrlEncode(
        absl::string_view(reinterpret_cast<const char*>(key.public_key.data()),
                          key.public_key.size())));
  }
}

}  // namespace fineprint::identity
