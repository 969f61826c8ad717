#include "services/runtime/db/migrator.h"

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::db {
namespace {

// The first key of the two-key advisory lock, so that the migrator's locks
// cannot collide with a service's own advisory locks on the same schema
// hash.
constexpr absl::string_view kLockNamespace = "fineprint.db.migrate";
constexpr absl::Duration kLockPollInterval = absl::Milliseconds(50);

// The name is spliced into DDL (identifiers cannot be parameters), so only
// names that need no escaping at all are accepted.
bool ValidSchemaName(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// Prefixes the message, keeping the code and payloads (the SQLSTATE).
absl::Status Annotate(const absl::Status& status, absl::string_view prefix) {
  absl::Status annotated(status.code(),
                         absl::StrCat(prefix, ": ", status.message()));
  status.ForEachPayload(
      [&annotated](absl::string_view url, const absl::Cord& payload) {
        annotated.SetPayload(url, payload);
      });
  return annotated;
}

absl::Status Lock(Connection& connection, absl::string_view schema,
                  absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::StatusOr<Result> locked = connection.Execute(
        "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2))",
        {kLockNamespace, schema});
    if (!locked.ok()) return locked.status();
    absl::StatusOr<bool> got = locked->row(0).GetBool(0);
    if (!got.ok()) return got.status();
    if (*got) return absl::OkStatus();
    if (absl::Now() + kLockPollInterval > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "another instance kept the migration lock of schema ", schema,
          " for longer than ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kLockPollInterval);
  }
}

void Unlock(Connection& connection, absl::string_view schema) {
  // If this fails the session is broken, and the server drops its locks
  // with it.
  connection
      .Execute("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))",
               {kLockNamespace, schema})
      .IgnoreError();
}

absl::Status MigrateLocked(Connection& connection, absl::string_view schema,
                           const std::vector<const Migration*>& migrations) {
  const std::string quoted = absl::StrCat("\"", schema, "\"");
  const std::string table = absl::StrCat(quoted, ".schema_migrations");

  absl::flat_hash_map<std::string, std::string> applied;
  absl::Status status =
      RunInTransaction(connection, {}, [&](Tx& tx) -> absl::Status {
        absl::Status created = tx.ExecuteScript(
            absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", quoted,
                         "; CREATE TABLE IF NOT EXISTS ", table,
                         " (id text PRIMARY KEY, checksum text NOT NULL,"
                         " applied_at timestamptz NOT NULL DEFAULT now())"));
        if (!created.ok()) return created;
        absl::StatusOr<Result> rows =
            tx.Execute(absl::StrCat("SELECT id, checksum FROM ", table));
        if (!rows.ok()) return rows.status();
        applied.clear();
        for (Row row : *rows) {
          applied[std::string(row.Value(0))] = std::string(row.Value(1));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) {
    return Annotate(status, absl::StrCat("preparing schema ", schema));
  }

  // Verify everything before applying anything: an edited migration means
  // the code and the database disagree about history.
  std::vector<std::pair<const Migration*, std::string>> pending;
  for (const Migration* migration : migrations) {
    std::string checksum = crypto::Sha256Hex(migration->sql);
    auto it = applied.find(migration->id);
    if (it == applied.end()) {
      pending.emplace_back(migration, std::move(checksum));
    } else if (it->second != checksum) {
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", migration->id, " of schema ", schema,
                       " changed after it was applied (checksum mismatch)"));
    }
  }

  TxOptions options;
  options.statement_timeout = absl::InfiniteDuration();
  for (const auto& [migration, checksum] : pending) {
    status = RunInTransaction(connection, options, [&](Tx& tx) -> absl::Status {
      // SET LOCAL: unqualified names in the migration land in `schema`
      // whatever the pool's search_path, and only for this transaction.
      absl::StatusOr<Result> path =
          tx.Execute("SELECT set_config('search_path', $1, true)", {quoted});
      if (!path.ok()) return path.status();
      absl::Status applied_sql = tx.ExecuteScript(migration->sql);
      if (!applied_sql.ok()) return applied_sql;
      return tx
          .Execute(absl::StrCat("INSERT INTO ", table,
                                " (id, checksum) VALUES ($1, $2)"),
                   {migration->id, checksum})
          .status();
    });
    if (!status.ok()) {
      return Annotate(status, absl::StrCat("migration ", migration->id));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Migrate(Pool& pool, absl::string_view schema,
                     const std::vector<Migration>& migrations,
                     const MigrateOptions& options) {
  if (!ValidSchemaName(schema)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid schema name \"", schema,
                     "\": want [a-z_][a-z0-9_]*, at most 63 characters"));
  }
  std::vector<const Migration*> sorted;
  sorted.reserve(migrations.size());
  for (const Migration& migration : migrations) sorted.push_back(&migration);
  std::sort(
      sorted.begin(), sorted.end(),
      [](const Migration* a, const Migration* b) { return a->id < b->id; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i]->id.empty()) {
      return absl::InvalidArgumentError("a migration has an empty id");
    }
    if (i > 0 && sorted[i]->id == sorted[i - 1]->id) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate migration id ", sorted[i]->id));
    }
  }

  // One session throughout: the advisory lock belongs to it.
  absl::StatusOr<PooledConnection> connection = pool.Acquire();
  if (!connection.ok()) return connection.status();
  absl::Status locked = Lock(**connection, schema, options.lock_timeout);
  if (!locked.ok()) return locked;
  absl::Status status = MigrateLocked(**connection, schema, sorted);
  Unlock(**connection, schema);
  return status;
}

}  // namespace fineprint::db
