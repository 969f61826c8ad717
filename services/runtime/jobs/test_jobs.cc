#include "services/runtime/jobs/test_jobs.h"

#include "infra/migrations/outbox_migrations.h"
#include "services/runtime/db/service_database.h"
#include "services/runtime/jobs/test_job_migrations.h"
#include "services/runtime/status/status.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::jobs::testing {

absl::StatusOr<TestPayload> TestPayload::FromRow(const db::Row& row) {
  TestPayload payload;
  FP_ASSIGN_OR_RETURN(payload.value, row.GetString("payload"));
  return payload;
}

absl::StatusOr<std::unique_ptr<db::Pool>> OpenJobsDatabase(
    std::string dsn, int max_connections) {
  if (dsn.empty()) {
    FP_ASSIGN_OR_RETURN(dsn, ::fineprint::testing::NewTestDatabase("jobs"));
  }
  return db::OpenServiceDatabase(
      {dsn,
       kSchema,
       max_connections,
       {migrations::OutboxMigrations(), migrations::TestJobMigrations()}});
}

}  // namespace fineprint::jobs::testing
