#ifndef FINEPRINT_SERVICES_RUNTIME_DB_SQLSTATE_H_
#define FINEPRINT_SERVICES_RUNTIME_DB_SQLSTATE_H_

// Maps PostgreSQL errors to absl::Status. The SQLSTATE and, when the server
// names one, the violated constraint ride along as payloads so that callers
// can tell e.g. which unique index fired and turn it into a field violation:
//
//   if (db::IsUniqueViolation(status, "users_email_key")) { ... }
//
// Mapping (the choice for data errors: a value that can never be valid is
// INVALID_ARGUMENT; a value that is only wrong given the current contents of
// the database is FAILED_PRECONDITION, since retrying after the state
// changes could succeed):
//   23505 unique_violation                     -> ALREADY_EXISTS
//   23503 foreign_key_violation, 23001 restrict_violation,
//   23P01 exclusion_violation                  -> FAILED_PRECONDITION
//   23502 not_null, 23514 check, other 23xxx, 22xxx data_exception
//                                              -> INVALID_ARGUMENT
//   40001 serialization_failure, 40P01 deadlock_detected, other 40xxx,
//   55P03 lock_not_available                   -> ABORTED
//   57014 query_canceled (statement_timeout)   -> DEADLINE_EXCEEDED
//   08xxx connection errors (but 08P01 protocol_violation -> INTERNAL),
//   57P01-57P03 server shutdown/terminated backend
//                                              -> UNAVAILABLE
//   53xxx insufficient_resources               -> RESOURCE_EXHAUSTED
//   42501 insufficient_privilege, 28xxx auth   -> PERMISSION_DENIED
//   25P02 in_failed_sql_transaction            -> FAILED_PRECONDITION
//   anything else (syntax errors, undefined tables, ...) -> INTERNAL
//
// Messages never contain parameter values: the server's DETAIL ("Key
// (email)=(...) already exists") is dropped, and so is the primary message
// of class 22, which echoes the offending input.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fineprint::db {

// Status payload type URLs; the payload is the plain text value.
inline constexpr absl::string_view kSqlStatePayloadUrl =
    "fineprint.db/sqlstate";
inline constexpr absl::string_view kConstraintPayloadUrl =
    "fineprint.db/constraint";

namespace sqlstate {
inline constexpr absl::string_view kUniqueViolation = "23505";
inline constexpr absl::string_view kForeignKeyViolation = "23503";
inline constexpr absl::string_view kNotNullViolation = "23502";
inline constexpr absl::string_view kCheckViolation = "23514";
inline constexpr absl::string_view kSerializationFailure = "40001";
inline constexpr absl::string_view kDeadlockDetected = "40P01";
inline constexpr absl::string_view kQueryCanceled = "57014";
inline constexpr absl::string_view kAdminShutdown = "57P01";
inline constexpr absl::string_view kFeatureNotSupported = "0A000";
}  // namespace sqlstate

// The fields of a server ErrorResponse that are safe to surface.
struct ServerError {
  std::string sqlstate;
  std::string message;  // PG_DIAG_MESSAGE_PRIMARY
  std::string schema;
  std::string table;
  std::string column;
  std::string constraint;
};

absl::StatusCode CodeForSqlState(absl::string_view sqlstate);

// e.g. "unique_violation (SQLSTATE 23505, constraint users_email_key, table
// users): duplicate key value violates unique constraint ...", with the
// sqlstate and constraint payloads attached.
absl::Status StatusFromServerError(const ServerError& error);

// A lost or unusable connection (no SQLSTATE from the server).
absl::Status ConnectionLostError(absl::string_view what);

// Payload accessors; nullopt when absent.
std::optional<std::string> SqlStateOf(const absl::Status& status);
std::optional<std::string> ConstraintOf(const absl::Status& status);

// True for a unique violation, and when `constraint` is non-empty, one of
// that constraint (index) name.
bool IsUniqueViolation(const absl::Status& status,
                       absl::string_view constraint = "");

// 40001 or 40P01: the whole transaction may succeed when run again.
bool IsRetryableTransactionError(const absl::Status& status);

}  // namespace fineprint::db

#endif  // FINEPRINT_SERVICES_RUNTIME_DB_SQLSTATE_H_
