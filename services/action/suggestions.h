#ifndef FINEPRINT_SERVICES_ACTION_SUGGESTIONS_H_
#define FINEPRINT_SERVICES_ACTION_SUGGESTIONS_H_

// AnalysisCompleted -> suggested actions. Each of the event's top findings
// whose category the mapping (templates/v1/suggestions.tsv) names becomes a
// suggestion citing the finding's quote and offsets, once per template per
// analysis, with an ActionSuggested event in the consumer's transaction.

#include <memory>
#include <string>
#include <vector>

#include "events/consumer/event_router.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "services/action/templates.h"

namespace fineprint::action {

// Registers the handler. Suggestions recommend the `language` variant.
absl::Status HandleAnalysisCompleted(
    ::fineprint::events::EventRouter& router,
    std::shared_ptr<const TemplateCatalog> catalog,
    std::string language = "en");

// The opt-out window an arbitration clause states ("within 30 days"), or 0.
int OptOutWindowDays(absl::string_view quote);

// The suggestions one event yields, in the event's finding order (pure).
std::vector<v1::SuggestedAction> SuggestionsFor(
    const analysis::events::v1::AnalysisCompleted& event,
    const TemplateCatalog& catalog, absl::string_view language);

}  // namespace fineprint::action

#endif  // FINEPRINT_SERVICES_ACTION_SUGGESTIONS_H_
