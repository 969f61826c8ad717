// Revocation everywhere within a second: identity (with its in-process
// outbox relay) publishes to a real Kafka broker; a second service's
// authentication stack (JWKS client, cached GrpcApiKeyVerifier,
// Revocations, RevocationListener: what ServiceHost runs for every call)
// must refuse a revoked API key, a deleted user's token, a logged-out
// session and a demoted user's token soon after identity committed the
// change. Measures revoke -> reject 20 times per kind; fails if p99 > 1 s.

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/identity_clients.h"
#include "services/runtime/auth/revocation_listener.h"
#include "services/runtime/auth/revocations.h"
#include "services/runtime/status/status.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint {
namespace {

namespace v1 = ::fineprint::identity::v1;

constexpr int kRounds = 20;
constexpr absl::Duration kBudget = absl::Seconds(1);
constexpr char kPassword[] = "correct horse battery staple";

struct Percentiles {
  absl::Duration p50, p99, max;
};

Percentiles Summarize(std::vector<absl::Duration> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t i =
        static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
    return v[std::min(v.size(), std::max<size_t>(i, 1)) - 1];
  };
  return {at(0.50), at(0.99), v.back()};
}

class RevocationLatencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kafka = testing::SharedKafka();
    ASSERT_TRUE(kafka.ok()) << kafka.status();
    auto dsn = testing::NewTestDatabase("revocation");
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    identity::IdentityAppOptions options;
    options.pg_dsn = *dsn;
    options.host.host = "127.0.0.1";
    options.host.admin_port = -1;
    options.config.password_cost = {1, 8 * 1024 * 1024};
    options.kafka_bootstrap_servers = (*kafka)->bootstrap_servers();
    auto app = identity::IdentityApp::Start(options);
    ASSERT_TRUE(app.ok()) << app.status();
    identity_ = *std::move(app);
    stub_ = v1::IdentityService::NewStub(grpc::CreateChannel(
        identity_->grpc_target(), grpc::InsecureChannelCredentials()));

    v1::SignUpRequest signup;
    signup.set_email(absl::StrCat("owner", getpid(), "@example.com"));
    signup.set_password(kPassword);
    signup.set_display_name("Olive");
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->SignUp(&ctx, signup, &account_).ok());
    owner_token_ = account_.tokens().access_token();

    // The second service, as analysis_app.cc wires it.
    jwks_ = std::make_unique<auth::JwksClient>(stub_);
    api_keys_ = std::make_unique<auth::GrpcApiKeyVerifier>(stub_);
    authenticator_ = std::make_unique<auth::Authenticator>(
        jwks_.get(), api_keys_.get(), &revocations_);
    auto listener = auth::StartRevocationListener(
        (*kafka)->bootstrap_servers(), &revocations_, api_keys_.get());
    ASSERT_TRUE(listener.ok()) << listener.status();
    listener_ = *std::move(listener);
    ASSERT_TRUE(listener_->WaitUntilAssigned(absl::Seconds(60)));
  }

  void TearDown() override {
    listener_.reset();
    identity_.reset();
  }

  template <typename Fn>
  grpc::Status AsOwner(Fn fn) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + owner_token_);
    return fn(&ctx);
  }

  absl::StatusOr<auth::Principal> WithKey(const std::string& key) {
    auth::Credentials c;
    c.api_key = key;
    return authenticator_->Authenticate(c);
  }
  absl::StatusOr<auth::Principal> WithToken(const std::string& token) {
    auth::Credentials c;
    c.bearer_token = token;
    return authenticator_->Authenticate(c);
  }

  // Runs `revoke`, then polls `use` until it answers UNAUTHENTICATED;
  // returns the time from the start of `revoke` (identity's commit happens
  // inside it) to the first refusal, and the refusal's reason.
  template <typename Revoke, typename Use>
  absl::Duration TimeToReject(Revoke revoke, Use use, std::string* reason) {
    const absl::Time start = absl::Now();
    EXPECT_TRUE(revoke());
    const absl::Time deadline = start + absl::Seconds(10);
    while (absl::Now() < deadline) {
      absl::StatusOr<auth::Principal> p = use();
      if (!p.ok()) {
        const absl::Duration took = absl::Now() - start;
        EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated)
            << p.status();
        *reason = status::Reason(p.status());
        return took;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    ADD_FAILURE() << "credential still accepted 10 s after revocation";
    return absl::Seconds(10);
  }

  // A new member of the organisation and an access token of theirs.
  void NewMember(int i, v1::User* user, std::string* token) {
    v1::CreateUserRequest create;
    create.set_parent(account_.organization().name());
    create.mutable_user()->set_email(
        absl::StrCat("m", getpid(), "-", i, "-", absl::ToUnixNanos(absl::Now()),
                     "@example.com"));
    create.mutable_user()->set_display_name("Member");
    create.mutable_user()->set_role(v1::MEMBER);
    create.set_password(kPassword);
    ASSERT_TRUE(AsOwner([&](grpc::ClientContext* c) {
                  return stub_->CreateUser(c, create, user);
                }).ok());
    v1::LoginRequest login;
    login.set_email(create.user().email());
    login.set_password(kPassword);
    v1::AuthTokens tokens;
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->Login(&ctx, login, &tokens).ok());
    *token = tokens.access_token();
    refresh_token_ = tokens.refresh_token();
  }

  void Report(const char* what, const std::vector<absl::Duration>& samples) {
    const Percentiles p = Summarize(samples);
    std::string all;
    for (absl::Duration d : samples) {
      absl::StrAppend(&all, all.empty() ? "" : " ",
                      absl::ToInt64Milliseconds(d));
    }
    std::printf("revoke->reject %s samples (ms, in order): %s\n", what,
                all.c_str());
    std::printf("revoke->reject %s: n=%zu p50=%s p99=%s max=%s\n", what,
                samples.size(), absl::FormatDuration(p.p50).c_str(),
                absl::FormatDuration(p.p99).c_str(),
                absl::FormatDuration(p.max).c_str());
    RecordProperty(absl::StrCat(what, "_p50_ms"),
                   static_cast<int>(absl::ToInt64Milliseconds(p.p50)));
    RecordProperty(absl::StrCat(what, "_p99_ms"),
                   static_cast<int>(absl::ToInt64Milliseconds(p.p99)));
    EXPECT_LE(p.p99, kBudget) << what;
  }

  std::unique_ptr<identity::IdentityApp> identity_;
  std::shared_ptr<v1::IdentityService::StubInterface> stub_;
  v1::SignUpResponse account_;
  std::string owner_token_;
  std::string refresh_token_;

  auth::Revocations revocations_;
  std::unique_ptr<auth::JwksClient> jwks_;
  std::unique_ptr<auth::GrpcApiKeyVerifier> api_keys_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::unique_ptr<auth::RevocationListener> listener_;
};

TEST_F(RevocationLatencyTest, RevokedApiKeyIsRefusedWithinASecond) {
  std::vector<absl::Duration> samples;
  // Round -1 warms up the path and is reported but not counted: the first
  // record a freshly started relay publishes to a topic takes ~0.9 s
  // (producer cold start for that topic, in //events/relay), which says
  // nothing about how fast a revocation propagates in a running mesh.
  for (int i = -1; i < kRounds; ++i) {
    v1::CreateApiKeyRequest create;
    create.set_parent(account_.organization().name());
    create.mutable_api_key()->set_display_name(absl::StrCat("key ", i));
    create.mutable_api_key()->set_role(v1::MEMBER);
    v1::CreateApiKeyResponse key;
    ASSERT_TRUE(AsOwner([&](grpc::ClientContext* c) {
                  return stub_->CreateApiKey(c, create, &key);
                }).ok());
    // Used successfully, so the verifier holds it for its 30 s TTL.
    auto used = WithKey(key.secret());
    ASSERT_TRUE(used.ok()) << used.status();
    ASSERT_EQ(used->api_key, key.api_key().name());
    ASSERT_TRUE(WithKey(key.secret()).ok());
    ASSERT_GE(api_keys_->cache_size(), 1u);

    std::string reason;
    samples.push_back(TimeToReject(
        [&] {
          v1::RevokeApiKeyRequest revoke;
          revoke.set_name(key.api_key().name());
          v1::ApiKey out;
          return AsOwner([&](grpc::ClientContext* c) {
                   return stub_->RevokeApiKey(c, revoke, &out);
                 })
              .ok();
        },
        [&] { return WithKey(key.secret()); }, &reason));
    EXPECT_EQ(reason, "API_KEY_INVALID");
    if (i < 0) {
      std::printf(
          "revoke->reject api_key warm-up (first record on the topic): %s\n",
          absl::FormatDuration(samples.back()).c_str());
      samples.clear();
    }
  }
  Report("api_key", samples);
}

TEST_F(RevocationLatencyTest, DeletedUsersTokenIsRefusedWithinASecond) {
  std::vector<absl::Duration> samples;
  for (int i = 0; i < kRounds; ++i) {
    v1::User member;
    std::string token;
    NewMember(i, &member, &token);
    ASSERT_FALSE(token.empty());
    auto used = WithToken(token);
    ASSERT_TRUE(used.ok()) << used.status();

    std::string reason;
    samples.push_back(TimeToReject(
        [&] {
          v1::DeleteUserRequest del;
          del.set_name(member.name());
          google::protobuf::Empty out;
          return AsOwner([&](grpc::ClientContext* c) {
                   return stub_->DeleteUser(c, del, &out);
                 })
              .ok();
        },
        [&] { return WithToken(token); }, &reason));
    EXPECT_EQ(reason, auth::kReasonTokenRevoked);
  }
  Report("user_deleted", samples);
}

TEST_F(RevocationLatencyTest, LogoutAndRoleChangeReachOtherServices) {
  v1::User member;
  std::string token;
  NewMember(0, &member, &token);
  ASSERT_TRUE(WithToken(token).ok());
  std::string reason;
  const absl::Duration logout = TimeToReject(
      [&] {
        v1::LogoutRequest req;
        req.set_refresh_token(refresh_token_);
        google::protobuf::Empty out;
        grpc::ClientContext ctx;
        return stub_->Logout(&ctx, req, &out).ok();
      },
      [&] { return WithToken(token); }, &reason);
  EXPECT_EQ(reason, auth::kReasonTokenRevoked) << "log in again";
  EXPECT_LE(logout, kBudget);

  NewMember(1, &member, &token);
  ASSERT_TRUE(WithToken(token).ok());
  const absl::Duration demote = TimeToReject(
      [&] {
        v1::UpdateUserRequest update;
        update.mutable_user()->set_name(member.name());
        update.mutable_user()->set_role(v1::VIEWER);
        update.mutable_update_mask()->add_paths("role");
        v1::User out;
        return AsOwner([&](grpc::ClientContext* c) {
                 return stub_->UpdateUser(c, update, &out);
               })
            .ok();
      },
      [&] { return WithToken(token); }, &reason);
  EXPECT_EQ(reason, auth::kReasonTokenStale) << "refresh";
  EXPECT_LE(demote, kBudget);
  std::printf("revoke->reject logout=%s role_change=%s\n",
              absl::FormatDuration(logout).c_str(),
              absl::FormatDuration(demote).c_str());

  // A token minted after the change (in a later second) passes again.
  absl::SleepFor(absl::Seconds(1));
  v1::LoginRequest login;
  login.set_email(member.email());
  login.set_password(kPassword);
  v1::AuthTokens tokens;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->Login(&ctx, login, &tokens).ok());
  auto fresh = WithToken(tokens.access_token());
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->role, "VIEWER");
}

}  // namespace
}  // namespace fineprint
