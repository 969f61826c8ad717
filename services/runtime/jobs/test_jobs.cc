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

void JobsDatabaseTest::SetUp() {
  absl::StatusOr<std::unique_ptr<db::Pool>> pool = OpenJobsDatabase();
  ASSERT_TRUE(pool.ok()) << pool.status();
  pool_ = *std::move(pool);
}

std::string JobsDatabaseTest::Value(absl::string_view sql,
                                    std::vector<db::Param> params) {
  absl::StatusOr<db::PooledConnection> conn = pool_->Acquire();
  EXPECT_TRUE(conn.ok());
  absl::StatusOr<db::Result> r = (*conn)->Execute(sql, params);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() && !r->empty() ? std::string((*r)[0].Value(0)) : "";
}

}  // namespace fineprint::jobs::testing
