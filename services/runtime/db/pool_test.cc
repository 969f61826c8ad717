// The libpq pool against a real server: exhaustion, broken sessions,
// server restarts, concurrent use.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/runtime/db/pg_connection.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/test_util.h"
#include "services/runtime/db/transaction.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::db {
namespace {

using ::fineprint::db::testing::NewTestPool;
using ::fineprint::db::testing::QueryValue;

absl::StatusOr<std::string> BackendPid(Connection& connection) {
  absl::StatusOr<Result> pid = connection.Execute("SELECT pg_backend_pid()");
  if (!pid.ok()) return pid.status();
  return std::string((*pid)[0].Value(0));
}

// Terminates backend `pid` from a session of its own (any pooled one could
// be the victim) and waits until it is gone.
void Terminate(const std::string& pid) {
  absl::StatusOr<::fineprint::testing::PostgresServer*> server =
      ::fineprint::testing::SharedPostgres();
  ASSERT_TRUE(server.ok()) << server.status();
  PoolOptions options;
  options.dsn = (*server)->dsn();
  absl::StatusOr<std::unique_ptr<PgConnection>> killer =
      PgConnection::Connect(options, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(killer.ok()) << killer.status();
  absl::StatusOr<Result> killed =
      (*killer)->Execute("SELECT pg_terminate_backend($1::int)", {pid});
  ASSERT_TRUE(killed.ok()) << killed.status();
  ASSERT_EQ((*killed)[0].Value(0), "t");
  for (int i = 0; i < 500; ++i) {
    absl::StatusOr<Result> alive = (*killer)->Execute(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", {pid});
    ASSERT_TRUE(alive.ok()) << alive.status();
    if ((*alive)[0].Value(0) == "0") return;
    absl::SleepFor(absl::Milliseconds(10));
  }
  FAIL() << "backend " << pid << " survived pg_terminate_backend";
}

TEST(PgPoolTest, RejectsBadOptions) {
  PoolOptions options;
  options.dsn = "host=127.0.0.1";
  options.max_connections = 0;
  EXPECT_EQ(NewPgPool(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.max_connections = 1;
  options.dsn = "this is = not 'a dsn";
  EXPECT_EQ(NewPgPool(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PgPoolTest, ExhaustionWithDeadline) {
  PoolOptions options;
  options.max_connections = 2;
  options.acquire_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<Pool>> pool = NewTestPool(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::StatusOr<PooledConnection> a = (*pool)->Acquire();
  absl::StatusOr<PooledConnection> b = (*pool)->Acquire();
  ASSERT_TRUE(a.ok() && b.ok());

  const absl::Time start = absl::Now();
  absl::StatusOr<PooledConnection> c =
      (*pool)->Acquire(absl::Now() + absl::Milliseconds(100));
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(waited, absl::Milliseconds(100));
  EXPECT_LT(waited, absl::Milliseconds(1000));

  EXPECT_EQ((*pool)->Acquire().status().code(),
            absl::StatusCode::kResourceExhausted);

  // A transaction cannot start either, and says so in time.
  TxOptions tx_options;
  tx_options.deadline = absl::Now() + absl::Milliseconds(50);
  absl::Status tx = RunInTransaction(**pool, tx_options,
                                     [](Tx&) { return absl::OkStatus(); });
  EXPECT_EQ(tx.code(), absl::StatusCode::kDeadlineExceeded);

  b->Release();
  EXPECT_TRUE((*pool)->Acquire().ok());
}

TEST(PgPoolTest, BrokenIdleConnectionIsReplaced) {
  PoolOptions options;
  options.max_connections = 2;
  absl::StatusOr<std::unique_ptr<Pool>> pool = NewTestPool(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  std::string victim;
  {
    absl::StatusOr<PooledConnection> c = (*pool)->Acquire();
    ASSERT_TRUE(c.ok());
    absl::StatusOr<std::string> pid = BackendPid(**c);
    ASSERT_TRUE(pid.ok());
    victim = *pid;
    // Hold it so that Terminate uses a second session.
    {
      absl::StatusOr<PooledConnection> other = (*pool)->Acquire();
      ASSERT_TRUE(other.ok());
    }
  }
  // Both sessions are idle now; kill the victim while it sits in the pool.
  Terminate(victim);

  // Whichever session each Acquire gets, every one must work: the dead one
  // is detected (without a failed query) and replaced.
  std::vector<PooledConnection> held;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<PooledConnection> c = (*pool)->Acquire();
    ASSERT_TRUE(c.ok()) << c.status();
    absl::StatusOr<std::string> pid = BackendPid(**c);
    ASSERT_TRUE(pid.ok()) << pid.status();
    EXPECT_NE(*pid, victim);
    held.push_back(*std::move(c));
  }
  EXPECT_EQ((*pool)->stats().discarded_total, 1);
  EXPECT_EQ((*pool)->stats().open, 2);
}

TEST(PgPoolTest, ConnectionKilledInUseIsDiscarded) {
  absl::StatusOr<std::unique_ptr<Pool>> pool = NewTestPool();
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::StatusOr<PooledConnection> c = (*pool)->Acquire();
  ASSERT_TRUE(c.ok());
  absl::StatusOr<std::string> pid = BackendPid(**c);
  ASSERT_TRUE(pid.ok());
  Terminate(*pid);
  absl::Status lost = (*c)->Execute("SELECT 1").status();
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  c->Release();
  EXPECT_EQ((*pool)->stats().discarded_total, 1);
  absl::StatusOr<std::string> one = QueryValue(**pool, "SELECT 1");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(*one, "1");
}

TEST(PgPoolTest, SurvivesServerRestart) {
  // A private server: restarting the shared one would disturb other tests.
  absl::StatusOr<std::unique_ptr<::fineprint::testing::PostgresServer>> server =
      ::fineprint::testing::PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  PoolOptions options;
  options.dsn = (*server)->dsn();
  options.max_connections = 3;
  absl::StatusOr<std::unique_ptr<Pool>> pool = NewPgPool(options);
  ASSERT_TRUE(pool.ok());
  {
    // Warm up three sessions.
    std::vector<PooledConnection> warm;
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<PooledConnection> c = (*pool)->Acquire();
      ASSERT_TRUE(c.ok());
      warm.push_back(*std::move(c));
    }
  }
  ASSERT_TRUE((*server)->Restart().ok());

  // Every pooled session is dead now; transactions still succeed.
  for (int i = 0; i < 5; ++i) {
    absl::Status s = RunInTransaction(
        **pool, {}, [](Tx& tx) { return tx.Execute("SELECT 1").status(); });
    EXPECT_TRUE(s.ok()) << s;
  }
  EXPECT_GE((*pool)->stats().discarded_total, 1);
}

TEST(PgPoolTest, ConcurrentTransactions) {
  PoolOptions options;
  options.max_connections = 3;
  absl::StatusOr<std::unique_ptr<Pool>> pool = NewTestPool(options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  ASSERT_TRUE(QueryValue(**pool, "CREATE TABLE hits (worker int, n int)").ok());

  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int n = 0; n < kPerThread; ++n) {
        absl::Status s = RunInTransaction(**pool, {}, [&](Tx& tx) {
          return tx.Execute("INSERT INTO hits VALUES ($1, $2)", {w, n})
              .status();
        });
        if (!s.ok()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(*QueryValue(**pool, "SELECT count(*) FROM hits"),
            absl::StrCat(kThreads * kPerThread));
  EXPECT_LE((*pool)->stats().opened_total, 3);
}

}  // namespace
}  // namespace fineprint::db
