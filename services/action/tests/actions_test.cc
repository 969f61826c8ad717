// The action API end to end over real gRPC against real PostgreSQL:
// letters (text, PDF, hashes, idempotency), bad input with nothing stored,
// the lifecycle with deadlines and etags, tenant isolation, templates,
// suggestions from AnalysisCompleted and reminders under a moved clock.

#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "events/consumer/event_router.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "google/rpc/error_details.pb.h"
#include "services/action/suggestions.h"
#include "services/action/tests/action_fixture.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/status/status.h"

namespace fineprint::action::testing {
namespace {

namespace ev = ::fineprint::action::events::v1;

absl::Time Utc(const char* rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

std::string Rfc3339(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime(absl::RFC3339_full,
                          absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

std::string Id(const std::string& name) {
  return name.substr(name.rfind('/') + 1);
}

class ActionsTest : public ActionTest {
 protected:
  static void SetUpTestSuite() { StartApps(); }

  void SetUp() override { clock().Set(Utc("2024-01-31T23:30:00Z")); }

  int64_t Events(const std::string& type, const std::string& action_name) {
    return Count(
        "SELECT count(*) FROM outbox WHERE event_type = $1 AND"
        " aggregate_id = $2",
        {absl::StrCat("fineprint.action.events.v1.", type), Id(action_name)});
  }

  template <typename T>
  std::vector<T> OutboxEvents(const std::string& aggregate_id) {
    std::vector<T> out;
    absl::Status s = db::RunInTransaction(pool(), {}, [&](db::Tx& tx) {
      auto r = tx.Execute(
          "SELECT encode(payload, 'hex') FROM outbox WHERE event_type = $1"
          " AND aggregate_id = $2 ORDER BY id",
          {T::descriptor()->full_name(), aggregate_id});
      if (!r.ok()) return r.status();
      out.clear();
      for (db::Row row : *r) {
        T m;
        m.ParseFromString(absl::HexStringToBytes(row.Value(0)));
        out.push_back(m);
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  std::string Download(const Account& a, const std::string& name,
                       grpc::Status* status = nullptr) {
    v1::DownloadLetterRequest req;
    req.set_name(name);
    google::api::HttpBody body;
    grpc::Status s = stub().DownloadLetter(Ctx(a.token).get(), req, &body);
    if (status) *status = s;
    if (s.ok()) {
      EXPECT_EQ(body.content_type(), "application/pdf");
    }
    return body.data();
  }
};

TEST_F(ActionsTest, CreateRendersTextAndPdfWithHashesAndIsIdempotent) {
  Account a = SignUp();
  v1::CreateActionRequest req;
  req.set_parent(a.org.name());
  req.set_request_id("create-1");
  req.set_template_("templates/gdpr-erasure-en");
  req.set_language("de");  // picks the family's German variant
  req.set_time_zone("Europe/Berlin");
  for (const auto& [k, v] : Variables()) (*req.mutable_variables())[k] = v;
  v1::Action first;
  ASSERT_TRUE(TryCreate(a, req, &first).ok());
  EXPECT_EQ(first.status(), v1::DRAFT);
  EXPECT_EQ(first.template_(), "templates/gdpr-erasure-de");
  EXPECT_EQ(first.language(), "de");
  EXPECT_EQ(first.kind(), v1::DATA_ERASURE_REQUEST);
  EXPECT_EQ(first.recipient(), "Acme Ltd.");
  // 23:30 UTC on 31 January is 1 February in Berlin.
  EXPECT_TRUE(absl::StrContains(first.letter_text(), "\n2024-02-01\n"));
  EXPECT_TRUE(absl::StrContains(first.letter_text(),
                                "Antrag auf Löschung nach Art. 17 DSGVO"));
  EXPECT_TRUE(absl::StrContains(first.letter_text(), "Zoë Łukasiewicz-Müller"));
  EXPECT_EQ(first.letter_sha256(), crypto::Sha256Hex(first.letter_text()));
  EXPECT_FALSE(first.has_due_time());  // the period runs from sending
  EXPECT_EQ(first.allowed_transitions_size(), 2);

  const std::string pdf = Download(a, first.name());
  ASSERT_TRUE(absl::StartsWith(pdf, "%PDF-"));
  EXPECT_EQ(crypto::Sha256Hex(pdf), first.pdf_sha256());

  v1::Action again;
  ASSERT_TRUE(TryCreate(a, req, &again).ok());
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(
      Count("SELECT count(*) FROM actions WHERE org_id = $1", {a.org_id()}), 1);
  std::vector<ev::ActionCreated> created =
      OutboxEvents<ev::ActionCreated>(Id(first.name()));
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].pdf_sha256(), first.pdf_sha256());
  EXPECT_EQ(created[0].template_(), "templates/gdpr-erasure-de");

  // The same request_id for another request is refused.
  req.set_template_("templates/gdpr-access-en");
  v1::Action other;
  EXPECT_EQ(TryCreate(a, req, &other).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ActionsTest, MissingFieldsNameEachFieldAndStoreNothing) {
  Account a = SignUp();
  const int64_t events_before = Count(
      "SELECT count(*) FROM outbox WHERE event_type ="
      " 'fineprint.action.events.v1.ActionCreated'");
  v1::CreateActionRequest req;
  req.set_parent(a.org.name());
  req.set_template_("templates/ccpa-correct-en");
  req.set_time_zone("Not/AZone");
  (*req.mutable_variables())["user_name"] = "Ada";
  v1::Action out;
  grpc::Status s = TryCreate(a, req, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::BadRequest bad;
  ASSERT_TRUE(status::GetDetail(status::FromGrpc(s), &bad));
  std::set<std::string> fields;
  for (const auto& v : bad.field_violations()) fields.insert(v.field());
  EXPECT_EQ(fields,
            (std::set<std::string>{
                "time_zone", "variables[company_address]",
                "variables[company_name]", "variables[corrected_data]",
                "variables[incorrect_data]", "variables[user_address]"}));
  // An unknown template and a kind that does not fit are named too.
  v1::CreateActionRequest bad_template;
  bad_template.set_parent(a.org.name());
  bad_template.set_template_("templates/nope-en");
  s = TryCreate(a, bad_template, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      Count("SELECT count(*) FROM actions WHERE org_id = $1", {a.org_id()}), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type ="
                  " 'fineprint.action.events.v1.ActionCreated'"),
            events_before);
}

TEST_F(ActionsTest, GdprLifecycleWithDeadlinesExtensionAndEtags) {
  Account a = SignUp();
  v1::Action act = Create(a, "templates/gdpr-access-en", "Europe/Berlin");
  v1::Action sent;
  // Sent at 23:30 UTC on 31 January = 1 February in Berlin: due 1 March,
  // the end of that day in Berlin.
  ASSERT_TRUE(Move(a, act.name(), v1::SENT, &sent, act.etag()).ok());
  EXPECT_EQ(Rfc3339(sent.due_time()), "2024-03-01T23:00:00+00:00");
  EXPECT_EQ(sent.channel(), "email");
  EXPECT_FALSE(sent.overdue());
  EXPECT_NE(sent.etag(), act.etag());
  // A stale etag is ABORTED.
  v1::Action out;
  EXPECT_EQ(
      Move(a, act.name(), v1::ACKNOWLEDGED, &out, act.etag()).error_code(),
      grpc::StatusCode::ABORTED);
  // Setting the current status is a no-op.
  ASSERT_TRUE(Move(a, act.name(), v1::SENT, &out).ok());
  EXPECT_EQ(out.etag(), sent.etag());
  // A refused transition lists the allowed ones.
  grpc::Status refused = Move(a, act.name(), v1::DRAFT, &out);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  google::rpc::PreconditionFailure failure;
  ASSERT_TRUE(status::GetDetail(status::FromGrpc(refused), &failure));
  std::set<std::string> allowed;
  for (const auto& v : failure.violations()) allowed.insert(v.subject());
  EXPECT_EQ(allowed,
            (std::set<std::string>{"SENT -> ACKNOWLEDGED", "SENT -> EXTENDED",
                                   "SENT -> FULFILLED", "SENT -> DENIED",
                                   "SENT -> WITHDRAWN"}));
  v1::Action acked;
  ASSERT_TRUE(Move(a, act.name(), v1::ACKNOWLEDGED, &acked, sent.etag()).ok());
  // Extension within the first month: three months from receipt.
  clock().Set(Utc("2024-02-20T10:00:00Z"));
  v1::Action extended;
  ASSERT_TRUE(Move(a, act.name(), v1::EXTENDED, &extended).ok());
  EXPECT_EQ(Rfc3339(extended.due_time()), "2024-05-01T22:00:00+00:00");
  // Past the deadline and still open: overdue, derived.
  clock().Set(Utc("2024-05-02T08:00:00Z"));
  v1::GetActionRequest get;
  get.set_name(act.name());
  v1::Action late;
  ASSERT_TRUE(stub().GetAction(Ctx(a.token).get(), get, &late).ok());
  EXPECT_TRUE(late.overdue());
  EXPECT_EQ(late.status(), v1::EXTENDED);
  v1::Action done;
  ASSERT_TRUE(Move(a, act.name(), v1::FULFILLED, &done).ok());
  EXPECT_FALSE(done.overdue());
  EXPECT_EQ(done.allowed_transitions_size(), 0);
  EXPECT_EQ(Move(a, act.name(), v1::WITHDRAWN, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Events("ActionStatusChanged", act.name()), 4);
  // A closed action keeps no reminders.
  EXPECT_EQ(Count("SELECT count(*) FROM reminders WHERE action_id = $1",
                  {Id(act.name())}),
            0);
}

TEST_F(ActionsTest, LateGdprExtensionAndNoExtensionWithoutTheRule) {
  Account a = SignUp();
  v1::Action act = Create(a, "templates/gdpr-erasure-en");
  v1::Action out;
  ASSERT_TRUE(Move(a, act.name(), v1::SENT, &out).ok());  // 31 Jan UTC
  clock().Set(Utc("2024-03-05T09:00:00Z"));
  grpc::Status late = Move(a, act.name(), v1::EXTENDED, &out);
  ASSERT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status::Reason(status::FromGrpc(late)), "EXTENSION_TOO_LATE");

  v1::Action cancel = Create(a, "templates/cancel-renewal-en");
  ASSERT_TRUE(Move(a, cancel.name(), v1::SENT, &out).ok());
  EXPECT_FALSE(out.has_due_time());
  EXPECT_EQ(Move(a, cancel.name(), v1::EXTENDED, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  clock().Set(Utc("2024-01-31T23:30:00Z"));
  v1::Action ccpa =
      Create(a, "templates/ccpa-delete-en", "America/Los_Angeles");
  ASSERT_TRUE(Move(a, ccpa.name(), v1::SENT, &out).ok());
  // 15:30 on 31 January in Los Angeles + 45 days = 16 March.
  EXPECT_EQ(Rfc3339(out.due_time()), "2024-03-17T07:00:00+00:00");
  // Receipt confirmed within 10 business days: Wednesday 14 February.
  EXPECT_EQ(Rfc3339(out.receipt_confirmation_due_time()),
            "2024-02-15T08:00:00+00:00");
  ASSERT_TRUE(Move(a, ccpa.name(), v1::EXTENDED, &out).ok());
  EXPECT_EQ(Rfc3339(out.due_time()), "2024-05-01T07:00:00+00:00");
}

TEST_F(ActionsTest, TenantsSeeOnlyTheirOwnActions) {
  Account a = SignUp();
  Account b = SignUp();
  v1::Action mine = Create(a, "templates/gdpr-access-en");
  Create(b, "templates/gdpr-access-en");
  v1::GetActionRequest get;
  get.set_name(mine.name());
  v1::Action out;
  EXPECT_EQ(stub().GetAction(Ctx(b.token).get(), get, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Download(b, mine.name()).size(), 0u);
  EXPECT_EQ(Move(b, mine.name(), v1::SENT, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListActionsRequest list;
  list.set_parent(a.org.name());
  v1::ListActionsResponse page;
  EXPECT_EQ(stub().ListActions(Ctx(b.token).get(), list, &page).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (int i = 0; i < 2; ++i) Create(a, "templates/cancel-renewal-de");
  list.set_page_size(2);
  ASSERT_TRUE(stub().ListActions(Ctx(a.token).get(), list, &page).ok());
  ASSERT_EQ(page.actions_size(), 2);
  ASSERT_FALSE(page.next_page_token().empty());
  std::set<std::string> seen;
  for (const auto& x : page.actions()) seen.insert(x.name());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(stub().ListActions(Ctx(a.token).get(), list, &page).ok());
  ASSERT_EQ(page.actions_size(), 1);
  seen.insert(page.actions(0).name());
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen.contains(mine.name()));
  list.clear_page_token();
  list.set_kind(v1::CANCEL_AUTO_RENEWAL);
  list.set_page_size(0);
  ASSERT_TRUE(stub().ListActions(Ctx(a.token).get(), list, &page).ok());
  EXPECT_EQ(page.actions_size(), 2);
}

TEST_F(ActionsTest, TemplatesArePagedAndFiltered) {
  Account a = SignUp();
  v1::ListTemplatesRequest req;
  req.set_page_size(10);
  std::set<std::string> names;
  v1::ListTemplatesResponse resp;
  do {
    resp.Clear();
    ASSERT_TRUE(stub().ListTemplates(Ctx(a.token).get(), req, &resp).ok());
    for (const auto& t : resp.templates()) names.insert(t.name());
    req.set_page_token(resp.next_page_token());
  } while (!resp.next_page_token().empty());
  EXPECT_EQ(names.size(), 28u);
  v1::ListTemplatesRequest de;
  de.set_language("de");
  de.set_jurisdiction("US-CA");
  ASSERT_TRUE(stub().ListTemplates(Ctx(a.token).get(), de, &resp).ok());
  for (const auto& t : resp.templates()) {
    EXPECT_EQ(t.language(), "de");
    EXPECT_TRUE(t.jurisdiction().empty() || t.jurisdiction() == "US-CA");
  }
  v1::GetTemplateRequest get;
  get.set_name("templates/gdpr-objection-de");
  v1::Template t;
  ASSERT_TRUE(stub().GetTemplate(Ctx(a.token).get(), get, &t).ok());
  EXPECT_EQ(t.legal_basis(), "Art. 21 Abs. 2 DSGVO");
  EXPECT_EQ(t.deadline_rule(), "GDPR");
  get.set_name("templates/missing-en");
  EXPECT_EQ(stub().GetTemplate(Ctx(a.token).get(), get, &t).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ActionsTest, SuggestionsFromAnalysisCompletedCiteTheFinding) {
  Account a = SignUp();
  ::fineprint::events::EventRouter router;
  auto catalog = TemplateCatalog::Embedded();
  ASSERT_TRUE(catalog.ok());
  ASSERT_TRUE(HandleAnalysisCompleted(router, *catalog).ok());
  const analysis::events::v1::AnalysisCompleted completed =
      Completed(a, "doc1", "job1");
  ::fineprint::events::Event event;
  event.ce_id = "00000000-0000-4000-8000-000000000001";
  event.ce_type = completed.GetDescriptor()->full_name();
  completed.SerializeToString(&event.payload);
  for (int i = 0; i < 2; ++i) {  // a redelivery suggests nothing twice
    ASSERT_TRUE(db::RunInTransaction(pool(), {}, [&](db::Tx& tx) {
                  return router.Handle(event, tx);
                }).ok());
  }
  v1::ListSuggestedActionsRequest list;
  list.set_parent(a.org.name());
  v1::ListSuggestedActionsResponse resp;
  ASSERT_TRUE(
      stub().ListSuggestedActions(Ctx(a.token).get(), list, &resp).ok());
  std::map<std::string, v1::SuggestedAction> by_template;
  for (const auto& s : resp.suggested_actions()) by_template[s.template_()] = s;
  // Arbitration -> opt-out; sale -> CCPA opt-out + GDPR objection;
  // tracking -> objection (once) + CCPA limit; liability -> nothing.
  EXPECT_EQ(resp.suggested_actions_size(), 4);
  ASSERT_TRUE(by_template.contains("templates/arbitration-opt-out-en"));
  const v1::SuggestedAction& arb =
      by_template["templates/arbitration-opt-out-en"];
  EXPECT_EQ(arb.opt_out_window_days(), 30);
  EXPECT_EQ(arb.finding_start_offset(), 120);
  EXPECT_EQ(arb.finding_end_offset(), 205);
  EXPECT_TRUE(absl::StrContains(arb.finding_quote(), "within 30 days"));
  EXPECT_EQ(arb.title(), "Opt out of arbitration (Acme Terms)");
  EXPECT_EQ(by_template["templates/gdpr-objection-en"].finding_category(),
            analysis::v1::DATA_SALE_OR_SHARING);
  EXPECT_TRUE(by_template.contains("templates/ccpa-opt-out-en"));
  EXPECT_TRUE(by_template.contains("templates/ccpa-limit-en"));
  EXPECT_EQ(Count("SELECT count(*) FROM outbox WHERE event_type ="
                  " 'fineprint.action.events.v1.ActionSuggested'"
                  " AND aggregate_id IN (SELECT id FROM suggested_actions"
                  " WHERE org_id = $1)",
                  {a.org_id()}),
            4);

  // Acting on the arbitration suggestion: the window runs from acceptance.
  v1::CreateActionRequest create;
  create.set_parent(a.org.name());
  create.set_suggested_action(arb.name());
  for (const auto& [k, v] : Variables()) {
    if (k != "opt_out_window_days") (*create.mutable_variables())[k] = v;
  }
  v1::Action act;
  ASSERT_TRUE(TryCreate(a, create, &act).ok());
  EXPECT_EQ(act.kind(), v1::ARBITRATION_OPT_OUT);
  EXPECT_EQ(act.document(), completed.document());
  EXPECT_EQ(act.suggested_action(), arb.name());
  EXPECT_TRUE(absl::StrContains(act.letter_text(), "within 30 days"));
  // Accepted 15 February 2024 + 30 days = 16 March, end of day UTC.
  EXPECT_EQ(Rfc3339(act.due_time()), "2024-03-17T00:00:00+00:00");
  list.set_include_acted_on(false);
  ASSERT_TRUE(
      stub().ListSuggestedActions(Ctx(a.token).get(), list, &resp).ok());
  EXPECT_EQ(resp.suggested_actions_size(), 3);
  // Another tenant sees none of them.
  Account b = SignUp();
  list.set_parent(b.org.name());
  ASSERT_TRUE(
      stub().ListSuggestedActions(Ctx(b.token).get(), list, &resp).ok());
  EXPECT_EQ(resp.suggested_actions_size(), 0);
}

TEST_F(ActionsTest, RemindersFireDueSoonThenOverdueWithTheNextEscalation) {
  Account a = SignUp();
  v1::Action act = Create(a, "templates/gdpr-access-en");
  v1::Action sent;
  ASSERT_TRUE(Move(a, act.name(), v1::SENT, &sent).ok());
  ASSERT_EQ(Rfc3339(sent.due_time()), "2024-03-01T00:00:00+00:00");
  EXPECT_EQ(Count("SELECT count(*) FROM reminders WHERE action_id = $1",
                  {Id(act.name())}),
            3);  // 7 days, 1 day, overdue

  auto await = [&](const std::string& type, int64_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    while (Events(type, act.name()) < n && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return Events(type, act.name());
  };
  clock().Set(Utc("2024-02-20T00:00:00Z"));  // before the 7-day lead
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Events("ActionDueSoon", act.name()), 0);
  clock().Set(Utc("2024-02-23T00:00:01Z"));  // 7 days before
  EXPECT_EQ(await("ActionDueSoon", 1), 1);
  clock().Set(Utc("2024-02-29T12:00:00Z"));  // 1 day before
  EXPECT_EQ(await("ActionDueSoon", 2), 2);
  std::vector<ev::ActionDueSoon> soon =
      OutboxEvents<ev::ActionDueSoon>(Id(act.name()));
  ASSERT_EQ(soon.size(), 2u);
  EXPECT_EQ(soon[0].lead_seconds(), 7 * 86400);
  EXPECT_EQ(soon[1].lead_seconds(), 86400);
  EXPECT_EQ(Events("ActionOverdue", act.name()), 0);
  clock().Set(Utc("2024-03-01T00:00:05Z"));
  EXPECT_EQ(await("ActionOverdue", 1), 1);
  std::vector<ev::ActionOverdue> overdue =
      OutboxEvents<ev::ActionOverdue>(Id(act.name()));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].next_escalation_template(), "templates/reminder-en");
  EXPECT_EQ(overdue[0].next_escalation_kind(), v1::REMINDER_LETTER);
  EXPECT_EQ(overdue[0].status(), v1::SENT);
  // Each reminder fires once.
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Events("ActionOverdue", act.name()), 1);

  // A reminder letter that goes unanswered escalates to the authority; one
  // answered before its deadline says nothing.
  v1::Action reminder = Create(a, "templates/reminder-de");
  ASSERT_TRUE(Move(a, reminder.name(), v1::SENT, &sent).ok());
  v1::Action answered = Create(a, "templates/reminder-en");
  v1::Action out;
  ASSERT_TRUE(Move(a, answered.name(), v1::SENT, &out).ok());
  ASSERT_TRUE(Move(a, answered.name(), v1::FULFILLED, &out).ok());
  clock().Advance(absl::Hours(24 * 15));
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (Events("ActionOverdue", reminder.name()) < 1 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  overdue = OutboxEvents<ev::ActionOverdue>(Id(reminder.name()));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].next_escalation_template(),
            "templates/authority-complaint-de");
  EXPECT_EQ(Events("ActionOverdue", answered.name()), 0);
}

}  // namespace
}  // namespace fineprint::action::testing
