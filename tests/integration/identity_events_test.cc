// The identity service's outbox, published by its in-process relay to a
// real Kafka broker, read back with a plain librdkafka consumer (not the
// project's consumer library): every CloudEvents header, the key, the
// payload and the per-aggregate order.

#include <librdkafka/rdkafka.h>

#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/runtime/crypto/sha256.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/shared_postgres.h"

namespace fineprint {
namespace {

namespace v1 = ::fineprint::identity::v1;
namespace ev = ::fineprint::identity::events::v1;

// Plans change only by a platform operator's call.
constexpr char kOperatorKey[] = "fpop_identity_events_test";

struct Received {
  std::string topic;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

// Reads every record of `topics` from the beginning until `want` arrived.
std::vector<Received> ConsumeAll(const std::string& bootstrap,
                                 const std::vector<std::string>& topics,
                                 size_t want, absl::Duration timeout) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err,
                    sizeof(err));
  rd_kafka_conf_set(
      conf, "group.id",
      absl::StrCat("plain-", absl::ToUnixNanos(absl::Now())).c_str(), err,
      sizeof(err));
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(4);
  for (const auto& t : topics) {
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<Received> out;
  const absl::Time deadline = absl::Now() + timeout;
  while (out.size() < want && absl::Now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Received r;
      r.topic = rd_kafka_topic_name(m->rkt);
      r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) ==
             RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      out.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

TEST(IdentityEventsTest, RelayPublishesCloudEventsInAggregateOrder) {
  auto kafka = testing::SharedKafka();
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  auto dsn = testing::NewTestDatabase("idevents");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  identity::IdentityAppOptions options;
  options.pg_dsn = *dsn;
  options.host.host = "127.0.0.1";
  options.host.admin_port = -1;
  options.config.password_cost = {1, 8 * 1024 * 1024};
  options.config.platform_operator_key_hashes = {
      crypto::Sha256Hex(kOperatorKey)};
  options.kafka_bootstrap_servers = (*kafka)->bootstrap_servers();
  auto app = identity::IdentityApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  auto stub = v1::IdentityService::NewStub(grpc::CreateChannel(
      (*app)->grpc_target(), grpc::InsecureChannelCredentials()));

  // One account, then a string of changes to one user and one organisation.
  v1::SignUpRequest signup;
  signup.set_email(absl::StrCat("events", getpid(), "@example.com"));
  signup.set_password("correct horse battery staple");
  signup.set_display_name("Eve");
  v1::SignUpResponse account;
  grpc::ClientContext c1;
  c1.AddMetadata("traceparent",
                 "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(stub->SignUp(&c1, signup, &account).ok());
  const std::string token = account.tokens().access_token();
  v1::CreateUserRequest create;
  create.set_parent(account.organization().name());
  create.mutable_user()->set_email(
      absl::StrCat("member", getpid(), "@example.com"));
  create.mutable_user()->set_display_name("Mallory");
  create.mutable_user()->set_role(v1::VIEWER);
  create.set_password("correct horse battery staple");
  v1::User member;
  grpc::ClientContext c2;
  c2.AddMetadata("authorization", "Bearer " + token);
  ASSERT_TRUE(stub->CreateUser(&c2, create, &member).ok());
  const v1::Role roles[] = {v1::MEMBER, v1::ADMIN, v1::VIEWER, v1::MEMBER};
  for (v1::Role role : roles) {
    v1::UpdateUserRequest update;
    update.mutable_user()->set_name(member.name());
    update.mutable_user()->set_role(role);
    update.mutable_update_mask()->add_paths("role");
    grpc::ClientContext c;
    c.AddMetadata("authorization", "Bearer " + token);
    v1::User out;
    ASSERT_TRUE(stub->UpdateUser(&c, update, &out).ok());
  }
  for (v1::Plan plan : {v1::PREMIUM, v1::ENTERPRISE, v1::FREE}) {
    v1::ChangePlanRequest change;
    change.set_name(account.organization().name());
    change.set_plan(plan);
    grpc::ClientContext c;
    c.AddMetadata("x-api-key", kOperatorKey);
    v1::Organization out;
    ASSERT_TRUE(stub->ChangePlan(&c, change, &out).ok());
  }
  // org: created + 3 plan changes; user topic: owner registered, member
  // registered, 4 x (updated + role changed).
  const size_t expected = 4 + 2 + 8;
  std::vector<Received> got = ConsumeAll(
      (*kafka)->bootstrap_servers(),
      {"fineprint.identity.organization.v1", "fineprint.identity.user.v1"},
      expected, absl::Seconds(60));
  ASSERT_EQ(got.size(), expected);

  const std::string org_id = account.organization().name().substr(5);
  const std::string member_id =
      member.name().substr(member.name().rfind('/') + 1);
  std::map<std::string, int64_t> last_seq;
  std::vector<v1::Role> member_roles;
  std::vector<v1::Plan> plans;
  std::set<std::string> ids;
  for (Received& r : got) {
    SCOPED_TRACE(r.headers["ce_type"]);
    EXPECT_EQ(r.headers["ce_specversion"], "1.0");
    EXPECT_EQ(r.headers["ce_source"], "/fineprint/identity");
    EXPECT_EQ(r.headers["content-type"], "application/protobuf");
    EXPECT_EQ(r.headers["ce_subject"], r.key);
    EXPECT_EQ(r.headers["ce_id"].size(), 36u);
    EXPECT_TRUE(ids.insert(r.headers["ce_id"]).second) << "duplicate ce_id";
    absl::Time t;
    std::string parse_err;
    EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, r.headers["ce_time"], &t,
                                &parse_err))
        << r.headers["ce_time"];
    EXPECT_LT(absl::Now() - t, absl::Minutes(5));
    EXPECT_EQ(r.headers["traceparent"].size(), 55u);
    int64_t seq = 0;
    ASSERT_TRUE(absl::SimpleAtoi(r.headers["ce_fpseq"], &seq));
    EXPECT_EQ(seq, last_seq[r.topic + "/" + r.key] + 1)
        << "per-aggregate order";
    last_seq[r.topic + "/" + r.key] = seq;

    const std::string& type = r.headers["ce_type"];
    if (type == "fineprint.identity.events.v1.OrganizationCreated") {
      ev::OrganizationCreated e;
      ASSERT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(r.key, org_id);
      EXPECT_EQ(e.organization(), account.organization().name());
      EXPECT_EQ(e.owner(), account.user().name());
      // The sign-up call's trace continues in its events.
      EXPECT_EQ(r.headers["traceparent"].substr(3, 32),
                "0af7651916cd43dd8448eb211c80319c");
    } else if (type == "fineprint.identity.events.v1.PlanChanged") {
      ev::PlanChanged e;
      ASSERT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(r.key, org_id);
      plans.push_back(e.new_plan());
    } else if (type == "fineprint.identity.events.v1.UserRoleChanged") {
      ev::UserRoleChanged e;
      ASSERT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(r.key, member_id);
      member_roles.push_back(e.new_role());
    } else if (type == "fineprint.identity.events.v1.UserRegistered") {
      ev::UserRegistered e;
      ASSERT_TRUE(e.ParseFromString(r.value));
      EXPECT_EQ(e.organization(), account.organization().name());
    } else {
      EXPECT_EQ(type, "fineprint.identity.events.v1.UserUpdated");
    }
  }
  EXPECT_EQ(member_roles,
            std::vector<v1::Role>(std::begin(roles), std::end(roles)));
  EXPECT_EQ(plans,
            (std::vector<v1::Plan>{v1::PREMIUM, v1::ENTERPRISE, v1::FREE}));
}

}  // namespace
}  // namespace fineprint
