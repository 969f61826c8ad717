#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_PROTO_CONVERT_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_PROTO_CONVERT_H_

// Converts the analyser's plain results to fineprint.analysis.v1 messages.
// Kept apart so the engine itself does not depend on protobuf.

#include "fineprint/analysis/v1/analysis.pb.h"
#include "services/analysis/analyzer/analysis_result.h"

namespace fineprint::analysis {

v1::FindingCategory ToProto(Category category);
v1::Severity ToProto(Severity severity);
v1::Grade ToProto(Grade grade);
v1::Finding ToProto(const Finding& finding);

// Fills score, grade, findings (in the result's order) and
// analyzer_version; the caller sets name, document, version, degraded and
// create_time, which the engine knows nothing about.
void ToProto(const AnalysisResult& result, v1::Analysis* analysis);

}  // namespace fineprint::analysis

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_PROTO_CONVERT_H_
