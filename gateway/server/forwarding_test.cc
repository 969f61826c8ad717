#include "gateway/server/forwarding.h"

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "services/runtime/trace/trace.h"

namespace fineprint::gateway::server {
namespace {

TEST(ForwardingTest, GrpcTimeout) {
  EXPECT_EQ(ParseGrpcTimeout("100m"), absl::Milliseconds(100));
  EXPECT_EQ(ParseGrpcTimeout("2S"), absl::Seconds(2));
  EXPECT_EQ(ParseGrpcTimeout("1H"), absl::Hours(1));
  EXPECT_EQ(ParseGrpcTimeout("5n"), absl::Nanoseconds(5));
  EXPECT_FALSE(ParseGrpcTimeout("100"));
  EXPECT_FALSE(ParseGrpcTimeout("m"));
  EXPECT_FALSE(ParseGrpcTimeout("-1S"));
  EXPECT_FALSE(ParseGrpcTimeout("123456789S"));
  EXPECT_FALSE(ParseGrpcTimeout("1x"));
}

TEST(ForwardingTest, RequestTimeoutAndCaps) {
  EXPECT_EQ(ParseRequestTimeout("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(ParseRequestTimeout("1.5"), absl::Milliseconds(1500));
  EXPECT_FALSE(ParseRequestTimeout("soon"));

  HttpRequest r;
  EXPECT_EQ(*TimeoutFor(r, absl::Seconds(30), absl::Seconds(60)),
            absl::Seconds(30));
  r.headers = {{"x-request-timeout", "2s"}};
  EXPECT_EQ(*TimeoutFor(r, absl::Seconds(30), absl::Seconds(60)),
            absl::Seconds(2));
  r.headers = {{"grpc-timeout", "5S"}, {"x-request-timeout", "2s"}};
  EXPECT_EQ(*TimeoutFor(r, absl::Seconds(30), absl::Seconds(60)),
            absl::Seconds(5));
  r.headers = {{"x-request-timeout", "1h"}};
  EXPECT_EQ(*TimeoutFor(r, absl::Seconds(30), absl::Seconds(60)),
            absl::Seconds(60));
  r.headers = {{"x-request-timeout", "0s"}};
  EXPECT_FALSE(TimeoutFor(r, absl::Seconds(30), absl::Seconds(60)).ok());
  r.headers = {{"grpc-timeout", "bogus"}};
  EXPECT_FALSE(TimeoutFor(r, absl::Seconds(30), absl::Seconds(60)).ok());
}

TEST(ForwardingTest, IdsKeepValidClientValuesAndGenerateOthers) {
  HttpRequest r;
  CallIds ids = IdsFor(r);
  EXPECT_EQ(ids.request_id.size(), 36u);
  EXPECT_EQ(ids.trace_id.size(), 32u);
  EXPECT_EQ(ids.traceparent, "00-" + ids.trace_id + "-" + ids.span_id + "-01");

  r.headers = {{"x-request-id", "req-42"},
               {"traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  ids = IdsFor(r);
  EXPECT_EQ(ids.request_id, "req-42");
  EXPECT_EQ(ids.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(ids.span_id, "00f067aa0ba902b7");  // the edge's own span

  r.headers = {{"x-request-id", "bad\nid"}, {"traceparent", "garbage"}};
  ids = IdsFor(r);
  EXPECT_NE(ids.request_id, "bad\nid");
  EXPECT_EQ(ids.trace_id.size(), 32u);
}

TEST(ForwardingTest, GeneratedIdsAreDistinctV4Uuids) {
  // Enough ids to cross the per-thread pool's refills several times.
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    CallIds ids = IdsFor(HttpRequest());
    const std::string& u = ids.request_id;
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[8], '-');
    EXPECT_EQ(u[13], '-');
    EXPECT_EQ(u[14], '4');                                          // version 4
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);  // variant
    EXPECT_TRUE(trace::IsValidRequestId(u));
    EXPECT_TRUE(seen.insert(u).second);
    EXPECT_TRUE(seen.insert(ids.trace_id).second);
    EXPECT_TRUE(seen.insert(ids.span_id).second);
  }
}

TEST(ForwardingTest, OnlyCredentialsIdsAndAllowListTravel) {
  HttpRequest r;
  r.remote_address = "10.0.0.7";
  r.headers = {{"authorization", "Bearer t"},
               {"x-api-key", "k"},
               {"accept-language", "fr"},
               {"grpc-timeout", "1S"},
               {"x-fineprint-principal", "orgs/evil"},
               {"x-forwarded-for", "1.2.3.4"},
               {"cookie", "secret"},
               {"x-custom", "a\r\nb"}};
  CallIds ids = IdsFor(r);
  auto md = OutboundMetadata(
      r, ids, {"accept-language", "x-fineprint-principal", "x-custom"});
  std::multimap<std::string, std::string> m(md.begin(), md.end());
  EXPECT_EQ(m.count("authorization"), 1u);
  EXPECT_EQ(m.count("x-api-key"), 1u);
  EXPECT_EQ(m.find("accept-language")->second, "fr");
  EXPECT_EQ(m.find("traceparent")->second, ids.traceparent);
  EXPECT_EQ(m.find("x-request-id")->second, ids.request_id);
  EXPECT_EQ(m.count("x-fineprint-principal"), 0u);  // reserved even if listed
  EXPECT_EQ(m.count("grpc-timeout"), 0u);
  EXPECT_EQ(m.count("cookie"), 0u);
  EXPECT_EQ(m.count("x-custom"), 0u);  // control characters
  ASSERT_EQ(m.count("x-forwarded-for"), 1u);
  EXPECT_EQ(m.find("x-forwarded-for")->second, "10.0.0.7");
}

TEST(ForwardingTest, AllowListValidation) {
  EXPECT_TRUE(
      ValidateForwardAllowList({"accept-language", "x-client-version"}).ok());
  EXPECT_FALSE(ValidateForwardAllowList({"grpc-status"}).ok());
  EXPECT_FALSE(ValidateForwardAllowList({"x-fineprint-user"}).ok());
  EXPECT_FALSE(ValidateForwardAllowList({"Accept-Language"}).ok());
  EXPECT_FALSE(ValidateForwardAllowList({"trace-bin"}).ok());
  EXPECT_FALSE(ValidateForwardAllowList({"authorization"}).ok());
}

}  // namespace
}  // namespace fineprint::gateway::server
