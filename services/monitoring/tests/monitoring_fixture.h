#ifndef FINEPRINT_SERVICES_MONITORING_TESTS_MONITORING_FIXTURE_H_
#define FINEPRINT_SERVICES_MONITORING_TESTS_MONITORING_FIXTURE_H_

// Runs the real identity service and the real monitoring service
// in-process (port 0), each on a fresh PostgreSQL database, with a real
// HTTP server on loopback that the fetcher may reach through the
// allow-list (127.0.0.1/32 only: 127.0.0.2 stays blocked, as any private
// address is in production).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "fineprint/monitoring/v1/monitoring.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/monitoring/monitoring_app.h"
#include "services/runtime/http/test_http_server.h"
#include "tests/testing/identity_test_client.h"

namespace fineprint::monitoring::testing {

namespace idv1 = ::fineprint::identity::v1;

using Account = ::fineprint::testing::IdentityAccount;

class MonitoringTest : public ::testing::Test {
 protected:
  static void StartApps(
      std::function<void(MonitoringAppOptions&)> customize = {});
  static void TearDownTestSuite();

  static v1::MonitoringService::Stub& stub() { return *stub_; }
  static MonitoringApp& app() { return *app_; }
  static db::Pool& pool() { return app_->pool(); }
  static http::testing::TestHttpServer& web() { return *web_; }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                                  int seconds = 10);
  // A fresh organisation with its OWNER, on `plan`.
  static Account SignUp(idv1::Plan plan = idv1::FREE);

  static grpc::Status TryCreate(const Account& a, const v1::Watch& watch,
                                v1::Watch* out,
                                const std::string& request_id = "");
  // A watch of `path` on the test server (interval: the plan's minimum).
  static v1::Watch Create(const Account& a, const std::string& path,
                          std::function<void(v1::Watch&)> customize = {});
  static v1::Watch Get(const Account& a, const std::string& name);
  static v1::CheckNowResponse CheckNow(const Account& a,
                                       const std::string& name);

  static int64_t Count(absl::string_view sql,
                       std::vector<db::Param> params = {});
  static absl::Status Exec(absl::string_view sql,
                           std::vector<db::Param> params = {});

 private:
  static std::unique_ptr<identity::IdentityApp> identity_;
  static std::unique_ptr<idv1::IdentityService::Stub> identity_stub_;
  static std::unique_ptr<MonitoringApp> app_;
  static std::unique_ptr<v1::MonitoringService::Stub> stub_;
  static std::unique_ptr<http::testing::TestHttpServer> web_;
};

}  // namespace fineprint::monitoring::testing

#endif  // FINEPRINT_SERVICES_MONITORING_TESTS_MONITORING_FIXTURE_H_
