#include "events/consumer/event.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace fineprint::events {
namespace {

constexpr absl::string_view kProtobufContentType = "application/protobuf";

absl::Status Poison(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a Fineprint CloudEvent: ", what));
}

// A required, non-empty header.
absl::StatusOr<std::string> Required(const RawRecord& record,
                                     absl::string_view name) {
  std::optional<std::string> value = FindHeader(record.headers, name);
  if (!value.has_value() || value->empty()) {
    return Poison(absl::StrCat("missing header ", name));
  }
  return *std::move(value);
}

}  // namespace

bool IsUuid(absl::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<Event> ParseEvent(const RawRecord& record) {
  Event event;
  event.topic = record.topic;
  event.partition = record.partition;
  event.offset = record.offset;
  event.key = record.key.value_or("");
  event.payload = record.value.value_or("");

  absl::StatusOr<std::string> spec = Required(record, "ce_specversion");
  if (!spec.ok()) return spec.status();
  if (*spec != "1.0") return Poison("unsupported ce_specversion");

  // Binary mode: the value is the event data in this content type. A
  // structured-mode (JSON envelope) record would mis-parse as protobuf.
  if (std::optional<std::string> type =
          FindHeader(record.headers, "content-type");
      type.has_value() && absl::AsciiStrToLower(absl::StripAsciiWhitespace(
                              *type)) != kProtobufContentType) {
    return Poison("content-type is not application/protobuf");
  }

  absl::StatusOr<std::string> id = Required(record, "ce_id");
  if (!id.ok()) return id.status();
  if (!IsUuid(*id)) return Poison("ce_id is not a UUID");
  event.ce_id = *std::move(id);

  absl::StatusOr<std::string> source = Required(record, "ce_source");
  if (!source.ok()) return source.status();
  event.ce_source = *std::move(source);

  absl::StatusOr<std::string> type = Required(record, "ce_type");
  if (!type.ok()) return type.status();
  event.ce_type = *std::move(type);

  absl::StatusOr<std::string> time = Required(record, "ce_time");
  if (!time.ok()) return time.status();
  std::string parse_error;
  if (!absl::ParseTime(absl::RFC3339_full, *time, &event.ce_time,
                       &parse_error)) {
    return Poison("ce_time is not RFC 3339");
  }

  // Optional attributes.
  event.ce_subject =
      FindHeader(record.headers, "ce_subject").value_or(event.key);
  if (std::optional<std::string> seq = FindHeader(record.headers, "ce_fpseq");
      seq.has_value() && !absl::SimpleAtoi(*seq, &event.seq)) {
    return Poison("ce_fpseq is not a number");
  }
  event.traceparent = FindHeader(record.headers, "traceparent").value_or("");
  event.tracestate = FindHeader(record.headers, "tracestate").value_or("");
  return event;
}

}  // namespace fineprint::events
