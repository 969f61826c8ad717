#ifndef FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_APP_H_
#define FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_APP_H_

// Notification's domain, handed to the service kit: the API, the event
// consumers (member projection, rules, webhook deliveries), the attempts
// queue with its workers on the runtime's SSRF-guarded HttpClient. main()
// and the tests assemble exactly the same thing.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/notification/delivery.h"
#include "services/notification/email.h"
#include "services/notification/fanout.h"
#include "services/notification/notification_service.h"
#include "services/notification/stream_hub.h"
#include "services/runtime/http/http_client.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"
#include "services/runtime/service/service_kit.h"

namespace fineprint::notification {

service::Declaration Declaration();

struct NotificationDomainOptions {
  NotificationConfig config;
  // Non-public ranges webhooks may reach (tests, a developer's machine).
  std::vector<http::IpRange> outbound_allow;
  http::Resolver resolver;  // tests
  jobs::WorkerOptions workers;
  // Jitter draws (uniform [0, 1)); null: random.
  std::function<double()> jitter_unit;
  // The email channel (off without email.smtp.url), its sending workers.
  EmailConfig email;
  jobs::WorkerOptions email_workers;
};

struct NotificationDomain {
  NotificationServiceImpl* service = nullptr;
  StreamHub* hub = nullptr;
  Fanout* fanout = nullptr;
  jobs::JobQueue* attempts = nullptr;
  jobs::WorkerPool* workers = nullptr;
  jobs::JobQueue* emails = nullptr;           // null without email
  jobs::WorkerPool* email_workers = nullptr;  // null without email
};

absl::StatusOr<NotificationDomain> Assemble(service::ServiceKit& kit,
                                            NotificationDomainOptions options);

struct NotificationAppOptions : service::KitOptions,
                                NotificationDomainOptions {};

// The assembled and started service, for tests and benchmarks.
class NotificationApp {
 public:
  static absl::StatusOr<std::unique_ptr<NotificationApp>> Start(
      NotificationAppOptions options);

  std::string grpc_target() const { return kit_->host().grpc_target(); }
  db::Pool& pool() { return kit_->pool(); }
  service::ServiceKit& kit() { return *kit_; }
  const NotificationDomain& domain() const { return domain_; }
  void Shutdown() { kit_->Shutdown(); }

 private:
  NotificationApp(std::unique_ptr<service::ServiceKit> kit,
                  NotificationDomain domain)
      : kit_(std::move(kit)), domain_(domain) {}

  std::unique_ptr<service::ServiceKit> kit_;
  NotificationDomain domain_;
};

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_APP_H_
