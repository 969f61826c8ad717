#include "gateway/routing/path_template.h"

#include "gtest/gtest.h"

namespace fineprint::gateway::routing {
namespace {

using Kind = TemplateSegment::Kind;

TEST(PathTemplateTest, LiteralsAndVerb) {
  auto t = ParsePathTemplate("/v1/auth:signUp");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->segments.size(), 2u);
  EXPECT_EQ(t->segments[0].literal, "v1");
  EXPECT_EQ(t->segments[1].literal, "auth");
  EXPECT_EQ(t->verb, "signUp");
  EXPECT_TRUE(t->variables.empty());
  EXPECT_EQ(t->ToString(), "/v1/auth:signUp");
}

TEST(PathTemplateTest, SimpleVariableIsSingleWildcard) {
  auto t = ParsePathTemplate("/v1/users/{id}");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->segments.size(), 3u);
  EXPECT_EQ(t->segments[2].kind, Kind::kSingle);
  ASSERT_EQ(t->variables.size(), 1u);
  EXPECT_EQ(t->variables[0].field_path, std::vector<std::string>{"id"});
  EXPECT_EQ(t->variables[0].start_segment, 2);
  EXPECT_EQ(t->variables[0].end_segment, 3);
  EXPECT_FALSE(t->variables[0].multi_segment);
  EXPECT_EQ(t->ToString(), "/v1/users/{id}");
}

TEST(PathTemplateTest, NestedFieldPathWithSegmentsAndVerb) {
  auto t = ParsePathTemplate("/v1/{user.name=orgs/*/users/*}:cancel");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->variables.size(), 1u);
  const auto& v = t->variables[0];
  EXPECT_EQ(v.field_path, (std::vector<std::string>{"user", "name"}));
  EXPECT_EQ(v.start_segment, 1);
  EXPECT_EQ(v.end_segment, 5);
  EXPECT_TRUE(v.multi_segment);
  EXPECT_EQ(t->verb, "cancel");
  EXPECT_EQ(t->Shape(), "/v1/orgs/*/users/*:cancel");
  EXPECT_EQ(t->ToString(), "/v1/{user.name=orgs/*/users/*}:cancel");
}

TEST(PathTemplateTest, DoubleWildcard) {
  auto t = ParsePathTemplate("/v1/{path=files/**}");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->segments.back().kind, Kind::kMulti);
  EXPECT_TRUE(t->variables[0].multi_segment);
  auto bare = ParsePathTemplate("/static/**:get");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->verb, "get");
  auto single_var_multi = ParsePathTemplate("/a/{rest=**}");
  ASSERT_TRUE(single_var_multi.ok());
  EXPECT_TRUE(single_var_multi->variables[0].multi_segment);
}

TEST(PathTemplateTest, MultipleVariables) {
  auto t = ParsePathTemplate("/v1/{a}/x/{b.c=y/*}");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->variables.size(), 2u);
  EXPECT_EQ(t->variables[1].start_segment, 3);
  EXPECT_EQ(t->variables[1].end_segment, 5);
}

TEST(PathTemplateTest, PercentEncodedLiteralIsDecoded) {
  auto t = ParsePathTemplate("/v1/a%20b");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->segments[1].literal, "a b");
}

TEST(PathTemplateTest, RootOnly) {
  auto t = ParsePathTemplate("/");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->segments.empty());
  EXPECT_EQ(t->ToString(), "/");
}

TEST(PathTemplateTest, Errors) {
  const char* bad[] = {
      "",               // empty
      "v1/users",       // no leading slash
      "/v1//users",     // empty segment
      "/v1/users/",     // trailing slash
      "/v1/{}",         // no field name
      "/v1/{1abc}",     // bad identifier
      "/v1/{a=}",       // empty segments
      "/v1/{a=b/{c}}",  // nested variable
      "/v1/{a",         // unterminated
      "/v1/**/x",       // ** not last
      "/v1/{a=**}/x",   // ** not last, in variable
      "/v1/a*",         // partial wildcard
      "/v1/***",        // bad wildcard
      "/v1/x:",         // empty verb
      "/v1/{a}/{a}",    // bound twice
      "/v1/../x",       // dot segment
      "/v1/./x",        // dot segment
      "/v1/a%2",        // malformed escape
      "/v1/a%2Fb",      // encoded slash in literal
      "/v1/a b",        // space
      "/v1/{a.}",       // trailing dot
      "/:verb",         // verb with no segment
  };
  for (const char* text : bad) {
    auto t = ParsePathTemplate(text);
    EXPECT_FALSE(t.ok()) << "accepted: " << text;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(t.status().message().find("offset"), absl::string_view::npos);
    }
  }
}

}  // namespace
}  // namespace fineprint::gateway::routing
