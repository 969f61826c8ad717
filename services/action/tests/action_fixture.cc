#include "services/action/tests/action_fixture.h"

#include "absl/strings/str_cat.h"
#include "services/runtime/db/transaction.h"
#include "tests/testing/kit_options.h"
#include "tests/testing/service_test_util.h"

namespace fineprint::action::testing {

std::unique_ptr<identity::IdentityApp> ActionTest::identity_;
std::unique_ptr<idv1::IdentityService::Stub> ActionTest::identity_stub_;
std::unique_ptr<ActionApp> ActionTest::app_;
std::unique_ptr<v1::ActionService::Stub> ActionTest::stub_;
FakeClock* ActionTest::clock_ = nullptr;

void ActionTest::StartApps(std::function<void(ActionAppOptions&)> customize,
                           const std::string& kafka) {
  auto identity = fineprint::testing::StartTestIdentity();
  ASSERT_TRUE(identity.ok()) << identity.status();
  identity_ = *std::move(identity);
  identity_stub_ = fineprint::testing::ConnectInsecure<idv1::IdentityService>(
      identity_->grpc_target());

  clock_ = new FakeClock();
  auto kit = fineprint::testing::LocalKitOptions("action", kafka,
                                                 identity_->grpc_target(), 8);
  ASSERT_TRUE(kit.ok()) << kit.status();
  ActionAppOptions options;
  static_cast<service::KitOptions&>(options) = *kit;
  options.config.clock = [c = clock_] { return c->Now(); };
  options.reminder_poll = absl::Milliseconds(50);
  options.workers.idle_poll = absl::Milliseconds(20);
  if (customize) customize(options);
  auto app = ActionApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = *std::move(app);
  stub_ = fineprint::testing::ConnectInsecure<v1::ActionService>(
      app_->grpc_target());
}

void ActionTest::TearDownTestSuite() {
  stub_.reset();
  app_.reset();
  identity_stub_.reset();
  identity_.reset();
  delete clock_;
  clock_ = nullptr;
}

std::unique_ptr<grpc::ClientContext> ActionTest::Ctx(const std::string& token,
                                                     int seconds) {
  return fineprint::testing::ClientContext(token, absl::Seconds(seconds));
}

Account ActionTest::SignUp() {
  return fineprint::testing::SignUpOwner(*identity_stub_, "owner");
}

std::map<std::string, std::string> ActionTest::Variables() {
  return {
      {"user_name", "Zoë Łukasiewicz-Müller"},
      {"user_address", "Hauptstraße 5, 10115 Berlin"},
      {"user_email", "zoe@example.com"},
      {"company_name", "Acme Ltd."},
      {"company_address", "1 Main Street, Springfield"},
      {"account_reference", "C-12345"},
      {"incorrect_data", "date of birth"},
      {"corrected_data", "1991-01-01"},
      {"acceptance_date", "2024-02-15"},
      {"opt_out_window_days", "30"},
      {"original_request_date", "2024-01-31"},
      {"original_request_title", "Request for erasure"},
      {"authority_name", "BlnBDI"},
      {"authority_address", "Alt-Moabit 59-61, 10555 Berlin"},
  };
}

grpc::Status ActionTest::TryCreate(const Account& a,
                                   const v1::CreateActionRequest& req,
                                   v1::Action* out) {
  return stub_->CreateAction(Ctx(a.token).get(), req, out);
}

v1::Action ActionTest::Create(const Account& a,
                              const std::string& template_name,
                              const std::string& time_zone) {
  v1::CreateActionRequest req;
  req.set_parent(a.org.name());
  req.set_template_(template_name);
  req.set_time_zone(time_zone);
  for (const auto& [k, v] : Variables()) (*req.mutable_variables())[k] = v;
  v1::Action out;
  grpc::Status s = TryCreate(a, req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

grpc::Status ActionTest::Move(const Account& a, const std::string& name,
                              v1::ActionStatus status, v1::Action* out,
                              const std::string& etag,
                              std::optional<absl::Time> occur) {
  v1::UpdateActionStatusRequest req;
  req.set_name(name);
  req.set_status(status);
  req.set_etag(etag);
  if (status == v1::SENT) req.set_channel("email");
  if (occur) req.mutable_occur_time()->set_seconds(absl::ToUnixSeconds(*occur));
  return stub_->UpdateActionStatus(Ctx(a.token).get(), req, out);
}

analysis::events::v1::AnalysisCompleted ActionTest::Completed(
    const Account& a, const std::string& doc_id, const std::string& job_id) {
  analysis::events::v1::AnalysisCompleted e;
  e.set_organization(a.org.name());
  e.set_document(absl::StrCat(a.org.name(), "/documents/", doc_id));
  e.set_job(absl::StrCat(a.org.name(), "/jobs/", job_id));
  e.set_analysis(absl::StrCat(e.job(), "/analysis"));
  e.set_title("Acme Terms");
  auto* arb = e.add_top_findings();
  arb->set_category(analysis::v1::BINDING_ARBITRATION);
  arb->set_severity(analysis::v1::SEVERITY_HIGH);
  arb->set_quote(
      "You may opt out of this arbitration agreement within 30 days of "
      "accepting these terms.");
  arb->set_start_offset(120);
  arb->set_end_offset(205);
  auto* sale = e.add_top_findings();
  sale->set_category(analysis::v1::DATA_SALE_OR_SHARING);
  sale->set_severity(analysis::v1::SEVERITY_HIGH);
  sale->set_quote("We may sell your personal data to partners.");
  sale->set_start_offset(300);
  sale->set_end_offset(343);
  auto* tracking = e.add_top_findings();  // also suggests the objection
  tracking->set_category(analysis::v1::TRACKING_AND_PROFILING);
  tracking->set_quote("We track you across sites.");
  tracking->set_start_offset(400);
  tracking->set_end_offset(426);
  auto* liability = e.add_top_findings();  // no letter for this one
  liability->set_category(analysis::v1::LIABILITY_LIMITATION);
  liability->set_quote("We are not liable.");
  return e;
}

int64_t ActionTest::Count(absl::string_view sql,
                          std::vector<db::Param> params) {
  return fineprint::testing::QueryInt64(pool(), sql, std::move(params));
}

}  // namespace fineprint::action::testing
