#ifndef FINEPRINT_SERVICES_RUNTIME_JOBS_TEST_JOBS_H_
#define FINEPRINT_SERVICES_RUNTIME_JOBS_TEST_JOBS_H_

// The reference jobs table (testdata/jobs) with a one-column payload, for
// the queue's tests and benchmark.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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

}  // namespace fineprint::jobs::testing

#endif  // FINEPRINT_SERVICES_RUNTIME_JOBS_TEST_JOBS_H_
