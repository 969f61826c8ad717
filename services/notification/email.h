#ifndef FINEPRINT_SERVICES_NOTIFICATION_EMAIL_H_
#define FINEPRINT_SERVICES_NOTIFICATION_EMAIL_H_

// The email channel. When notifications are written (Fanout::Notify, in
// the same transaction), EmailPlanner decides per recipient whose
// preferences want email for the category (category switch, else on for
// SEVERITY_WARNING and above) when it goes (schedule.h's EmailSendTime):
// now -> a SINGLE job on the `email_jobs` queue; later (a digest period,
// quiet hours) -> an item in `email_digest_items` and one DIGEST job per
// user and send time, not claimable before then. SECURITY and
// ACTION_OVERDUE always go now.
//
// EmailRunner sends each job through SMTP: the templates of
// `email_templates`, a List-Unsubscribe one-click link (unsubscribe.h), the
// same Message-ID on every attempt. Success writes EmailSent, a final
// failure EmailFailed, each with the job's state change. Failures are
// retried with backoff by the queue; an SMTP 5xx is final.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "events/outbox/outbox_writer.h"
#include "services/notification/model.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/jobs/job_queue.h"
#include "services/runtime/jobs/worker_pool.h"
#include "services/runtime/mail/mime.h"
#include "services/runtime/mail/smtp_sender.h"

namespace fineprint::notification {

struct EmailConfig {
  mail::SmtpOptions smtp;  // url empty: no email channel
  mail::Address from{"Fineprint", "notifications@fineprint.localhost"};
  // Where links in mail point: the public edge.
  std::string link_base_url = "http://localhost:8080";
  // Signs unsubscribe links. Never logged.
  std::string unsubscribe_secret;
  mail::BodyEncoding encoding = mail::BodyEncoding::kQuotedPrintable;
  // The planner's and the Date header's now; tests move it. Null: absl::Now.
  std::function<absl::Time()> clock;
  int max_attempts = 8;
  // A job whose worker died is sent by another after this (tests shorten).
  absl::Duration lease = absl::Seconds(60);
};

// The email_jobs queue's payload.
struct EmailPayload {
  static constexpr char kColumns[] = "user_id, kind, notification_id, send_at";
  std::string user_id;
  std::string kind;  // SINGLE or DIGEST
  std::string notification_id;
  absl::Time send_at;
  static absl::StatusOr<EmailPayload> FromRow(const db::Row& row);
  std::vector<db::Param> ToParams() const {
    return {user_id, kind, notification_id, send_at};
  }
};

jobs::JobQueueOptions EmailQueueOptions(absl::Duration lease);

class EmailPlanner {
 public:
  EmailPlanner(const jobs::JobQueue* queue, std::function<absl::Time()> clock,
               int max_attempts = 8)
      : queue_(queue), clock_(std::move(clock)), max_attempts_(max_attempts) {}

  // `created`: {user_id, notification_id} of the notifications of one kind
  // just written in `tx`.
  absl::Status Plan(
      db::Tx& tx, absl::string_view org, v1::NotificationKind kind,
      v1::Severity severity,
      const std::vector<std::pair<std::string, std::string>>& created) const;

 private:
  absl::Status Enqueue(db::Tx& tx, absl::string_view org,
                       const EmailPayload& payload, absl::Duration delay) const;

  const jobs::JobQueue* const queue_;
  const std::function<absl::Time()> clock_;
  const int max_attempts_;
};

class EmailRunner final : public jobs::JobHandler<EmailPayload> {
 public:
  EmailRunner(db::Pool* pool, std::unique_ptr<mail::SmtpSender> sender,
              EmailConfig config);

  absl::StatusOr<jobs::TxFn> Run(const jobs::ClaimedJob<EmailPayload>& job,
                                 jobs::JobContext& context) override;
  absl::Status OnFailure(db::Tx& tx, const jobs::ClaimedJob<EmailPayload>& job,
                         const absl::Status& error,
                         jobs::FailOutcome outcome) override;

 private:
  db::Pool* const pool_;
  const std::unique_ptr<mail::SmtpSender> sender_;
  const EmailConfig config_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_EMAIL_H_
