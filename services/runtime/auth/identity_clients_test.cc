#include "services/runtime/auth/identity_clients.h"

#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace fineprint::auth {
namespace {

namespace idv1 = ::fineprint::identity::v1;

// Identity's VerifyApiKey: answers `principal` until `valid` is cleared.
class FakeIdentity final : public idv1::IdentityService::Service {
 public:
  grpc::Status VerifyApiKey(grpc::ServerContext*,
                            const idv1::VerifyApiKeyRequest*,
                            idv1::Principal* reply) override {
    calls.fetch_add(1);
    if (!valid.load()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid API key");
    }
    *reply = principal;
    if (expire_time != absl::InfiniteFuture()) {
      const int64_t micros = absl::ToUnixMicros(expire_time);
      reply->mutable_expire_time()->set_seconds(micros / 1000000);
      reply->mutable_expire_time()->set_nanos(
          static_cast<int32_t>(micros % 1000000) * 1000);
    }
    return grpc::Status::OK;
  }

  std::atomic<int> calls{0};
  std::atomic<bool> valid{true};
  idv1::Principal principal;
  absl::Time expire_time = absl::InfiniteFuture();
};

class GrpcApiKeyVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.principal.set_user("orgs/o/users/u");
    fake_.principal.set_organization("orgs/o");
    fake_.principal.set_role(idv1::MEMBER);
    fake_.principal.set_plan(idv1::FREE);
    fake_.principal.set_api_key("orgs/o/apiKeys/k");
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = idv1::IdentityService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  FakeIdentity fake_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<idv1::IdentityService::StubInterface> stub_;
};

TEST_F(GrpcApiKeyVerifierTest, CachesPositiveAnswersForTtl) {
  GrpcApiKeyVerifier verifier(stub_, absl::Seconds(30));
  for (int i = 0; i < 3; ++i) {
    auto p = verifier.Verify("fpk_secret");
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->api_key, "orgs/o/apiKeys/k");
  }
  EXPECT_EQ(fake_.calls.load(), 1);
}

TEST_F(GrpcApiKeyVerifierTest, NeverServesAKeyPastItsExpireTime) {
  fake_.expire_time = absl::Now() + absl::Milliseconds(500);
  GrpcApiKeyVerifier verifier(stub_, absl::Seconds(30));
  ASSERT_TRUE(verifier.Verify("fpk_secret").ok());
  ASSERT_TRUE(verifier.Verify("fpk_secret").ok());
  EXPECT_EQ(fake_.calls.load(), 1) << "cached until the expiry";
  absl::SleepFor(fake_.expire_time + absl::Milliseconds(50) - absl::Now());
  fake_.valid = false;  // identity refuses the expired key
  auto p = verifier.Verify("fpk_secret");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(fake_.calls.load(), 2) << "asked identity again after expiry";
}

TEST_F(GrpcApiKeyVerifierTest, AnAlreadyExpiredAnswerIsNotCached) {
  fake_.expire_time = absl::Now() - absl::Seconds(1);
  GrpcApiKeyVerifier verifier(stub_, absl::Seconds(30));
  ASSERT_TRUE(verifier.Verify("fpk_secret").ok());
  EXPECT_EQ(verifier.cache_size(), 0u);
}

TEST_F(GrpcApiKeyVerifierTest, ForgetDropsCachedEntriesAtOnce) {
  GrpcApiKeyVerifier verifier(stub_, absl::Seconds(30));
  ASSERT_TRUE(verifier.Verify("fpk_a").ok());
  ASSERT_TRUE(verifier.Verify("fpk_b").ok());
  EXPECT_EQ(verifier.cache_size(), 2u);
  verifier.ForgetApiKey("orgs/o/apiKeys/other");
  EXPECT_EQ(verifier.cache_size(), 2u);
  verifier.ForgetApiKey("orgs/o/apiKeys/k");
  EXPECT_EQ(verifier.cache_size(), 0u);

  ASSERT_TRUE(verifier.Verify("fpk_a").ok());
  verifier.ForgetUser("orgs/o/users/someone-else");
  EXPECT_EQ(verifier.cache_size(), 1u);
  verifier.ForgetUser("orgs/o/users/u");
  EXPECT_EQ(verifier.cache_size(), 0u);
  fake_.valid = false;
  EXPECT_FALSE(verifier.Verify("fpk_a").ok()) << "re-verified at identity";
}

}  // namespace
}  // namespace fineprint::auth
