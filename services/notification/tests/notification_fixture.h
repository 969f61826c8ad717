#ifndef FINEPRINT_SERVICES_NOTIFICATION_TESTS_NOTIFICATION_FIXTURE_H_
#define FINEPRINT_SERVICES_NOTIFICATION_TESTS_NOTIFICATION_FIXTURE_H_

// Runs a real Apache Kafka broker, the real identity service (its relay
// publishes the user events notification projects) and the real
// notification service in-process (port 0), each on a fresh PostgreSQL
// database. Events of services that are not running (analysis, monitoring,
// action) are published the way their services would: appended to an
// outbox (notification's own table, under the producer's name) and carried
// to Kafka by the relay, then consumed like any other.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fineprint/identity/v1/identity.grpc.pb.h"
#include "fineprint/notification/v1/notification.grpc.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/identity/identity_app.h"
#include "services/notification/notification_app.h"
#include "tests/testing/identity_test_client.h"
#include "tests/testing/kafka_broker.h"

namespace fineprint::notification::testing {

namespace idv1 = ::fineprint::identity::v1;

using Account = ::fineprint::testing::IdentityAccount;

class NotificationTest : public ::testing::Test {
 protected:
  static void StartApps(
      std::function<void(NotificationAppOptions&)> customize = {});
  static void TearDownTestSuite();

  static v1::NotificationService::Stub& stub() { return *stub_; }
  static NotificationApp& app() { return *app_; }
  static db::Pool& pool() { return app_->pool(); }
  static std::string identity_target() { return identity_->grpc_target(); }
  static std::string kafka() { return broker_->bootstrap_servers(); }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                                  int seconds = 10);
  // A fresh organisation with its OWNER, once notification knows it.
  static Account SignUp(absl::string_view tag = "notified");
  // A member of `owner`'s organisation, once notification knows it.
  static Account Add(const Account& owner, idv1::Role role);

  // Publishes `event` as `producer` would; returns its event id.
  static std::string Publish(const google::protobuf::Message& event,
                             absl::string_view producer,
                             absl::string_view aggregate_id = "agg");

  // Polls `done` every 50 ms until it holds or `timeout` passes.
  static bool WaitUntil(const std::function<bool()>& done,
                        absl::Duration timeout = absl::Seconds(30));

  static int64_t Count(absl::string_view sql,
                       std::vector<db::Param> params = {});

  static std::string UserOf(const Account& a) { return a.user.name(); }

 private:
  static void WaitForMember(const Account& a);

  static std::unique_ptr<fineprint::testing::KafkaBroker> broker_;
  static std::unique_ptr<identity::IdentityApp> identity_;
  static std::unique_ptr<idv1::IdentityService::Stub> identity_stub_;
  static std::unique_ptr<NotificationApp> app_;
  static std::unique_ptr<v1::NotificationService::Stub> stub_;
};

// The Python receiver (webhook_receiver.py) as a child process.
class Receiver {
 public:
  static std::unique_ptr<Receiver> Start();
  ~Receiver();

  int port() const { return port_; }
  std::string Url(absl::string_view path) const;
  // Secrets to verify with, and per path the responses to give
  // ({status, {header: value}}), then 200s.
  void Configure(const std::vector<std::string>& secrets,
                 const std::string& plans_json = "{}");
  // The receiver's log: JSON array (see the script).
  std::string LogJson();
  // Number of deliveries received at `path`.
  int CountAt(absl::string_view path);

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace fineprint::notification::testing

#endif  // FINEPRINT_SERVICES_NOTIFICATION_TESTS_NOTIFICATION_FIXTURE_H_
