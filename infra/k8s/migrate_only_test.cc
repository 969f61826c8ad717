// The migration Job's contract (generated/migrate-job.yaml): a service
// binary run with --migrate_only migrates its schema on a real PostgreSQL
// and exits 0 without serving.
//
// argv[1]: the monitoring_server binary.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/test_util.h"
#include "tests/testing/postgres_server.h"

extern char** environ;

namespace fineprint {
namespace {

std::string g_binary;

// Runs `args` and returns its exit status, or -1 if it was still running
// after `timeout` (then it is killed).
int RunWithTimeout(std::vector<std::string> args, absl::Duration timeout) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    return -2;
  }
  const absl::Time end = absl::Now() + timeout;
  int status = 0;
  while (absl::Now() < end) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

TEST(MigrateOnlyTest, MigratesTheSchemaAndExitsWithoutServing) {
  auto pg = testing::PostgresServer::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  auto dsn = (*pg)->CreateDatabase("fineprint");
  ASSERT_TRUE(dsn.ok()) << dsn.status();

  const int rc = RunWithTimeout(
      {g_binary, "--migrate_only", absl::StrCat("--pg_dsn=", *dsn),
       "--listen_host=127.0.0.1", "--grpc_port=0", "--admin_port=0"},
      absl::Seconds(60));
  ASSERT_EQ(rc, 0) << "still serving (-1) or failed; postgres log:\n"
                   << (*pg)->LogTail();

  db::PoolOptions options;
  options.dsn = *dsn;
  auto pool = db::NewPgPool(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  // Monitoring's own tables and the kit's outbox, in its schema.
  EXPECT_EQ(*db::testing::QueryValue(
                **pool, "SELECT to_regclass('monitoring.outbox') IS NOT NULL"),
            "t");
  EXPECT_NE(
      *db::testing::QueryValue(**pool,
                               "SELECT count(*) FROM information_schema.tables"
                               " WHERE table_schema = 'monitoring'"),
      "0");

  // Again on a migrated schema: nothing to do, still exit 0.
  EXPECT_EQ(RunWithTimeout(
                {g_binary, "--migrate_only", absl::StrCat("--pg_dsn=", *dsn),
                 "--grpc_port=0", "--admin_port=0"},
                absl::Seconds(60)),
            0);
}

}  // namespace
}  // namespace fineprint

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    fprintf(stderr, "usage: %s MONITORING_SERVER\n", argv[0]);
    return 2;
  }
  fineprint::g_binary = argv[1];
  return RUN_ALL_TESTS();
}
