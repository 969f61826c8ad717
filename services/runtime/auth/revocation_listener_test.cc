#include "services/runtime/auth/revocation_listener.h"

#include "absl/time/clock.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "gtest/gtest.h"
#include "services/runtime/auth/authenticator.h"
#include "services/runtime/auth/key_ring.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

namespace ev = ::fineprint::identity::events::v1;

events::Event EventOf(const google::protobuf::Message& message, absl::Time at) {
  events::Event e;
  e.ce_type = message.GetDescriptor()->full_name();
  e.ce_time = at;
  e.payload = message.SerializeAsString();
  return e;
}

class RevocationListenerTest : public ::testing::Test {
 protected:
  RevocationListenerTest()
      : key_(SigningKey::Generate("k1")),
        listener_(&revocations_, nullptr, &metrics_),
        authenticator_(&keys_, nullptr, &revocations_) {
    keys_.Add(key_.kid, key_.public_key);
  }

  // A bearer token of `user` in `session`, issued a few seconds ago.
  Credentials TokenOf(absl::string_view user, absl::string_view session) {
    Claims c;
    c.subject = std::string(user);
    c.organization = "orgs/o";
    c.role = "MEMBER";
    c.session_id = std::string(session);
    c.issued_at = absl::Now() - absl::Seconds(3);
    c.expires_at = c.issued_at + absl::Minutes(15);
    Credentials credentials;
    credentials.bearer_token = SignAccessToken(c, key_);
    return credentials;
  }

  std::string Reason(const Credentials& credentials) {
    auto p = authenticator_.Authenticate(credentials);
    return p.ok() ? "OK" : status::Reason(p.status());
  }

  double Count(absl::string_view type) {
    return metrics_
        .GetCounter("fineprint_revocation_events_total", "",
                    {{"type", std::string(type)}})
        .Value();
  }

  SigningKey key_;
  StaticKeyResolver keys_;
  metrics::Registry metrics_;
  Revocations revocations_;
  RevocationListener listener_;
  Authenticator authenticator_;
};

TEST_F(RevocationListenerTest, DispatchesByEventType) {
  const Credentials alice = TokenOf("orgs/o/users/alice", "sa");
  const Credentials bob = TokenOf("orgs/o/users/bob", "sb");
  const Credentials carol = TokenOf("orgs/o/users/carol", "sc");
  ASSERT_EQ(Reason(alice), "OK");

  ev::UserDeleted deleted;
  deleted.set_user("orgs/o/users/alice");
  listener_.Apply(EventOf(deleted, absl::Now()));
  EXPECT_EQ(Reason(alice), kReasonTokenRevoked);

  ev::UserRoleChanged changed;
  changed.set_user("orgs/o/users/bob");
  changed.set_new_role(fineprint::identity::v1::VIEWER);
  listener_.Apply(EventOf(changed, absl::Now()));
  EXPECT_EQ(Reason(bob), kReasonTokenStale);

  ev::RefreshFamilyRevoked logout;
  logout.set_user("orgs/o/users/carol");
  logout.set_session("sc");
  logout.set_reason(ev::RefreshFamilyRevoked::LOGOUT);
  listener_.Apply(EventOf(logout, absl::Now()));
  EXPECT_EQ(Reason(carol), kReasonTokenRevoked);

  ev::ApiKeyRevoked key;
  key.set_api_key("orgs/o/apiKeys/k");
  listener_.Apply(EventOf(key, absl::Now()));
  EXPECT_FALSE(revocations_
                   .CheckApiKey({"orgs/o/users/dan", "orgs/o", "MEMBER", "FREE",
                                 "orgs/o/apiKeys/k"},
                                absl::Now())
                   .ok());

  ev::UserRegistered other;
  other.set_user("orgs/o/users/erin");
  listener_.Apply(EventOf(other, absl::Now()));
  EXPECT_EQ(revocations_.size(), 4u);
  EXPECT_EQ(Count("fineprint.identity.events.v1.UserDeleted"), 1);
  EXPECT_EQ(Count("fineprint.identity.events.v1.ApiKeyRevoked"), 1);
  EXPECT_EQ(Count("other"), 1);
}

TEST_F(RevocationListenerTest, UnreadablePayloadIsIgnored) {
  events::Event e;
  e.ce_type = "fineprint.identity.events.v1.UserDeleted";
  e.ce_time = absl::Now();
  e.payload = "\xff\xff\xff";
  listener_.Apply(e);
  EXPECT_EQ(revocations_.size(), 0u);
}

}  // namespace
}  // namespace fineprint::auth
