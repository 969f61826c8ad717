// Fault tests of the event bus on a real broker and a real PostgreSQL.
// Each prints its counts; nothing may be lost, invented or reordered
// (duplicates are allowed: the bus is at-least-once, consumers dedupe).

#include <cstdio>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/faults/event_bus_harness.h"

namespace fineprint::faults {
namespace {

void ExpectClean(const char* name, const Counts& c) {
  std::printf("[%s] %s\n", name, c.ToString().c_str());
  std::fflush(stdout);
  EXPECT_GT(c.committed, 500) << "the writer did not get going";
  EXPECT_GT(c.rolled_back, 0) << "no rolled-back events were exercised";
  EXPECT_EQ(c.lost, 0);
  EXPECT_EQ(c.invented, 0);
  EXPECT_EQ(c.order_violations, 0);
  EXPECT_EQ(c.published, c.committed);
}

TEST(EventBusFaultsTest, RelayKilledMidBatchAgainAndAgain) {
  auto h = EventBusHarness::Create();
  ASSERT_TRUE(h.ok()) << h.status();
  (*h)->StartWriter(800);
  auto relay = (*h)->StartRelay();
  ASSERT_TRUE(relay.ok());
  int index = *relay;
  for (int round = 0; round < 8; ++round) {
    absl::SleepFor(absl::Milliseconds(700));
    (*h)->KillRelay(index);  // kill -9, wherever it is
    auto next = (*h)->StartRelay();
    ASSERT_TRUE(next.ok());
    index = *next;
  }
  auto counts = (*h)->Reconcile(absl::Seconds(60));
  ASSERT_TRUE(counts.ok()) << counts.status();
  ExpectClean("relay kill -9 x8", *counts);
}

TEST(EventBusFaultsTest, BrokerStoppedAndStartedAgain) {
  auto h = EventBusHarness::Create();
  ASSERT_TRUE(h.ok()) << h.status();
  (*h)->StartWriter(800);
  ASSERT_TRUE((*h)->StartRelay().ok());
  absl::SleepFor(absl::Seconds(2));
  ASSERT_TRUE((*h)->broker().Stop().ok());
  absl::SleepFor(absl::Seconds(3));  // events pile up in the outbox
  auto started = (*h)->broker().Start();
  ASSERT_TRUE(started.ok()) << started.status();
  absl::SleepFor(absl::Seconds(2));
  auto counts = (*h)->Reconcile(absl::Seconds(90));
  ASSERT_TRUE(counts.ok()) << counts.status();
  ExpectClean("broker stop/start", *counts);
}

TEST(EventBusFaultsTest, PostgresRestarted) {
  auto h = EventBusHarness::Create();
  ASSERT_TRUE(h.ok()) << h.status();
  (*h)->StartWriter(800);
  ASSERT_TRUE((*h)->StartRelay().ok());
  absl::SleepFor(absl::Seconds(2));
  ASSERT_TRUE((*h)->postgres().Restart(testing::ShutdownMode::kImmediate).ok());
  absl::SleepFor(absl::Seconds(3));
  auto counts = (*h)->Reconcile(absl::Seconds(60));
  ASSERT_TRUE(counts.ok()) << counts.status();
  ExpectClean("postgres restart (immediate)", *counts);
}

TEST(EventBusFaultsTest, TwoRelaysAndOneDies) {
  auto h = EventBusHarness::Create();
  ASSERT_TRUE(h.ok()) << h.status();
  (*h)->StartWriter(800);
  auto a = (*h)->StartRelay();
  auto b = (*h)->StartRelay();
  ASSERT_TRUE(a.ok() && b.ok());
  absl::SleepFor(absl::Seconds(2));
  (*h)->KillRelay(*a);  // the leader or the standby: either way one survives
  absl::SleepFor(absl::Seconds(3));
  const int64_t before = (*h)->committed_so_far();
  auto counts = (*h)->Reconcile(absl::Seconds(60));
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_TRUE((*h)->RelayAlive(*b));
  EXPECT_GE(counts->committed, before);
  ExpectClean("two relays, one killed", *counts);
}

}  // namespace
}  // namespace fineprint::faults
