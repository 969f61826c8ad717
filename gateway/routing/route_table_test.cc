#include "gateway/routing/route_table.h"

#include <chrono>
#include <thread>

#include "gateway/routing/snapshot.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::routing {
namespace {

using Kind = MatchResult::Kind;

std::shared_ptr<const RouteTable> Table(RouteTableOptions options = {}) {
  RouteTableBuilder b(options);
  auto add = [&b](const char* method, const char* pattern, const char* rpc) {
    RouteTarget t;
    t.rpc_method = rpc;
    absl::Status s = b.Add(method, pattern, t);
    EXPECT_TRUE(s.ok()) << pattern << ": " << s;
  };
  add("GET", "/v1/{name=orgs/*/users/*}", "GetUser");
  add("DELETE", "/v1/{name=orgs/*/users/*}", "DeleteUser");
  add("PATCH", "/v1/{user.name=orgs/*/users/*}", "UpdateUser");
  add("GET", "/v1/{parent=orgs/*}/users", "ListUsers");
  add("GET", "/v1/{name=orgs/*}", "GetOrg");
  add("POST", "/v1/{name=orgs/*}:changePlan", "ChangePlan");
  add("GET", "/v1/{parent=orgs/*}/jobs", "ListJobs");
  add("GET", "/v1/{parent=orgs/*}/jobs:listDead", "ListDeadJobs");
  add("POST", "/v1/{name=orgs/*/jobs/*}:cancel", "CancelJob");
  add("GET", "/v1/{name=orgs/*/jobs/*}", "GetJob");
  add("GET", "/v1/me", "GetMe");
  add("GET", "/v1/orgs/special", "Special");
  add("POST", "/v1/auth:signUp", "SignUp");
  add("GET", "/v1/{path=files/**}", "GetFile");
  add("GET", "/v1/items/{id}", "GetItem");
  add("GET", "/.well-known/jwks.json", "Jwks");
  add("OPTIONS", "/v1/me", "Options");
  return b.Build();
}

TEST(RouteTableTest, MatchesAndBinds) {
  auto t = Table();
  auto m = t->Match("GET", "/v1/orgs/o1/users/u1");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "GetUser");
  ASSERT_EQ(m.bindings.size(), 1u);
  EXPECT_EQ(m.bindings[0].field_path, std::vector<std::string>{"name"});
  EXPECT_EQ(m.bindings[0].value, "orgs/o1/users/u1");

  m = t->Match("PATCH", "/v1/orgs/o1/users/u1");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.bindings[0].field_path,
            (std::vector<std::string>{"user", "name"}));
}

TEST(RouteTableTest, CustomVerbs) {
  auto t = Table();
  auto m = t->Match("POST", "/v1/orgs/o1/jobs/j1:cancel");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "CancelJob");
  EXPECT_EQ(m.bindings[0].value, "orgs/o1/jobs/j1");

  m = t->Match("GET", "/v1/orgs/o1/jobs:listDead");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "ListDeadJobs");
  m = t->Match("GET", "/v1/orgs/o1/jobs");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "ListJobs");
  m = t->Match("POST", "/v1/auth:signUp");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "SignUp");
  // Unknown verb on a known path is not the plain route.
  EXPECT_EQ(t->Match("POST", "/v1/auth:explode").kind, Kind::kNotFound);
  // ...and a verb nobody uses is part of the id (GET exists, POST does not).
  EXPECT_EQ(t->Match("POST", "/v1/orgs/o1/jobs/j1:explode").kind,
            Kind::kMethodNotAllowed);
  // A ':' that is not a verb stays part of the id.
  m = t->Match("GET", "/v1/items/a:b");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.bindings[0].value, "a:b");
}

TEST(RouteTableTest, LiteralBeatsWildcard) {
  auto t = Table();
  auto m = t->Match("GET", "/v1/orgs/special");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "Special");
  m = t->Match("GET", "/v1/orgs/other");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "GetOrg");
  // Backtracking: literal "special" prefix does not block deeper wildcard
  // routes.
  m = t->Match("GET", "/v1/orgs/special/users");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "ListUsers");
  EXPECT_EQ(m.bindings[0].value, "orgs/special");
}

TEST(RouteTableTest, DoubleWildcard) {
  auto t = Table();
  auto m = t->Match("GET", "/v1/files/a/b/c.txt");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.bindings[0].value, "files/a/b/c.txt");
  m = t->Match("GET", "/v1/files");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.bindings[0].value, "files");
}

TEST(RouteTableTest, PercentDecodingRules) {
  auto t = Table();
  // Multi-segment variable: reserved characters stay encoded, others decode.
  auto m = t->Match("GET", "/v1/orgs/o1/users/a%2Fb%20c");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.bindings[0].value, "orgs/o1/users/a%2Fb c");
  // Single-segment variable: fully decoded.
  m = t->Match("GET", "/v1/items/a%20b%3Ac");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.bindings[0].value, "a b:c");
  // ...but an encoded slash there is rejected.
  m = t->Match("GET", "/v1/items/a%2Fb");
  EXPECT_EQ(m.kind, Kind::kBadPath);
  // Literals compare decoded.
  m = t->Match("GET", "/v1/m%65");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "GetMe");
}

TEST(RouteTableTest, RejectsBadPaths) {
  auto t = Table();
  EXPECT_EQ(t->Match("GET", "/v1/orgs/../users").kind, Kind::kBadPath);
  EXPECT_EQ(t->Match("GET", "/v1/orgs/./x").kind, Kind::kBadPath);
  EXPECT_EQ(t->Match("GET", "/v1/orgs/%2e%2E").kind, Kind::kBadPath);
  EXPECT_EQ(t->Match("GET", "/v1/items/%zz").kind, Kind::kBadPath);
  EXPECT_EQ(t->Match("GET", "/v1//me").kind, Kind::kBadPath);
  EXPECT_EQ(t->Match("GET", "v1/me").kind, Kind::kBadPath);
}

TEST(RouteTableTest, NotFoundVersusMethodNotAllowed) {
  auto t = Table();
  EXPECT_EQ(t->Match("GET", "/v2/me").kind, Kind::kNotFound);
  EXPECT_EQ(t->Match("GET", "/v1/orgs/o1/users/u1/x").kind, Kind::kNotFound);
  auto m = t->Match("PUT", "/v1/orgs/o1/users/u1");
  ASSERT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods,
            (std::vector<std::string>{"DELETE", "GET", "PATCH"}));
  m = t->Match("GET", "/v1/orgs/o1/jobs/j1:cancel");
  ASSERT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allowed_methods, std::vector<std::string>{"POST"});
  // Custom method kinds are methods like any other.
  m = t->Match("OPTIONS", "/v1/me");
  ASSERT_EQ(m.kind, Kind::kMatched);
  EXPECT_EQ(m.route->target.rpc_method, "Options");
}

TEST(RouteTableTest, TrailingSlash) {
  auto t = Table();
  EXPECT_EQ(t->Match("GET", "/v1/me/").kind, Kind::kMatched);
  auto strict = Table(RouteTableOptions{.ignore_trailing_slash = false});
  EXPECT_NE(strict->Match("GET", "/v1/me/").kind, Kind::kMatched);
  EXPECT_EQ(strict->Match("GET", "/v1/me").kind, Kind::kMatched);
}

TEST(RouteTableTest, DuplicateAndInvalidRoutesRejected) {
  RouteTableBuilder b;
  ASSERT_TRUE(b.Add("GET", "/v1/{name=orgs/*}", {}).ok());
  EXPECT_EQ(b.Add("GET", "/v1/{parent=orgs/*}", {}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(b.Add("POST", "/v1/{parent=orgs/*}", {}).ok());
  EXPECT_TRUE(b.Add("GET", "/v1/{parent=orgs/*}:x", {}).ok());
  EXPECT_EQ(b.Add("GET", "/v1/{a=**}/b", {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Add("", "/v1", {}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(RouteTableTest, HolderSwapsWhileReadersRun) {
  RouteTableHolder holder(Table());
  std::atomic<bool> stop{false};
  std::atomic<int> matched{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto table = holder.Get();
        if (table->Match("GET", "/v1/me").kind == Kind::kMatched) ++matched;
      }
    });
  }
  for (int i = 0; i < 50; ++i) holder.Set(Table());
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_GT(matched.load(), 0);
}

TEST(RouteTableTest, LookupSpeed) {
  auto t = Table();
  constexpr int kIterations = 200000;
  auto start = std::chrono::steady_clock::now();
  int hits = 0;
  for (int i = 0; i < kIterations; ++i) {
    hits +=
        t->Match("POST", "/v1/orgs/o1/jobs/j1:cancel").kind == Kind::kMatched;
  }
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  EXPECT_EQ(hits, kIterations);
  std::printf("route match: %.0f ns/lookup\n", double(ns) / kIterations);
}

}  // namespace
}  // namespace fineprint::gateway::routing
