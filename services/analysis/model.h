#ifndef FINEPRINT_SERVICES_ANALYSIS_MODEL_H_
#define FINEPRINT_SERVICES_ANALYSIS_MODEL_H_

// Rows of the analysis schema as fineprint.analysis.v1 messages, resource
// names, and the plan -> priority rule. Shared by the RPC handlers and the
// job queue so both read and name things the same way.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/analysis/v1/analysis.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/runtime/db/connection.h"
#include "services/runtime/db/result.h"

namespace fineprint::analysis {

inline constexpr char kService[] = "analysis";

std::string OrgName(absl::string_view org);
std::string DocumentName(absl::string_view org, absl::string_view document);
std::string VersionName(absl::string_view org, absl::string_view document,
                        absl::string_view version);
std::string JobName(absl::string_view org, absl::string_view job);
std::string AnalysisName(absl::string_view org, absl::string_view job);

google::protobuf::Timestamp ToTimestamp(absl::Time t);

// Columns JobFromRow reads, for "SELECT <kJobColumns> FROM jobs ...".
inline constexpr char kJobColumns[] =
    "org_id, id, document_id, version_id, state, priority, attempt,"
    " progress_percent, current_section, error_code, error_message,"
    " analyzer_version, cached, create_time, start_time, end_time";
absl::StatusOr<v1::AnalysisJob> JobFromRow(const db::Row& row);

inline constexpr char kDocumentColumns[] =
    "org_id, id, title, kind, source_url, language, current_version_id,"
    " latest_job_id, score, grade, version, create_time, update_time, watch";
absl::StatusOr<v1::Document> DocumentFromRow(const db::Row& row);

// Without the text; VersionFromRow adds it when the row has a `text` column.
inline constexpr char kVersionColumns[] =
    "org_id, document_id, id, sha256, size_bytes, create_time";
absl::StatusOr<v1::DocumentVersion> VersionFromRow(const db::Row& row);

bool IsTerminal(v1::JobState state);

// The contract's rule: PREMIUM and ENTERPRISE -> HIGH, FREE (and anything
// unknown) -> NORMAL; a low_priority (batch) request is LOW on any plan.
v1::Priority PriorityFor(absl::string_view plan, bool low_priority);

// The AnalysisCompleted event of a job whose `analysis` has name, document,
// version, score, grade, findings, degraded and analyzer_version set (and
// delta, when there is one).
events::v1::AnalysisCompleted CompletedEvent(const v1::Analysis& analysis,
                                             absl::string_view organization,
                                             v1::DocumentKind kind,
                                             absl::string_view title,
                                             bool cached);

// Stores `text` (whose hex SHA-256 is `sha256`) as a new version of
// `document` and returns the version's id.
absl::StatusOr<std::string> InsertVersion(db::Executor& ex,
                                          absl::string_view org,
                                          absl::string_view document,
                                          absl::string_view sha256,
                                          absl::string_view text);

// The DocumentSubmitted event of job `job` on `version` of `document`. Both
// ways a job is queued (SubmitDocument and a watched page's change) announce
// it through this, so consumers see the same fields whichever path ran.
events::v1::DocumentSubmitted SubmittedEvent(
    absl::string_view org, absl::string_view document,
    absl::string_view version, absl::string_view job, v1::DocumentKind kind,
    absl::string_view title, absl::string_view source_url,
    absl::string_view sha256, v1::Priority priority, bool new_version);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_MODEL_H_
