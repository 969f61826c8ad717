#include "events/consumer/inbox.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace fineprint::events {
namespace {

bool IsIdentifier(absl::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok =
        (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Inbox::Inbox(std::string schema)
    : table_(schema.empty() ? "inbox" : absl::StrCat(schema, ".inbox")),
      schema_(std::move(schema)) {}

absl::Status Inbox::Validate() const {
  if (!schema_.empty() && !IsIdentifier(schema_)) {
    return absl::InvalidArgumentError(
        "inbox schema must match [a-z_][a-z0-9_]{0,62}");
  }
  return absl::OkStatus();
}

absl::Status Inbox::CheckTable(db::Pool& pool) const {
  db::TxOptions options;
  options.read_only = true;
  absl::Status status =
      db::RunInTransaction(pool, options, [&](db::Tx& tx) -> absl::Status {
        return tx
            .Execute(absl::StrCat(
                "SELECT consumer_group, event_id, topic, partition, \"offset\","
                " processed_at FROM ",
                table_, " LIMIT 0"))
            .status();
      });
  if (status.ok() || status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded ||
      status.code() == absl::StatusCode::kResourceExhausted) {
    return status;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "inbox table ", table_,
      " is not usable (inbox migrations applied?): ", status.message()));
}

absl::StatusOr<bool> Inbox::Claim(db::Tx& tx, absl::string_view group,
                                  const Event& event) const {
  // ON CONFLICT DO NOTHING, not a unique violation: an error would abort
  // the transaction, and a concurrent claim must block until its owner
  // commits or rolls back rather than fail.
  absl::StatusOr<db::Result> result = tx.Execute(
      absl::StrCat("INSERT INTO ", table_,
                   " (consumer_group, event_id, topic, partition, \"offset\")"
                   " VALUES ($1, $2::uuid, $3, $4, $5)"
                   " ON CONFLICT (consumer_group, event_id) DO NOTHING"),
      {group, event.ce_id, event.topic, event.partition, event.offset});
  if (!result.ok()) return result.status();
  return result->affected_rows() == 1;
}

absl::StatusOr<bool> Inbox::Contains(db::Pool& pool, absl::string_view group,
                                     absl::string_view event_id) const {
  bool found = false;
  db::TxOptions options;
  options.read_only = true;
  absl::Status status =
      db::RunInTransaction(pool, options, [&](db::Tx& tx) -> absl::Status {
        absl::StatusOr<db::Result> result = tx.Execute(
            absl::StrCat("SELECT 1 FROM ", table_,
                         " WHERE consumer_group = $1 AND event_id = $2::uuid"),
            {group, event_id});
        if (!result.ok()) return result.status();
        found = !result->empty();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<int64_t> Inbox::Prune(db::Pool& pool, absl::string_view group,
                                     absl::Time cutoff, int limit) const {
  int64_t deleted = 0;
  absl::Status status =
      db::RunInTransaction(pool, {}, [&](db::Tx& tx) -> absl::Status {
        absl::StatusOr<db::Result> result = tx.Execute(
            absl::StrCat("DELETE FROM ", table_,
                         " WHERE (consumer_group, event_id) IN ("
                         "SELECT consumer_group, event_id FROM ",
                         table_,
                         " WHERE processed_at < $2 AND consumer_group = $1"
                         " LIMIT $3)"),
            {group, cutoff, limit});
        if (!result.ok()) return result.status();
        deleted = result->affected_rows();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace fineprint::events
