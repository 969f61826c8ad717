// analysis_server: documents, prioritised analysis jobs, results.

#include "services/analysis/analysis_app.h"
#include "services/analysis/analysis_flags.h"

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  return service::Main(
      argc, argv, analysis::Declaration(), [](service::ServiceKit& kit) {
        return analysis::Assemble(kit,
                                  analysis::AnalysisDomainOptionsFromFlags())
            .status();
      });
}
