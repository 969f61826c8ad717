#include "gateway/api/api_config.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "gateway/api/test_descriptor_set.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::api {
namespace {

using routing::MatchResult;
using routing::TemplateSegment;

class ApiConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = ApiConfig::FromFile(TestDescriptorSetPath());
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }

  const MethodInfo& Expect(const char* method, const char* path,
                           const char* rpc, const char* binding) {
    static MethodInfo none;
    MatchResult m = config_->routes().Match(method, path);
    EXPECT_EQ(m.kind, MatchResult::Kind::kMatched) << method << " " << path;
    if (m.kind != MatchResult::Kind::kMatched) return none;
    const MethodInfo& info = config_->method(m.route->target.id);
    EXPECT_EQ(info.method->full_name(), rpc);
    if (binding != nullptr) {
      EXPECT_EQ(m.bindings.size(), 1u);
      if (!m.bindings.empty()) {
        EXPECT_EQ(m.bindings[0].value, binding);
      }
    }
    return info;
  }

  std::shared_ptr<const ApiConfig> config_;
};

TEST_F(ApiConfigTest, KnownRoutes) {
  const auto& get_user = Expect("GET", "/v1/orgs/o1/users/u1",
                                "fineprint.identity.v1.IdentityService.GetUser",
                                "orgs/o1/users/u1");
  EXPECT_EQ(get_user.grpc_path,
            "/fineprint.identity.v1.IdentityService/GetUser");
  EXPECT_FALSE(get_user.is_public);
  EXPECT_EQ(get_user.success_code, 200);

  const auto& cancel = Expect("POST", "/v1/orgs/o1/jobs/j1:cancel",
                              "fineprint.analysis.v1.AnalysisService.CancelJob",
                              "orgs/o1/jobs/j1");
  EXPECT_EQ(cancel.roles,
            (std::vector<std::string>{"OWNER", "ADMIN", "MEMBER"}));

  const auto& signup =
      Expect("POST", "/v1/auth:signUp",
             "fineprint.identity.v1.IdentityService.SignUp", nullptr);
  EXPECT_TRUE(signup.is_public);
  EXPECT_EQ(signup.success_code, 201);

  const auto& del = Expect("DELETE", "/v1/orgs/o1/users/u1",
                           "fineprint.identity.v1.IdentityService.DeleteUser",
                           "orgs/o1/users/u1");
  EXPECT_EQ(del.success_code, 204);

  // additional_bindings
  Expect("GET", "/.well-known/jwks.json",
         "fineprint.identity.v1.IdentityService.GetPublicKeySet", nullptr);
  Expect("GET", "/v1/auth/jwks",
         "fineprint.identity.v1.IdentityService.GetPublicKeySet", nullptr);
  Expect("GET", "/v1/orgs/o1/jobs:listDead",
         "fineprint.analysis.v1.AnalysisService.ListDeadJobs", "orgs/o1");
  Expect("GET", "/v1/orgs/o1/jobs",
         "fineprint.analysis.v1.AnalysisService.ListJobs", "orgs/o1");
  Expect("GET", "/v1/orgs/o1/jobs/j1/analysis",
         "fineprint.analysis.v1.AnalysisService.GetAnalysis",
         "orgs/o1/jobs/j1/analysis");

  MatchResult m = config_->routes().Match("PATCH", "/v1/orgs/o1/users/u1");
  ASSERT_EQ(m.kind, MatchResult::Kind::kMatched);
  EXPECT_EQ(m.bindings[0].field_path,
            (std::vector<std::string>{"user", "name"}));
  EXPECT_EQ(m.route->target.body, "user");
}

// Every route of every service, instantiated with concrete segments, leads
// back to its own method.
TEST_F(ApiConfigTest, EveryAnnotatedMethodRoutes) {
  std::set<std::string> routed;
  for (const auto& route : config_->routes().routes()) {
    std::string path;
    int n = 0;
    for (const auto& seg : route.path.segments) {
      path += '/';
      switch (seg.kind) {
        case TemplateSegment::Kind::kLiteral:
          path += seg.literal;
          break;
        case TemplateSegment::Kind::kSingle:
          path += "id" + std::to_string(n++);
          break;
        case TemplateSegment::Kind::kMulti:
          path += "a/b";
          break;
      }
    }
    if (!route.path.verb.empty()) path += ":" + route.path.verb;
    MatchResult m = config_->routes().Match(route.http_method, path);
    ASSERT_EQ(m.kind, MatchResult::Kind::kMatched)
        << route.pattern << " via " << path;
    EXPECT_EQ(m.route, &route) << route.pattern << " via " << path;
    routed.insert(route.target.rpc_method);
  }
  // Every method of every service in the set carries an http rule.
  size_t total = 0;
  for (const auto& name : config_->services()) {
    total += config_->pool().FindServiceByName(name)->method_count();
  }
  EXPECT_EQ(routed.size(), total);
  // The set grows as services are added (docs/conventions.md, "Adding a
  // service"); what must hold is that the ones routed today are there.
  const std::vector<std::string> services = config_->services();
  for (const char* name : {"fineprint.identity.v1.IdentityService",
                           "fineprint.analysis.v1.AnalysisService"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), name), services.end())
        << name;
  }
  EXPECT_GT(total, 40u);
}

// Lookup cost over the real table, every route in turn (build with -c opt
// for meaningful numbers).
TEST_F(ApiConfigTest, LookupSpeedOverContract) {
  std::vector<std::pair<std::string, std::string>> requests;
  for (const auto& route : config_->routes().routes()) {
    std::string path;
    for (const auto& seg : route.path.segments) {
      path += '/';
      path +=
          seg.kind == TemplateSegment::Kind::kLiteral ? seg.literal : "abc123";
    }
    if (!route.path.verb.empty()) path += ":" + route.path.verb;
    requests.emplace_back(route.http_method, path);
  }
  constexpr int kRounds = 2000;
  auto start = std::chrono::steady_clock::now();
  size_t matched = 0;
  for (int r = 0; r < kRounds; ++r) {
    for (const auto& [method, path] : requests) {
      matched += config_->routes().Match(method, path).kind ==
                 MatchResult::Kind::kMatched;
    }
  }
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  EXPECT_EQ(matched, kRounds * requests.size());
  std::printf("contract routes: %zu, %.0f ns/lookup\n", requests.size(),
              double(ns) / (kRounds * requests.size()));
}

TEST_F(ApiConfigTest, ErrorDetailTypesResolve) {
  EXPECT_NE(config_->pool().FindMessageTypeByName("google.rpc.ErrorInfo"),
            nullptr);
  EXPECT_NE(config_->pool().FindMessageTypeByName("google.rpc.BadRequest"),
            nullptr);
  EXPECT_NE(config_->pool().FindMessageTypeByName("google.rpc.Status"),
            nullptr);
}

TEST(ApiConfigErrorsTest, RejectsBadRules) {
  EXPECT_EQ(ApiConfig::FromFile("/nonexistent").status().code(),
            absl::StatusCode::kNotFound);
  google::protobuf::FileDescriptorSet set;
  auto* f = set.add_file();
  f->set_name("x.proto");
  f->add_dependency("missing.proto");
  EXPECT_EQ(ApiConfig::FromDescriptorSet(set).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ApiConfigTest, AnswersUseCompiledClassesOfTheSameShape) {
  const auto& me = Expect(
      "GET", "/v1/me", "fineprint.identity.v1.IdentityService.GetMe", nullptr);
  EXPECT_TRUE(me.response_compiled);
  ASSERT_NE(me.response_prototype, nullptr);
  // The compiled class, not the loaded pool's DynamicMessage.
  EXPECT_NE(me.response_prototype->GetDescriptor(), me.method->output_type());
  EXPECT_EQ(me.response_prototype->GetDescriptor()->full_name(),
            me.method->output_type()->full_name());
}

TEST(ApiConfigCompiledTest, AChangedShapeFallsBackToDynamicMessages) {
  google::protobuf::FileDescriptorSet set;
  {
    std::ifstream in(TestDescriptorSetPath(), std::ios::binary);
    ASSERT_TRUE(set.ParseFromIstream(&in));
  }
  // The loaded contract numbers User.email differently from the compiled
  // one: a compiled User would misread its answers.
  bool changed = false;
  for (auto& file : *set.mutable_file()) {
    if (file.package() != "fineprint.identity.v1") continue;
    for (auto& message : *file.mutable_message_type()) {
      if (message.name() != "User") continue;
      for (auto& field : *message.mutable_field()) {
        if (field.name() == "email") {
          field.set_number(1999);
          changed = true;
        }
      }
    }
  }
  ASSERT_TRUE(changed);
  auto config = ApiConfig::FromDescriptorSet(set);
  ASSERT_TRUE(config.ok()) << config.status();
  auto m = (*config)->routes().Match("GET", "/v1/me");
  ASSERT_EQ(m.kind, routing::MatchResult::Kind::kMatched);
  const MethodInfo& me = (*config)->method(m.route->target.id);
  EXPECT_FALSE(me.response_compiled);
  ASSERT_NE(me.response_prototype, nullptr);
  EXPECT_EQ(me.response_prototype->GetDescriptor(), me.method->output_type());
  // Types the change does not reach stay compiled.
  auto jwks = (*config)->routes().Match("GET", "/v1/auth/jwks");
  ASSERT_EQ(jwks.kind, routing::MatchResult::Kind::kMatched);
  EXPECT_TRUE((*config)->method(jwks.route->target.id).response_compiled);
}

}  // namespace
}  // namespace fineprint::gateway::api
