#include "events/tool/event_json.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "gtest/gtest.h"

namespace fineprint::events {
namespace {

namespace ev = ::fineprint::identity::events::v1;

bool Contains(const std::string& haystack, absl::string_view needle) {
  return haystack.find(std::string(needle)) != std::string::npos;
}

TEST(EventJsonTest, EveryEventsFileIsLinked) {
  const std::vector<std::string> types = KnownEventTypes();
  for (absl::string_view want :
       {"fineprint.identity.events.v1.PlanChanged",
        "fineprint.analysis.events.v1.AnalysisCompleted",
        "fineprint.monitoring.events.v1.SourceChanged",
        "fineprint.notification.events.v1.WebhookDeliveryFailed",
        "fineprint.action.events.v1.ActionStatusChanged"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), std::string(want)),
              types.end())
        << want;
    EXPECT_TRUE(PayloadToJson(want, "").ok()) << want;
  }
}

TEST(EventJsonTest, DecodesPayloadByCeType) {
  ev::PlanChanged event;
  event.set_organization("organizations/o1");
  event.set_new_plan(::fineprint::identity::v1::PREMIUM);
  RawRecord record;
  record.topic = "fineprint.identity.organization.v1";
  record.partition = 1;
  record.offset = 9;
  record.key = "o1";
  record.value = event.SerializeAsString();
  record.timestamp_ms = 0;
  record.headers = {{"ce_type", "fineprint.identity.events.v1.PlanChanged"},
                    {"ce_id", "first"},
                    {"ce_id", "second"}};
  const std::string json = RecordToJson(record);
  EXPECT_TRUE(
      Contains(json, "\"topic\":\"fineprint.identity.organization.v1\""))
      << json;
  EXPECT_TRUE(Contains(json, "\"partition\":1,\"offset\":9")) << json;
  EXPECT_TRUE(Contains(json, "\"timestamp\":\"1970-01-01T00:00:00.000Z\""))
      << json;
  EXPECT_TRUE(Contains(json, "\"key\":\"o1\"")) << json;
  EXPECT_TRUE(Contains(json, "\"ce_id\":\"second\"")) << json;
  EXPECT_FALSE(Contains(json, "first")) << json;
  EXPECT_TRUE(Contains(json, "\"organization\":\"organizations/o1\"")) << json;
  EXPECT_TRUE(Contains(json, "\"new_plan\":\"PREMIUM\"")) << json;
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
}

TEST(EventJsonTest, UnknownTypeOrBadBytesShowRawPayload) {
  RawRecord record;
  record.topic = "t";
  record.key = std::nullopt;
  record.value = std::string("\xff\xff\xff", 3);
  record.headers = {{"ce_type", "fineprint.identity.events.v1.PlanChanged"}};
  std::string json = RecordToJson(record);
  EXPECT_TRUE(Contains(json, "\"key\":null")) << json;
  EXPECT_TRUE(Contains(json, absl::StrCat("\"payload_base64\":\"",
                                          absl::Base64Escape(*record.value))))
      << json;
  EXPECT_TRUE(Contains(json, "does not parse")) << json;

  record.headers = {{"ce_type", "no.such.Type"}};
  json = RecordToJson(record);
  EXPECT_TRUE(Contains(json, "unknown event type no.such.Type")) << json;
  EXPECT_EQ(PayloadToJson("no.such.Type", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(EventJsonTest, BinaryHeadersStayValidJson) {
  RawRecord record;
  record.topic = "t";
  record.key = std::string("\x80\"\n", 3);
  record.headers = {{"h", std::string("\xc3\x28", 2)}};
  const std::string json = RecordToJson(record);
  EXPECT_TRUE(Contains(json, "\\\"")) << json;
  EXPECT_TRUE(Contains(json, "\\n")) << json;
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_TRUE(Contains(json, "\"payload\":null")) << json;
}

}  // namespace
}  // namespace fineprint::events
