// monitoring_server: watched URLs, polite fetching, versions and diffs.

#include "services/monitoring/monitoring_app.h"
#include "services/monitoring/monitoring_flags.h"

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  return service::Main(
      argc, argv, monitoring::Declaration(), [](service::ServiceKit& kit) {
        return monitoring::Assemble(
                   kit, monitoring::MonitoringDomainOptionsFromFlags())
            .status();
      });
}
