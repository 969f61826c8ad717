#include "services/runtime/db/sqlstate.h"

#include "gtest/gtest.h"

namespace fineprint::db {
namespace {

TEST(SqlStateTest, CodeMapping) {
  struct Case {
    const char* sqlstate;
    absl::StatusCode code;
  };
  for (const Case& c : {
           Case{"23505", absl::StatusCode::kAlreadyExists},
           Case{"23503", absl::StatusCode::kFailedPrecondition},
           Case{"23P01", absl::StatusCode::kFailedPrecondition},
           Case{"23502", absl::StatusCode::kInvalidArgument},
           Case{"23514", absl::StatusCode::kInvalidArgument},
           Case{"22P02", absl::StatusCode::kInvalidArgument},
           Case{"22001", absl::StatusCode::kInvalidArgument},
           Case{"40001", absl::StatusCode::kAborted},
           Case{"40P01", absl::StatusCode::kAborted},
           Case{"55P03", absl::StatusCode::kAborted},
           Case{"57014", absl::StatusCode::kDeadlineExceeded},
           Case{"08006", absl::StatusCode::kUnavailable},
           Case{"08P01", absl::StatusCode::kInternal},
           Case{"57P01", absl::StatusCode::kUnavailable},
           Case{"53300", absl::StatusCode::kResourceExhausted},
           Case{"42501", absl::StatusCode::kPermissionDenied},
           Case{"28P01", absl::StatusCode::kPermissionDenied},
           Case{"25P02", absl::StatusCode::kFailedPrecondition},
           Case{"42P01", absl::StatusCode::kInternal},
           Case{"XX000", absl::StatusCode::kInternal},
       }) {
    EXPECT_EQ(CodeForSqlState(c.sqlstate), c.code) << c.sqlstate;
  }
}

TEST(SqlStateTest, UniqueViolationCarriesConstraint) {
  ServerError error;
  error.sqlstate = "23505";
  error.message =
      "duplicate key value violates unique constraint \"users_email_key\"";
  error.table = "users";
  error.constraint = "users_email_key";
  const absl::Status status = StatusFromServerError(error);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(SqlStateOf(status), "23505");
  EXPECT_EQ(ConstraintOf(status), "users_email_key");
  EXPECT_TRUE(IsUniqueViolation(status));
  EXPECT_TRUE(IsUniqueViolation(status, "users_email_key"));
  EXPECT_FALSE(IsUniqueViolation(status, "users_handle_key"));
  EXPECT_NE(status.message().find("23505"), absl::string_view::npos);
  EXPECT_NE(status.message().find("users_email_key"), absl::string_view::npos);
  EXPECT_NE(status.message().find("unique_violation"), absl::string_view::npos);
}

TEST(SqlStateTest, DataExceptionMessageIsDropped) {
  ServerError error;
  error.sqlstate = "22P02";
  error.message = "invalid input syntax for type integer: \"hunter2\"";
  const absl::Status status = StatusFromServerError(error);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message().find("hunter2"), absl::string_view::npos)
      << status;
  EXPECT_NE(status.message().find("invalid_text_representation"),
            absl::string_view::npos);
  EXPECT_FALSE(ConstraintOf(status).has_value());
}

TEST(SqlStateTest, RetryableAndConnectionErrors) {
  ServerError error;
  error.sqlstate = "40001";
  EXPECT_TRUE(IsRetryableTransactionError(StatusFromServerError(error)));
  error.sqlstate = "40P01";
  EXPECT_TRUE(IsRetryableTransactionError(StatusFromServerError(error)));
  error.sqlstate = "23505";
  EXPECT_FALSE(IsRetryableTransactionError(StatusFromServerError(error)));
  EXPECT_FALSE(IsRetryableTransactionError(absl::AbortedError("no payload")));

  const absl::Status lost = ConnectionLostError("server closed the connection");
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(SqlStateOf(lost).has_value());
}

}  // namespace
}  // namespace fineprint::db
