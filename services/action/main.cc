// action_server: suggested actions, letters from templates (text and PDF),
// their lifecycle and deadlines, and the reminders those drive.

#include "services/action/action_app.h"
#include "services/action/action_flags.h"
#include "services/runtime/status/status.h"

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  return service::Main(
      argc, argv, action::Declaration(), [](service::ServiceKit& kit) {
        FP_ASSIGN_OR_RETURN(action::ActionDomainOptions options,
                            action::ActionDomainOptionsFromFlags());
        return action::Assemble(kit, std::move(options)).status();
      });
}
