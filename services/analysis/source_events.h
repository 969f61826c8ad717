#ifndef FINEPRINT_SERVICES_ANALYSIS_SOURCE_EVENTS_H_
#define FINEPRINT_SERVICES_ANALYSIS_SOURCE_EVENTS_H_

// Monitoring's SourceChanged becomes a new version of the watch's document
// and a re-analysis job at the organisation's plan priority, with its
// DocumentSubmitted event (carrying the watch, so monitoring can link the
// watch to the document). One document per watch: the one the event names,
// else the one whose `watch` column is the watch's name, else a new one.
// Runs inside the consumer's inbox transaction: exactly once per event.
//
// The text comes in the event (monitoring carries it up to 512 KiB). A
// change without it (text_omitted), or larger than the document limit, is
// logged and skipped: not re-analysed.

#include <cstddef>

#include "events/consumer/event_router.h"

namespace fineprint::analysis {

struct SourceEventsOptions {
  // AnalysisConfig's limits, so a watched page is held to what
  // SubmitDocument accepts.
  size_t max_document_bytes = 2 * 1024 * 1024;
  int max_attempts = 3;
};

// Registers the SourceChanged handler with `router`.
absl::Status HandleSourceChanges(::fineprint::events::EventRouter& router,
                                 SourceEventsOptions options);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_SOURCE_EVENTS_H_
