#include "tests/testing/postgres_server.h"

#include <sys/stat.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libpq-fe.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::testing {
namespace {

// Runs `sql` on `dsn`; returns the first column of the first row, or the
// error message prefixed with "ERROR: ".
std::string Query(const std::string& dsn, const std::string& sql) {
  PGconn* conn = PQconnectdb(dsn.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    out = std::string("ERROR: ") + PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      out = PQgetvalue(result, 0, 0);
    } else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      out = std::string("ERROR: ") + PQerrorMessage(conn);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return out;
}

TEST(PostgresServerTest, StartsServesAndCleansUp) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::Duration took = absl::Now() - start;
  std::cerr << "PostgresServer::Start (initdb + start + CREATE DATABASE) took "
            << absl::FormatDuration(took) << "\n";
  ::testing::Test::RecordProperty(
      "start_ms", static_cast<int>(absl::ToInt64Milliseconds(took)));

  EXPECT_EQ(Query((*server)->dsn(), "SELECT current_database()"), "test");
  EXPECT_EQ(Query((*server)->dsn(), "SHOW fsync"), "off");
  EXPECT_EQ(Query((*server)->dsn(), "SHOW max_connections"), "200");

  const std::string dir = (*server)->dir();
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  server->reset();
  EXPECT_NE(stat(dir.c_str(), &st), 0) << dir << " should be removed";
}

TEST(PostgresServerTest, CreateDatabase) {
  absl::StatusOr<PostgresServer*> server = SharedPostgres();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::string> dsn = (*server)->CreateDatabase("orders");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  EXPECT_EQ(Query(*dsn, "SELECT current_database()"), "orders");
  EXPECT_EQ((*server)->CreateDatabase("orders").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*server)->CreateDatabase("Robert'); DROP").status().code(),
            absl::StatusCode::kInvalidArgument);

  absl::StatusOr<std::string> a = NewTestDatabase();
  absl::StatusOr<std::string> b = NewTestDatabase();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(PostgresServerTest, SharedServerIsShared) {
  absl::StatusOr<PostgresServer*> a = SharedPostgres();
  absl::StatusOr<PostgresServer*> b = SharedPostgres();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(PostgresServerTest, RestartKeepsDataAndPort) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  PostgresServer& pg = **server;
  const int port = pg.port();
  ASSERT_EQ(Query(pg.dsn(), "CREATE TABLE t (v int)"), "");
  ASSERT_EQ(Query(pg.dsn(), "INSERT INTO t VALUES (42)"), "");

  // A session open across the restart breaks.
  PGconn* held = PQconnectdb(pg.dsn().c_str());
  ASSERT_EQ(PQstatus(held), CONNECTION_OK);

  ASSERT_TRUE(pg.Restart().ok());
  EXPECT_EQ(pg.port(), port);
  EXPECT_EQ(Query(pg.dsn(), "SELECT v FROM t"), "42");

  PGresult* result = PQexec(held, "SELECT 1");
  EXPECT_NE(PQresultStatus(result), PGRES_TUPLES_OK);
  PQclear(result);
  PQfinish(held);

  // A crash-like stop recovers too.
  ASSERT_TRUE(pg.Restart(ShutdownMode::kImmediate).ok());
  EXPECT_EQ(Query(pg.dsn(), "SELECT v FROM t"), "42");

  ASSERT_TRUE(pg.Stop().ok());
  EXPECT_FALSE(pg.running());
  EXPECT_NE(Query(pg.dsn(), "SELECT 1").rfind("ERROR: ", 0), std::string::npos);
  EXPECT_TRUE(pg.Stop().ok());  // idempotent
}

}  // namespace
}  // namespace fineprint::testing
