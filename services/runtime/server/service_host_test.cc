#include "services/runtime/server/service_host.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "google/rpc/error_details.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/metrics/metrics.h"
#include "services/runtime/server/call_context.h"
#include "services/runtime/status/status.h"

namespace fineprint::server {
namespace {

namespace idv1 = ::fineprint::identity::v1;

// A stand-in identity service: just enough methods to exercise the guard
// with a public, an any-role and an OWNER-only RPC.
class FakeIdentity : public idv1::IdentityService::Service {
 public:
  grpc::Status GetPublicKeySet(grpc::ServerContext*,
                               const idv1::GetPublicKeySetRequest*,
                               idv1::PublicKeySet* reply) override {
    saw_principal_on_public =
        CurrentCall() != nullptr && CurrentCall()->principal.has_value();
    reply->add_keys()->set_kid("k");
    return grpc::Status::OK;
  }
  grpc::Status GetMe(grpc::ServerContext*, const idv1::GetMeRequest*,
                     idv1::Me* reply) override {
    auto caller = RequireCaller();
    if (!caller.ok()) return status::ToGrpc(caller.status());
    reply->mutable_principal()->set_user(caller->user);
    reply->mutable_principal()->set_organization(caller->organization);
    if (slow) {
      entered.Notify();
      absl::SleepFor(absl::Milliseconds(500));
    }
    return grpc::Status::OK;
  }
  grpc::Status ChangePlan(grpc::ServerContext*,
                          const idv1::ChangePlanRequest* req,
                          idv1::Organization* reply) override {
    reply->set_name(req->name());
    return grpc::Status::OK;
  }

  bool saw_principal_on_public = false;
  bool slow = false;
  absl::Notification entered;
};

class ServiceHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = auth::SigningKey::Generate("k1");
    keys_.Add("k1", key_.public_key);
    HostOptions options;
    options.service_name = "test";
    options.host = "127.0.0.1";
    options.shutdown_grace = absl::Seconds(5);
    options.readiness_interval = absl::Milliseconds(50);
    host_ = std::make_unique<ServiceHost>(options);
    ASSERT_TRUE(host_
                    ->AddService(&service_,
                                 idv1::IdentityService::service_full_name(),
                                 &authn_)
                    .ok());
    host_->AddReadinessCheck("db", [this] {
      return db_up_.load() ? absl::OkStatus()
                           : absl::UnavailableError("db down");
    });
    ASSERT_TRUE(host_->Start().ok());
    channel_ = grpc::CreateChannel(host_->grpc_target(),
                                   grpc::InsecureChannelCredentials());
    stub_ = idv1::IdentityService::NewStub(channel_);
  }

  std::string Token(const std::string& role) {
    auth::Claims c{"orgs/o/users/u",
                   "orgs/o",
                   role,
                   "FREE",
                   "t",
                   absl::Now(),
                   absl::Now() + absl::Minutes(5)};
    return auth::SignAccessToken(c, key_);
  }

  auth::SigningKey key_;
  auth::StaticKeyResolver keys_;
  auth::Authenticator authn_{&keys_, nullptr};
  FakeIdentity service_;
  std::atomic<bool> db_up_{true};
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<idv1::IdentityService::Stub> stub_;
};

TEST_F(ServiceHostTest, PublicMethodNeedsNoCredentials) {
  grpc::ClientContext ctx;
  idv1::PublicKeySet reply;
  ASSERT_TRUE(stub_->GetPublicKeySet(&ctx, {}, &reply).ok());
  EXPECT_EQ(reply.keys(0).kid(), "k");
  EXPECT_FALSE(service_.saw_principal_on_public);
}

TEST_F(ServiceHostTest, ProtectedMethodRequiresCredentials) {
  grpc::ClientContext ctx;
  idv1::Me reply;
  grpc::Status s = stub_->GetMe(&ctx, {}, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status::Reason(status::FromGrpc(s)), "CREDENTIALS_MISSING");
}

TEST_F(ServiceHostTest, ForgedTokenIsRejectedBeforeTheHandler) {
  grpc::ClientContext ctx;
  auth::Claims c{"orgs/o/users/u",
                 "orgs/o",
                 "OWNER",
                 "FREE",
                 "t",
                 absl::Now(),
                 absl::Now() + absl::Minutes(5)};
  ctx.AddMetadata(
      "authorization",
      "Bearer " + auth::SignAccessToken(c, auth::SigningKey::Generate("k1")));
  idv1::Me reply;
  grpc::Status s = stub_->GetMe(&ctx, {}, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status::Reason(status::FromGrpc(s)), "TOKEN_SIGNATURE");
}

TEST_F(ServiceHostTest, ValidTokenReachesHandlerWithPrincipal) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token("VIEWER"));
  ctx.AddMetadata("x-request-id", "req-42");
  idv1::Me reply;
  grpc::Status s = stub_->GetMe(&ctx, {}, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(reply.principal().user(), "orgs/o/users/u");
  auto md = ctx.GetServerInitialMetadata();
  auto it = md.find("x-request-id");
  ASSERT_NE(it, md.end());
  EXPECT_EQ(std::string(it->second.data(), it->second.size()), "req-42");
}

TEST_F(ServiceHostTest, RoleNotInContractIsDenied) {
  for (const char* role : {"OWNER", "ADMIN", "MEMBER", "VIEWER"}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token(role));
    idv1::ChangePlanRequest req;
    req.set_name("orgs/o");
    idv1::Organization reply;
    grpc::Status s = stub_->ChangePlan(&ctx, req, &reply);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << role;
    EXPECT_EQ(status::Reason(status::FromGrpc(s)), "ROLE_NOT_ALLOWED");
  }
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token("PLATFORM_OPERATOR"));
  idv1::ChangePlanRequest req;
  req.set_name("orgs/o");
  idv1::Organization reply;
  EXPECT_TRUE(stub_->ChangePlan(&ctx, req, &reply).ok());
  EXPECT_EQ(reply.name(), "orgs/o");
}

TEST_F(ServiceHostTest, UnimplementedMethodStillRequiresAuth) {
  grpc::ClientContext ctx;
  idv1::GetUserRequest req;
  idv1::User reply;
  EXPECT_EQ(stub_->GetUser(&ctx, req, &reply).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServiceHostTest, HealthAndMetrics) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckResponse reply;
  ASSERT_TRUE(health->Check(&ctx, {}, &reply).ok());
  EXPECT_EQ(reply.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  grpc::ClientContext c2;
  idv1::Me me;
  (void)stub_->GetMe(&c2, {}, &me);
  const std::string text = metrics::Registry::Default().Expose();
  EXPECT_NE(
      text.find(
          "grpc_server_handled_total{grpc_code=\"UNAUTHENTICATED\","
          "grpc_method=\"/fineprint.identity.v1.IdentityService/GetMe\"}"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("grpc_server_handling_seconds_bucket"),
            std::string::npos);
}

using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus CheckHealth(
    grpc::Channel& channel, const std::string& service,
    grpc::StatusCode* code = nullptr) {
  auto health = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse reply;
  grpc::Status status = health->Check(&ctx, request, &reply);
  if (code != nullptr) *code = status.error_code();
  return reply.status();
}

TEST_F(ServiceHostTest, HealthAnswersForTheFullServiceName) {
  const std::string name(idv1::IdentityService::service_full_name());
  EXPECT_EQ(CheckHealth(*channel_, name), HealthCheckResponse::SERVING);
  EXPECT_EQ(CheckHealth(*channel_, ""), HealthCheckResponse::SERVING);
  grpc::StatusCode code = grpc::StatusCode::OK;
  CheckHealth(*channel_, "fineprint.unknown.v1.Nothing", &code);
  EXPECT_EQ(code, grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServiceHostTest, HealthFollowsReadinessAndShutdown) {
  const std::string name(idv1::IdentityService::service_full_name());
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext watch_ctx;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(name);
  auto watch = health->Watch(&watch_ctx, request);
  HealthCheckResponse update;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  db_up_ = false;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(CheckHealth(*channel_, ""), HealthCheckResponse::NOT_SERVING);

  db_up_ = true;
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::SERVING);

  std::thread stopper([this] { host_->Shutdown(); });
  ASSERT_TRUE(watch->Read(&update));
  EXPECT_EQ(update.status(), HealthCheckResponse::NOT_SERVING);
  watch_ctx.TryCancel();
  stopper.join();
}

TEST_F(ServiceHostTest, ShutdownLetsInFlightCallsFinish) {
  service_.slow = true;
  grpc::Status result;
  std::thread caller([&] {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token("VIEWER"));
    idv1::Me reply;
    result = stub_->GetMe(&ctx, {}, &reply);
  });
  service_.entered.WaitForNotification();
  host_->Shutdown();
  caller.join();
  EXPECT_TRUE(result.ok()) << result.error_message();

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  idv1::PublicKeySet reply;
  EXPECT_FALSE(stub_->GetPublicKeySet(&ctx, {}, &reply).ok());
}

}  // namespace
}  // namespace fineprint::server
