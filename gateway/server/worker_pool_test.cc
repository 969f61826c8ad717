#include "gateway/server/worker_pool.h"

#include <atomic>

#include "gtest/gtest.h"

namespace fineprint::gateway::server {
namespace {

TEST(WorkerPoolTest, RunsEverythingBeforeJoining) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(3);
    for (int i = 0; i < 1000; ++i) pool.Schedule([&done] { ++done; });
  }
  EXPECT_EQ(done.load(), 1000);
}

TEST(WorkerPoolTest, TasksMayScheduleMore) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(2);
    pool.Schedule([&] {
      ++done;
      pool.Schedule([&done] { ++done; });
    });
  }
  EXPECT_EQ(done.load(), 2);
}

}  // namespace
}  // namespace fineprint::gateway::server
