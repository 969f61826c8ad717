#include "services/monitoring/fetcher.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/runtime/http/test_http_server.h"

namespace fineprint::monitoring {
namespace {

using http::testing::ScriptedResponse;
using http::testing::TestHttpServer;

TEST(UrlTest, Parses) {
  auto u = ParseHttpUrl("HTTPS://Example.COM:8443/a/b?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path_and_query, "/a/b?x=1");
  EXPECT_EQ(u->origin, "https://example.com:8443");
  for (const char* bad :
       {"ftp://x/", "file:///etc/passwd", "gopher://x/", "not a url", "http://",
        "/relative", "javascript:alert(1)"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

TEST(UrlTest, RegistrableDomain) {
  EXPECT_EQ(RegistrableDomain("www.example.co.uk"), "example.co.uk");
  EXPECT_EQ(RegistrableDomain("a.b.example.com"), "example.com");
  EXPECT_EQ(RegistrableDomain("127.0.0.1"), "127.0.0.1");
}

TEST(UrlTest, RetryAfter) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseRetryAfter("120", now), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 23:13:20 GMT", now),
            absl::Seconds(3600));
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
}

TEST(HostGateTest, SpacesRequestsPerDomain) {
  HostGate gate(absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  { HostGate::Pass a = gate.Enter("a.example.com"); }
  { HostGate::Pass b = gate.Enter("b.example.com"); }
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  const absl::Time other = absl::Now();
  { HostGate::Pass c = gate.Enter("example.org"); }
  EXPECT_LT(absl::Now() - other, absl::Milliseconds(100));
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestHttpServer::Start();
    ASSERT_TRUE(server.ok());
    server_ = *std::move(server);
    FetcherOptions options;
    options.allow = *http::ParseIpRanges("127.0.0.1/32");
    options.domain_delay = absl::ZeroDuration();
    options.max_bytes = 1024;
    options.total_timeout = absl::Seconds(2);
    auto fetcher = Fetcher::Create(options);
    ASSERT_TRUE(fetcher.ok());
    fetcher_ = *std::move(fetcher);
  }
  std::unique_ptr<TestHttpServer> server_;
  std::unique_ptr<Fetcher> fetcher_;
};

TEST_F(FetcherTest, IdentifiesAndSendsValidators) {
  server_->Handle(
      "/p",
      {200, {{"ETag", "\"v1\""}, {"Content-Type", "text/html"}}, "<p>x</p>"});
  FetchRequest req{server_->Url("/p"), "\"v0\"",
                   "Mon, 01 Jan 2024 00:00:00 GMT"};
  FetchResult r = fetcher_->Fetch(req);
  EXPECT_EQ(r.outcome, FetchOutcome::kFetched);
  EXPECT_EQ(r.etag, "\"v1\"");
  auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 2u);  // robots.txt (404) then the page
  EXPECT_EQ(requests[0].target, "/robots.txt");
  EXPECT_EQ(requests[1].Header("User-Agent"),
            "Fineprint/0.1 (+https://fineprint.dev/bot)");
  EXPECT_EQ(requests[1].Header("If-None-Match"), "\"v0\"");
  EXPECT_EQ(requests[1].Header("If-Modified-Since"),
            "Mon, 01 Jan 2024 00:00:00 GMT");
}

TEST_F(FetcherTest, NotModified) {
  server_->Handle("/p", {304, {}, ""});
  EXPECT_EQ(fetcher_->Fetch({server_->Url("/p"), "\"v1\"", ""}).outcome,
            FetchOutcome::kNotModified);
}

TEST_F(FetcherTest, RobotsDisallowIsCached) {
  server_->Handle("/robots.txt",
                  {200, {}, "User-agent: *\nDisallow: /private\n"});
  server_->Handle("/private/p", {200, {}, "x"});
  FetchResult r = fetcher_->Fetch({server_->Url("/private/p"), "", ""});
  EXPECT_EQ(r.outcome, FetchOutcome::kRobotsBlocked);
  fetcher_->Fetch({server_->Url("/private/p"), "", ""});
  // One robots.txt request, and the page never.
  EXPECT_EQ(server_->requests().size(), 1u);
}

TEST_F(FetcherTest, RobotsServerErrorDisallows) {
  server_->Handle("/robots.txt", {500, {}, ""});
  server_->Handle("/p", {200, {}, "x"});
  FetchResult r = fetcher_->Fetch({server_->Url("/p"), "", ""});
  EXPECT_EQ(r.outcome, FetchOutcome::kRobotsBlocked);
  EXPECT_TRUE(absl::StrContains(r.error, "500")) << r.error;
}

TEST_F(FetcherTest, RetryAfterAndLimits) {
  server_->Handle("/busy", {429, {{"Retry-After", "90"}}, ""});
  FetchResult busy = fetcher_->Fetch({server_->Url("/busy"), "", ""});
  EXPECT_EQ(busy.outcome, FetchOutcome::kFailed);
  EXPECT_EQ(busy.retry_after, absl::Seconds(90));
  server_->Handle("/big", {200, {}, std::string(4096, 'x')});
  FetchResult big = fetcher_->Fetch({server_->Url("/big"), "", ""});
  EXPECT_EQ(big.outcome, FetchOutcome::kFailed);
  EXPECT_TRUE(absl::StartsWith(big.error, "too large")) << big.error;
  ScriptedResponse slow{200, {}, "late"};
  slow.delay = absl::Seconds(5);
  server_->Handle("/slow", slow);
  FetchResult timeout = fetcher_->Fetch({server_->Url("/slow"), "", ""});
  EXPECT_EQ(timeout.outcome, FetchOutcome::kFailed);
  EXPECT_TRUE(absl::StartsWith(timeout.error, "timeout")) << timeout.error;
}

TEST_F(FetcherTest, RedirectToBlockedAddressIsRefused) {
  server_->Handle("/hop", {302, {{"Location", "http://127.0.0.2/secret"}}, ""});
  FetchResult r = fetcher_->Fetch({server_->Url("/hop"), "", ""});
  EXPECT_EQ(r.outcome, FetchOutcome::kFailed);
  EXPECT_TRUE(absl::StartsWith(r.error, "blocked address")) << r.error;
}

}  // namespace
}  // namespace fineprint::monitoring
