#include "services/runtime/service/service_kit.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/db/test_util.h"
#include "services/runtime/http/http_client.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint::service {
namespace {

namespace idv1 = ::fineprint::identity::v1;

KitOptions TestOptions(const std::string& dsn) {
  KitOptions options;
  options.pg_dsn = dsn;
  options.pg_pool_size = 4;
  options.host.host = "127.0.0.1";
  options.host.shutdown_grace = absl::Seconds(2);
  return options;
}

std::string AdminGet(int port, const std::string& path) {
  http::ClientOptions options;
  options.allow = *http::ParseIpRanges("127.0.0.0/8");
  auto client = http::HttpClient::Create(options);
  if (!client.ok()) return client.status().ToString();
  auto response = (*client)->Get(absl::StrCat("http://127.0.0.1:", port, path));
  if (!response.ok()) return response.status().ToString();
  return absl::StrCat(response->status, " ", response->body);
}

TEST(ServiceKitTest, OpensAMigratedSchemaWithInboxAndOutbox) {
  auto dsn = testing::NewTestDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  auto kit = ServiceKit::Open({"kitsvc", {}}, TestOptions(*dsn));
  ASSERT_TRUE(kit.ok()) << kit.status();
  auto tables = db::testing::QueryValue(
      (*kit)->pool(),
      "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
      "information_schema.tables WHERE table_schema = 'kitsvc' AND table_name "
      "IN "
      "('outbox', 'inbox')");
  ASSERT_TRUE(tables.ok()) << tables.status();
  EXPECT_EQ(*tables, "inbox,outbox");
}

TEST(ServiceKitTest, ServingNeedsAnAuthenticator) {
  auto dsn = testing::NewTestDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  auto kit = ServiceKit::Open({"kitsvc", {}}, TestOptions(*dsn));
  ASSERT_TRUE(kit.ok()) << kit.status();
  idv1::IdentityService::Service service;
  EXPECT_EQ((*kit)
                ->Serve(&service, idv1::IdentityService::service_full_name())
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ServiceKitTest, StartsWorkersAfterTheServerAndStopsThemNewestFirst) {
  auto dsn = testing::NewTestDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  auto kit = ServiceKit::Open({"kitsvc", {}}, TestOptions(*dsn));
  ASSERT_TRUE(kit.ok()) << kit.status();
  auth::StaticKeyResolver keys;
  auth::Authenticator authenticator(&keys, nullptr);
  (*kit)->UseAuthenticator(&authenticator);
  idv1::IdentityService::Service service;
  ASSERT_TRUE(
      (*kit)->Serve(&service, idv1::IdentityService::service_full_name()).ok());

  std::vector<std::string> steps;
  grpc::health::v1::HealthCheckResponse::ServingStatus seen_at_start{};
  std::shared_ptr<grpc::Channel> channel;
  for (const char* name : {"a", "b"}) {
    (*kit)->AddWorker(
        name,
        [&, name]() -> absl::Status {
          steps.push_back(absl::StrCat("start ", name));
          // The server already answers when workers start.
          channel = grpc::CreateChannel((*kit)->host().grpc_target(),
                                        grpc::InsecureChannelCredentials());
          grpc::ClientContext ctx;
          grpc::health::v1::HealthCheckRequest request;
          request.set_service(
              std::string(idv1::IdentityService::service_full_name()));
          grpc::health::v1::HealthCheckResponse reply;
          grpc::Status s = grpc::health::v1::Health::NewStub(channel)->Check(
              &ctx, request, &reply);
          if (!s.ok()) return absl::UnavailableError(s.error_message());
          seen_at_start = reply.status();
          return absl::OkStatus();
        },
        [&, name] { steps.push_back(absl::StrCat("stop ", name)); });
  }
  ASSERT_TRUE((*kit)->Start().ok());
  EXPECT_EQ(seen_at_start, grpc::health::v1::HealthCheckResponse::SERVING);
  const int admin = (*kit)->host().admin_port();
  EXPECT_EQ(AdminGet(admin, "/readyz"), "200 postgres: ok\n");
  (*kit)->Shutdown();
  (*kit)->Shutdown();  // idempotent
  EXPECT_EQ(steps, (std::vector<std::string>{"start a", "start b", "stop b",
                                             "stop a"}));
}

TEST(ServiceKitTest, StatelessKitServesReadinessWithoutDatabaseOrGrpc) {
  KitOptions options = TestOptions("host=nowhere.invalid");
  options.host.grpc_port = -1;
  auto kit =
      ServiceKit::Open({"statelesssvc", {}, /*database=*/false}, options);
  ASSERT_TRUE(kit.ok()) << kit.status();
  bool backend_up = false;
  (*kit)->AddReadinessCheck("backend", [&]() -> absl::Status {
    return backend_up ? absl::OkStatus() : absl::UnavailableError("down");
  });
  ASSERT_TRUE((*kit)->Start().ok());
  const int admin = (*kit)->host().admin_port();
  EXPECT_EQ(AdminGet(admin, "/readyz").substr(0, 3), "503");
  backend_up = true;
  EXPECT_EQ(AdminGet(admin, "/readyz"), "200 backend: ok\n");
}

TEST(ServiceKitTest, EventHandlersDeclareTheConsumersTopics) {
  auto dsn = testing::NewTestDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  auto kit = ServiceKit::Open({"kitsvc", {}}, TestOptions(*dsn));
  ASSERT_TRUE(kit.ok()) << kit.status();
  ASSERT_TRUE(
      (*kit)
          ->events()
          .On<identity::events::v1::PlanChanged>(
              [](const identity::events::v1::PlanChanged&, const events::Event&,
                 db::Tx&) { return absl::OkStatus(); })
          .ok());
  EXPECT_EQ((*kit)->events().Topics(),
            std::vector<std::string>{"fineprint.identity.organization.v1"});
}

}  // namespace
}  // namespace fineprint::service
