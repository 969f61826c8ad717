#include "services/analysis/rule_engine.h"

#include "services/analysis/analyzer/proto_convert.h"

namespace fineprint::analysis {

AnalyzeFn RuleEngineAnalyzeFn(const Analyzer* analyzer) {
  return
      [analyzer](const ClaimedJob& job,
                 const ProgressFn& progress) -> absl::StatusOr<v1::Analysis> {
        AnalyzeOptions options;
        options.progress = progress;
        absl::StatusOr<AnalysisResult> result =
            analyzer->Analyze(job.text, options);
        if (!result.ok()) return result.status();
        v1::Analysis analysis;
        ToProto(*result, &analysis);
        return analysis;
      };
}

}  // namespace fineprint::analysis
