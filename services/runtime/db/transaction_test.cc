// RunInTransaction against a real server.

#include "services/runtime/db/transaction.h"

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/runtime/db/pg_connection.h"
#include "services/runtime/db/sqlstate.h"
#include "services/runtime/db/test_util.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::db {
namespace {

using ::fineprint::db::testing::NewTestPool;
using ::fineprint::db::testing::QueryValue;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PoolOptions options;
    options.max_connections = 4;
    absl::StatusOr<std::unique_ptr<Pool>> pool = NewTestPool(options);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = *std::move(pool);
    ASSERT_TRUE(
        QueryValue(*pool_, "CREATE TABLE kv (k text PRIMARY KEY, v bigint)")
            .ok());
    ASSERT_TRUE(
        QueryValue(*pool_, "INSERT INTO kv VALUES ('a', 0), ('b', 0)").ok());
  }

  std::string Value(const std::string& key) {
    absl::StatusOr<PooledConnection> c = pool_->Acquire();
    EXPECT_TRUE(c.ok());
    absl::StatusOr<Result> r =
        (*c)->Execute("SELECT v FROM kv WHERE k = $1", {key});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() && !r->empty() ? std::string((*r)[0].Value(0)) : "<none>";
  }

  std::unique_ptr<Pool> pool_;
};

TEST_F(TransactionTest, CommitsOnSuccess) {
  absl::Status s = RunInTransaction(*pool_, {}, [](Tx& tx) {
    return tx.Execute("UPDATE kv SET v = 7 WHERE k = 'a'").status();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Value("a"), "7");
}

TEST_F(TransactionTest, AfterCommitRunsOnceTheRowsAreVisible) {
  std::string seen_in_hook;
  absl::Status s = RunInTransaction(*pool_, {}, [&](Tx& tx) {
    tx.AfterCommit([&] { seen_in_hook = Value("a"); });
    return tx.Execute("UPDATE kv SET v = 3 WHERE k = 'a'").status();
  });
  ASSERT_TRUE(s.ok()) << s;
  // Read on another session from inside the hook: committed already.
  EXPECT_EQ(seen_in_hook, "3");
}

TEST_F(TransactionTest, AfterCommitIsDroppedOnRollbackAndRetry) {
  int hooks = 0;
  absl::Status failed = RunInTransaction(*pool_, {}, [&](Tx& tx) {
    tx.AfterCommit([&] { ++hooks; });
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(hooks, 0);

  // A retried attempt runs only the hooks of the attempt that committed.
  TxOptions options;
  options.initial_backoff = absl::Milliseconds(1);
  absl::Status s = RunInTransaction(*pool_, options, [&](Tx& tx) {
    tx.AfterCommit([&] { ++hooks; });
    if (tx.attempt() == 1) {
      ServerError error;
      error.sqlstate = "40001";
      return StatusFromServerError(error);
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(hooks, 1);
}

TEST_F(TransactionTest, RollsBackAndReturnsFnError) {
  int runs = 0;
  absl::Status s = RunInTransaction(*pool_, {}, [&](Tx& tx) -> absl::Status {
    ++runs;
    absl::Status updated =
        tx.Execute("UPDATE kv SET v = 99 WHERE k = 'a'").status();
    if (!updated.ok()) return updated;
    return absl::FailedPreconditionError("business rule says no");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "business rule says no");
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Value("a"), "0");
  // The session went back clean.
  EXPECT_EQ(pool_->stats().discarded_total, 0);
}

TEST_F(TransactionTest, SwallowedErrorStillFailsTheTransaction) {
  absl::Status s = RunInTransaction(*pool_, {}, [](Tx& tx) {
    tx.Execute("UPDATE kv SET v = 5 WHERE k = 'a'").IgnoreError();
    tx.Execute("INSERT INTO kv VALUES ('a', 1)").IgnoreError();  // duplicate
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(Value("a"), "0");
}

TEST_F(TransactionTest, OptionsReachTheServer) {
  TxOptions options;
  options.isolation = IsolationLevel::kSerializable;
  options.read_only = true;
  options.statement_timeout = absl::Milliseconds(1500);
  absl::Status s = RunInTransaction(*pool_, options, [](Tx& tx) {
    absl::StatusOr<Result> r = tx.Execute(
        "SELECT current_setting('transaction_isolation'),"
        " current_setting('transaction_read_only'),"
        " current_setting('statement_timeout')");
    if (!r.ok()) return r.status();
    EXPECT_EQ((*r)[0].Value(0), "serializable");
    EXPECT_EQ((*r)[0].Value(1), "on");
    EXPECT_EQ((*r)[0].Value(2), "1500ms");
    return tx.Execute("UPDATE kv SET v = 1").status();  // read-only
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(SqlStateOf(s), "25006");

  // Outside the transaction the session default is back.
  EXPECT_EQ(*QueryValue(*pool_, "SHOW statement_timeout"), "30s");
}

TEST_F(TransactionTest, SerializationFailureIsRetried) {
  // Two serializable transactions read the same row, then both write it:
  // the second writer must fail with 40001 and be run again.
  std::latch both_read(2);
  std::atomic<int> max_attempt{0};
  std::atomic<int> runs{0};
  auto increment = [&](Tx& tx) -> absl::Status {
    ++runs;
    int expected = max_attempt.load();
    while (tx.attempt() > expected &&
           !max_attempt.compare_exchange_weak(expected, tx.attempt())) {
    }
    absl::StatusOr<Result> read = tx.Execute("SELECT v FROM kv WHERE k = 'a'");
    if (!read.ok()) return read.status();
    absl::StatusOr<int64_t> v = (*read)[0].GetInt64(0);
    if (!v.ok()) return v.status();
    // Only the first attempts meet; retries run alone.
    if (tx.attempt() == 1) both_read.arrive_and_wait();
    return tx.Execute("UPDATE kv SET v = $1 WHERE k = 'a'", {*v + 1}).status();
  };
  TxOptions options;
  options.isolation = IsolationLevel::kSerializable;
  absl::Status s1, s2;
  std::thread t1([&] { s1 = RunInTransaction(*pool_, options, increment); });
  std::thread t2([&] { s2 = RunInTransaction(*pool_, options, increment); });
  t1.join();
  t2.join();
  EXPECT_TRUE(s1.ok()) << s1;
  EXPECT_TRUE(s2.ok()) << s2;
  EXPECT_GE(max_attempt.load(), 2) << "no retry happened";
  EXPECT_GE(runs.load(), 3);
  // No lost update.
  EXPECT_EQ(Value("a"), "2");
}

TEST_F(TransactionTest, DeadlockIsRetried) {
  std::latch both_locked(2);
  std::atomic<int> retries{0};
  auto lock_both = [&](const char* first, const char* second) {
    return [&, first, second](Tx& tx) -> absl::Status {
      if (tx.attempt() > 1) ++retries;
      absl::Status s =
          tx.Execute("UPDATE kv SET v = v + 1 WHERE k = $1", {first}).status();
      if (!s.ok()) return s;
      if (tx.attempt() == 1) both_locked.arrive_and_wait();
      return tx.Execute("UPDATE kv SET v = v + 1 WHERE k = $1", {second})
          .status();
    };
  };
  absl::Status s1, s2;
  std::thread t1(
      [&] { s1 = RunInTransaction(*pool_, {}, lock_both("a", "b")); });
  std::thread t2(
      [&] { s2 = RunInTransaction(*pool_, {}, lock_both("b", "a")); });
  t1.join();
  t2.join();
  EXPECT_TRUE(s1.ok()) << s1;
  EXPECT_TRUE(s2.ok()) << s2;
  EXPECT_EQ(retries.load(), 1);
  EXPECT_EQ(Value("a"), "2");
  EXPECT_EQ(Value("b"), "2");
}

TEST_F(TransactionTest, GivesUpAfterMaxAttempts) {
  int runs = 0;
  TxOptions options;
  options.max_attempts = 3;
  options.initial_backoff = absl::Milliseconds(1);
  absl::Status s = RunInTransaction(*pool_, options, [&](Tx&) {
    ++runs;
    ServerError error;
    error.sqlstate = "40001";
    return StatusFromServerError(error);
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(runs, 3);
}

TEST_F(TransactionTest, DeadlineBoundsStatements) {
  TxOptions options;
  options.deadline = absl::Now() + absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  absl::Status s = RunInTransaction(*pool_, options, [](Tx& tx) {
    return tx.Execute("SELECT pg_sleep(5)").status();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));

  // Past the deadline nothing starts, and statements are refused.
  options.deadline = absl::Now() - absl::Seconds(1);
  int runs = 0;
  s = RunInTransaction(*pool_, options, [&](Tx&) {
    ++runs;
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(runs, 0);

  options.deadline = absl::Now() + absl::Milliseconds(100);
  s = RunInTransaction(*pool_, options, [&](Tx& tx) {
    absl::SleepFor(absl::Milliseconds(150));
    return tx.Execute("SELECT 1").status();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(TransactionTest, BrokenConnectionIsUnavailableAndNotRetried) {
  absl::StatusOr<::fineprint::testing::PostgresServer*> server =
      ::fineprint::testing::SharedPostgres();
  ASSERT_TRUE(server.ok());
  PoolOptions killer_options;
  killer_options.dsn = (*server)->dsn();
  absl::StatusOr<std::unique_ptr<PgConnection>> killer =
      PgConnection::Connect(killer_options, absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(killer.ok()) << killer.status();

  int runs = 0;
  absl::Status s = RunInTransaction(*pool_, {}, [&](Tx& tx) -> absl::Status {
    ++runs;
    absl::Status updated =
        tx.Execute("UPDATE kv SET v = 42 WHERE k = 'a'").status();
    if (!updated.ok()) return updated;
    absl::StatusOr<Result> pid = tx.Execute("SELECT pg_backend_pid()");
    if (!pid.ok()) return pid.status();
    absl::StatusOr<Result> killed =
        (*killer)->Execute("SELECT pg_terminate_backend($1::int, 5000)",
                           {std::string((*pid)[0].Value(0))});
    if (!killed.ok()) return killed.status();
    return tx.Execute("SELECT 1").status();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Value("a"), "0");
}

TEST_F(TransactionTest, RunsOnAHeldConnection) {
  absl::StatusOr<PooledConnection> c = pool_->Acquire();
  ASSERT_TRUE(c.ok());
  absl::Status s = RunInTransaction(**c, {}, [](Tx& tx) {
    return tx.ExecuteScript("UPDATE kv SET v = 3; UPDATE kv SET v = v * 2");
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE((*c)->IsReusable());
  c->Release();
  EXPECT_EQ(Value("b"), "6");
}

}  // namespace
}  // namespace fineprint::db
