#include "services/action/lifecycle.h"

#include <set>

#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "services/runtime/status/status.h"

namespace fineprint::action {
namespace {

constexpr DeadlineRule kGdpr{DeadlineKind::kGdpr, 0};
constexpr DeadlineRule kNone{};

const std::vector<v1::ActionStatus> kAll = {
    v1::DRAFT,     v1::SENT,   v1::ACKNOWLEDGED, v1::EXTENDED,
    v1::FULFILLED, v1::DENIED, v1::WITHDRAWN};

TEST(LifecycleTest, EveryTransitionAllowedOrRefused) {
  using S = v1::ActionStatus;
  const std::set<std::pair<S, S>> allowed = {
      {v1::DRAFT, v1::SENT},
      {v1::DRAFT, v1::WITHDRAWN},
      {v1::SENT, v1::ACKNOWLEDGED},
      {v1::SENT, v1::EXTENDED},
      {v1::SENT, v1::FULFILLED},
      {v1::SENT, v1::DENIED},
      {v1::SENT, v1::WITHDRAWN},
      {v1::ACKNOWLEDGED, v1::EXTENDED},
      {v1::ACKNOWLEDGED, v1::FULFILLED},
      {v1::ACKNOWLEDGED, v1::DENIED},
      {v1::ACKNOWLEDGED, v1::WITHDRAWN},
      {v1::EXTENDED, v1::FULFILLED},
      {v1::EXTENDED, v1::DENIED},
      {v1::EXTENDED, v1::WITHDRAWN},
  };
  int checked = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      if (from == to) continue;
      const absl::Status s = CheckTransition(from, to, kGdpr);
      const bool expect = allowed.contains({from, to});
      EXPECT_EQ(s.ok(), expect)
          << v1::ActionStatus_Name(from) << " -> " << v1::ActionStatus_Name(to);
      if (!expect) {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_EQ(status::Reason(s), "INVALID_TRANSITION");
        google::rpc::PreconditionFailure failure;
        ASSERT_TRUE(status::GetDetail(s, &failure));
        std::set<std::string> listed;
        for (const auto& v : failure.violations()) {
          if (v.type() == "ALLOWED_TRANSITION") listed.insert(v.subject());
        }
        std::set<std::string> want;
        for (const auto& [a, b] : allowed) {
          if (a == from) {
            want.insert(v1::ActionStatus_Name(a) + " -> " +
                        v1::ActionStatus_Name(b));
          }
        }
        EXPECT_EQ(listed, want) << v1::ActionStatus_Name(from);
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 42);
}

TEST(LifecycleTest, NoExtensionWithoutAnExtendableDeadline) {
  EXPECT_FALSE(CheckTransition(v1::SENT, v1::EXTENDED, kNone).ok());
  EXPECT_FALSE(CheckTransition(v1::ACKNOWLEDGED, v1::EXTENDED,
                               DeadlineRule{DeadlineKind::kDays, 14})
                   .ok());
  EXPECT_TRUE(CheckTransition(v1::SENT, v1::ACKNOWLEDGED, kNone).ok());
  EXPECT_EQ(AllowedTransitions(v1::SENT, kNone),
            (std::vector<v1::ActionStatus>{v1::ACKNOWLEDGED, v1::FULFILLED,
                                           v1::DENIED, v1::WITHDRAWN}));
}

TEST(LifecycleTest, FinalStatusesAllowNothing) {
  for (v1::ActionStatus s : {v1::FULFILLED, v1::DENIED, v1::WITHDRAWN}) {
    EXPECT_TRUE(IsFinal(s));
    EXPECT_TRUE(AllowedTransitions(s, kGdpr).empty());
    google::rpc::PreconditionFailure failure;
    const absl::Status st = CheckTransition(s, v1::SENT, kGdpr);
    ASSERT_TRUE(status::GetDetail(st, &failure));
    ASSERT_EQ(failure.violations_size(), 1);
    EXPECT_EQ(failure.violations(0).type(), "FINAL_STATUS");
  }
}

TEST(LifecycleTest, OverdueIsDerived) {
  const absl::Time due = absl::FromUnixSeconds(1000);
  for (v1::ActionStatus s : kAll) {
    EXPECT_EQ(IsOverdue(s, due, due + absl::Seconds(1)), IsOpen(s))
        << v1::ActionStatus_Name(s);
    EXPECT_FALSE(IsOverdue(s, due, due - absl::Seconds(1)));
    EXPECT_FALSE(IsOverdue(s, std::nullopt, due));
  }
}

}  // namespace
}  // namespace fineprint::action
