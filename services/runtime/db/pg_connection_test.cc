// PgConnection against a real server: parameters, NULLs, types, error
// mapping, timeouts, session settings.

#include "services/runtime/db/pg_connection.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/runtime/db/sqlstate.h"
#include "services/runtime/db/test_util.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::db {
namespace {

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dsn = ::fineprint::testing::NewTestDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    options_.dsn = *dsn;
    options_.application_name = "pg_connection_test";
    absl::StatusOr<std::unique_ptr<PgConnection>> conn =
        PgConnection::Connect(options_, absl::Now() + absl::Seconds(10));
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }

  Result MustExecute(absl::string_view sql, std::vector<Param> params = {}) {
    absl::StatusOr<Result> result = conn_->Execute(sql, params);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status();
    if (!result.ok()) std::abort();
    return *std::move(result);
  }

  PoolOptions options_;
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PgConnectionTest, MetacharactersAreStoredVerbatim) {
  MustExecute("CREATE TABLE notes (id serial PRIMARY KEY, body text)");
  const std::vector<std::string> tricky = {
      "Robert'); DROP TABLE notes;--",
      "' OR '1'='1",
      "$1",
      "back\\slash \\x00 E'\\n'",
      "\"double\" and 'single' quotes",
      "semi;colon; SELECT pg_sleep(10);",
      "żółw ✓ 日本",
      "",
  };
  for (const std::string& text : tricky) {
    MustExecute("INSERT INTO notes (body) VALUES ($1)", {text});
  }
  Result rows = MustExecute("SELECT body FROM notes ORDER BY id");
  ASSERT_EQ(rows.num_rows(), static_cast<int>(tricky.size()));
  for (int i = 0; i < rows.num_rows(); ++i) {
    EXPECT_EQ(*rows[i].GetString(0), tricky[i]);
    EXPECT_FALSE(rows[i].IsNull(0));
  }
  // The table survived the "DROP TABLE".
  EXPECT_EQ(MustExecute("SELECT count(*) FROM notes")[0].Value(0), "8");
  // And equality with a parameter matches exactly, not as a pattern.
  EXPECT_EQ(MustExecute("SELECT count(*) FROM notes WHERE body = $1",
                        {"' OR '1'='1"})[0]
                .Value(0),
            "1");
}

TEST_F(PgConnectionTest, Nulls) {
  MustExecute("CREATE TABLE t (a text, b bigint, c timestamptz)");
  MustExecute("INSERT INTO t VALUES ($1, $2, $3)",
              {Param(), std::nullopt, std::optional<absl::Time>()});
  MustExecute("INSERT INTO t VALUES ($1, $2, $3)",
              {"", std::optional<int64_t>(0), absl::UnixEpoch()});
  Result rows = MustExecute("SELECT a, b, c FROM t ORDER BY b NULLS FIRST");
  EXPECT_TRUE(rows[0].IsNull("a"));
  EXPECT_TRUE(rows[0].IsNull("b"));
  EXPECT_TRUE(rows[0].IsNull("c"));
  EXPECT_EQ(rows[0].GetString("a").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(rows[1].IsNull("a"));  // '' is not NULL
  EXPECT_EQ(*rows[1].GetString("a"), "");
  EXPECT_EQ(*rows[1].GetTime("c"), absl::UnixEpoch());
  EXPECT_EQ(MustExecute("SELECT $1::text IS NULL", {Param::Null()})[0].Value(0),
            "t");
}

TEST_F(PgConnectionTest, TypedRoundTrip) {
  const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
  Result r = MustExecute(
      "SELECT $1::bigint AS big, $2::bigint AS small, $3::boolean AS yes,"
      " $4::timestamptz AS at, $5::float8 AS d, now() AS server_now,"
      " $6::timestamptz AS forever",
      {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
       true, now, 0.1, absl::InfiniteFuture()});
  const Row row = r[0];
  EXPECT_EQ(*row.GetInt64("big"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*row.GetInt64("small"), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(*row.GetBool("yes"));
  EXPECT_EQ(*row.GetTime("at"), now);
  EXPECT_EQ(*row.GetDouble("d"), 0.1);
  EXPECT_EQ(*row.GetTime("forever"), absl::InfiniteFuture());
  absl::StatusOr<absl::Time> server_now = row.GetTime("server_now");
  ASSERT_TRUE(server_now.ok()) << server_now.status();
  EXPECT_LT(absl::AbsDuration(*server_now - absl::Now()), absl::Minutes(1));
}

TEST_F(PgConnectionTest, SessionSettings) {
  EXPECT_EQ(MustExecute("SHOW TimeZone")[0].Value(0), "UTC");
  EXPECT_EQ(MustExecute("SHOW DateStyle")[0].Value(0), "ISO, MDY");
  EXPECT_EQ(MustExecute("SHOW statement_timeout")[0].Value(0), "30s");
  EXPECT_EQ(MustExecute("SHOW application_name")[0].Value(0),
            "pg_connection_test");
  EXPECT_EQ(
      MustExecute("SELECT '2024-01-02 03:04:05+02'::timestamptz")[0].Value(0),
      "2024-01-02 01:04:05+00");
}

TEST_F(PgConnectionTest, SearchPathSelectsSchema) {
  MustExecute("CREATE SCHEMA billing");
  options_.search_path = "billing";
  absl::StatusOr<std::unique_ptr<PgConnection>> conn =
      PgConnection::Connect(options_, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE((*conn)->Execute("CREATE TABLE invoices (id int)").ok());
  absl::StatusOr<Result> where = (*conn)->Execute(
      "SELECT table_schema FROM information_schema.tables"
      " WHERE table_name = 'invoices'");
  ASSERT_TRUE(where.ok());
  EXPECT_EQ((*where)[0].Value(0), "billing");
}

TEST_F(PgConnectionTest, PreparesOncePerSql) {
  for (int i = 0; i < 3; ++i) MustExecute("SELECT $1::int + 1", {i});
  MustExecute("SELECT 2");
  EXPECT_EQ(conn_->prepared_statements(), 2);
}

TEST_F(PgConnectionTest, ParameterProblemsAreCaughtClientSide) {
  absl::StatusOr<Result> wrong_count =
      conn_->Execute("SELECT $1::int, $2::int", {1});
  EXPECT_EQ(wrong_count.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Result> nul =
      conn_->Execute("SELECT $1::text", {std::string("a\0b", 3)});
  EXPECT_EQ(nul.status().code(), absl::StatusCode::kInvalidArgument);
  // Still usable.
  EXPECT_TRUE(conn_->Execute("SELECT 1").ok());
  EXPECT_TRUE(conn_->IsReusable());
}

TEST_F(PgConnectionTest, UniqueViolationNamesConstraintNotValue) {
  MustExecute("CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE)");
  MustExecute("INSERT INTO users (email) VALUES ($1)", {"alice@example.com"});
  absl::StatusOr<Result> dup = conn_->Execute(
      "INSERT INTO users (email) VALUES ($1)", {"alice@example.com"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(IsUniqueViolation(dup.status(), "users_email_key"));
  EXPECT_EQ(SqlStateOf(dup.status()), "23505");
  EXPECT_EQ(dup.status().message().find("alice"), absl::string_view::npos)
      << dup.status();
}

TEST_F(PgConnectionTest, ConstraintAndDataErrors) {
  MustExecute("CREATE TABLE parents (id int PRIMARY KEY)");
  MustExecute(
      "CREATE TABLE kids (id int PRIMARY KEY,"
      " parent int NOT NULL REFERENCES parents (id),"
      " age int CONSTRAINT age_positive CHECK (age > 0))");

  absl::Status fk =
      conn_->Execute("INSERT INTO kids VALUES (1, $1, 1)", {77}).status();
  EXPECT_EQ(fk.code(), absl::StatusCode::kFailedPrecondition) << fk;
  EXPECT_EQ(ConstraintOf(fk), "kids_parent_fkey");

  MustExecute("INSERT INTO parents VALUES (1)");
  absl::Status check =
      conn_->Execute("INSERT INTO kids VALUES (1, 1, $1)", {-5}).status();
  EXPECT_EQ(check.code(), absl::StatusCode::kInvalidArgument) << check;
  EXPECT_EQ(ConstraintOf(check), "age_positive");

  absl::Status not_null =
      conn_->Execute("INSERT INTO kids VALUES (2, $1, 1)", {Param()}).status();
  EXPECT_EQ(not_null.code(), absl::StatusCode::kInvalidArgument) << not_null;
  EXPECT_EQ(SqlStateOf(not_null), "23502");

  absl::Status bad_int =
      conn_->Execute("SELECT $1::int", {"hunter2-secret"}).status();
  EXPECT_EQ(bad_int.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SqlStateOf(bad_int), "22P02");
  EXPECT_EQ(bad_int.message().find("hunter2"), absl::string_view::npos)
      << bad_int;

  absl::Status syntax = conn_->Execute("SELEC 1").status();
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(SqlStateOf(syntax), "42601");
}

TEST_F(PgConnectionTest, StatementTimeoutIsDeadlineExceeded) {
  options_.statement_timeout = absl::Milliseconds(100);
  absl::StatusOr<std::unique_ptr<PgConnection>> conn =
      PgConnection::Connect(options_, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(conn.ok()) << conn.status();
  const absl::Time start = absl::Now();
  absl::Status slow = (*conn)->Execute("SELECT pg_sleep(5)").status();
  EXPECT_EQ(slow.code(), absl::StatusCode::kDeadlineExceeded) << slow;
  EXPECT_EQ(SqlStateOf(slow), "57014");
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE((*conn)->Execute("SELECT 1").ok());
}

TEST_F(PgConnectionTest, AffectedRows) {
  MustExecute("CREATE TABLE t (v int)");
  EXPECT_EQ(
      MustExecute("INSERT INTO t SELECT generate_series(1, 5)").affected_rows(),
      5);
  EXPECT_EQ(
      MustExecute("UPDATE t SET v = v + 1 WHERE v > $1", {2}).affected_rows(),
      3);
  EXPECT_EQ(MustExecute("SELECT * FROM t").affected_rows(), 5);
}

TEST_F(PgConnectionTest, ScriptsRunSeveralStatements) {
  ASSERT_TRUE(conn_
                  ->ExecuteScript("CREATE TABLE a (v int);"
                                  " INSERT INTO a VALUES (1), (2);")
                  .ok());
  EXPECT_EQ(MustExecute("SELECT sum(v) FROM a")[0].Value(0), "3");
}

TEST_F(PgConnectionTest, UnreachableServerIsUnavailable) {
  PoolOptions options;
  // Port 1 on loopback: nothing listens there.
  options.dsn = "host=127.0.0.1 port=1 dbname=x user=postgres";
  absl::StatusOr<std::unique_ptr<PgConnection>> conn =
      PgConnection::Connect(options, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(conn.status().code(), absl::StatusCode::kUnavailable)
      << conn.status();
  EXPECT_EQ(PgConnection::ValidateDsn("host=x password='unterminated").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::db
