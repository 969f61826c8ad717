#include "events/consumer/event.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

RawRecord ValidRecord() {
  RawRecord r;
  r.topic = "fineprint.identity.organization.v1";
  r.partition = 2;
  r.offset = 41;
  r.key = "org-1";
  r.value = std::string("\x08\x02", 2);
  r.headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", "0b5c1a8e-3f7d-4c55-9a4e-2f1d6c7b8a90"},
      {"ce_source", "/fineprint/identity"},
      {"ce_type", "fineprint.identity.events.v1.PlanChanged"},
      {"ce_time", "2026-11-24T01:02:03.456789Z"},
      {"ce_subject", "org-1"},
      {"content-type", "application/protobuf"},
      {"ce_fpseq", "7"},
      {"traceparent",
       "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
      {"tracestate", "vendor=x"},
  };
  return r;
}

RawRecord Without(RawRecord r, absl::string_view name) {
  RecordHeaders kept;
  for (auto& h : r.headers) {
    if (h.first != name) kept.push_back(h);
  }
  r.headers = kept;
  return r;
}

RawRecord With(RawRecord r, absl::string_view name, absl::string_view value) {
  r.headers.emplace_back(std::string(name), std::string(value));
  return r;
}

TEST(ParseEventTest, ReadsEveryAttribute) {
  absl::StatusOr<Event> e = ParseEvent(ValidRecord());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->topic, "fineprint.identity.organization.v1");
  EXPECT_EQ(e->partition, 2);
  EXPECT_EQ(e->offset, 41);
  EXPECT_EQ(e->key, "org-1");
  EXPECT_EQ(e->payload, std::string("\x08\x02", 2));
  EXPECT_EQ(e->ce_id, "0b5c1a8e-3f7d-4c55-9a4e-2f1d6c7b8a90");
  EXPECT_EQ(e->ce_type, "fineprint.identity.events.v1.PlanChanged");
  EXPECT_EQ(e->ce_source, "/fineprint/identity");
  EXPECT_EQ(e->ce_subject, "org-1");
  EXPECT_EQ(e->ce_time, absl::FromUnixMicros(1795482123456789));
  EXPECT_EQ(e->seq, 7);
  EXPECT_EQ(e->traceparent,
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(e->tracestate, "vendor=x");
}

TEST(ParseEventTest, OptionalAttributesMayBeAbsent) {
  RawRecord r = ValidRecord();
  for (absl::string_view name : {"ce_subject", "ce_fpseq", "traceparent",
                                 "tracestate", "content-type"}) {
    r = Without(r, name);
  }
  absl::StatusOr<Event> e = ParseEvent(r);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->ce_subject, "org-1");  // the key
  EXPECT_EQ(e->seq, 0);
  EXPECT_EQ(e->traceparent, "");
}

TEST(ParseEventTest, MissingRequiredAttributeIsPoison) {
  for (absl::string_view name :
       {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"}) {
    absl::StatusOr<Event> e = ParseEvent(Without(ValidRecord(), name));
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(e.status().message().find(name), absl::string_view::npos)
        << e.status();
  }
  // Empty counts as missing.
  EXPECT_FALSE(
      ParseEvent(With(Without(ValidRecord(), "ce_type"), "ce_type", "")).ok());
}

TEST(ParseEventTest, MalformedAttributesArePoison) {
  const std::pair<absl::string_view, absl::string_view> cases[] = {
      {"ce_specversion", "0.3"},
      {"ce_id", "not-a-uuid"},
      {"ce_id", "0b5c1a8e-3f7d-4c55-9a4e-2f1d6c7b8a9"},
      {"ce_time", "yesterday"},
      {"ce_fpseq", "seven"},
      {"content-type", "application/json"},
      {"content-type", "application/cloudevents+json"},
  };
  for (const auto& [name, value] : cases) {
    // A later header overrides an earlier one of the same name.
    absl::StatusOr<Event> e = ParseEvent(With(ValidRecord(), name, value));
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument)
        << name << "=" << value;
    // The value is never echoed (it may be anything a producer sent).
    EXPECT_EQ(e.status().message().find(value), absl::string_view::npos);
  }
}

TEST(ParseEventTest, ContentTypeIsCaseInsensitive) {
  EXPECT_TRUE(
      ParseEvent(With(ValidRecord(), "content-type", "Application/Protobuf"))
          .ok());
}

TEST(ParseEventTest, RecordWithoutHeadersIsPoison) {
  RawRecord r;
  r.topic = "t";
  r.value = "x";
  EXPECT_EQ(ParseEvent(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(IsUuidTest, Shapes) {
  EXPECT_TRUE(IsUuid("0b5c1a8e-3f7d-4c55-9a4e-2f1d6c7b8a90"));
  EXPECT_TRUE(IsUuid("0B5C1A8E-3F7D-4C55-9A4E-2F1D6C7B8A90"));
  EXPECT_FALSE(IsUuid("0b5c1a8e3f7d4c559a4e2f1d6c7b8a90"));
  EXPECT_FALSE(IsUuid("0b5c1a8e-3f7d-4c55-9a4e-2f1d6c7b8a9g"));
  EXPECT_FALSE(IsUuid(""));
}

}  // namespace
}  // namespace fineprint::events
