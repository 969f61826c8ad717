// The email channel end to end: real notification and identity services,
// a real Kafka broker and PostgreSQL, a real SMTP server (aiosmtpd) whose
// messages are read back with Python's email package, and the real REST
// edge serving the one-click unsubscribe link without login. The
// service's clock is moved (not waited for) to just before quiet hours end
// or a digest period closes in the user's time zone.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "gateway/edge_app.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/notification/tests/notification_fixture.h"
#include "services/runtime/http/http_client.h"
#include "services/runtime/mail/test_smtp_sink.h"

namespace fineprint::notification::testing {
namespace {

using mail::testing::ReceivedMail;
using mail::testing::TestSmtpSink;

constexpr char kSecret[] = "test-unsubscribe-secret";

std::atomic<int64_t> clock_offset_ms{0};

absl::Time FakeNow() {
  return absl::Now() + absl::Milliseconds(clock_offset_ms.load());
}

// The service's clock reads `at` now.
void SetClock(absl::Time at) {
  clock_offset_ms = absl::ToInt64Milliseconds(at - absl::Now());
}

std::string DescriptorSetPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".",
                      "/fineprint/protos/fineprint_descriptor_set.pb");
}

// A port free now, for the edge (mail links must name it before it runs).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string IdOf(const std::string& name) {
  return name.substr(name.rfind('/') + 1);
}

class EmailTest : public NotificationTest {
 protected:
  static void SetUpTestSuite() {
    auto sink = TestSmtpSink::Start();
    ASSERT_TRUE(sink.ok()) << sink.status();
    sink_ = *std::move(sink);
    edge_port_ = FreePort();
    StartApps([](NotificationAppOptions& o) {
      o.email.smtp.url = sink_->url();
      o.email.from = {"Fineprint", "notify@fineprint.test"};
      o.email.link_base_url = absl::StrCat("http://127.0.0.1:", edge_port_);
      o.email.unsubscribe_secret = kSecret;
      o.email.clock = FakeNow;
      o.email.lease = absl::Seconds(2);
      o.email_workers.idle_poll = absl::Milliseconds(20);
    });
    gateway::EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    edge.descriptor_set = DescriptorSetPath();
    edge.backends = {
        absl::StrCat("fineprint.identity.v1.IdentityService=",
                     identity_target()),
        absl::StrCat("fineprint.notification.v1.NotificationService=",
                     app().grpc_target())};
    edge.http.host = "127.0.0.1";
    edge.http.port = edge_port_;
    edge.http.threads = 2;
    auto started = gateway::EdgeApp::Start(edge);
    ASSERT_TRUE(started.ok()) << started.status();
    edge_ = *std::move(started);
    http::ClientOptions client;
    client.allow = *http::ParseIpRanges("127.0.0.1/32");
    client.total_timeout = absl::Seconds(10);
    auto created = http::HttpClient::Create(client);
    ASSERT_TRUE(created.ok());
    http_ = *std::move(created);
  }
  static void TearDownTestSuite() {
    edge_.reset();
    NotificationTest::TearDownTestSuite();
    sink_.reset();
  }
  void SetUp() override { clock_offset_ms = 0; }

  // Mails received for `email`, in order.
  static std::vector<ReceivedMail> MailsTo(const std::string& email) {
    std::vector<ReceivedMail> out;
    auto all = sink_->Messages();
    EXPECT_TRUE(all.ok()) << all.status();
    if (!all.ok()) return out;
    for (ReceivedMail& m : *all) {
      if (m.rcpt_tos.size() == 1 && m.rcpt_tos[0] == email) {
        out.push_back(std::move(m));
      }
    }
    return out;
  }
  static bool WaitForMails(const std::string& email, size_t n,
                           absl::Duration timeout = absl::Seconds(30)) {
    return WaitUntil([&] { return MailsTo(email).size() >= n; }, timeout);
  }

  static std::string PublishFailed(const Account& a, const std::string& title) {
    analysis::events::v1::AnalysisFailed e;
    e.set_organization(a.org.name());
    e.set_job(absl::StrCat(a.org.name(), "/jobs/j1"));
    e.set_title(title);
    e.set_attempt(3);
    e.set_error_message("parser gave up");
    return Publish(e, "analysis");
  }

  static void SetPreferences(const Account& a, v1::DigestFrequency digest,
                             const std::string& zone, int quiet_start,
                             int quiet_end) {
    v1::UpdateNotificationPreferencesRequest req;
    v1::NotificationPreferences* p = req.mutable_notification_preferences();
    p->set_name(absl::StrCat(UserOf(a), "/notificationPreferences"));
    p->set_email_digest(digest);
    p->set_time_zone(zone);
    p->mutable_quiet_hours()->set_start_minute(quiet_start);
    p->mutable_quiet_hours()->set_end_minute(quiet_end);
    for (const char* f : {"email_digest", "time_zone", "quiet_hours"}) {
      req.mutable_update_mask()->add_paths(f);
    }
    v1::NotificationPreferences resp;
    grpc::Status s =
        stub().UpdateNotificationPreferences(Ctx(a.token).get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static int64_t Events(const std::string& type, const Account& a) {
    return Count(
        "SELECT count(*) FROM outbox WHERE event_type = $1"
        " AND aggregate_id = $2",
        {absl::StrCat("fineprint.notification.events.v1.", type),
         IdOf(UserOf(a))});
  }

  // `count()` once it reaches `want` (the job commits after the SMTP
  // server has the mail), or its value after 10 s.
  static int64_t Settled(const std::function<int64_t()>& count, int64_t want) {
    WaitUntil([&] { return count() == want; }, absl::Seconds(10));
    return count();
  }

  // As a mail client does it (RFC 8058 section 3.2): the one-click form.
  static absl::StatusOr<http::Response> Post(const std::string& url) {
    http::Request req;
    req.method = http::Method::kPost;
    req.url = url;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = "List-Unsubscribe=One-Click";
    return http_->Send(req);
  }

  static inline std::unique_ptr<TestSmtpSink> sink_;
  static inline std::unique_ptr<gateway::EdgeApp> edge_;
  static inline std::unique_ptr<http::HttpClient> http_;
  static inline int edge_port_ = 0;
};

TEST_F(EmailTest, ImmediateMailAndItsOneClickUnsubscribeThroughTheEdge) {
  Account owner = SignUp();
  const std::string email = owner.user.email();
  // Non-ASCII and markup in event data: encoded subject, escaped HTML.
  const std::string title = "<b>Conditions g\xC3\xA9n\xC3\xA9rales</b> & co";
  PublishFailed(owner, title);
  ASSERT_TRUE(WaitForMails(email, 1));
  const ReceivedMail mail = MailsTo(email)[0];
  EXPECT_TRUE(mail.defects.empty()) << mail.defects[0];
  EXPECT_EQ(mail.mail_from, "notify@fineprint.test");
  EXPECT_EQ(mail.Header("subject"),
            absl::StrCat("Analysis of \"", title, "\" failed"));
  EXPECT_TRUE(absl::StrContains(mail.raw, "Subject: =?UTF-8?B?")) << mail.raw;
  EXPECT_EQ(mail.Header("from"), "Fineprint <notify@fineprint.test>");
  EXPECT_TRUE(absl::EndsWith(mail.Header("message-id"), "@fineprint.test>"));
  EXPECT_FALSE(mail.Header("date").empty());
  EXPECT_EQ(mail.content_type, "multipart/alternative");
  ASSERT_EQ(mail.parts.size(), 2u);
  EXPECT_EQ(mail.parts[0].type, "text/plain");
  EXPECT_EQ(mail.parts[0].transfer_encoding, "quoted-printable");
  EXPECT_TRUE(absl::StrContains(mail.parts[0].body, title));
  EXPECT_TRUE(absl::StrContains(mail.parts[0].body,
                                "The analysis stopped after 3 attempts"));
  EXPECT_EQ(mail.parts[1].type, "text/html");
  EXPECT_TRUE(absl::StrContains(
      mail.parts[1].body,
      "&lt;b&gt;Conditions g\xC3\xA9n\xC3\xA9rales&lt;/b&gt; &amp; co"))
      << mail.parts[1].body;
  EXPECT_FALSE(absl::StrContains(mail.parts[1].body, "<b>Conditions"));
  for (char c : mail.raw) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
  EXPECT_EQ(Settled([&] { return Events("EmailSent", owner); }, 1), 1);

  // RFC 8058: an https (here: the test edge's) link and the one-click POST.
  EXPECT_EQ(mail.Header("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
  const std::string header = mail.Header("list-unsubscribe");
  absl::string_view link = header;
  ASSERT_TRUE(absl::ConsumePrefix(&link, "<")) << link;
  ASSERT_TRUE(absl::ConsumeSuffix(&link, ">")) << link;
  ASSERT_TRUE(absl::StartsWith(
      link, absl::StrCat("http://127.0.0.1:", edge_port_,
                         "/v1/notifications:unsubscribe?token=")));
  const std::string url(link);
  EXPECT_TRUE(absl::StrContains(mail.parts[0].body, url));

  // Forged and malformed tokens change nothing.
  const std::string token = url.substr(url.find("token=") + 6);
  const std::string base = url.substr(0, url.find("token=") + 6);
  std::string forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  auto refused = Post(base + forged);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 403) << refused->body;
  auto malformed = Post(base + "not-a-token");
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(malformed->status, 400) << malformed->body;
  EXPECT_TRUE(absl::StrContains(malformed->body, "token")) << malformed->body;
  EXPECT_EQ(Count("SELECT count(*) FROM category_preferences"
                  " WHERE org_id = $1",
                  {owner.org_id()}),
            0);

  // The real link, without login, as a mail client would.
  auto done = Post(url);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status, 200) << done->body;
  EXPECT_TRUE(absl::StrContains(done->body, "ANALYSIS_FAILED")) << done->body;
  v1::GetNotificationPreferencesRequest get;
  get.set_name(absl::StrCat(UserOf(owner), "/notificationPreferences"));
  v1::NotificationPreferences prefs;
  ASSERT_TRUE(
      stub()
          .GetNotificationPreferences(Ctx(owner.token).get(), get, &prefs)
          .ok());
  ASSERT_EQ(prefs.categories_size(), 1);
  EXPECT_EQ(prefs.categories(0).kind(), v1::ANALYSIS_FAILED);
  EXPECT_FALSE(prefs.categories(0).email());
  EXPECT_TRUE(prefs.categories(0).in_app());
  EXPECT_EQ(Events("NotificationPreferencesUpdated", owner), 1);

  // The next failure reaches the inbox, not the mailbox.
  PublishFailed(owner, "second");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM notifications WHERE org_id = $1",
                 {owner.org_id()}) == 2;
  }));
  EXPECT_EQ(Count("SELECT count(*) FROM email_jobs WHERE org_id = $1",
                  {owner.org_id()}),
            1);
}

TEST_F(EmailTest, QuietHoursHoldMailButNotSecurity) {
  Account owner = SignUp();
  const std::string email = owner.user.email();
  const absl::TimeZone zone = *[] {
    static absl::TimeZone z;
    absl::LoadTimeZone("America/New_York", &z);
    return &z;
  }();
  SetPreferences(owner, v1::IMMEDIATE, "America/New_York", 22 * 60, 7 * 60);
  // 06:59:52 in New York: quiet hours end in 8 s.
  const absl::Time quiet_end = absl::FromCivil(
      absl::CivilMinute(absl::CivilDay(absl::ToCivilDay(absl::Now(), zone))) +
          7 * 60,
      zone);
  SetClock(quiet_end - absl::Seconds(8));

  PublishFailed(owner, "held back");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM email_digest_items WHERE org_id = $1",
                 {owner.org_id()}) == 1;
  }));
  // Critical: at once, quiet hours or not.
  identity::events::v1::ApiKeyCreated key;
  key.set_organization(owner.org.name());
  key.set_api_key(absl::StrCat(owner.org.name(), "/apiKeys/k1"));
  key.set_role(identity::v1::ADMIN);
  Publish(key, "identity");
  ASSERT_TRUE(WaitForMails(email, 1, absl::Seconds(6)));
  EXPECT_EQ(MailsTo(email)[0].Header("subject"), "A new API key was created");
  EXPECT_EQ(MailsTo(email).size(), 1u);  // the other one still waits

  // When quiet hours end, the held mail goes (a digest of one: its own).
  ASSERT_TRUE(WaitForMails(email, 2, absl::Seconds(20)));
  const ReceivedMail held = MailsTo(email)[1];
  EXPECT_EQ(held.Header("subject"), "Analysis of \"held back\" failed");
  EXPECT_EQ(Settled(
                [&] {
                  return Count(
                      "SELECT count(*) FROM email_digest_items"
                      " WHERE org_id = $1",
                      {owner.org_id()});
                },
                0),
            0);
  EXPECT_EQ(Settled([&] { return Events("EmailSent", owner); }, 2), 2);
}

TEST_F(EmailTest, HourlyDigestInTheUsersTimeZone) {
  Account owner = SignUp();
  const std::string email = owner.user.email();
  absl::TimeZone kolkata;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Kolkata", &kolkata));  // UTC+05:30
  SetPreferences(owner, v1::HOURLY, "Asia/Kolkata", 0, 0);
  const absl::Time hour_end = absl::FromCivil(
      absl::CivilHour(absl::ToCivilHour(absl::Now(), kolkata)) + 1, kolkata);
  SetClock(hour_end - absl::Seconds(12));

  for (const char* title : {"one", "two", "three"}) {
    PublishFailed(owner, title);
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Count(
                   "SELECT count(*) FROM email_digest_items"
                   " WHERE org_id = $1",
                   {owner.org_id()}) == 3;
      },
      absl::Seconds(10)));
  EXPECT_TRUE(MailsTo(email).empty());
  // One digest job, due at the local hour: minute 30 in UTC.
  EXPECT_EQ(Count("SELECT count(*) FROM email_jobs WHERE org_id = $1"
                  " AND kind = 'DIGEST' AND send_at = $2"
                  " AND extract(minute FROM send_at AT TIME ZONE 'UTC') = 30",
                  {owner.org_id(), hour_end}),
            1);

  ASSERT_TRUE(WaitForMails(email, 1, absl::Seconds(30)));
  absl::SleepFor(absl::Seconds(1));
  ASSERT_EQ(MailsTo(email).size(), 1u);
  const ReceivedMail digest = MailsTo(email)[0];
  EXPECT_TRUE(digest.defects.empty());
  EXPECT_EQ(digest.Header("subject"), "Fineprint: 3 new notifications");
  ASSERT_EQ(digest.parts.size(), 2u);
  for (const char* title : {"one", "two", "three"}) {
    const std::string t = absl::StrCat("Analysis of \"", title, "\" failed");
    EXPECT_TRUE(absl::StrContains(digest.parts[0].body, t)) << t;
    EXPECT_TRUE(absl::StrContains(
        digest.parts[1].body,
        absl::StrCat("<b>Analysis of &quot;", title, "&quot; failed</b>")))
        << digest.parts[1].body;
  }
  EXPECT_FALSE(digest.Header("list-unsubscribe").empty());
  EXPECT_EQ(Settled(
                [&] {
                  return Count(
                      "SELECT count(*) FROM email_digest_items"
                      " WHERE org_id = $1",
                      {owner.org_id()});
                },
                0),
            0);
  EXPECT_EQ(Settled([&] { return Events("EmailSent", owner); }, 1), 1);
}

TEST_F(EmailTest, RetriesWithBackoffAndGivesUpOnPermanentRefusal) {
  Account owner = SignUp();
  const std::string email = owner.user.email();
  sink_->FailNext(2);  // 451 twice, then accepted
  PublishFailed(owner, "retried");
  ASSERT_TRUE(WaitForMails(email, 1, absl::Seconds(40)));
  EXPECT_EQ(Settled(
                [&] {
                  return Count(
                      "SELECT attempt FROM email_jobs WHERE org_id = $1"
                      " AND state = 'SUCCEEDED'",
                      {owner.org_id()});
                },
                3),
            3);
  EXPECT_EQ(Settled([&] { return Events("EmailSent", owner); }, 1), 1);

  // A mailbox the server refuses for good (550): failed, not retried.
  Account bounced = SignUp("bounce");
  PublishFailed(bounced, "undeliverable");
  ASSERT_TRUE(WaitUntil([&] {
    return Count(
               "SELECT count(*) FROM email_jobs WHERE org_id = $1"
               " AND state = 'FAILED'",
               {bounced.org_id()}) == 1;
  }));
  EXPECT_EQ(Count("SELECT attempt FROM email_jobs WHERE org_id = $1",
                  {bounced.org_id()}),
            1);
  EXPECT_EQ(Settled([&] { return Events("EmailFailed", bounced); }, 1), 1);
  EXPECT_TRUE(MailsTo(bounced.user.email()).empty());
}

TEST_F(EmailTest, AWorkerDyingMidJobLosesNoMail) {
  Account owner = SignUp();
  const std::string email = owner.user.email();
  // The worker that takes the job vanishes just before sending, as a
  // killed process would: no heartbeat, no row written.
  app().domain().email_workers->SimulateCrashOnNextProgress();
  PublishFailed(owner, "survives");
  ASSERT_TRUE(WaitForMails(email, 1, absl::Seconds(30)));
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(MailsTo(email).size(), 1u);
  // Claimed twice: by the dead worker, then after its lease ran out.
  EXPECT_EQ(Settled(
                [&] {
                  return Count(
                      "SELECT attempt FROM email_jobs WHERE org_id = $1"
                      " AND state = 'SUCCEEDED'",
                      {owner.org_id()});
                },
                2),
            2);
  EXPECT_EQ(Settled([&] { return Events("EmailSent", owner); }, 1), 1);
}

}  // namespace
}  // namespace fineprint::notification::testing
