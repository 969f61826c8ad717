#ifndef FINEPRINT_TESTS_TESTING_SHARED_POSTGRES_H_
#define FINEPRINT_TESTS_TESTING_SHARED_POSTGRES_H_

// One PostgresServer per test binary, started on first use and stopped by a
// gtest Environment when the tests finish:
//
//   TEST(Orders, Insert) {
//     absl::StatusOr<std::string> dsn = fineprint::testing::NewTestDatabase();
//     ASSERT_TRUE(dsn.ok()) << dsn.status();
//     ...
//   }
//
// Give each test its own database (NewTestDatabase) so tests cannot see
// each other's rows. A start failure is remembered and returned to every
// caller instead of being retried.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tests/testing/postgres_server.h"

namespace fineprint::testing {

// The binary's shared server, starting it if needed. Thread-safe.
absl::StatusOr<PostgresServer*> SharedPostgres();

// A fresh database on the shared server; returns its libpq conninfo.
absl::StatusOr<std::string> NewTestDatabase(absl::string_view prefix = "t");

}  // namespace fineprint::testing

#endif  // FINEPRINT_TESTS_TESTING_SHARED_POSTGRES_H_
