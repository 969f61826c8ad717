#include "events/relay/cloudevents.h"

#include "absl/strings/str_cat.h"

namespace fineprint::events {

std::string SourceOf(absl::string_view service) {
  return absl::StrCat("/fineprint/", service);
}

std::vector<std::pair<std::string, std::string>> CloudEventHeaders(
    const OutboxRecord& record) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"ce_specversion", "1.0"},
      {"ce_id", record.event_id},
      {"ce_source", SourceOf(record.source)},
      {"ce_type", record.event_type},
      {"ce_time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", record.occurred_at,
                                   absl::UTCTimeZone())},
      {"ce_subject", record.aggregate_id},
      {"content-type", std::string(kContentType)},
      // Extension attribute: position in the aggregate's history, so
      // consumers can check per-aggregate order and spot gaps.
      {"ce_fpseq", absl::StrCat(record.seq)},
  };
  if (!record.traceparent.empty())
    h.emplace_back("traceparent", record.traceparent);
  if (!record.tracestate.empty())
    h.emplace_back("tracestate", record.tracestate);
  return h;
}

}  // namespace fineprint::events
