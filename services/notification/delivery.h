#ifndef FINEPRINT_SERVICES_NOTIFICATION_DELIVERY_H_
#define FINEPRINT_SERVICES_NOTIFICATION_DELIVERY_H_

// One webhook attempt per job of the `attempts` queue: sign afresh (a new
// webhook-timestamp, every live secret), POST through the SSRF-guarded
// client, record the attempt, and in the same transaction decide what
// follows: success; 410 disables the webhook; otherwise the next attempt is
// queued after the schedule's delay (or Retry-After for 429/503) until the
// schedule ends or the webhook has failed for `disable_after`.

#include <functional>
#include <memory>

#include "events/outbox/outbox_writer.h"
#include "services/notification/fanout.h"
#include "services/notification/model.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/http/http_client.h"
#include "services/runtime/jobs/worker_pool.h"

namespace fineprint::notification {

class AttemptRunner final : public jobs::JobHandler<AttemptPayload> {
 public:
  // `unit` draws the jitter (uniform [0, 1)); tests pin it.
  AttemptRunner(db::Pool* pool, const http::HttpClient* client,
                const Fanout* fanout, NotificationConfig config,
                std::function<double()> unit = nullptr);

  absl::StatusOr<jobs::TxFn> Run(const jobs::ClaimedJob<AttemptPayload>& job,
                                 jobs::JobContext& context) override;

 private:
  db::Pool* const pool_;
  const http::HttpClient* const client_;
  const Fanout* const fanout_;
  const NotificationConfig config_;
  std::function<double()> unit_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

// https, or http when `allow_http`; anything else is a violation message.
std::string WebhookUrlProblem(absl::string_view url, bool allow_http);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_DELIVERY_H_
