#ifndef FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
#define FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_

// The notification API: the caller's inbox and its live stream (inbox.cc),
// preferences (preferences.cc), and the organisation's webhooks with their
// deliveries (webhooks.cc). Notifications and deliveries are created by
// the Fanout and the AttemptRunner, never by these handlers.

#include <string>
#include <vector>

#include "events/outbox/outbox_writer.h"
#include "fineprint/notification/v1/notification.grpc.pb.h"
#include "services/notification/fanout.h"
#include "services/notification/model.h"
#include "services/notification/stream_hub.h"
#include "services/runtime/db/pool.h"
#include "services/runtime/db/transaction.h"
#include "services/runtime/http/ssrf_guard.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {

class NotificationServiceImpl final : public v1::NotificationService::Service {
 public:
  // `guard` vets webhook hosts at create and update (the client's guard
  // vets them again at every attempt, since DNS answers change).
  NotificationServiceImpl(db::Pool* pool, NotificationConfig config,
                          http::SsrfGuard guard, StreamHub* hub,
                          const Fanout* fanout)
      : pool_(pool),
        config_(std::move(config)),
        guard_(std::move(guard)),
        hub_(hub),
        fanout_(fanout) {}

  // inbox.cc
  grpc::Status ListNotifications(grpc::ServerContext*,
                                 const v1::ListNotificationsRequest*,
                                 v1::ListNotificationsResponse*) override;
  grpc::Status MarkNotificationsRead(
      grpc::ServerContext*, const v1::MarkNotificationsReadRequest*,
      v1::MarkNotificationsReadResponse*) override;
  grpc::Status StreamNotifications(
      grpc::ServerContext*, const v1::StreamNotificationsRequest*,
      grpc::ServerWriter<v1::StreamNotificationsResponse>*) override;

  // preferences.cc
  grpc::Status GetNotificationPreferences(
      grpc::ServerContext*, const v1::GetNotificationPreferencesRequest*,
      v1::NotificationPreferences*) override;
  grpc::Status UpdateNotificationPreferences(
      grpc::ServerContext*, const v1::UpdateNotificationPreferencesRequest*,
      v1::NotificationPreferences*) override;

  // webhooks.cc
  grpc::Status CreateWebhook(grpc::ServerContext*,
                             const v1::CreateWebhookRequest*,
                             v1::CreateWebhookResponse*) override;
  grpc::Status GetWebhook(grpc::ServerContext*, const v1::GetWebhookRequest*,
                          v1::Webhook*) override;
  grpc::Status ListWebhooks(grpc::ServerContext*,
                            const v1::ListWebhooksRequest*,
                            v1::ListWebhooksResponse*) override;
  grpc::Status UpdateWebhook(grpc::ServerContext*,
                             const v1::UpdateWebhookRequest*,
                             v1::Webhook*) override;
  grpc::Status DeleteWebhook(grpc::ServerContext*,
                             const v1::DeleteWebhookRequest*,
                             google::protobuf::Empty*) override;
  grpc::Status RotateWebhookSecret(grpc::ServerContext*,
                                   const v1::RotateWebhookSecretRequest*,
                                   v1::RotateWebhookSecretResponse*) override;
  grpc::Status ListDeliveries(grpc::ServerContext*,
                              const v1::ListDeliveriesRequest*,
                              v1::ListDeliveriesResponse*) override;
  grpc::Status RedeliverDelivery(grpc::ServerContext*,
                                 const v1::RedeliverDeliveryRequest*,
                                 v1::Delivery*) override;

  // unsubscribe_handler.cc (public: the signed token is the credential)
  grpc::Status UnsubscribeEmail(grpc::ServerContext*,
                                const v1::UnsubscribeEmailRequest*,
                                v1::UnsubscribeEmailResponse*) override;

 private:
  db::TxOptions TxOptionsForCall() const;

  // {org, user} of `name` (pattern kUserPattern or longer), which must be
  // the caller: PERMISSION_DENIED otherwise.
  absl::StatusOr<std::vector<std::string>> CallerUser(
      absl::string_view name, absl::string_view pattern,
      absl::string_view field) const;

  absl::Status DoList(const v1::ListNotificationsRequest& req,
                      v1::ListNotificationsResponse* resp);
  absl::Status DoMarkRead(const v1::MarkNotificationsReadRequest& req,
                          v1::MarkNotificationsReadResponse* resp);
  absl::Status DoStream(grpc::ServerContext* ctx,
                        const v1::StreamNotificationsRequest& req,
                        grpc::ServerWriter<v1::StreamNotificationsResponse>* w);
  absl::Status DoGetPreferences(const v1::GetNotificationPreferencesRequest& r,
                                v1::NotificationPreferences* resp);
  absl::Status DoUpdatePreferences(
      const v1::UpdateNotificationPreferencesRequest& req,
      v1::NotificationPreferences* resp);
  absl::Status DoCreateWebhook(const v1::CreateWebhookRequest& req,
                               v1::CreateWebhookResponse* resp);
  absl::Status DoListWebhooks(const v1::ListWebhooksRequest& req,
                              v1::ListWebhooksResponse* resp);
  absl::Status DoUpdateWebhook(const v1::UpdateWebhookRequest& req,
                               v1::Webhook* resp);
  absl::Status DoDeleteWebhook(const v1::DeleteWebhookRequest& req);
  absl::Status DoRotate(const v1::RotateWebhookSecretRequest& req,
                        v1::RotateWebhookSecretResponse* resp);
  absl::Status DoListDeliveries(const v1::ListDeliveriesRequest& req,
                                v1::ListDeliveriesResponse* resp);
  absl::Status DoRedeliver(const v1::RedeliverDeliveryRequest& req,
                           v1::Delivery* resp);
  absl::Status DoUnsubscribe(const v1::UnsubscribeEmailRequest& req,
                             v1::UnsubscribeEmailResponse* resp);

  // Violations of the webhook fields named in `fields` (all when empty).
  void ValidateWebhook(const v1::Webhook& webhook,
                       const std::vector<std::string>& fields,
                       std::vector<status::FieldViolation>& v) const;

  db::Pool* const pool_;
  const NotificationConfig config_;
  const http::SsrfGuard guard_;
  StreamHub* const hub_;
  const Fanout* const fanout_;
  const ::fineprint::events::OutboxWriter outbox_{kService};
};

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_NOTIFICATION_SERVICE_H_
