#include "events/tool/event_json.h"

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtime/log/log.h"

namespace fineprint::events {
namespace {

// One message of each events file. Naming them makes the static linker
// keep each generated object, whose initialiser registers the whole file
// in the generated pool (nothing else references them by name).
std::vector<const google::protobuf::FileDescriptor*> EventFiles() {
  return {
      ::fineprint::identity::events::v1::PlanChanged::descriptor()->file(),
      ::fineprint::analysis::events::v1::DocumentSubmitted::descriptor()
          ->file(),
      ::fineprint::monitoring::events::v1::WatchCreated::descriptor()->file(),
      ::fineprint::notification::events::v1::NotificationCreated::descriptor()
          ->file(),
      ::fineprint::action::events::v1::ActionCreated::descriptor()->file(),
  };
}

void AppendString(std::string& out, absl::string_view s) {
  // Replaces invalid UTF-8, so binary keys/headers still give valid JSON.
  log::AppendJsonString(out, s);
}

}  // namespace

std::vector<std::string> KnownEventTypes() {
  std::vector<std::string> names;
  for (const google::protobuf::FileDescriptor* file : EventFiles()) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      names.push_back(file->message_type(i)->full_name());
    }
  }
  return names;
}

absl::StatusOr<std::string> PayloadToJson(absl::string_view type_name,
                                          absl::string_view bytes) {
  static const bool linked = !EventFiles().empty();
  (void)linked;
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(type_name));
  if (descriptor == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown event type ", type_name));
  }
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          descriptor);
  if (prototype == nullptr) {
    return absl::NotFoundError(absl::StrCat("no prototype for ", type_name));
  }
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("payload does not parse as ", type_name));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (auto status =
          google::protobuf::util::MessageToJsonString(*message, &json, options);
      !status.ok()) {
    return absl::InternalError(absl::StrCat("JSON conversion of ", type_name,
                                            " failed: ", status.ToString()));
  }
  return json;
}

std::string RecordToJson(const RawRecord& record) {
  std::string out = "{\"topic\":";
  AppendString(out, record.topic);
  absl::StrAppend(&out, ",\"partition\":", record.partition,
                  ",\"offset\":", record.offset);
  if (record.timestamp_ms >= 0) {
    out += ",\"timestamp\":";
    AppendString(out,
                 absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                  absl::FromUnixMillis(record.timestamp_ms),
                                  absl::UTCTimeZone()));
  }
  out += ",\"key\":";
  if (record.key.has_value()) {
    AppendString(out, *record.key);
  } else {
    out += "null";
  }
  out += ",\"headers\":{";
  // Later duplicates win, as in FindHeader: print each name once.
  bool first = true;
  for (size_t i = 0; i < record.headers.size(); ++i) {
    const std::string& name = record.headers[i].first;
    bool later = false;
    for (size_t j = i + 1; j < record.headers.size(); ++j) {
      later = later || record.headers[j].first == name;
    }
    if (later) continue;
    if (!first) out += ",";
    first = false;
    AppendString(out, name);
    out += ":";
    AppendString(out, record.headers[i].second);
  }
  out += "}";
  const std::string value = record.value.value_or("");
  const std::optional<std::string> type = FindHeader(record.headers, "ce_type");
  if (type.has_value()) {
    out += ",\"type\":";
    AppendString(out, *type);
  }
  absl::StatusOr<std::string> payload =
      type.has_value() ? PayloadToJson(*type, value)
                       : absl::NotFoundError("no ce_type header");
  if (payload.ok()) {
    absl::StrAppend(&out, ",\"payload\":", *payload);
  } else if (record.value.has_value()) {
    out += ",\"payload_base64\":";
    AppendString(out, absl::Base64Escape(value));
    out += ",\"payload_error\":";
    AppendString(out, payload.status().message());
  } else {
    out += ",\"payload\":null";
  }
  out += "}";
  return out;
}

}  // namespace fineprint::events
