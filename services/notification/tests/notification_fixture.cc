#include "services/notification/tests/notification_fixture.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "events/outbox/outbox_writer.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/http/http_client.h"
#include "tests/testing/kit_options.h"
#include "tests/testing/service_test_util.h"

extern char** environ;

namespace fineprint::notification::testing {

std::unique_ptr<fineprint::testing::KafkaBroker> NotificationTest::broker_;
std::unique_ptr<identity::IdentityApp> NotificationTest::identity_;
std::unique_ptr<idv1::IdentityService::Stub> NotificationTest::identity_stub_;
std::unique_ptr<NotificationApp> NotificationTest::app_;
std::unique_ptr<v1::NotificationService::Stub> NotificationTest::stub_;

void NotificationTest::StartApps(
    std::function<void(NotificationAppOptions&)> customize) {
  broker_ = std::make_unique<fineprint::testing::KafkaBroker>();
  auto bootstrap = broker_->Start();
  ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();

  auto identity = fineprint::testing::StartTestIdentity(*bootstrap);
  ASSERT_TRUE(identity.ok()) << identity.status();
  identity_ = *std::move(identity);
  identity_stub_ = fineprint::testing::ConnectInsecure<idv1::IdentityService>(
      identity_->grpc_target());

  auto kit = fineprint::testing::LocalKitOptions("notification", *bootstrap,
                                                 identity_->grpc_target(), 8);
  ASSERT_TRUE(kit.ok()) << kit.status();
  NotificationAppOptions options;
  static_cast<service::KitOptions&>(options) = *kit;
  options.workers.idle_poll = absl::Milliseconds(10);
  options.workers.workers = 4;
  options.config.stream_poll = absl::Milliseconds(500);
  if (customize) customize(options);
  auto app = NotificationApp::Start(options);
  ASSERT_TRUE(app.ok()) << app.status();
  app_ = *std::move(app);
  stub_ = fineprint::testing::ConnectInsecure<v1::NotificationService>(
      app_->grpc_target());
}

void NotificationTest::TearDownTestSuite() {
  stub_.reset();
  app_.reset();
  identity_stub_.reset();
  identity_.reset();
  broker_.reset();
}

std::unique_ptr<grpc::ClientContext> NotificationTest::Ctx(
    const std::string& token, int seconds) {
  return fineprint::testing::ClientContext(token, absl::Seconds(seconds));
}

void NotificationTest::WaitForMember(const Account& a) {
  const std::string user = a.user.name().substr(a.user.name().rfind('/') + 1);
  EXPECT_TRUE(WaitUntil([&] {
    return Count(
               "SELECT count(*) FROM members WHERE org_id = $1"
               " AND user_id = $2",
               {a.org_id(), user}) == 1;
  })) << "notification never heard of "
      << a.user.name();
}

Account NotificationTest::SignUp(absl::string_view tag) {
  Account a = fineprint::testing::SignUpOwner(*identity_stub_, tag);
  WaitForMember(a);
  return a;
}

Account NotificationTest::Add(const Account& owner, idv1::Role role) {
  Account a = fineprint::testing::AddMember(*identity_stub_, owner, role);
  WaitForMember(a);
  return a;
}

std::string NotificationTest::Publish(const google::protobuf::Message& event,
                                      absl::string_view producer,
                                      absl::string_view aggregate_id) {
  const events::OutboxWriter writer{std::string(producer)};
  std::string id;
  absl::Status s =
      db::RunInTransaction(pool(), {}, [&](db::Tx& tx) -> absl::Status {
        absl::StatusOr<std::string> appended =
            writer.Append(tx, aggregate_id, event);
        if (!appended.ok()) return appended.status();
        id = *appended;
        return absl::OkStatus();
      });
  EXPECT_TRUE(s.ok()) << s;
  return id;
}

bool NotificationTest::WaitUntil(const std::function<bool()>& done,
                                 absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

int64_t NotificationTest::Count(absl::string_view sql,
                                std::vector<db::Param> params) {
  return fineprint::testing::QueryInt64(pool(), sql, std::move(params));
}

// --- Receiver ----------------------------------------------------------------

namespace {

const http::HttpClient& LoopbackClient() {
  static const http::HttpClient* client = [] {
    http::ClientOptions options;
    options.allow = *http::ParseIpRanges("127.0.0.1/32");
    options.total_timeout = absl::Seconds(10);
    return http::HttpClient::Create(options)->release();
  }();
  return *client;
}

}  // namespace

std::unique_ptr<Receiver> Receiver::Start() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const std::string script = absl::StrCat(
      srcdir != nullptr ? srcdir : ".",
      "/fineprint/services/notification/tests/webhook_receiver.py");
  int out[2];
  if (pipe(out) != 0) return nullptr;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string python = "/usr/bin/python3";
  char* argv[] = {python.data(), const_cast<char*>(script.c_str()), nullptr};
  auto receiver = std::unique_ptr<Receiver>(new Receiver());
  const int rc = posix_spawn(&receiver->pid_, python.c_str(), &actions, nullptr,
                             argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return nullptr;
  }
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  close(out[0]);
  if (!absl::SimpleAtoi(line, &receiver->port_)) return nullptr;
  return receiver;
}

Receiver::~Receiver() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string Receiver::Url(absl::string_view path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void Receiver::Configure(const std::vector<std::string>& secrets,
                         const std::string& plans_json) {
  std::string body = "{\"secrets\":[";
  for (size_t i = 0; i < secrets.size(); ++i) {
    absl::StrAppend(&body, i ? "," : "", "\"", secrets[i], "\"");
  }
  absl::StrAppend(&body, "],\"plans\":", plans_json, "}");
  http::Request req;
  req.method = http::Method::kPost;
  req.url = Url("/_config");
  req.body = body;
  auto resp = LoopbackClient().Send(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->status, 200);
}

std::string Receiver::LogJson() {
  auto resp = LoopbackClient().Get(Url("/_log"));
  EXPECT_TRUE(resp.ok()) << resp.status();
  return resp.ok() ? resp->body : "[]";
}

int Receiver::CountAt(absl::string_view path) {
  const std::string log = LogJson();
  const std::string needle = absl::StrCat("\"path\": \"", path, "\"");
  int n = 0;
  for (size_t at = log.find(needle); at != std::string::npos;
       at = log.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace fineprint::notification::testing
