// The per-domain delay across replicas: two gates (two replicas' fetchers)
// sharing PostgreSQL's slots start one domain's requests at least the
// delay apart; two gates without it do not.

#include "services/monitoring/domain_slots.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/monitoring/tests/monitoring_fixture.h"

namespace fineprint::monitoring::testing {
namespace {

constexpr absl::Duration kDelay = absl::Milliseconds(300);

class DomainSlotsTest : public MonitoringTest {
 protected:
  static void SetUpTestSuite() { StartApps(); }

  // Four requests per gate, all to hosts of `domain`, from concurrent
  // threads; the sorted start times.
  static std::vector<absl::Time> Starts(HostGate& a, HostGate& b,
                                        const std::string& domain) {
    absl::Mutex mu;
    std::vector<absl::Time> starts;
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
      HostGate& gate = i % 2 == 0 ? a : b;
      threads.emplace_back([&, i] {
        HostGate::Pass pass =
            gate.Enter(absl::StrCat("h", i, ".", domain));  // distinct hosts
        absl::MutexLock lock(&mu);
        starts.push_back(absl::Now());
      });
    }
    for (std::thread& t : threads) t.join();
    std::sort(starts.begin(), starts.end());
    return starts;
  }

  static absl::Duration SmallestGap(const std::vector<absl::Time>& starts) {
    absl::Duration gap = absl::InfiniteDuration();
    for (size_t i = 1; i < starts.size(); ++i) {
      gap = std::min(gap, starts[i] - starts[i - 1]);
    }
    return gap;
  }
};

TEST_F(DomainSlotsTest, ReplicasShareTheDomainDelay) {
  PgDomainSlots slots(&pool());
  HostGate replica_a(kDelay, &slots), replica_b(kDelay, &slots);
  const std::vector<absl::Time> starts =
      Starts(replica_a, replica_b, "shared.example");
  ASSERT_EQ(starts.size(), 8u);
  // A start is stamped after its thread wakes, so on a busy machine two
  // stamps can come closer than their slots (a run measured 106 ms of
  // 150). Half the delay still tells shared slots from unshared ones,
  // whose first starts coincide (the test below).
  EXPECT_GE(SmallestGap(starts), kDelay / 2);
  EXPECT_EQ(Count("SELECT count(*) FROM fetch_domain_slots WHERE domain = $1",
                  {std::string("shared.example")}),
            1);
}

TEST_F(DomainSlotsTest, WithoutSharedSlotsEachReplicaKeepsItsOwn) {
  HostGate replica_a(kDelay), replica_b(kDelay);
  const std::vector<absl::Time> starts =
      Starts(replica_a, replica_b, "local.example");
  // Each gate spaces its own four; the two gates' first starts coincide.
  EXPECT_LT(SmallestGap(starts), kDelay / 2);
}

}  // namespace
}  // namespace fineprint::monitoring::testing
