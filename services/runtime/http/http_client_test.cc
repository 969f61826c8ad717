#include "services/runtime/http/http_client.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtime/http/test_http_server.h"
#include "services/runtime/status/status.h"

namespace fineprint::http {
namespace {

using ::fineprint::http::testing::Gzip;
using ::fineprint::http::testing::ScriptedResponse;
using ::fineprint::http::testing::TestHttpServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<TestHttpServer> StartServer(const char* address = "127.0.0.1") {
  absl::StatusOr<std::unique_ptr<TestHttpServer>> server =
      TestHttpServer::Start(address);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::unique_ptr<HttpClient> MakeClient(ClientOptions options) {
  absl::StatusOr<std::unique_ptr<HttpClient>> client =
      HttpClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

ClientOptions AllowingLoopback() {
  ClientOptions options;
  options.allow = {*IpRange::Parse("127.0.0.0/8")};
  options.total_timeout = absl::Seconds(10);
  return options;
}

ScriptedResponse Ok(std::string body) {
  ScriptedResponse response;
  response.body = std::move(body);
  return response;
}

ScriptedResponse Redirect(int status, std::string location) {
  ScriptedResponse response;
  response.status = status;
  response.headers = {{"Location", std::move(location)}};
  return response;
}

TEST(HttpClientTest, RefusesLoopbackByDefaultWithoutConnecting) {
  auto server = StartServer();
  server->Handle("/", Ok("secret"));
  auto client = MakeClient(ClientOptions());

  absl::StatusOr<Response> response = client->Get(server->Url("/"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(response.status().message(), HasSubstr("\"127.0.0.1\""));
  EXPECT_THAT(response.status().message(), HasSubstr("loopback"));
  EXPECT_EQ(status::Reason(response.status()), "OUTBOUND_ADDRESS_REFUSED");
  EXPECT_EQ(server->connections(), 0);
}

TEST(HttpClientTest, RefusesOtherSpellingsOfLoopback) {
  auto server = StartServer();
  server->Handle("/", Ok("secret"));
  auto client = MakeClient(ClientOptions());
  std::string port = absl::StrCat(server->port());
  for (const std::string& url :
       {"http://localhost:" + port + "/", "http://2130706433:" + port + "/",
        "http://0x7f.1:" + port + "/", "http://0177.0.0.1:" + port + "/",
        "http://127.1:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/",
        "http://[::1]:" + port + "/", "http://0.0.0.0:" + port + "/",
        "http://LocalHost:" + port + "/"}) {
    absl::StatusOr<Response> response = client->Get(url);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied)
        << url << ": " << response.status();
  }
  // Whether or not the resolver knows the absolute form of the name, it
  // must not get through (without a DNS server it does not resolve).
  EXPECT_FALSE(client->Get("http://localhost.:" + port + "/").ok());
  EXPECT_EQ(server->connections(), 0);
}

TEST(HttpClientTest, AllowListAdmitsLoopback) {
  auto server = StartServer();
  ScriptedResponse hello = Ok("hello");
  hello.headers = {
      {"Content-Type", "text/plain"}, {"X-Multi", "one"}, {"x-multi", "two"}};
  server->Handle("/hello", hello);
  ClientOptions options = AllowingLoopback();
  options.user_agent = "fineprint-test/2";
  auto client = MakeClient(options);

  Request request;
  request.url = server->Url("/hello?q=1");
  request.headers = {{"X-Request-Id", "abc"}};
  absl::StatusOr<Response> response = client->Send(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->headers.Get("content-type"), "text/plain");
  EXPECT_THAT(response->headers.GetAll("X-MULTI"), ElementsAre("one", "two"));
  EXPECT_FALSE(response->headers.Has("X-Absent"));
  EXPECT_EQ(response->final_url, server->Url("/hello?q=1"));
  ASSERT_EQ(response->hops.size(), 1u);
  EXPECT_EQ(response->hops[0].status, 200);

  std::vector<testing::ReceivedRequest> seen = server->requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/hello?q=1");
  EXPECT_EQ(seen[0].Header("User-Agent"), "fineprint-test/2");
  EXPECT_EQ(seen[0].Header("X-Request-Id"), "abc");
}

TEST(HttpClientTest, ReachesAllowedHostByName) {
  auto server = StartServer();
  server->Handle("/", Ok("by name"));
  ClientOptions options = AllowingLoopback();
  options.allow.push_back(*IpRange::Parse("::1"));
  auto client = MakeClient(options);
  absl::StatusOr<Response> response =
      client->Get(absl::StrCat("http://localhost:", server->port(), "/"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "by name");
}

TEST(HttpClientTest, ConnectsToTheCheckedAddressWithoutResolvingAgain) {
  // ".test" names never resolve through DNS, so reaching the server proves
  // curl used the pinned address instead of looking the name up itself.
  auto server = StartServer("127.0.0.2");
  server->Handle("/", Ok("pinned"));
  auto lookups = std::make_shared<std::atomic<int>>(0);
  ClientOptions options;
  options.allow = {*IpRange::Parse("127.0.0.2/32")};
  options.resolver =
      [lookups](
          absl::string_view host) -> absl::StatusOr<std::vector<IpAddress>> {
    lookups->fetch_add(1);
    if (host == "docs.example.test") return {{*IpAddress::Parse("127.0.0.2")}};
    if (host == "mixed.example.test") {
      return {{*IpAddress::Parse("127.0.0.2"), *IpAddress::Parse("10.0.0.7")}};
    }
    return absl::UnavailableError("unknown test host");
  };
  auto client = MakeClient(options);

  std::string port = absl::StrCat(server->port());
  absl::StatusOr<Response> response =
      client->Get("http://docs.example.test:" + port + "/");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "pinned");
  EXPECT_EQ(lookups->load(), 1);
  // TLS and virtual hosting still see the real name.
  EXPECT_EQ(server->requests().at(0).Header("Host"),
            "docs.example.test:" + port);

  // One private record among allowed ones refuses the whole host.
  absl::StatusOr<Response> mixed =
      client->Get("http://mixed.example.test:" + port + "/");
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(mixed.status().message(), HasSubstr("10.0.0.7"));
  EXPECT_THAT(mixed.status().message(), HasSubstr("private"));
  EXPECT_EQ(server->connections(), 1);

  EXPECT_EQ(client->Get("http://nowhere.example.test/").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(HttpClientTest, FollowsRedirectChain) {
  auto server = StartServer();
  server->Handle("/a", Redirect(302, "/b?from=a"));
  server->Handle("/b", Redirect(301, server->Url("/c")));
  server->Handle("/c", Redirect(308, "d"));
  server->Handle("/d", Ok("done"));
  auto client = MakeClient(AllowingLoopback());

  absl::StatusOr<Response> response = client->Get(server->Url("/a"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
  EXPECT_EQ(response->final_url, server->Url("/d"));
  ASSERT_EQ(response->hops.size(), 4u);
  EXPECT_EQ(response->hops[0].url, server->Url("/a"));
  EXPECT_EQ(response->hops[0].status, 302);
  EXPECT_EQ(response->hops[1].url, server->Url("/b?from=a"));
  EXPECT_EQ(response->hops[1].status, 301);
  EXPECT_EQ(response->hops[2].url, server->Url("/c"));
  EXPECT_EQ(response->hops[2].status, 308);
  EXPECT_EQ(response->hops[3].url, server->Url("/d"));
  EXPECT_EQ(response->hops[3].status, 200);
}

TEST(HttpClientTest, RedirectFromAllowedHostToLoopbackIsRefused) {
  // Only 127.0.0.2 is allowed; 127.0.0.1 is loopback like any other.
  auto allowed = StartServer("127.0.0.2");
  auto target = StartServer("127.0.0.1");
  target->Handle("/admin", Ok("internal"));
  allowed->Handle("/ok", Ok("fine"));
  allowed->Handle("/go", Redirect(302, target->Url("/admin")));
  ClientOptions options;
  options.allow = {*IpRange::Parse("127.0.0.2/32")};
  auto client = MakeClient(options);

  absl::StatusOr<Response> direct = client->Get(allowed->Url("/ok"));
  ASSERT_TRUE(direct.ok()) << direct.status();
  EXPECT_EQ(direct->body, "fine");

  absl::StatusOr<Response> response = client->Get(allowed->Url("/go"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(response.status().message(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(response.status().message(), HasSubstr("loopback"));
  EXPECT_EQ(allowed->connections(), 2);
  EXPECT_EQ(target->connections(), 0);
}

TEST(HttpClientTest, RefusesMoreThanMaxRedirects) {
  auto server = StartServer();
  server->Handle("/loop", Redirect(302, "/loop"));
  server->Handle("/r1", Redirect(302, "/r2"));
  server->Handle("/r2", Redirect(302, "/r3"));
  server->Handle("/r3", Redirect(302, "/end"));
  server->Handle("/end", Ok("end"));
  ClientOptions options = AllowingLoopback();
  options.max_redirects = 3;
  auto client = MakeClient(options);

  absl::StatusOr<Response> looped = client->Get(server->Url("/loop"));
  EXPECT_EQ(looped.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status::Reason(looped.status()), "TOO_MANY_REDIRECTS");
  // The first request and three redirects, then no more.
  EXPECT_EQ(server->requests().size(), 4u);

  absl::StatusOr<Response> three = client->Get(server->Url("/r1"));
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_EQ(three->body, "end");
  EXPECT_EQ(three->hops.size(), 4u);
}

TEST(HttpClientTest, DefaultsToTenRedirects) {
  auto server = StartServer();
  for (int i = 0; i < 11; ++i) {
    server->Handle(absl::StrCat("/", i),
                   Redirect(302, absl::StrCat("/", i + 1)));
  }
  server->Handle("/10", Ok("ten"));
  auto client = MakeClient(AllowingLoopback());
  absl::StatusOr<Response> ten = client->Get(server->Url("/0"));
  ASSERT_TRUE(ten.ok()) << ten.status();
  EXPECT_EQ(ten->body, "ten");

  server->Handle("/10", Redirect(302, "/11"));
  EXPECT_EQ(client->Get(server->Url("/0")).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(HttpClientTest, SeeOtherTurnsPostIntoGetAnd307KeepsIt) {
  auto server = StartServer();
  server->Handle("/form", Redirect(303, "/result"));
  server->Handle("/result", Ok("result"));
  server->Handle("/moved", Redirect(307, "/echo"));
  server->Handle("/found", Redirect(302, "/result"));
  server->Handle("/echo", Ok("echo"));
  auto client = MakeClient(AllowingLoopback());

  Request post;
  post.method = Method::kPost;
  post.url = server->Url("/form");
  post.body = "a=1&b=2";
  post.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  absl::StatusOr<Response> response = client->Send(post);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "result");
  EXPECT_EQ(response->hops[0].method, Method::kPost);
  EXPECT_EQ(response->hops[1].method, Method::kGet);

  post.url = server->Url("/found");
  ASSERT_TRUE(client->Send(post).ok());

  post.url = server->Url("/moved");
  response = client->Send(post);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "echo");

  std::vector<testing::ReceivedRequest> seen = server->requests();
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, "a=1&b=2");
  EXPECT_EQ(seen[1].method, "GET");
  EXPECT_EQ(seen[1].body, "");
  EXPECT_EQ(seen[1].Header("Content-Type"), "");
  EXPECT_EQ(seen[2].method, "POST");
  EXPECT_EQ(seen[3].method, "GET");
  EXPECT_EQ(seen[4].method, "POST");
  EXPECT_EQ(seen[5].method, "POST");
  EXPECT_EQ(seen[5].target, "/echo");
  EXPECT_EQ(seen[5].body, "a=1&b=2");
  EXPECT_EQ(seen[5].Header("Content-Type"),
            "application/x-www-form-urlencoded");
}

TEST(HttpClientTest, CrossOriginRedirectDropsCredentials) {
  auto first = StartServer("127.0.0.1");
  auto second = StartServer("127.0.0.2");
  first->Handle("/same", Redirect(302, "/landing"));
  first->Handle("/landing", Ok("same"));
  first->Handle("/cross", Redirect(302, second->Url("/landing")));
  second->Handle("/landing", Ok("cross"));
  auto client = MakeClient(AllowingLoopback());

  Request request;
  request.headers = {{"Authorization", "Bearer t"}, {"X-Keep", "1"}};
  request.url = first->Url("/same");
  ASSERT_TRUE(client->Send(request).ok());
  request.url = first->Url("/cross");
  ASSERT_TRUE(client->Send(request).ok());

  std::vector<testing::ReceivedRequest> at_first = first->requests();
  ASSERT_EQ(at_first.size(), 3u);
  EXPECT_EQ(at_first[1].Header("Authorization"), "Bearer t");
  std::vector<testing::ReceivedRequest> at_second = second->requests();
  ASSERT_EQ(at_second.size(), 1u);
  EXPECT_EQ(at_second[0].Header("Authorization"), "");
  EXPECT_EQ(at_second[0].Header("X-Keep"), "1");
}

TEST(HttpClientTest, HeadReturnsHeadersOnly) {
  auto server = StartServer();
  ScriptedResponse page = Ok("0123456789");
  page.headers = {{"ETag", "\"v1\""}};
  server->Handle("/page", page);
  auto client = MakeClient(AllowingLoopback());
  Request head;
  head.method = Method::kHead;
  head.url = server->Url("/page");
  absl::StatusOr<Response> response = client->Send(head);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.Get("etag"), "\"v1\"");
  EXPECT_THAT(response->body, IsEmpty());
  EXPECT_EQ(server->requests().at(0).method, "HEAD");
}

TEST(HttpClientTest, EnforcesResponseSizeLimit) {
  auto server = StartServer();
  server->Handle("/big", Ok(std::string(100000, 'x')));
  server->Handle("/exact", Ok(std::string(10000, 'y')));
  ClientOptions options = AllowingLoopback();
  options.max_response_bytes = 10000;
  auto client = MakeClient(options);

  absl::StatusOr<Response> big = client->Get(server->Url("/big"));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(big.status().message(), HasSubstr("10000 bytes"));
  EXPECT_EQ(status::Reason(big.status()), "RESPONSE_TOO_LARGE");

  absl::StatusOr<Response> exact = client->Get(server->Url("/exact"));
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->body.size(), 10000u);
}

TEST(HttpClientTest, DecodesGzip) {
  auto server = StartServer();
  std::string text;
  for (int i = 0; i < 200; ++i) absl::StrAppend(&text, "clause ", i, "; ");
  ScriptedResponse gzipped = Ok(Gzip(text));
  gzipped.headers = {{"Content-Encoding", "gzip"}};
  ASSERT_LT(gzipped.body.size(), text.size());
  server->Handle("/gz", gzipped);
  auto client = MakeClient(AllowingLoopback());

  absl::StatusOr<Response> response = client->Get(server->Url("/gz"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, text);
  EXPECT_THAT(server->requests().at(0).Header("Accept-Encoding"),
              HasSubstr("gzip"));
}

TEST(HttpClientTest, SizeLimitAppliesToDecodedBody) {
  // A kilobyte of gzip that inflates to a megabyte.
  auto server = StartServer();
  ScriptedResponse bomb = Ok(Gzip(std::string(1 << 20, '\0')));
  bomb.headers = {{"Content-Encoding", "gzip"}};
  ASSERT_LT(bomb.body.size(), 64u * 1024);
  server->Handle("/bomb", bomb);
  ClientOptions options = AllowingLoopback();
  options.max_response_bytes = 64 * 1024;
  auto client = MakeClient(options);
  EXPECT_EQ(client->Get(server->Url("/bomb")).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(HttpClientTest, TimesOut) {
  auto server = StartServer();
  ScriptedResponse slow = Ok("late");
  slow.delay = absl::Seconds(20);
  server->Handle("/slow", slow);
  ClientOptions options = AllowingLoopback();
  options.total_timeout = absl::Milliseconds(300);
  auto client = MakeClient(options);

  absl::Time start = absl::Now();
  absl::StatusOr<Response> response = client->Get(server->Url("/slow"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(HttpClientTest, TotalTimeoutSpansRedirects) {
  auto server = StartServer();
  ScriptedResponse slow_redirect = Redirect(302, "/slow-end");
  slow_redirect.delay = absl::Milliseconds(250);
  server->Handle("/slow-start", slow_redirect);
  ScriptedResponse slow_end = Ok("end");
  slow_end.delay = absl::Milliseconds(250);
  server->Handle("/slow-end", slow_end);
  ClientOptions options = AllowingLoopback();
  options.total_timeout = absl::Milliseconds(400);
  auto client = MakeClient(options);
  EXPECT_EQ(client->Get(server->Url("/slow-start")).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(HttpClientTest, RefusesNonHttpSchemes) {
  auto client = MakeClient(AllowingLoopback());
  for (const char* url :
       {"ftp://example.com/file", "file:///etc/passwd", "gopher://127.0.0.1/",
        "dict://127.0.0.1:11211/stat", "ldap://127.0.0.1/", "example.com/",
        "not a url", "", "http://", "javascript:alert(1)"}) {
    EXPECT_EQ(client->Get(url).status().code(),
              absl::StatusCode::kInvalidArgument)
        << url;
  }
}

TEST(HttpClientTest, RefusesNonHttpRedirect) {
  auto server = StartServer();
  server->Handle("/file", Redirect(302, "file:///etc/passwd"));
  server->Handle("/gopher", Redirect(302, absl::StrCat("gopher://127.0.0.1:",
                                                       server->port(), "/_x")));
  auto client = MakeClient(AllowingLoopback());
  for (const char* path : {"/file", "/gopher"}) {
    absl::StatusOr<Response> response = client->Get(server->Url(path));
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument)
        << path << ": " << response.status();
  }
  EXPECT_EQ(server->connections(), 2);
}

TEST(HttpClientTest, RefusesUnsafeRequestHeaders) {
  auto server = StartServer();
  auto client = MakeClient(AllowingLoopback());
  for (const auto& header : std::vector<std::pair<std::string, std::string>>{
           {"Host", "internal.example"},
           {"X-Injected", "a\r\nHost: other"},
           {"Bad Name", "x"},
           {"Content-Length", "0"},
           {"Transfer-Encoding", "chunked"}}) {
    Request request;
    request.url = server->Url("/");
    request.headers = {header};
    EXPECT_EQ(client->Send(request).status().code(),
              absl::StatusCode::kInvalidArgument)
        << header.first;
  }
  EXPECT_EQ(server->connections(), 0);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    auto closed = StartServer();
    port = closed->port();
  }
  auto client = MakeClient(AllowingLoopback());
  absl::StatusOr<Response> response =
      client->Get(absl::StrCat("http://127.0.0.1:", port, "/"));
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
}

TEST(HttpClientTest, RejectsBadOptions) {
  ClientOptions negative;
  negative.max_redirects = -1;
  EXPECT_EQ(HttpClient::Create(negative).status().code(),
            absl::StatusCode::kInvalidArgument);
  ClientOptions zero_timeout;
  zero_timeout.total_timeout = absl::ZeroDuration();
  EXPECT_EQ(HttpClient::Create(zero_timeout).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpClientTest, OneClientServesManyThreads) {
  auto server = StartServer();
  server->Handle("/n", Ok("n"));
  server->Handle("/hop", Redirect(302, "/n"));
  auto client = MakeClient(AllowingLoopback());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        absl::StatusOr<Response> response =
            client->Get(server->Url((t + i) % 2 == 0 ? "/n" : "/hop"));
        if (response.ok() && response->body == "n") ok.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 40);
}

}  // namespace
}  // namespace fineprint::http
