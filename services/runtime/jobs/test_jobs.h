#ifndef FINEPRINT_SERVICES_RUNTIME_JOBS_TEST_JOBS_H_
#define FINEPRINT_SERVICES_RUNTIME_JOBS_TEST_JOBS_H_

// The reference jobs table (testdata/jobs) with a one-column payload, for
// the queue's tests and benchmark.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "services/runtime/db/param.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/jobs/job.h"

namespace fineprint::jobs::testing {

inline constexpr char kSchema[] = "jobs_test";

struct TestPayload {
  static constexpr char kColumns[] = "payload";
  std::string value;

  static absl::StatusOr<TestPayload> FromRow(const db::Row& row);
  std::vector<db::Param> ToParams() const { return {value}; }
};

// A pool in schema jobs_test of `dsn` (or of a fresh database on the
// binary's shared test server when empty), with the outbox and the
// reference jobs table migrated.
absl::StatusOr<std::unique_ptr<db::Pool>> OpenJobsDatabase(
    std::string dsn = "", int max_connections = 8);

// A fixture with a fresh OpenJobsDatabase() per test. Subclasses that
// override SetUp call this one first and stop on HasFatalFailure().
class JobsDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // The first column of the first row of `sql`, "" if none.
  std::string Value(absl::string_view sql, std::vector<db::Param> params = {});

  std::unique_ptr<db::Pool> pool_;
};

}  // namespace fineprint::jobs::testing

#endif  // FINEPRINT_SERVICES_RUNTIME_JOBS_TEST_JOBS_H_
