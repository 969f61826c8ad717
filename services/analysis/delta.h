#ifndef FINEPRINT_SERVICES_ANALYSIS_DELTA_H_
#define FINEPRINT_SERVICES_ANALYSIS_DELTA_H_

// The clause-level change between two analyses of one document: what a user
// watching a page wants to hear ("A binding arbitration clause was added"),
// rather than a text diff. A clause is identified by its category and its
// quote (whitespace collapsed), so a clause that moved keeps its identity
// and one whose wording changed counts as removed and added.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/runtime/db/transaction.h"

namespace fineprint::analysis {

// `current` against `previous`; previous_analysis/previous_version are
// taken from `previous`'s name and version.
v1::AnalysisDelta ComputeDelta(const v1::Analysis& previous,
                               const v1::Analysis& current);

// One sentence naming the most severe change.
std::string Headline(const v1::AnalysisDelta& delta);

// The latest successful, non-degraded analysis of the newest version of
// the document created before `version_id`, or nullopt. Degraded results
// come from another analyser: comparing with them would report the
// analysers' differences as clause changes.
absl::StatusOr<std::optional<v1::Analysis>> PreviousAnalysis(
    db::Tx& tx, absl::string_view org, absl::string_view document_id,
    absl::string_view version_id);

// Sets `analysis`'s delta when the document had an earlier analysis.
absl::Status AttachDelta(db::Tx& tx, absl::string_view org,
                         absl::string_view document_id,
                         absl::string_view version_id, v1::Analysis* analysis);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_DELTA_H_
