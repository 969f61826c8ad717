// notification_server: in-app inbox and live stream, preferences, and
// Standard Webhooks deliveries.

#include "services/notification/notification_app.h"
#include "services/notification/notification_flags.h"

int main(int argc, char** argv) {
  using namespace fineprint;  // NOLINT(build/namespaces): main only
  return service::Main(
      argc, argv, notification::Declaration(),
      [](service::ServiceKit& kit) -> absl::Status {
        absl::StatusOr<notification::NotificationDomainOptions> options =
            notification::NotificationDomainOptionsFromFlags();
        if (!options.ok()) return options.status();
        return notification::Assemble(kit, *std::move(options)).status();
      });
}
