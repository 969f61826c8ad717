#include "services/runtime/db/sqlstate.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace fineprint::db {
namespace {

// Condition names for the codes callers meet most; the rest show as
// "sqlstate".
absl::string_view ConditionName(absl::string_view code) {
  static constexpr std::pair<absl::string_view, absl::string_view> kNames[] = {
      {"23505", "unique_violation"},
      {"23503", "foreign_key_violation"},
      {"23502", "not_null_violation"},
      {"23514", "check_violation"},
      {"23001", "restrict_violation"},
      {"23P01", "exclusion_violation"},
      {"22001", "string_data_right_truncation"},
      {"22003", "numeric_value_out_of_range"},
      {"22007", "invalid_datetime_format"},
      {"22008", "datetime_field_overflow"},
      {"22012", "division_by_zero"},
      {"22021", "character_not_in_repertoire"},
      {"22P02", "invalid_text_representation"},
      {"25P02", "in_failed_sql_transaction"},
      {"40001", "serialization_failure"},
      {"40P01", "deadlock_detected"},
      {"42501", "insufficient_privilege"},
      {"42601", "syntax_error"},
      {"42703", "undefined_column"},
      {"42P01", "undefined_table"},
      {"53300", "too_many_connections"},
      {"55P03", "lock_not_available"},
      {"57014", "query_canceled"},
      {"57P01", "admin_shutdown"},
      {"57P02", "crash_shutdown"},
      {"57P03", "cannot_connect_now"},
  };
  for (const auto& [c, name] : kNames) {
    if (c == code) return name;
  }
  if (absl::StartsWith(code, "22")) return "data_exception";
  if (absl::StartsWith(code, "08")) return "connection_exception";
  return "sqlstate";
}

std::optional<std::string> Payload(const absl::Status& status,
                                   absl::string_view url) {
  absl::optional<absl::Cord> payload = status.GetPayload(url);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace

absl::StatusCode CodeForSqlState(absl::string_view code) {
  if (code == "23505") return absl::StatusCode::kAlreadyExists;
  if (code == "23503" || code == "23001" || code == "23P01") {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (absl::StartsWith(code, "23") || absl::StartsWith(code, "22")) {
    return absl::StatusCode::kInvalidArgument;
  }
  if (absl::StartsWith(code, "40") || code == "55P03") {
    return absl::StatusCode::kAborted;
  }
  if (code == "57014") return absl::StatusCode::kDeadlineExceeded;
  // A protocol violation (e.g. a wrong parameter count) is our bug, not a
  // lost connection; a connection that really broke is reported as
  // UNAVAILABLE by the driver whatever the code.
  if (code == "08P01") return absl::StatusCode::kInternal;
  if (absl::StartsWith(code, "08") || code == "57P01" || code == "57P02" ||
      code == "57P03") {
    return absl::StatusCode::kUnavailable;
  }
  if (absl::StartsWith(code, "53")) return absl::StatusCode::kResourceExhausted;
  if (code == "42501" || absl::StartsWith(code, "28")) {
    return absl::StatusCode::kPermissionDenied;
  }
  if (code == "25P02") return absl::StatusCode::kFailedPrecondition;
  return absl::StatusCode::kInternal;
}

absl::Status StatusFromServerError(const ServerError& error) {
  std::string message =
      absl::StrCat(ConditionName(error.sqlstate), " (SQLSTATE ",
                   error.sqlstate.empty() ? "?" : error.sqlstate);
  if (!error.constraint.empty()) {
    absl::StrAppend(&message, ", constraint ", error.constraint);
  }
  if (!error.schema.empty()) {
    absl::StrAppend(&message, ", schema ", error.schema);
  }
  if (!error.table.empty()) {
    absl::StrAppend(&message, ", table ", error.table);
  }
  if (!error.column.empty()) {
    absl::StrAppend(&message, ", column ", error.column);
  }
  absl::StrAppend(&message, ")");
  // Class 22 messages quote the rejected input ("invalid input syntax for
  // type integer: \"...\""), which may be a secret.
  if (!absl::StartsWith(error.sqlstate, "22") && !error.message.empty()) {
    absl::StrAppend(&message, ": ", error.message);
  }

  absl::Status status(CodeForSqlState(error.sqlstate), message);
  if (!error.sqlstate.empty()) {
    status.SetPayload(kSqlStatePayloadUrl, absl::Cord(error.sqlstate));
  }
  if (!error.constraint.empty()) {
    status.SetPayload(kConstraintPayloadUrl, absl::Cord(error.constraint));
  }
  return status;
}

absl::Status ConnectionLostError(absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("database connection lost: ", what));
}

std::optional<std::string> SqlStateOf(const absl::Status& status) {
  return Payload(status, kSqlStatePayloadUrl);
}

std::optional<std::string> ConstraintOf(const absl::Status& status) {
  return Payload(status, kConstraintPayloadUrl);
}

bool IsUniqueViolation(const absl::Status& status,
                       absl::string_view constraint) {
  if (SqlStateOf(status) != sqlstate::kUniqueViolation) return false;
  return constraint.empty() || ConstraintOf(status) == constraint;
}

bool IsRetryableTransactionError(const absl::Status& status) {
  const std::optional<std::string> code = SqlStateOf(status);
  return code == sqlstate::kSerializationFailure ||
         code == sqlstate::kDeadlockDetected;
}

}  // namespace fineprint::db
