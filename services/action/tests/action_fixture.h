#ifndef FINEPRINT_SERVICES_ACTION_TESTS_ACTION_FIXTURE_H_
#define FINEPRINT_SERVICES_ACTION_TESTS_ACTION_FIXTURE_H_

// Runs the real identity service and the real action service in-process
// (port 0), each on a fresh PostgreSQL database, the action service on a
// clock the test moves.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "fineprint/action/v1/action.grpc.pb.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/action/action_app.h"
#include "services/identity/identity_app.h"
#include "tests/testing/identity_test_client.h"

namespace fineprint::action::testing {

namespace idv1 = ::fineprint::identity::v1;
using Account = ::fineprint::testing::IdentityAccount;

class FakeClock {
 public:
  absl::Time Now() {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::Now();
};

class ActionTest : public ::testing::Test {
 protected:
  static void StartApps(std::function<void(ActionAppOptions&)> customize = {},
                        const std::string& kafka = "");
  static void TearDownTestSuite();

  static v1::ActionService::Stub& stub() { return *stub_; }
  static ActionApp& app() { return *app_; }
  static db::Pool& pool() { return app_->pool(); }
  static FakeClock& clock() { return *clock_; }
  static std::string IdentityTarget() { return identity_->grpc_target(); }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                                  int seconds = 10);
  static Account SignUp();

  // Every field the templates require, filled.
  static std::map<std::string, std::string> Variables();
  static grpc::Status TryCreate(const Account& a,
                                const v1::CreateActionRequest& req,
                                v1::Action* out);
  static v1::Action Create(const Account& a, const std::string& template_name,
                           const std::string& time_zone = "");
  static grpc::Status Move(const Account& a, const std::string& name,
                           v1::ActionStatus status, v1::Action* out,
                           const std::string& etag = "",
                           std::optional<absl::Time> occur = std::nullopt);

  static analysis::events::v1::AnalysisCompleted Completed(
      const Account& a, const std::string& doc_id, const std::string& job_id);

  static int64_t Count(absl::string_view sql,
                       std::vector<db::Param> params = {});

 private:
  static std::unique_ptr<identity::IdentityApp> identity_;
  static std::unique_ptr<idv1::IdentityService::Stub> identity_stub_;
  static std::unique_ptr<ActionApp> app_;
  static std::unique_ptr<v1::ActionService::Stub> stub_;
  static FakeClock* clock_;
};

}  // namespace fineprint::action::testing

#endif  // FINEPRINT_SERVICES_ACTION_TESTS_ACTION_FIXTURE_H_
