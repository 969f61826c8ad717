// The inbox end to end over real Kafka: identity's user events build the
// member projection; published analysis/monitoring/identity events become
// notifications by the rules table, for the rules' roles, filtered by each
// user's preferences; list, unread counts, mark read; a live stream that
// resumes after a disconnect with nothing missed and nothing doubled; one
// event fanned out to 1,000 inboxes.

#include <cstdio>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "google/rpc/error_details.pb.h"
#include "services/notification/tests/notification_fixture.h"
#include "services/runtime/status/status.h"
#include "tests/testing/service_test_util.h"

namespace fineprint::notification::testing {
namespace {

namespace aev1 = ::fineprint::analysis::events::v1;
namespace mev1 = ::fineprint::monitoring::events::v1;

class InboxTest : public NotificationTest {
 protected:
  static void SetUpTestSuite() { StartApps(); }

  static aev1::AnalysisCompleted Completed(const Account& a,
                                           const std::string& title) {
    aev1::AnalysisCompleted e;
    e.set_organization(a.org.name());
    e.set_job(absl::StrCat(a.org.name(), "/jobs/j1"));
    e.set_analysis(absl::StrCat(a.org.name(), "/jobs/j1/analysis"));
    e.set_title(title);
    e.set_score(35);
    e.set_grade(analysis::v1::GRADE_D);
    e.set_finding_count(4);
    e.mutable_delta()->set_headline("A binding arbitration clause was added.");
    return e;
  }

  static v1::ListNotificationsResponse List(const Account& a,
                                            bool unread_only = false,
                                            int page_size = 0,
                                            const std::string& token = "") {
    v1::ListNotificationsRequest req;
    req.set_parent(a.user.name());
    req.set_unread_only(unread_only);
    req.set_page_size(page_size);
    req.set_page_token(token);
    v1::ListNotificationsResponse resp;
    grpc::Status s = stub().ListNotifications(Ctx(a.token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static int64_t CountFor(const Account& a, const std::string& event_id) {
    return Count(
        "SELECT count(*) FROM notifications WHERE org_id = $1 AND event_id = "
        "$2",
        {a.org_id(), event_id});
  }
};

TEST_F(InboxTest, RulesRenderTextForTheirRoles) {
  Account owner = SignUp();
  Account member = Add(owner, idv1::MEMBER);
  Account viewer = Add(owner, idv1::VIEWER);
  const std::string id = Publish(Completed(owner, "Acme ToS"), "analysis");
  ASSERT_TRUE(WaitUntil([&] { return CountFor(owner, id) == 2; }));

  v1::ListNotificationsResponse mine = List(member);
  ASSERT_EQ(mine.notifications_size(), 1);
  const v1::Notification& n = mine.notifications(0);
  EXPECT_EQ(n.kind(), v1::ANALYSIS_COMPLETED);
  EXPECT_EQ(n.severity(), v1::SEVERITY_INFO);
  EXPECT_EQ(n.title(), "Analysis of \"Acme ToS\" finished: grade GRADE_D");
  EXPECT_EQ(n.body(),
            "Score 35/100 with 4 findings. A binding arbitration clause was "
            "added.");
  EXPECT_EQ(n.link(), absl::StrCat(owner.org.name(), "/jobs/j1/analysis"));
  EXPECT_TRUE(
      absl::StartsWith(n.name(), member.user.name() + "/notifications/"));
  EXPECT_FALSE(n.read());
  EXPECT_EQ(mine.unread_count(), 1);
  EXPECT_EQ(List(viewer).notifications_size(), 0);  // VIEWER not in the rule

  // SourceCheckFailed goes to OWNER and ADMIN only; ApiKeyCreated is
  // SECURITY, critical.
  mev1::SourceCheckFailed failed;
  failed.set_organization(owner.org.name());
  failed.set_watch(absl::StrCat(owner.org.name(), "/watches/w1"));
  failed.set_display_name("Acme terms");
  failed.set_url("https://acme.example/terms");
  failed.set_error("timeout");
  failed.set_consecutive_failures(3);
  const std::string failed_id = Publish(failed, "monitoring");
  // Two topics are consumed independently: wait, so "newest first" below
  // has one order.
  ASSERT_TRUE(WaitUntil([&] { return CountFor(owner, failed_id) == 1; }));
  identity::events::v1::ApiKeyCreated key;
  key.set_organization(owner.org.name());
  key.set_api_key(absl::StrCat(owner.org.name(), "/apiKeys/k1"));
  key.set_role(idv1::ADMIN);
  const std::string key_id = Publish(key, "identity");
  ASSERT_TRUE(WaitUntil([&] {
    return CountFor(owner, failed_id) == 1 && CountFor(owner, key_id) == 1;
  }));
  v1::ListNotificationsResponse owners = List(owner);
  ASSERT_EQ(owners.notifications_size(), 3);
  EXPECT_EQ(owners.notifications(0).kind(), v1::SECURITY);  // newest first
  EXPECT_EQ(owners.notifications(0).severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(owners.notifications(1).title(),
            "\"Acme terms\" could not be checked");
  EXPECT_EQ(owners.notifications(1).body(),
            "3 failed checks of https://acme.example/terms: timeout");
  EXPECT_EQ(List(member).notifications_size(), 1);
  // Each notification wrote its NotificationCreated in the same transaction.
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type ="
                  " 'fineprint.notification.events.v1.NotificationCreated'"
                  " AND aggregate_id IN (SELECT id FROM notifications"
                  "   WHERE org_id = $1)",
                  {owner.org_id()}),
            Count("SELECT count(*) FROM notifications WHERE org_id = $1",
                  {owner.org_id()}));
}

// A new organisation's first events may be consumed before its owner's
// UserRegistered (another topic): they wait and reach the owner then.
TEST_F(InboxTest, NoticesBeforeTheFirstMemberIsKnownWaitForIt) {
  const std::string org = "orgs/0rderless0rg1";
  aev1::AnalysisCompleted e;
  e.set_organization(org);
  e.set_job(org + "/jobs/j1");
  e.set_analysis(org + "/jobs/j1/analysis");
  e.set_title("Early");
  e.set_grade(analysis::v1::GRADE_A);
  Publish(e, "analysis");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM parked_notices WHERE org_id = $1",
                 {std::string("0rderless0rg1")}) == 1;
  }));
  identity::events::v1::UserRegistered registered;
  registered.set_user(org + "/users/owner1");
  registered.set_organization(org);
  registered.set_email("early@example.com");
  registered.set_role(idv1::OWNER);
  Publish(registered, "identity");
  ASSERT_TRUE(WaitUntil([&] {
    return Count(
               "SELECT count(*) FROM notifications WHERE org_id = $1"
               " AND user_id = 'owner1' AND kind = 'ANALYSIS_COMPLETED'",
               {std::string("0rderless0rg1")}) == 1;
  }));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_notices WHERE org_id = $1",
                  {std::string("0rderless0rg1")}),
            0);
}

TEST_F(InboxTest, ActionDeadlinesNotifyAndOverdueIsCritical) {
  Account owner = SignUp();
  const std::string action = absl::StrCat(owner.org.name(), "/actions/a1");
  action::events::v1::ActionDueSoon soon;
  soon.set_action(action);
  soon.set_organization(owner.org.name());
  soon.set_kind(action::v1::DATA_ERASURE_REQUEST);
  soon.set_title("Erasure request to Acme");
  soon.set_lead_seconds(7 * 86400);
  const std::string soon_id = Publish(soon, "action");
  action::events::v1::ActionOverdue overdue;
  overdue.set_action(action);
  overdue.set_organization(owner.org.name());
  overdue.set_kind(action::v1::DATA_ERASURE_REQUEST);
  overdue.set_title("Erasure request to Acme");
  overdue.set_next_escalation_kind(action::v1::REMINDER_LETTER);
  const std::string overdue_id = Publish(overdue, "action");
  ASSERT_TRUE(WaitUntil([&] {
    return CountFor(owner, soon_id) == 1 && CountFor(owner, overdue_id) == 1;
  }));
  v1::ListNotificationsResponse mine = List(owner);
  ASSERT_EQ(mine.notifications_size(), 2);
  EXPECT_EQ(mine.notifications(0).kind(), v1::ACTION_OVERDUE);
  EXPECT_EQ(mine.notifications(0).severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(mine.notifications(0).title(), "Overdue: Erasure request to Acme");
  EXPECT_TRUE(absl::StrContains(mine.notifications(0).body(),
                                "Suggested next step: REMINDER_LETTER"))
      << mine.notifications(0).body();
  EXPECT_EQ(mine.notifications(0).link(), action);
  EXPECT_EQ(mine.notifications(1).kind(), v1::ACTION_DUE_SOON);
  EXPECT_EQ(mine.notifications(1).title(),
            "Deadline soon: Erasure request to Acme");
}

TEST_F(InboxTest, PagingUnreadFilterAndMarkRead) {
  Account owner = SignUp();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(
        Publish(Completed(owner, absl::StrCat("doc ", i)), "analysis"));
  }
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM notifications WHERE org_id = $1",
                 {owner.org_id()}) == 5;
  }));
  v1::ListNotificationsResponse page1 = List(owner, false, 2);
  ASSERT_EQ(page1.notifications_size(), 2);
  ASSERT_FALSE(page1.next_page_token().empty());
  v1::ListNotificationsResponse page2 =
      List(owner, false, 2, page1.next_page_token());
  v1::ListNotificationsResponse page3 =
      List(owner, false, 2, page2.next_page_token());
  ASSERT_EQ(page2.notifications_size(), 2);
  ASSERT_EQ(page3.notifications_size(), 1);
  EXPECT_TRUE(page3.next_page_token().empty());
  std::set<int64_t> seqs;
  for (const auto* p : {&page1, &page2, &page3}) {
    for (const auto& n : p->notifications()) seqs.insert(n.sequence());
  }
  EXPECT_EQ(seqs.size(), 5u);
  EXPECT_GT(page1.notifications(0).sequence(),
            page1.notifications(1).sequence());

  // Read one by name, then everything up to the third oldest.
  v1::MarkNotificationsReadRequest by_name;
  by_name.set_parent(owner.user.name());
  by_name.add_names(page1.notifications(0).name());
  v1::MarkNotificationsReadResponse marked;
  ASSERT_TRUE(
      stub()
          .MarkNotificationsRead(Ctx(owner.token).get(), by_name, &marked)
          .ok());
  EXPECT_EQ(marked.marked_count(), 1);
  EXPECT_EQ(marked.unread_count(), 4);
  v1::MarkNotificationsReadRequest up_to;
  up_to.set_parent(owner.user.name());
  up_to.set_up_to_sequence(*std::next(seqs.begin(), 2));
  ASSERT_TRUE(stub()
                  .MarkNotificationsRead(Ctx(owner.token).get(), up_to, &marked)
                  .ok());
  EXPECT_EQ(marked.marked_count(), 3);
  EXPECT_EQ(marked.unread_count(), 1);
  v1::ListNotificationsResponse unread = List(owner, true);
  ASSERT_EQ(unread.notifications_size(), 1);
  EXPECT_EQ(unread.notifications(0).sequence(), *std::next(seqs.begin(), 3));
  EXPECT_EQ(unread.unread_count(), 1);

  // Another user's notification name, and nothing to mark: refused.
  Account other = SignUp();
  v1::MarkNotificationsReadRequest bad;
  bad.set_parent(other.user.name());
  bad.add_names(page1.notifications(1).name());
  grpc::Status s =
      stub().MarkNotificationsRead(Ctx(other.token).get(), bad, &marked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // And another user's inbox cannot be read.
  v1::ListNotificationsRequest foreign;
  foreign.set_parent(owner.user.name());
  v1::ListNotificationsResponse ignored;
  EXPECT_EQ(stub()
                .ListNotifications(Ctx(other.token).get(), foreign, &ignored)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(InboxTest, PreferencesValidateAndFilter) {
  Account owner = SignUp();
  Account admin = Add(owner, idv1::ADMIN);
  const std::string prefs_name =
      absl::StrCat(admin.user.name(), "/notificationPreferences");
  v1::GetNotificationPreferencesRequest get;
  get.set_name(prefs_name);
  v1::NotificationPreferences defaults;
  ASSERT_TRUE(
      stub()
          .GetNotificationPreferences(Ctx(admin.token).get(), get, &defaults)
          .ok());
  EXPECT_EQ(defaults.email_digest(), v1::IMMEDIATE);

  // Malformed: every violation at once, nothing stored.
  v1::UpdateNotificationPreferencesRequest bad;
  v1::NotificationPreferences* p = bad.mutable_notification_preferences();
  p->set_name(prefs_name);
  p->set_time_zone("Mars/Olympus_Mons");
  p->mutable_quiet_hours()->set_start_minute(1500);
  auto* security = p->add_categories();
  security->set_kind(v1::SECURITY);
  security->set_in_app(false);
  auto* unknown = p->add_categories();
  unknown->set_kind(static_cast<v1::NotificationKind>(99));
  p->set_email_digest(static_cast<v1::DigestFrequency>(42));
  v1::NotificationPreferences out;
  grpc::Status s =
      stub().UpdateNotificationPreferences(Ctx(admin.token).get(), bad, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::BadRequest br;
  ASSERT_TRUE(status::GetDetail(status::FromGrpc(s), &br));
  std::set<std::string> fields;
  for (const auto& v : br.field_violations()) fields.insert(v.field());
  EXPECT_EQ(fields, (std::set<std::string>{
                        "notification_preferences.time_zone",
                        "notification_preferences.quiet_hours.start_minute",
                        "notification_preferences.categories[0].in_app",
                        "notification_preferences.categories[1].kind",
                        "notification_preferences.email_digest"}));
  EXPECT_EQ(Count("SELECT count(*) FROM preferences WHERE org_id = $1",
                  {admin.org_id()}),
            0);

  // Valid: analysis results off in the app, quiet hours in Paris.
  v1::UpdateNotificationPreferencesRequest good;
  p = good.mutable_notification_preferences();
  p->set_name(prefs_name);
  p->set_etag(defaults.etag());
  p->set_time_zone("Europe/Paris");
  p->mutable_quiet_hours()->set_start_minute(22 * 60);
  p->mutable_quiet_hours()->set_end_minute(7 * 60);
  p->set_email_digest(v1::DAILY);
  auto* off = p->add_categories();
  off->set_kind(v1::ANALYSIS_COMPLETED);
  off->set_in_app(false);
  off->set_email(false);
  ASSERT_TRUE(
      stub()
          .UpdateNotificationPreferences(Ctx(admin.token).get(), good, &out)
          .ok());
  EXPECT_EQ(out.time_zone(), "Europe/Paris");
  EXPECT_EQ(out.quiet_hours().end_minute(), 420);
  EXPECT_EQ(out.email_digest(), v1::DAILY);
  EXPECT_NE(out.etag(), defaults.etag());
  // A stale etag is refused.
  EXPECT_EQ(
      stub()
          .UpdateNotificationPreferences(Ctx(admin.token).get(), good, &out)
          .error_code(),
      grpc::StatusCode::ABORTED);
  // Someone else's preferences are not theirs to read.
  EXPECT_EQ(stub()
                .GetNotificationPreferences(Ctx(owner.token).get(), get, &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::string id = Publish(Completed(owner, "Quiet"), "analysis");
  ASSERT_TRUE(WaitUntil([&] { return CountFor(owner, id) == 1; }));
  EXPECT_EQ(List(admin).notifications_size(), 0);  // switched off
  EXPECT_EQ(List(owner).notifications_size(), 1);
}

TEST_F(InboxTest, OneEventFansOutToAThousandInboxes) {
  Account owner = SignUp();
  // 999 more members, as identity's UserRegistered events would leave them
  // (signing up 999 users through identity only slows the test).
  ASSERT_TRUE(fineprint::testing::Exec(
                  pool(),
                  "INSERT INTO members (org_id, user_id, email, role)"
                  " SELECT $1, 'bulk' || g, 'bulk' || g || '@example.com',"
                  "   'MEMBER' FROM generate_series(1, 999) g",
                  {owner.org_id()})
                  .ok());
  const absl::Time start = absl::Now();
  const std::string id = Publish(Completed(owner, "Everyone"), "analysis");
  ASSERT_TRUE(WaitUntil([&] { return CountFor(owner, id) == 1000; }));
  const absl::Duration took = absl::Now() - start;
  std::printf(
      "fan-out: 1000 notifications in %.0f ms (event published -> "
      "all committed, relay and broker included)\n",
      absl::ToDoubleMilliseconds(took));
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM notifications"
                  " WHERE org_id = $1 AND event_id = $2",
                  {owner.org_id(), id}),
            1000);
  EXPECT_EQ(List(owner).notifications(0).title(),
            "Analysis of \"Everyone\" finished: grade GRADE_D");
}

// Reads messages until `n` arrived or the stream ends.
std::vector<v1::StreamNotificationsResponse> ReadN(
    grpc::ClientReader<v1::StreamNotificationsResponse>& reader, int n) {
  std::vector<v1::StreamNotificationsResponse> out;
  v1::StreamNotificationsResponse msg;
  while (static_cast<int>(out.size()) < n && reader.Read(&msg)) {
    out.push_back(msg);
  }
  return out;
}

TEST_F(InboxTest, StreamResumesWithNothingMissedOrDoubled) {
  Account owner = SignUp();
  v1::StreamNotificationsRequest req;
  req.set_parent(owner.user.name());
  std::string resume;
  std::vector<std::string> titles;
  {
    auto ctx = Ctx(owner.token, 30);
    auto reader = stub().StreamNotifications(ctx.get(), req);
    // Give the stream time to take its starting point.
    absl::SleepFor(absl::Milliseconds(300));
    Publish(Completed(owner, "one"), "analysis");
    Publish(Completed(owner, "two"), "analysis");
    auto got = ReadN(*reader, 2);
    ASSERT_EQ(got.size(), 2u);
    for (const auto& m : got) titles.push_back(m.notification().title());
    EXPECT_EQ(got[0].unread_count(), 1);
    EXPECT_EQ(got[1].unread_count(), 2);
    resume = got[1].event_id();
    ctx->TryCancel();  // the client goes away
  }
  // Written while nobody listens.
  Publish(Completed(owner, "three"), "analysis");
  Publish(Completed(owner, "four"), "analysis");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM notifications WHERE org_id = $1",
                 {owner.org_id()}) == 4;
  }));
  req.set_after(resume);
  auto ctx = Ctx(owner.token, 30);
  auto reader = stub().StreamNotifications(ctx.get(), req);
  auto missed = ReadN(*reader, 2);
  ASSERT_EQ(missed.size(), 2u);
  Publish(Completed(owner, "five"), "analysis");  // and live again
  auto live = ReadN(*reader, 1);
  ASSERT_EQ(live.size(), 1u);
  for (const auto& m : missed) titles.push_back(m.notification().title());
  titles.push_back(live[0].notification().title());
  std::vector<std::string> expected;
  for (const char* t : {"one", "two", "three", "four", "five"}) {
    expected.push_back(
        absl::StrCat("Analysis of \"", t, "\" finished: grade GRADE_D"));
  }
  EXPECT_EQ(titles, expected);
  EXPECT_EQ(live[0].unread_count(), 5);
  ctx->TryCancel();
}

}  // namespace
}  // namespace fineprint::notification::testing
