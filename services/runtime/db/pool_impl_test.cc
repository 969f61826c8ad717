#include "services/runtime/db/pool_impl.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace fineprint::db {
namespace {

// Health is shared with the test so it can break a session while pooled.
struct FakeState {
  std::atomic<bool> healthy{true};
  std::atomic<bool> in_transaction{false};
};

class FakeConnection final : public Connection {
 public:
  explicit FakeConnection(std::shared_ptr<FakeState> state)
      : state_(std::move(state)) {}
  absl::Status ExecuteScript(absl::string_view) override {
    return absl::OkStatus();
  }
  bool CheckHealthy() override { return state_->healthy; }
  bool IsReusable() override {
    return state_->healthy && !state_->in_transaction;
  }
  FakeState& state() { return *state_; }

 protected:
  absl::StatusOr<Result> DoExecute(absl::string_view,
                                   absl::Span<const Param>) override {
    return absl::UnimplementedError("fake");
  }

 private:
  std::shared_ptr<FakeState> state_;
};

class PoolImplTest : public ::testing::Test {
 protected:
  std::unique_ptr<BoundedPool> MakePool(int max, absl::Duration timeout) {
    PoolOptions options;
    options.max_connections = max;
    options.acquire_timeout = timeout;
    return std::make_unique<BoundedPool>(
        options,
        [this](absl::Time) -> absl::StatusOr<std::unique_ptr<Connection>> {
          if (fail_opens_) return absl::UnavailableError("db down");
          return std::unique_ptr<Connection>(
              std::make_unique<FakeConnection>(std::make_shared<FakeState>()));
        });
  }

  static FakeState& StateOf(PooledConnection& c) {
    return static_cast<FakeConnection*>(c.get())->state();
  }

  std::atomic<bool> fail_opens_{false};
};

TEST_F(PoolImplTest, OpensLazilyAndReuses) {
  auto pool = MakePool(2, absl::Seconds(1));
  EXPECT_EQ(pool->stats().open, 0);
  Connection* first;
  {
    absl::StatusOr<PooledConnection> c = pool->Acquire();
    ASSERT_TRUE(c.ok());
    first = c->get();
    EXPECT_EQ(pool->stats().open, 1);
    EXPECT_EQ(pool->stats().idle, 0);
  }
  EXPECT_EQ(pool->stats().idle, 1);
  absl::StatusOr<PooledConnection> again = pool->Acquire();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first);
  EXPECT_EQ(pool->stats().opened_total, 1);
}

TEST_F(PoolImplTest, ExhaustionCodes) {
  auto pool = MakePool(2, absl::Milliseconds(50));
  absl::StatusOr<PooledConnection> a = pool->Acquire();
  absl::StatusOr<PooledConnection> b = pool->Acquire();
  ASSERT_TRUE(a.ok() && b.ok());

  // The caller's deadline is the tighter one.
  const absl::Time start = absl::Now();
  absl::StatusOr<PooledConnection> c =
      pool->Acquire(absl::Now() + absl::Milliseconds(20));
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));

  // The pool's acquire_timeout is.
  c = pool->Acquire();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(pool->stats().open, 2);
}

TEST_F(PoolImplTest, WaiterGetsReleasedConnection) {
  auto pool = MakePool(1, absl::Seconds(5));
  absl::StatusOr<PooledConnection> held = pool->Acquire();
  ASSERT_TRUE(held.ok());
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(30));
    held->Release();
  });
  absl::StatusOr<PooledConnection> waited = pool->Acquire();
  releaser.join();
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(pool->stats().opened_total, 1);
}

TEST_F(PoolImplTest, BrokenIdleConnectionIsReplaced) {
  auto pool = MakePool(1, absl::Seconds(1));
  FakeState* state;
  {
    absl::StatusOr<PooledConnection> c = pool->Acquire();
    ASSERT_TRUE(c.ok());
    state = &StateOf(*c);  // owned by the connection, which stays pooled
  }
  state->healthy = false;  // killed while idle
  absl::StatusOr<PooledConnection> replaced = pool->Acquire();
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->get()->CheckHealthy());
  EXPECT_EQ(pool->stats().opened_total, 2);
  EXPECT_EQ(pool->stats().discarded_total, 1);
  EXPECT_EQ(pool->stats().open, 1);
}

TEST_F(PoolImplTest, DirtyConnectionIsDiscardedOnReturn) {
  auto pool = MakePool(1, absl::Seconds(1));
  {
    absl::StatusOr<PooledConnection> c = pool->Acquire();
    ASSERT_TRUE(c.ok());
    StateOf(*c).in_transaction = true;  // left a transaction open
  }
  PoolStats stats = pool->stats();
  EXPECT_EQ(stats.open, 0);
  EXPECT_EQ(stats.idle, 0);
  EXPECT_EQ(stats.discarded_total, 1);
}

TEST_F(PoolImplTest, FailedOpenFreesTheSlot) {
  auto pool = MakePool(1, absl::Seconds(1));
  fail_opens_ = true;
  EXPECT_EQ(pool->Acquire().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(pool->stats().open, 0);
  fail_opens_ = false;
  EXPECT_TRUE(pool->Acquire().ok());
}

TEST_F(PoolImplTest, MovedHandleReturnsOnce) {
  auto pool = MakePool(1, absl::Seconds(1));
  absl::StatusOr<PooledConnection> c = pool->Acquire();
  ASSERT_TRUE(c.ok());
  PooledConnection moved = *std::move(c);
  PooledConnection assigned = std::move(moved);
  EXPECT_EQ(pool->stats().idle, 0);
  assigned.Release();
  EXPECT_EQ(pool->stats().idle, 1);
  EXPECT_EQ(pool->stats().open, 1);
}

}  // namespace
}  // namespace fineprint::db
