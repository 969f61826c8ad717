// Monitoring's SourceChanged through the analysis handler, against the real
// service and PostgreSQL: a document per watch, a version per change, a job
// at the plan's priority, and the clause-level delta once a document had an
// analysis. The event is handed to the router as the consumer would, inside
// a transaction (the Kafka leg is tests/integration/source_change_chain_test).

#include "services/analysis/source_events.h"

#include "absl/strings/escaping.h"
#include "events/consumer/event_router.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "services/analysis/tests/analysis_fixture.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::analysis::testing {
namespace {

using ::fineprint::monitoring::events::v1::SourceChanged;

constexpr char kBefore[] =
    "1. Billing\n"
    "Your subscription renews automatically.\n";
constexpr char kAfter[] =
    "1. Billing\n"
    "Your subscription renews automatically.\n"
    "2. Disputes\n"
    "Any dispute shall be resolved by binding arbitration.\n";

class SourceEventsTest : public AnalysisTest {
 protected:
  static void SetUpTestSuite() {
    StartApps();
    router_ = new ::fineprint::events::EventRouter();
    ASSERT_TRUE(HandleSourceChanges(*router_, {}).ok());
  }
  static void TearDownTestSuite() {
    AnalysisTest::TearDownTestSuite();
    delete router_;
  }

  static SourceChanged Change(const Account& a, const std::string& watch_id,
                              const std::string& text, int n) {
    SourceChanged c;
    c.set_watch(absl::StrCat(a.org.name(), "/watches/", watch_id));
    c.set_organization(a.org.name());
    c.set_url("https://acme.example/terms");
    c.set_new_version(absl::StrCat(c.watch(), "/versions/v", n));
    c.set_new_sha256(crypto::Sha256Hex(text));
    c.set_kind(v1::TERMS_OF_SERVICE);
    c.set_display_name("Acme terms");
    c.set_text(text);
    return c;
  }

  static absl::Status Deliver(const SourceChanged& changed) {
    ::fineprint::events::Event event;
    event.ce_id = "00000000-0000-4000-8000-000000000000";
    event.ce_type = SourceChanged::descriptor()->full_name();
    event.ce_source = "/fineprint/monitoring";
    event.key = changed.watch();
    changed.SerializeToString(&event.payload);
    return db::RunInTransaction(
        pool(), {}, [&](db::Tx& tx) { return router_->Handle(event, tx); });
  }

  // The newest outbox event of type T whose aggregate is `key`.
  template <typename T>
  static T LastEvent(const std::string& key) {
    T message;
    absl::Status s = db::RunInTransaction(pool(), {}, [&](db::Tx& tx) {
      auto r = tx.Execute(
          "SELECT encode(payload, 'hex') FROM outbox WHERE event_type = $1"
          " AND aggregate_id = $2 ORDER BY id DESC LIMIT 1",
          {T::descriptor()->full_name(), key});
      if (!r.ok()) return r.status();
      if (r->empty()) return absl::NotFoundError("no such event");
      std::string bytes = absl::HexStringToBytes((*r)[0].Value(0));
      if (!message.ParseFromString(bytes)) {
        return absl::InternalError("bad payload");
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return message;
  }

  static v1::Document GetDocument(const Account& a, const std::string& name) {
    v1::GetDocumentRequest req;
    req.set_name(name);
    v1::Document doc;
    grpc::Status s = stub().GetDocument(Ctx(a.token).get(), req, &doc);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return doc;
  }

  static ::fineprint::events::EventRouter* router_;
};

::fineprint::events::EventRouter* SourceEventsTest::router_ = nullptr;

TEST_F(SourceEventsTest, ChangesBecomeVersionsOfOneDocumentWithTheDelta) {
  Account a = SignUp();
  const std::string org = a.org_id();
  ASSERT_TRUE(Deliver(Change(a, "w1", kBefore, 1)).ok());
  const std::string watch = absl::StrCat(a.org.name(), "/watches/w1");

  ASSERT_EQ(Count("SELECT count(*) FROM documents WHERE org_id = $1 AND"
                  " watch = $2",
                  {org, watch}),
            1);
  std::string doc_id;
  ASSERT_TRUE(db::RunInTransaction(pool(), {}, [&](db::Tx& tx) -> absl::Status {
                auto r = tx.Execute(
                    "SELECT id FROM documents WHERE org_id = $1", {org});
                if (!r.ok()) return r.status();
                doc_id = std::string((*r)[0].Value(0));
                return absl::OkStatus();
              }).ok());
  auto first = LastEvent<events::v1::DocumentSubmitted>(doc_id);
  EXPECT_FALSE(first.new_version());
  EXPECT_EQ(first.watch(), watch);
  EXPECT_EQ(first.source_version(), absl::StrCat(watch, "/versions/v1"));
  EXPECT_EQ(first.priority(), v1::PRIORITY_NORMAL);  // FREE
  v1::AnalysisJob job1 = WaitForJob(a, first.job(), v1::SUCCEEDED);
  ASSERT_EQ(job1.state(), v1::SUCCEEDED);
  auto completed1 = LastEvent<events::v1::AnalysisCompleted>(
      job1.name().substr(job1.name().rfind('/') + 1));
  EXPECT_FALSE(completed1.has_delta());  // nothing to compare with yet

  // Premium now (as identity's PlanChanged would record it).
  ASSERT_TRUE(Exec("INSERT INTO org_plans (org_id, plan) VALUES ($1, "
                   "'PREMIUM')",
                   {org})
                  .ok());
  ASSERT_TRUE(Deliver(Change(a, "w1", kAfter, 2)).ok());
  auto second = LastEvent<events::v1::DocumentSubmitted>(doc_id);
  EXPECT_TRUE(second.new_version());
  EXPECT_EQ(second.document(), first.document());
  EXPECT_NE(second.version(), first.version());
  EXPECT_EQ(second.priority(), v1::PRIORITY_HIGH);
  v1::Document doc = GetDocument(a, second.document());
  EXPECT_EQ(doc.watch(), watch);
  EXPECT_EQ(doc.current_version(), second.version());

  v1::AnalysisJob job2 = WaitForJob(a, second.job(), v1::SUCCEEDED);
  ASSERT_EQ(job2.state(), v1::SUCCEEDED);
  auto completed2 = LastEvent<events::v1::AnalysisCompleted>(
      job2.name().substr(job2.name().rfind('/') + 1));
  ASSERT_TRUE(completed2.has_delta());
  const v1::AnalysisDelta& delta = completed2.delta();
  ASSERT_EQ(delta.added_size(), 1);
  EXPECT_EQ(delta.added(0).category(), v1::BINDING_ARBITRATION);
  EXPECT_EQ(delta.removed_size(), 0);
  EXPECT_EQ(delta.previous_version(), first.version());
  EXPECT_EQ(delta.previous_analysis(), job1.analysis());
  EXPECT_EQ(delta.score_before(), completed1.score());
  EXPECT_EQ(delta.score_after(), completed2.score());
  EXPECT_LT(delta.score_after(), delta.score_before());
  EXPECT_EQ(delta.headline(), "A binding arbitration clause was added.");

  // The analysis resource carries the same delta.
  v1::GetAnalysisRequest req;
  req.set_name(job2.analysis());
  v1::Analysis analysis;
  grpc::Status s = stub().GetAnalysis(Ctx(a.token).get(), req, &analysis);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(analysis.delta().SerializeAsString(), delta.SerializeAsString());

  // Back to the first text and removed again: the delta says so.
  ASSERT_TRUE(Deliver(Change(a, "w1", kBefore, 3)).ok());
  auto third = LastEvent<events::v1::DocumentSubmitted>(doc_id);
  v1::AnalysisJob job3 = WaitForJob(a, third.job(), v1::SUCCEEDED);
  auto completed3 = LastEvent<events::v1::AnalysisCompleted>(
      job3.name().substr(job3.name().rfind('/') + 1));
  ASSERT_EQ(completed3.delta().removed_size(), 1);
  EXPECT_EQ(completed3.delta().headline(),
            "A binding arbitration clause was removed.");
}

TEST_F(SourceEventsTest, UnchangedTextOrMissingTextQueuesNothing) {
  Account a = SignUp();
  ASSERT_TRUE(Deliver(Change(a, "w2", kBefore, 1)).ok());
  const int64_t jobs =
      Count("SELECT count(*) FROM jobs WHERE org_id = $1", {a.org_id()});
  EXPECT_EQ(jobs, 1);
  // Same text (a page that flapped back and forth, or a replay).
  ASSERT_TRUE(Deliver(Change(a, "w2", kBefore, 2)).ok());
  SourceChanged omitted = Change(a, "w2", "", 3);
  omitted.set_text_omitted(true);
  ASSERT_TRUE(Deliver(omitted).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM jobs WHERE org_id = $1", {a.org_id()}),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM document_versions WHERE org_id = $1",
                  {a.org_id()}),
            1);
}

TEST_F(SourceEventsTest, ANamedDocumentOfTheOrgReceivesTheVersion) {
  Account a = SignUp();
  v1::SubmitDocumentResponse submitted = Submit(a, kBefore);
  SourceChanged c = Change(a, "w3", kAfter, 1);
  c.set_document(submitted.document().name());
  ASSERT_TRUE(Deliver(c).ok());
  EXPECT_EQ(
      Count("SELECT count(*) FROM documents WHERE org_id = $1", {a.org_id()}),
      1);
  v1::Document doc = GetDocument(a, submitted.document().name());
  EXPECT_EQ(doc.watch(), c.watch());
  EXPECT_NE(doc.current_version(), submitted.version().name());
}

TEST_F(SourceEventsTest, AWatchOfAnotherOrganisationIsRefused) {
  Account a = SignUp();
  Account b = SignUp("other");
  SourceChanged c = Change(a, "w4", kBefore, 1);
  c.set_organization(b.org.name());
  absl::Status s = Deliver(c);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(Count("SELECT count(*) FROM documents WHERE org_id IN ($1, $2)",
                  {a.org_id(), b.org_id()}),
            0);
}

}  // namespace
}  // namespace fineprint::analysis::testing
