// kill -9 of the notification binary while webhook retries are pending
// loses no delivery. The real binary runs as a child process (with Kafka,
// identity and PostgreSQL real too) on a compressed retry schedule; the
// Python receiver verifies every signature with the Standard Webhooks
// reference library, fails the first attempts and holds each delivery for
// a while, so two attempts of one delivery in flight at once would show.
// After the kill and a restart every delivery arrives (at least once,
// deduplicated by webhook-id) and none overlapped.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "events/outbox/outbox_writer.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/notification/tests/notification_fixture.h"
#include "services/runtime/db/pg_pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/http/http_client.h"
#include "tests/testing/identity_test_client.h"
#include "tests/testing/kafka_broker.h"
#include "tests/testing/service_test_util.h"
#include "tests/testing/shared_postgres.h"

extern char** environ;

namespace fineprint::notification::testing {
namespace {

namespace mev1 = ::fineprint::monitoring::events::v1;

constexpr int kEvents = 12;
constexpr char kSourceChanged[] =
    "fineprint.monitoring.events.v1.SourceChanged";

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// The notification binary as a child process, output in TEST_TMPDIR.
class ServiceProcess {
 public:
  explicit ServiceProcess(std::vector<std::string> args)
      : args_(std::move(args)) {}
  ~ServiceProcess() { Kill(); }

  bool Start(absl::string_view log_name) {
    const char* srcdir = std::getenv("TEST_SRCDIR");
    const char* tmpdir = std::getenv("TEST_TMPDIR");
    std::string binary =
        absl::StrCat(srcdir != nullptr ? srcdir : ".",
                     "/fineprint/services/notification/notification_server");
    const std::string log = absl::StrCat(tmpdir != nullptr ? tmpdir : "/tmp",
                                         "/", log_name, ".log");
    std::vector<char*> argv = {binary.data()};
    for (std::string& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr,
                               argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

 private:
  std::vector<std::string> args_;
  pid_t pid_ = 0;
};

struct Receipt {
  std::string webhook_id;
  int status = 0;
  bool verified = false;
  bool overlapped = false;
};

std::vector<Receipt> Receipts(Receiver& receiver) {
  google::protobuf::ListValue list;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(receiver.LogJson(), &list)
          .ok());
  std::vector<Receipt> out;
  for (const auto& v : list.values()) {
    const auto& f = v.struct_value().fields();
    Receipt r;
    r.webhook_id = f.at("webhook_id").string_value();
    r.status = static_cast<int>(f.at("status").number_value());
    for (const auto& i : f.at("verified").list_value().values()) {
      if (i.number_value() == 0) r.verified = true;
    }
    r.overlapped = f.at("overlapped").bool_value();
    out.push_back(r);
  }
  return out;
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return done();
}

TEST(WebhookKillTest, KillNineMidRetriesLosesNoDelivery) {
  fineprint::testing::KafkaBroker broker;
  absl::StatusOr<std::string> kafka = broker.Start();
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  auto identity = fineprint::testing::StartTestIdentity(*kafka);
  ASSERT_TRUE(identity.ok()) << identity.status();
  auto identity_stub =
      fineprint::testing::ConnectInsecure<idv1::IdentityService>(
          (*identity)->grpc_target());
  std::unique_ptr<Receiver> receiver = Receiver::Start();
  ASSERT_NE(receiver, nullptr);
  absl::StatusOr<std::string> dsn =
      fineprint::testing::NewTestDatabase("notification_kill");
  ASSERT_TRUE(dsn.ok()) << dsn.status();

  const int grpc_port = FreePort();
  ASSERT_GT(grpc_port, 0);
  const std::vector<std::string> args = {
      absl::StrCat("--pg_dsn=", *dsn),
      absl::StrCat("--kafka_bootstrap_servers=", *kafka),
      absl::StrCat("--identity_target=", (*identity)->grpc_target()),
      "--listen_host=127.0.0.1",
      absl::StrCat("--grpc_port=", grpc_port),
      absl::StrCat("--admin_port=", FreePort()),
      "--allow_http_webhooks",
      "--outbound_allow=127.0.0.1/32",
      // Every delivery fails at least twice: the kill finds retries queued.
      "--webhook_retry_schedule=1s,1s,1s,1s,1s,1s,1s,1s",
      "--webhook_retry_jitter=0.1",
      "--webhook_workers=4",
  };
  auto service = std::make_unique<ServiceProcess>(args);
  ASSERT_TRUE(service->Start("notification_1"));
  const std::string target = absl::StrCat("127.0.0.1:", grpc_port);
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                        std::chrono::seconds(60)))
      << "the notification binary did not come up";
  auto stub = v1::NotificationService::NewStub(channel);

  db::PoolOptions db_options;
  db_options.dsn = *dsn;
  db_options.search_path = "notification";
  db_options.max_connections = 2;
  auto pool = db::NewPgPool(db_options);
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto count = [&](absl::string_view sql) {
    return fineprint::testing::QueryInt64(**pool, sql);
  };

  Account owner = fineprint::testing::SignUpOwner(*identity_stub, "killed");
  v1::CreateWebhookRequest create;
  create.set_parent(owner.org.name());
  create.mutable_webhook()->set_url(receiver->Url("/hook"));
  create.mutable_webhook()->set_active(true);
  create.mutable_webhook()->add_event_types(kSourceChanged);
  v1::CreateWebhookResponse hook;
  grpc::Status s = stub->CreateWebhook(
      fineprint::testing::ClientContext(owner.token, absl::Seconds(10)).get(),
      create, &hook);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The first 2 * kEvents attempts fail; each one is held 300 ms.
  std::string plan = "[";
  for (int i = 0; i < 2 * kEvents; ++i) {
    absl::StrAppend(&plan, i ? "," : "", "[500, {}]");
  }
  absl::StrAppend(&plan, "]");
  {
    http::ClientOptions client_options;
    client_options.allow = *http::ParseIpRanges("127.0.0.1/32");
    auto client = http::HttpClient::Create(client_options);
    ASSERT_TRUE(client.ok());
    http::Request config;
    config.method = http::Method::kPost;
    config.url = receiver->Url("/_config");
    config.body =
        absl::StrCat("{\"secrets\":[\"", hook.signing_secret(),
                     "\"],\"plans\":{\"/hook\":", plan, "},\"hold_ms\":300}");
    auto answer = (*client)->Send(config);
    ASSERT_TRUE(answer.ok() && answer->status == 200);
  }

  // The events, as monitoring's relay would publish them.
  std::set<std::string> event_ids;
  const events::OutboxWriter monitoring{"monitoring"};
  ASSERT_TRUE(db::RunInTransaction(**pool, {}, [&](db::Tx& tx) -> absl::Status {
                for (int i = 0; i < kEvents; ++i) {
                  mev1::SourceChanged e;
                  e.set_organization(owner.org.name());
                  e.set_watch(absl::StrCat(owner.org.name(), "/watches/w", i));
                  e.set_display_name("Acme terms");
                  e.set_url("https://acme.example/terms");
                  absl::StatusOr<std::string> id =
                      monitoring.Append(tx, absl::StrCat("w", i), e);
                  if (!id.ok()) return id.status();
                  event_ids.insert(*id);
                }
                return absl::OkStatus();
              }).ok());

  // Mid-retries: some attempts failed, nothing has succeeded everywhere.
  ASSERT_TRUE(WaitUntil(
      [&] { return receiver->CountAt("/hook") >= kEvents + kEvents / 2; },
      absl::Seconds(60)))
      << "deliveries never started";
  service->Kill();
  const int64_t pending =
      count("SELECT count(*) FROM deliveries WHERE status = 'PENDING'");
  EXPECT_GT(pending, 0) << "killed too late: nothing was pending";

  service = std::make_unique<ServiceProcess>(args);
  ASSERT_TRUE(service->Start("notification_2"));
  // Attempts cut by the kill wait for their lease (15 s) to run out.
  EXPECT_TRUE(WaitUntil(
      [&] {
        return count(
                   "SELECT count(*) FROM deliveries"
                   " WHERE status = 'SUCCEEDED'") == kEvents;
      },
      absl::Seconds(90)))
      << count("SELECT count(*) FROM deliveries WHERE status = 'SUCCEEDED'")
      << " of " << kEvents << " deliveries succeeded";
  service->Kill();

  std::map<std::string, int> delivered;  // webhook-id -> 2xx receipts
  int failed = 0;
  for (const Receipt& r : Receipts(*receiver)) {
    EXPECT_TRUE(r.verified) << r.webhook_id;
    EXPECT_FALSE(r.overlapped)
        << "two attempts of " << r.webhook_id << " ran at once";
    EXPECT_EQ(event_ids.count(r.webhook_id), 1u) << r.webhook_id;
    if (r.status == 200) {
      ++delivered[r.webhook_id];
    } else {
      ++failed;
    }
  }
  EXPECT_EQ(failed, 2 * kEvents);
  // None lost; at least once (a success whose result the kill cut off is
  // sent again).
  EXPECT_EQ(delivered.size(), event_ids.size());
  for (const auto& [id, n] : delivered) EXPECT_GE(n, 1) << id;
}

}  // namespace
}  // namespace fineprint::notification::testing
