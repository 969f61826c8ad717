// Migrate against a real server, with the migrations fp_sql_migrations
// embedded from testdata/.

#include "services/runtime/db/migrator.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/test_migrations.h"
#include "services/runtime/db/test_util.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::db {
namespace {

using ::fineprint::db::testing::NewTestPool;
using ::fineprint::db::testing::QueryValue;
using ::fineprint::migrations::TestMigrations;

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PoolOptions options;
    options.max_connections = 4;
    options.search_path = "widgets";
    absl::StatusOr<std::unique_ptr<Pool>> pool = NewTestPool(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
  }

  std::string Query(absl::string_view sql) {
    absl::StatusOr<std::string> value = QueryValue(*pool_, sql);
    EXPECT_TRUE(value.ok()) << sql << ": " << value.status();
    return value.ok() ? *value : "<error>";
  }

  std::unique_ptr<Pool> pool_;
};

TEST_F(MigratorTest, AppliesInOrderIntoTheSchemaAndIsIdempotent) {
  ASSERT_TRUE(Migrate(*pool_, "widgets", TestMigrations()).ok());
  // Unqualified names resolve through the pool's search_path.
  EXPECT_EQ(Query("SELECT widget_label(name) FROM widgets"),
            "widget \"seed\" )\"");
  EXPECT_EQ(Query("SELECT note FROM widgets"), "back\\slash");
  EXPECT_EQ(Query("SELECT string_agg(id, ',' ORDER BY applied_at, id)"
                  " FROM widgets.schema_migrations"),
            "widgets/0001_init.sql,widgets/0002_seed.sql,"
            "widgets/0010_counter.sql");
  EXPECT_EQ(Query("SELECT count(*) FROM pg_tables WHERE tablename = 'widgets'"
                  " AND schemaname = 'public'"),
            "0");

  ASSERT_TRUE(Migrate(*pool_, "widgets", TestMigrations()).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM migration_runs"), "1");
  EXPECT_EQ(Query("SELECT count(*) FROM widgets.schema_migrations"), "3");
}

TEST_F(MigratorTest, AppliesOnlyWhatIsMissing) {
  std::vector<Migration> first_two = TestMigrations();
  first_two.pop_back();
  ASSERT_TRUE(Migrate(*pool_, "widgets", first_two).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM widgets.schema_migrations"), "2");
  EXPECT_EQ(Query("SELECT to_regclass('widgets.migration_runs') IS NULL"), "t");
  ASSERT_TRUE(Migrate(*pool_, "widgets", TestMigrations()).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM migration_runs"), "1");
}

TEST_F(MigratorTest, DetectsEditedMigration) {
  ASSERT_TRUE(Migrate(*pool_, "widgets", TestMigrations()).ok());
  std::vector<Migration> edited = TestMigrations();
  edited[1].sql += "\n-- sneaky edit\n";
  edited.push_back({"widgets/0099_new.sql", "CREATE TABLE later (v int);"});
  absl::Status s = Migrate(*pool_, "widgets", edited);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("widgets/0002_seed.sql"), absl::string_view::npos)
      << s;
  // Nothing new was applied.
  EXPECT_EQ(Query("SELECT to_regclass('widgets.later') IS NULL"), "t");
}

TEST_F(MigratorTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  // One pool per migrator, as separate service replicas would have.
  absl::StatusOr<std::string> database =
      QueryValue(*pool_, "SELECT current_database()");
  ASSERT_TRUE(database.ok());
  absl::StatusOr<::fineprint::testing::PostgresServer*> server =
      ::fineprint::testing::SharedPostgres();
  ASSERT_TRUE(server.ok());
  constexpr int kMigrators = 4;
  std::vector<std::unique_ptr<Pool>> pools;
  for (int i = 0; i < kMigrators; ++i) {
    PoolOptions options;
    options.dsn = (*server)->DsnFor(*database);
    options.max_connections = 1;
    absl::StatusOr<std::unique_ptr<Pool>> pool = NewPgPool(options);
    ASSERT_TRUE(pool.ok());
    pools.push_back(*std::move(pool));
  }
  std::vector<absl::Status> results(kMigrators);
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] {
      results[i] = Migrate(*pools[i], "widgets", TestMigrations());
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(Query("SELECT count(*) FROM migration_runs"), "1");
  EXPECT_EQ(Query("SELECT count(*) FROM widgets.schema_migrations"), "3");
}

TEST_F(MigratorTest, FailedMigrationStopsAndIsNotRecorded) {
  std::vector<Migration> migrations = TestMigrations();
  migrations.push_back(
      {"widgets/0020_broken.sql", "CREATE TABLE ok_part (v int); SELEC oops;"});
  absl::Status s = Migrate(*pool_, "widgets", migrations);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.message().find("widgets/0020_broken.sql"),
            absl::string_view::npos)
      << s;
  EXPECT_EQ(Query("SELECT count(*) FROM widgets.schema_migrations"), "3");
  // The failed migration rolled back as a whole.
  EXPECT_EQ(Query("SELECT to_regclass('widgets.ok_part') IS NULL"), "t");

  migrations.back().sql = "CREATE TABLE ok_part (v int);";
  ASSERT_TRUE(Migrate(*pool_, "widgets", migrations).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM widgets.schema_migrations"), "4");
}

TEST_F(MigratorTest, SchemasAreIndependent) {
  ASSERT_TRUE(Migrate(*pool_, "widgets", TestMigrations()).ok());
  ASSERT_TRUE(Migrate(*pool_, "gadgets", TestMigrations()).ok());
  EXPECT_EQ(Query("SELECT count(*) FROM gadgets.migration_runs"), "1");
  EXPECT_EQ(Query("SELECT count(*) FROM gadgets.schema_migrations"), "3");
}

TEST_F(MigratorTest, RejectsBadInput) {
  EXPECT_EQ(Migrate(*pool_, "Widgets", {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Migrate(*pool_, "a\"; DROP SCHEMA public; --", {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Migrate(*pool_, "", {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Migrate(*pool_, "widgets", {{"a.sql", "SELECT 1"}, {"a.sql", "SELECT 2"}})
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Migrate(*pool_, "widgets", {{"", "SELECT 1"}}).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::db
