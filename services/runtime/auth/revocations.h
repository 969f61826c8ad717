#ifndef FINEPRINT_SERVICES_RUNTIME_AUTH_REVOCATIONS_H_
#define FINEPRINT_SERVICES_RUNTIME_AUTH_REVOCATIONS_H_

// What identity revoked recently, as far as this process has heard (see
// RevocationListener): access tokens are self-contained and API keys are
// cached, so without this a deleted user's token, a logged-out session or a
// revoked key would keep working until it expires.
//
// An entry only needs to outlive the credentials it refuses: no access
// token issued before time T verifies after T + kMaxTokenLifetime +
// kTokenLeeway, so entries are dropped then. Memory is further capped per
// kind; when a cap forces out an entry early, the table fails closed: every
// token issued up to that entry's time is refused (clients refresh), so an
// eviction never brings a revoked token back to life.

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/runtime/auth/jwt.h"
#include "services/runtime/auth/principal.h"

namespace fineprint::auth {

// Stable ErrorInfo reasons of refused credentials. The client should:
//   kReasonTokenStale   - refresh the access token (the account changed);
//   kReasonTokenRevoked - log in again (session ended or user removed).
inline constexpr absl::string_view kReasonTokenStale = "TOKEN_STALE";
inline constexpr absl::string_view kReasonTokenRevoked = "TOKEN_REVOKED";

struct RevocationsOptions {
  // How long an entry is kept after the change it records. Must cover the
  // longest access-token lifetime plus the verifier's leeway.
  absl::Duration retention = kMaxTokenLifetime + kTokenLeeway;
  // Cap per kind (API keys, users, sessions).
  size_t max_entries = 100000;
  // Used to drop expired entries on writes.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

// Thread-safe.
class Revocations {
 public:
  explicit Revocations(RevocationsOptions options = {});
  Revocations(const Revocations&) = delete;
  Revocations& operator=(const Revocations&) = delete;

  // `at` is when identity made the change (the event's time). Changes older
  // than the retention are ignored: nothing they could refuse still verifies.

  // API key `api_key` (orgs/{org}/apiKeys/{key}) was revoked.
  void RevokeApiKey(absl::string_view api_key, absl::Time at);
  // User `user` was removed: all of its tokens, and API keys acting as it,
  // are refused.
  void RevokeUser(absl::string_view user, absl::Time at);
  // Something in `user`'s claims changed (role): its tokens issued before
  // `at` are refused.
  void SetUserNotBefore(absl::string_view user, absl::Time at);
  // Login session (refresh-token family) `session` ended: tokens carrying
  // it as `sid` are refused.
  void RevokeSession(absl::string_view session, absl::Time at);

  // OK, or UNAUTHENTICATED with kReasonTokenStale / kReasonTokenRevoked.
  absl::Status CheckToken(const Claims& claims, absl::Time now) const;
  // OK, or UNAUTHENTICATED (API_KEY_INVALID) when the key was revoked or its
  // user removed.
  absl::Status CheckApiKey(const Principal& principal, absl::Time now) const;

  // Live entries of all kinds (tests, metrics).
  size_t size() const;

 private:
  struct Entry {
    absl::Time at;       // time of the change
    absl::Time expires;  // at + retention
    bool deleted = false;
  };
  // Entries by name plus an index by expiry, so pruning and eviction take
  // the oldest without scanning.
  struct Table {
    std::map<std::string, Entry, std::less<>> entries;
    std::set<std::pair<absl::Time, std::string>> by_expiry;
  };

  // Inserts or merges (later time, deletion sticks) and enforces the cap.
  void Put(Table& table, absl::string_view name, absl::Time at, bool deleted,
           bool fail_closed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void Prune(Table& table, absl::Time now);
  // The live entry for `name`, or nullptr.
  static const Entry* Find(const Table& table, absl::string_view name,
                           absl::Time now);

  const RevocationsOptions options_;
  mutable absl::Mutex mu_;
  Table api_keys_ ABSL_GUARDED_BY(mu_);
  Table users_ ABSL_GUARDED_BY(mu_);
  Table sessions_ ABSL_GUARDED_BY(mu_);
  // Tokens issued before this are refused: raised when the cap evicts a
  // user or session entry before it expired.
  absl::Time floor_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace fineprint::auth

#endif  // FINEPRINT_SERVICES_RUNTIME_AUTH_REVOCATIONS_H_
