#ifndef FINEPRINT_SERVICES_ANALYSIS_TESTS_ANALYSIS_FIXTURE_H_
#define FINEPRINT_SERVICES_ANALYSIS_TESTS_ANALYSIS_FIXTURE_H_

// Runs the real identity service and the real analysis service in-process
// (port 0), each on a fresh PostgreSQL database, and talks to both over real
// gRPC with real tokens from identity.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fineprint/analysis/v1/analysis.grpc.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/analysis/analysis_app.h"
#include "services/identity/identity_app.h"
#include "tests/testing/identity_test_client.h"

namespace fineprint::analysis::testing {

namespace idv1 = ::fineprint::identity::v1;

using Account = ::fineprint::testing::IdentityAccount;

class AnalysisTest : public ::testing::Test {
 protected:
  // Starts both services; `customize` adjusts the analysis options. With
  // `kafka`, both run their outbox relays (and analysis its consumer).
  static void StartApps(std::function<void(AnalysisAppOptions&)> customize = {},
                        const std::string& kafka = "");
  // Both services with the default options; suites that need other options
  // declare their own.
  static void SetUpTestSuite() { StartApps(); }
  static void TearDownTestSuite();

  static v1::AnalysisService::Stub& stub() { return *stub_; }
  static AnalysisApp& app() { return *app_; }
  static db::Pool& pool() { return app_->pool(); }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                                  int seconds = 10);
  // A fresh organisation on `plan` with its OWNER.
  static Account SignUp(absl::string_view tag = "owner",
                        idv1::Plan plan = idv1::FREE);
  // Changes the org's plan and returns a new token carrying it.
  static void ChangePlan(Account& owner, idv1::Plan plan);
  static Account AddUser(const Account& owner, idv1::Role role);

  // A valid submission of `text` into `parent` (a terms of service).
  static v1::SubmitDocumentRequest SubmitRequest(const std::string& parent,
                                                 const std::string& text);
  static v1::SubmitDocumentResponse Submit(const Account& a,
                                           const std::string& text,
                                           bool low_priority = false);
  static grpc::Status TrySubmit(const Account& a,
                                const v1::SubmitDocumentRequest& req,
                                v1::SubmitDocumentResponse* resp);
  static v1::AnalysisJob GetJob(const Account& a, const std::string& name);
  // Polls until the job is in a terminal state (or `state`), up to `timeout`.
  static v1::AnalysisJob WaitForJob(
      const Account& a, const std::string& name,
      v1::JobState state = v1::JOB_STATE_UNSPECIFIED,
      absl::Duration timeout = absl::Seconds(20));

  static int64_t Count(absl::string_view sql,
                       std::vector<db::Param> params = {});
  static int64_t OutboxCount(absl::string_view event_type);
  static absl::Status Exec(absl::string_view sql,
                           std::vector<db::Param> params = {});

 private:
  static std::unique_ptr<identity::IdentityApp> identity_;
  static std::unique_ptr<idv1::IdentityService::Stub> identity_stub_;
  static std::unique_ptr<AnalysisApp> app_;
  static std::unique_ptr<v1::AnalysisService::Stub> stub_;
};

// A text the rule engine finds clauses in.
inline constexpr char kTermsText[] =
    "1. Disputes\n"
    "Any dispute shall be resolved by binding arbitration. You waive your "
    "right "
    "to participate in a class action.\n"
    "2. Changes\n"
    "We may change these terms at any time without notice.\n"
    "3. Billing\n"
    "Your subscription renews automatically. All payments are "
    "non-refundable.\n";

}  // namespace fineprint::analysis::testing

#endif  // FINEPRINT_SERVICES_ANALYSIS_TESTS_ANALYSIS_FIXTURE_H_
