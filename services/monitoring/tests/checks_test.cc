// Checks end to end against a real HTTP server on loopback: versions only
// on real changes, diffs, conditional GET, ignore rules, robots.txt,
// backoff with its reason, retention, the scheduler, and the events.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/monitoring/tests/monitoring_fixture.h"

namespace fineprint::monitoring::testing {
namespace {

using http::testing::ScriptedResponse;
using http::testing::TestHttpServer;

constexpr char kTermsV1[] =
    "<html><body><nav>Home | Pricing</nav><main><h1>Terms of Service</h1>"
    "<p>1. You may cancel at any time.</p><p>2. We may change these terms.</p>"
    "</main><footer>(c) Acme</footer></body></html>";
// The same text with different markup and spacing.
constexpr char kTermsV1Reformatted[] =
    "<html><body><main><h1>Terms   of Service</h1>\n\n"
    "<p>1. You may cancel at   any time.</p>\n<div>2. We may change these "
    "terms.</div>"
    "</main></body></html>";
constexpr char kTermsV2[] =
    "<html><body><main><h1>Terms of Service</h1>"
    "<p>1. You may cancel at any time.</p>"
    "<p>2. Any dispute shall be resolved by binding arbitration.</p>"
    "<p>3. We may change these terms.</p></main></body></html>";

ScriptedResponse Html(
    std::string body,
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.push_back({"Content-Type", "text/html; charset=utf-8"});
  return {200, std::move(headers), std::move(body)};
}

std::string Id(const std::string& name) {
  return name.substr(name.rfind('/') + 1);
}

class ChecksTest : public MonitoringTest {
 protected:
  static void SetUpTestSuite() {
    StartApps([](MonitoringAppOptions& o) { o.config.free_retention = 3; });
  }

  int64_t Events(const std::string& type, const v1::Watch& w) {
    return Count(
        "SELECT count(*) FROM outbox WHERE event_type = $1 AND aggregate_id = "
        "$2",
        {absl::StrCat("fineprint.monitoring.events.v1.", type), Id(w.name())});
  }

  // Waits for the automatic first check of a new watch.
  v1::Watch AwaitChecks(const Account& a, const v1::Watch& w, int checks) {
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    while (absl::Now() < deadline) {
      if (Count(
              "SELECT checks_total FROM watches WHERE org_id = $1 AND id = $2",
              {a.org_id(), Id(w.name())}) >= checks) {
        return Get(a, w.name());
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "no check of " << w.name();
    return w;
  }
};

TEST_F(ChecksTest, NewVersionOnlyWhenTheTextChanges) {
  Account a = SignUp();
  web().Handle("/terms", Html(kTermsV1));
  v1::Watch w = AwaitChecks(a, Create(a, "/terms"), 1);
  EXPECT_EQ(w.check_status(), v1::CHECK_OK);
  ASSERT_FALSE(w.current_version().empty());
  const std::string first = w.current_version();

  v1::GetSourceVersionRequest get;
  get.set_name(first);
  get.set_view(v1::FULL);
  v1::SourceVersion v1_full;
  ASSERT_TRUE(stub().GetSourceVersion(Ctx(a.token).get(), get, &v1_full).ok());
  EXPECT_EQ(v1_full.text(),
            "Terms of Service\n1. You may cancel at any time.\n2. We may "
            "change these terms.");
  EXPECT_EQ(v1_full.sha256().size(), 64u);

  web().Handle("/terms", Html(kTermsV1Reformatted));
  v1::CheckNowResponse same = CheckNow(a, w.name());
  EXPECT_FALSE(same.changed());
  EXPECT_EQ(same.version().name(), first);

  web().Handle("/terms", Html(kTermsV2));
  v1::CheckNowResponse changed = CheckNow(a, w.name());
  EXPECT_TRUE(changed.changed());
  EXPECT_EQ(changed.version().previous_version(), first);
  EXPECT_EQ(changed.version().lines_added(), 2);
  EXPECT_EQ(changed.version().lines_removed(), 1);
  EXPECT_EQ(changed.watch().current_version(), changed.version().name());
  EXPECT_TRUE(changed.watch().has_last_change_time());

  v1::GetVersionDiffRequest diff_req;
  diff_req.set_name(changed.version().name());
  v1::VersionDiff diff;
  ASSERT_TRUE(stub().GetVersionDiff(Ctx(a.token).get(), diff_req, &diff).ok());
  EXPECT_EQ(diff.base_version(), first);
  EXPECT_TRUE(absl::StrContains(
      diff.unified(),
      "+2. Any dispute shall be resolved by binding arbitration.\n"))
      << diff.unified();
  EXPECT_TRUE(
      absl::StrContains(diff.unified(), "-2. We may change these terms.\n"));
  ASSERT_EQ(diff.hunks_size(), 1);
  EXPECT_EQ(diff.lines_added(), 2);

  v1::ListSourceVersionsRequest list;
  list.set_parent(w.name());
  v1::ListSourceVersionsResponse versions;
  ASSERT_TRUE(
      stub().ListSourceVersions(Ctx(a.token).get(), list, &versions).ok());
  ASSERT_EQ(versions.versions_size(), 2);
  EXPECT_EQ(versions.versions(0).name(),
            changed.version().name());  // newest first
  EXPECT_TRUE(versions.versions(0).text().empty());

  // One SourceChanged per version, written with it.
  EXPECT_EQ(Events("SourceChanged", w), 2);
}

TEST_F(ChecksTest, ConditionalGetAndNotModified) {
  Account a = SignUp();
  web().Handle(
      "/etag",
      Html(kTermsV1, {{"ETag", "\"abc\""},
                      {"Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"}}));
  v1::Watch w = AwaitChecks(a, Create(a, "/etag"), 1);
  const std::string version = w.current_version();
  web().Handle("/etag", {304, {}, ""});
  v1::CheckNowResponse r = CheckNow(a, w.name());
  EXPECT_FALSE(r.changed());
  EXPECT_EQ(r.watch().check_status(), v1::CHECK_OK);
  EXPECT_EQ(r.watch().current_version(), version);
  bool conditional = false;
  for (const auto& req : web().requests()) {
    if (req.target == "/etag" && req.Header("If-None-Match") == "\"abc\"" &&
        req.Header("If-Modified-Since") == "Mon, 01 Jan 2024 00:00:00 GMT") {
      conditional = true;
    }
  }
  EXPECT_TRUE(conditional);
}

TEST_F(ChecksTest, IgnoredDateIsNotAChange) {
  Account a = SignUp();
  web().Handle("/dated",
               Html("<p>Last updated: 1 May 2024</p><p>Be nice.</p>"));
  v1::Watch w = AwaitChecks(
      a,
      Create(a, "/dated",
             [](v1::Watch& w) { w.add_ignore_patterns("^Last updated:"); }),
      1);
  web().Handle("/dated",
               Html("<p>Last updated: 2 June 2024</p><p>Be nice.</p>"));
  EXPECT_FALSE(CheckNow(a, w.name()).changed());
  EXPECT_EQ(Count("SELECT count(*) FROM source_versions WHERE watch_id = $1",
                  {Id(w.name())}),
            1);
}

TEST_F(ChecksTest, FlappingPageNeedsConfirmingChecks) {
  Account a = SignUp();
  web().Handle("/flap", Html(kTermsV1));
  v1::Watch w = AwaitChecks(
      a, Create(a, "/flap", [](v1::Watch& w) { w.set_confirm_checks(3); }), 1);
  EXPECT_EQ(w.confirm_checks(), 3);
  const std::string first = w.current_version();
  ASSERT_FALSE(first.empty());  // the first version needs no confirmation

  // An A/B flap: seen once, then gone again. Nothing is recorded.
  web().Handle("/flap", Html(kTermsV2));
  v1::CheckNowResponse r = CheckNow(a, w.name());
  EXPECT_FALSE(r.changed());
  EXPECT_EQ(r.watch().pending_change_checks(), 1);
  web().Handle("/flap", Html(kTermsV1));
  r = CheckNow(a, w.name());
  EXPECT_FALSE(r.changed());
  EXPECT_EQ(r.watch().pending_change_checks(), 0);

  // A change that persists becomes a version at its third sighting.
  web().Handle("/flap", Html(kTermsV2));
  EXPECT_FALSE(CheckNow(a, w.name()).changed());
  r = CheckNow(a, w.name());
  EXPECT_FALSE(r.changed());
  EXPECT_EQ(r.watch().pending_change_checks(), 2);
  r = CheckNow(a, w.name());
  EXPECT_TRUE(r.changed());
  EXPECT_EQ(r.version().previous_version(), first);
  EXPECT_EQ(r.watch().pending_change_checks(), 0);
  EXPECT_EQ(Events("SourceChanged", w), 2);
}

TEST_F(ChecksTest, SelectorNarrowsAndCharsetsDecode) {
  Account a = SignUp();
  web().Handle(
      "/latin1",
      {200,
       {{"Content-Type", "text/html; charset=iso-8859-1"}},
       "<div id=ad>Buy!</div><div class=terms><p>R\xE9siliation</p></div>"});
  v1::Watch w = AwaitChecks(
      a,
      Create(a, "/latin1", [](v1::Watch& w) { w.set_css_selector(".terms"); }),
      1);
  v1::GetSourceVersionRequest get;
  get.set_name(w.current_version());
  get.set_view(v1::FULL);
  v1::SourceVersion v;
  ASSERT_TRUE(stub().GetSourceVersion(Ctx(a.token).get(), get, &v).ok());
  EXPECT_EQ(v.text(), "R\xC3\xA9siliation");

  std::string utf16("\xFE\xFF", 2);
  for (char c : std::string("Plain terms")) {
    utf16.push_back('\0');
    utf16.push_back(c);
  }
  web().Handle("/utf16", {200, {{"Content-Type", "text/plain"}}, utf16});
  v1::Watch u = AwaitChecks(a, Create(a, "/utf16"), 1);
  get.set_name(u.current_version());
  ASSERT_TRUE(stub().GetSourceVersion(Ctx(a.token).get(), get, &v).ok());
  EXPECT_EQ(v.text(), "Plain terms");
}

TEST_F(ChecksTest, FailuresBackOffWithTheReasonVisible) {
  Account a = SignUp();
  web().Handle("/down", {500, {}, "oops"});
  v1::Watch w = AwaitChecks(a, Create(a, "/down"), 1);
  EXPECT_EQ(w.check_status(), v1::CHECK_BACKING_OFF);
  EXPECT_EQ(w.consecutive_failures(), 1);
  EXPECT_TRUE(absl::StrContains(w.last_error(), "HTTP 500")) << w.last_error();
  // First retry after failure_backoff (1 min), far sooner than the 24 h
  // interval.
  const int64_t wait =
      w.next_check_time().seconds() - w.last_check_time().seconds();
  EXPECT_GE(wait, 59);
  EXPECT_LE(wait, 61);
  EXPECT_EQ(Events("SourceCheckFailed", w), 1);
  w = CheckNow(a, w.name()).watch();
  EXPECT_EQ(w.consecutive_failures(), 2);
  EXPECT_GE(w.next_check_time().seconds() - w.last_check_time().seconds(), 119);

  web().Handle("/busy", {429, {{"Retry-After", "3600"}}, ""});
  v1::Watch busy = AwaitChecks(a, Create(a, "/busy"), 1);
  EXPECT_EQ(busy.check_status(), v1::CHECK_BACKING_OFF);
  EXPECT_GE(busy.next_check_time().seconds() - busy.last_check_time().seconds(),
            3599);

  // A redirect to an address the guard refuses (127.0.0.2 is outside the
  // allow-list) fails the check; nothing is fetched from it.
  web().Handle("/hop",
               {302, {{"Location", "http://127.0.0.2:1/internal"}}, ""});
  v1::Watch hop = AwaitChecks(a, Create(a, "/hop"), 1);
  EXPECT_EQ(hop.check_status(), v1::CHECK_BACKING_OFF);
  EXPECT_TRUE(absl::StartsWith(hop.last_error(), "blocked address"))
      << hop.last_error();

  // Recovery resets the failure count.
  web().Handle("/down", Html(kTermsV1));
  w = CheckNow(a, w.name()).watch();
  EXPECT_EQ(w.check_status(), v1::CHECK_OK);
  EXPECT_EQ(w.consecutive_failures(), 0);
  EXPECT_EQ(w.last_error(), "");
}

TEST_F(ChecksTest, RobotsBlockedStateIsVisible) {
  Account a = SignUp();
  // Its own origin: robots.txt is cached per origin.
  auto site = TestHttpServer::Start("127.0.0.1");
  ASSERT_TRUE(site.ok());
  (*site)->Handle("/robots.txt",
                  {200, {}, "User-agent: *\nDisallow: /legal/\n"});
  (*site)->Handle("/legal/terms", Html(kTermsV1));
  v1::Watch w;
  w.set_url((*site)->Url("/legal/terms"));
  v1::Watch created;
  ASSERT_TRUE(TryCreate(a, w, &created).ok());
  w = AwaitChecks(a, created, 1);
  EXPECT_EQ(w.check_status(), v1::CHECK_ROBOTS_BLOCKED);
  EXPECT_EQ(w.last_error(), "disallowed by robots.txt");
  EXPECT_EQ(w.consecutive_failures(), 0);
  // Not retried in a loop: the next check is a full interval away.
  EXPECT_GE(w.next_check_time().seconds() - w.last_check_time().seconds(),
            24 * 3600 - 1);
  for (const auto& req : (*site)->requests())
    EXPECT_NE(req.target, "/legal/terms");

  auto broken = TestHttpServer::Start("127.0.0.1");
  ASSERT_TRUE(broken.ok());
  (*broken)->Handle("/robots.txt", {500, {}, ""});
  (*broken)->Handle("/terms", Html(kTermsV1));
  w.set_url((*broken)->Url("/terms"));
  ASSERT_TRUE(TryCreate(a, w, &created).ok());
  w = AwaitChecks(a, created, 1);
  EXPECT_EQ(w.check_status(), v1::CHECK_ROBOTS_BLOCKED);
  EXPECT_TRUE(absl::StrContains(w.last_error(), "500")) << w.last_error();
}

TEST_F(ChecksTest, RetentionKeepsThePlansNewestVersions) {
  Account a = SignUp();
  web().Handle("/churn", Html("<p>version 0</p>"));
  v1::Watch w = AwaitChecks(a, Create(a, "/churn"), 1);
  for (int i = 1; i <= 4; ++i) {
    web().Handle("/churn", Html(absl::StrCat("<p>version ", i, "</p>")));
    ASSERT_TRUE(CheckNow(a, w.name()).changed());
  }
  EXPECT_EQ(Count("SELECT count(*) FROM source_versions WHERE watch_id = $1",
                  {Id(w.name())}),
            3);
  // The oldest retained version's diff base is gone: said so, not faked.
  v1::ListSourceVersionsRequest list;
  list.set_parent(w.name());
  v1::ListSourceVersionsResponse versions;
  ASSERT_TRUE(
      stub().ListSourceVersions(Ctx(a.token).get(), list, &versions).ok());
  v1::GetVersionDiffRequest diff_req;
  diff_req.set_name(versions.versions(2).name());
  v1::VersionDiff diff;
  EXPECT_EQ(
      stub().GetVersionDiff(Ctx(a.token).get(), diff_req, &diff).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  diff_req.set_base_version(versions.versions(2).name());
  diff_req.set_name(versions.versions(0).name());
  ASSERT_TRUE(stub().GetVersionDiff(Ctx(a.token).get(), diff_req, &diff).ok());
  EXPECT_TRUE(absl::StrContains(diff.unified(), "-version 2\n+version 4\n"))
      << diff.unified();
}

TEST_F(ChecksTest, SchedulerRunsDueChecksFromTheTable) {
  Account a = SignUp();
  web().Handle("/sched", Html(kTermsV1));
  v1::Watch w = AwaitChecks(a, Create(a, "/sched"), 1);
  EXPECT_EQ(
      Count("SELECT count(*) FROM checks WHERE id = $1 AND state = 'SCHEDULED'",
            {Id(w.name())}),
      1);
  // The schedule lives in the table, so whatever process runs next (after
  // a restart, on another replica) picks up a check that came due.
  ASSERT_TRUE(
      Exec("UPDATE checks SET available_at = now() - interval '1 minute'"
           " WHERE id = $1",
           {Id(w.name())})
          .ok());
  v1::Watch after = AwaitChecks(a, w, 2);
  EXPECT_GT(after.last_check_time().seconds() * 1000000000LL +
                after.last_check_time().nanos(),
            w.last_check_time().seconds() * 1000000000LL +
                w.last_check_time().nanos());
}

TEST_F(ChecksTest, ClaimAndPromotionUseTheirIndexes) {
  // Many future checks must not be walked by the claim or the promotion.
  auto plan = [&](absl::string_view sql) {
    std::string out;
    absl::Status s =
        db::RunInTransaction(pool(), {}, [&](db::Tx& tx) -> absl::Status {
          FP_RETURN_IF_ERROR(
              tx.Execute("SET LOCAL enable_seqscan = off").status());
          auto r = tx.Execute(absl::StrCat("EXPLAIN ", sql));
          if (!r.ok()) return r.status();
          for (db::Row row : *r) absl::StrAppend(&out, row.Value(0), "\n");
          return absl::OkStatus();
        });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  };
  EXPECT_TRUE(absl::StrContains(
      plan("SELECT org_id, id FROM checks WHERE state = 'SCHEDULED'"
           " AND available_at <= now() ORDER BY available_at LIMIT 500"),
      "checks_due"));
  EXPECT_TRUE(absl::StrContains(
      plan("SELECT org_id, id FROM checks WHERE state = 'QUEUED'"
           " AND available_at <= now() ORDER BY rank_time, id LIMIT 1"),
      "checks_claim"));
}

}  // namespace
}  // namespace fineprint::monitoring::testing
