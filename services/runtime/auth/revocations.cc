#include "services/runtime/auth/revocations.h"

#include <algorithm>

#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

// Access tokens carry `iat` in whole seconds (truncated). A token minted
// before `t` has iat < ceil(t); refusing exactly those also refuses tokens
// minted in the rest of that second, which only costs the client one more
// refresh, whereas flooring would let a token with the old claims through.
absl::Time CeilToSecond(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  const absl::Time floor = absl::FromUnixSeconds(absl::ToUnixSeconds(t));
  return floor == t ? t : floor + absl::Seconds(1);
}

absl::Status Stale() {
  return status::WithReason(
      absl::UnauthenticatedError(
          "access token predates a change to the account; refresh it"),
      kReasonTokenStale);
}

absl::Status Revoked() {
  return status::WithReason(
      absl::UnauthenticatedError("access token revoked; log in again"),
      kReasonTokenRevoked);
}

}  // namespace

Revocations::Revocations(RevocationsOptions options)
    : options_(std::move(options)) {}

void Revocations::RevokeApiKey(absl::string_view api_key, absl::Time at) {
  absl::MutexLock lock(&mu_);
  // Keys are re-verified at identity once the cache entry is gone, so an
  // early eviction here costs nothing but the in-flight race it covers.
  Put(api_keys_, api_key, at, /*deleted=*/true, /*fail_closed=*/false);
}

void Revocations::RevokeUser(absl::string_view user, absl::Time at) {
  absl::MutexLock lock(&mu_);
  Put(users_, user, at, /*deleted=*/true, /*fail_closed=*/true);
}

void Revocations::SetUserNotBefore(absl::string_view user, absl::Time at) {
  absl::MutexLock lock(&mu_);
  Put(users_, user, at, /*deleted=*/false, /*fail_closed=*/true);
}

void Revocations::RevokeSession(absl::string_view session, absl::Time at) {
  absl::MutexLock lock(&mu_);
  Put(sessions_, session, at, /*deleted=*/true, /*fail_closed=*/true);
}

void Revocations::Put(Table& table, absl::string_view name, absl::Time at,
                      bool deleted, bool fail_closed) {
  const absl::Time now = options_.clock();
  for (Table* t : {&api_keys_, &users_, &sessions_}) Prune(*t, now);
  const absl::Time expires = at + options_.retention;
  if (expires <= now || name.empty()) return;
  auto it = table.entries.find(name);
  if (it == table.entries.end()) {
    it = table.entries.emplace(std::string(name), Entry{at, expires, deleted})
             .first;
  } else {
    // Events may arrive twice or out of order (replays at start-up): keep
    // the strictest view.
    table.by_expiry.erase({it->second.expires, it->first});
    it->second.at = std::max(it->second.at, at);
    it->second.expires = std::max(it->second.expires, expires);
    it->second.deleted = it->second.deleted || deleted;
  }
  table.by_expiry.emplace(it->second.expires, it->first);
  while (table.entries.size() > options_.max_entries) {
    auto oldest = table.by_expiry.begin();
    auto victim = table.entries.find(oldest->second);
    if (fail_closed) floor_ = std::max(floor_, victim->second.at);
    table.entries.erase(victim);
    table.by_expiry.erase(oldest);
  }
}

void Revocations::Prune(Table& table, absl::Time now) {
  while (!table.by_expiry.empty() && table.by_expiry.begin()->first <= now) {
    table.entries.erase(table.by_expiry.begin()->second);
    table.by_expiry.erase(table.by_expiry.begin());
  }
}

const Revocations::Entry* Revocations::Find(const Table& table,
                                            absl::string_view name,
                                            absl::Time now) {
  if (name.empty()) return nullptr;
  auto it = table.entries.find(name);
  if (it == table.entries.end() || it->second.expires <= now) return nullptr;
  return &it->second;
}

absl::Status Revocations::CheckToken(const Claims& claims,
                                     absl::Time now) const {
  absl::MutexLock lock(&mu_);
  if (claims.issued_at < CeilToSecond(floor_)) return Stale();
  if (Find(sessions_, claims.session_id, now) != nullptr) return Revoked();
  if (const Entry* user = Find(users_, claims.subject, now)) {
    if (user->deleted) return Revoked();
    if (claims.issued_at < CeilToSecond(user->at)) return Stale();
  }
  return absl::OkStatus();
}

absl::Status Revocations::CheckApiKey(const Principal& principal,
                                      absl::Time now) const {
  absl::MutexLock lock(&mu_);
  const Entry* user = Find(users_, principal.user, now);
  if (Find(api_keys_, principal.api_key, now) != nullptr ||
      (user != nullptr && user->deleted)) {
    // The same answer identity gives for the key, cached or not.
    return status::WithReason(absl::UnauthenticatedError("invalid API key"),
                              "API_KEY_INVALID");
  }
  return absl::OkStatus();
}

size_t Revocations::size() const {
  absl::MutexLock lock(&mu_);
  return api_keys_.entries.size() + users_.entries.size() +
         sessions_.entries.size();
}

}  // namespace fineprint::auth
