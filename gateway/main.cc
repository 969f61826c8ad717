// fineprint_edge: the REST edge. Serves HTTP/JSON on --http_port and forwards
// to the backends named by --backend; /metrics, /healthz and /readyz on
// --admin_port. SIGHUP reloads the descriptor set (a bad file keeps the
// running config); SIGTERM/SIGINT stop.

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/edge_app.h"
#include "gateway/edge_flags.h"

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  // Debian's Abseil is built with deadlock detection on: every lock and
  // unlock then updated a global lock graph, a few percent of the edge's
  // CPU (perf, issue #12). The tests still run with it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> storage;
  std::vector<char*> args =
      gateway::MergeRepeatedBackendFlags(argc, argv, storage);
  gateway::EdgeDomainOptions edge;  // read once flags are parsed, in `adjust`
  return service::Main(
      static_cast<int>(args.size()), args.data(), gateway::Declaration(),
      [&edge](service::ServiceKit& kit) {
        return gateway::Assemble(kit, edge).status();
      },
      [&edge](service::KitOptions& kit) {
        edge = gateway::EdgeDomainOptionsFromFlags();
        gateway::UseIdentityBackend(edge, kit);
        kit.host.grpc_port = -1;
      });
}
