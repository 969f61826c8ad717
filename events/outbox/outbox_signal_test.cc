#include "events/outbox/outbox_signal.h"

#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

TEST(OutboxSignalTest, WaitTimesOutWithoutNotify) {
  OutboxSignal signal;
  const uint64_t seen = signal.generation();
  const absl::Time start = absl::Now();
  EXPECT_EQ(signal.WaitForChange(seen, absl::Milliseconds(30)), seen);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(25));
}

TEST(OutboxSignalTest, NotifyBeforeWaitIsNotLost) {
  OutboxSignal signal;
  const uint64_t seen = signal.generation();
  signal.Notify();  // e.g. a commit while the relay was publishing
  const absl::Time start = absl::Now();
  EXPECT_EQ(signal.WaitForChange(seen, absl::Seconds(10)), seen + 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST(OutboxSignalTest, NotifyWakesAWaiterAtOnce) {
  OutboxSignal signal;
  const uint64_t seen = signal.generation();
  absl::Duration waited;
  std::thread waiter([&] {
    const absl::Time start = absl::Now();
    signal.WaitForChange(seen, absl::Seconds(10));
    waited = absl::Now() - start;
  });
  absl::SleepFor(absl::Milliseconds(50));
  signal.Notify();
  waiter.join();
  EXPECT_GE(waited, absl::Milliseconds(40));
  EXPECT_LT(waited, absl::Seconds(5));
}

}  // namespace
}  // namespace fineprint::events
