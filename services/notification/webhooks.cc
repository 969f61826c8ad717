// Webhook endpoints of an organisation, their secrets and deliveries.

#include <curl/curl.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "services/notification/delivery.h"
#include "services/notification/notification_service.h"
#include "services/notification/signature.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/pagination.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/single_row.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/server/call_context.h"

namespace fineprint::notification {
namespace {

namespace nev1 = ::fineprint::notification::events::v1;

const std::vector<std::string>& UpdatableWebhookFields() {
  static const auto* fields = new std::vector<std::string>{
      "url", "event_types", "active", "display_name"};
  return *fields;
}

bool Has(const std::vector<std::string>& fields, absl::string_view field) {
  return fields.empty() ||
         std::find(fields.begin(), fields.end(), field) != fields.end();
}

// The host of an absolute URL, or "" if libcurl cannot parse it.
std::string UrlHost(absl::string_view url) {
  CURLU* handle = curl_url();
  if (handle == nullptr) return "";
  std::string host;
  if (curl_url_set(handle, CURLUPART_URL, std::string(url).c_str(), 0) ==
      CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(handle, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
      host = part;
      curl_free(part);
    }
  }
  curl_url_cleanup(handle);
  // IPv6 literals come bracketed.
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

absl::StatusOr<v1::Webhook> LoadWebhook(db::Executor& ex, absl::string_view org,
                                        absl::string_view id) {
  return api::ReadSingleRow(
      ex,
      absl::StrCat("SELECT ", kWebhookColumns,
                   " FROM webhooks WHERE org_id = $1 AND id = $2"),
      {org, id}, "webhook not found", WebhookFromRow);
}

std::string TypesArray(
    const google::protobuf::RepeatedPtrField<std::string>& types) {
  // Validated against WebhookEventTypes(): no quoting needed.
  return absl::StrCat("{", absl::StrJoin(types, ","), "}");
}

nev1::WebhookChanged Changed(const v1::Webhook& w,
                             nev1::WebhookChanged::Change change,
                             absl::string_view org) {
  nev1::WebhookChanged e;
  e.set_webhook(w.name());
  e.set_organization(absl::StrCat("orgs/", org));
  e.set_change(change);
  e.set_url(w.url());
  e.set_active(w.active());
  return e;
}

absl::Status AttachAttempts(db::Executor& ex, absl::string_view org,
                            v1::Delivery* d) {
  const std::string id = d->name().substr(d->name().rfind('/') + 1);
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      ex.Execute("SELECT attempt, http_status, latency_ms, error, attempt_time"
                 " FROM delivery_attempts WHERE org_id = $1"
                 " AND delivery_id = $2 ORDER BY attempt",
                 {org, id}));
  for (db::Row row : r) {
    v1::DeliveryAttempt* a = d->add_attempt_log();
    FP_ASSIGN_OR_RETURN(int64_t attempt, row.GetInt64("attempt"));
    FP_ASSIGN_OR_RETURN(int64_t http, row.GetInt64("http_status"));
    FP_ASSIGN_OR_RETURN(int64_t latency, row.GetInt64("latency_ms"));
    FP_ASSIGN_OR_RETURN(absl::Time at, row.GetTime("attempt_time"));
    a->set_attempt(static_cast<int32_t>(attempt));
    a->set_http_status(static_cast<int32_t>(http));
    a->mutable_latency()->set_seconds(latency / 1000);
    a->mutable_latency()->set_nanos(static_cast<int32_t>(latency % 1000) *
                                    1000000);
    a->set_error(std::string(row.Value("error")));
    *a->mutable_attempt_time() = ToProto(at);
  }
  return absl::OkStatus();
}

}  // namespace

void NotificationServiceImpl::ValidateWebhook(
    const v1::Webhook& w, const std::vector<std::string>& fields,
    std::vector<status::FieldViolation>& v) const {
  if (Has(fields, "url")) {
    if (w.url().empty()) {
      v.push_back({"webhook.url", "required"});
    } else if (w.url().size() > config_.max_url_bytes) {
      v.push_back(
          {"webhook.url",
           absl::StrCat("longer than ", config_.max_url_bytes, " bytes")});
    } else if (std::string problem =
                   WebhookUrlProblem(w.url(), config_.allow_http_webhooks);
               !problem.empty()) {
      v.push_back({"webhook.url", problem});
    } else if (std::string host = UrlHost(w.url()); host.empty()) {
      v.push_back({"webhook.url", "not a valid URL"});
    } else {
      absl::StatusOr<std::vector<http::IpAddress>> addresses =
          guard_.ResolveAndCheck(host, absl::Now() + absl::Seconds(5));
      if (absl::IsPermissionDenied(addresses.status())) {
        v.push_back(
            {"webhook.url", absl::StrCat("host ", host,
                                         " resolves to an address that is not "
                                         "public")});
      } else if (!addresses.ok()) {
        v.push_back(
            {"webhook.url", absl::StrCat("host ", host, " does not resolve")});
      }
    }
  }
  if (Has(fields, "event_types")) {
    if (w.event_types_size() > config_.max_event_types) {
      v.push_back({"webhook.event_types",
                   absl::StrCat("at most ", config_.max_event_types)});
    }
    const std::vector<std::string>& known = WebhookEventTypes();
    std::set<std::string> seen;
    for (int i = 0; i < w.event_types_size(); ++i) {
      const std::string& t = w.event_types(i);
      if (!std::binary_search(known.begin(), known.end(), t)) {
        v.push_back({absl::StrCat("webhook.event_types[", i, "]"),
                     absl::StrCat("unknown event type; one of ",
                                  absl::StrJoin(known, ", "))});
      } else if (!seen.insert(t).second) {
        v.push_back(
            {absl::StrCat("webhook.event_types[", i, "]"), "listed twice"});
      }
    }
  }
  if (Has(fields, "display_name") && w.display_name().size() > 200) {
    v.push_back({"webhook.display_name", "longer than 200 bytes"});
  }
}

absl::Status NotificationServiceImpl::DoCreateWebhook(
    const v1::CreateWebhookRequest& req, v1::CreateWebhookResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  const std::string& org = ids[0];
  std::vector<status::FieldViolation> violations;
  ValidateWebhook(req.webhook(), {}, violations);
  if (!req.request_id().empty() &&
      !api::ValidateRequestId(req.request_id()).ok()) {
    violations.push_back({"request_id", "1-128 characters of [A-Za-z0-9-_.:]"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid webhook", std::move(violations));
  }
  const v1::Webhook& w = req.webhook();
  api::IdempotencyKey idem(absl::StrCat(org, "/CreateWebhook"),
                           req.request_id(), req);
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        if (idem.enabled()) {
          FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, resp));
          if (replayed) return absl::OkStatus();
        }
        const std::string id = api::NewResourceId();
        const std::string secret = NewWebhookSecret();
        FP_RETURN_IF_ERROR(
            tx.Execute("INSERT INTO webhooks (org_id, id, url, display_name,"
                       "   event_types, active, secret)"
                       " VALUES ($1, $2, $3, $4, $5::text[], $6, $7)",
                       {org, id, w.url(), w.display_name(),
                        TypesArray(w.event_types()), w.active(), secret})
                .status());
        FP_ASSIGN_OR_RETURN(*resp->mutable_webhook(), LoadWebhook(tx, org, id));
        FP_RETURN_IF_ERROR(
            outbox_
                .Append(tx, id,
                        Changed(resp->webhook(), nev1::WebhookChanged::CREATED,
                                org))
                .status());
        // A replay returns the webhook without its secret: shown once.
        if (idem.enabled()) FP_RETURN_IF_ERROR(idem.Remember(tx, *resp));
        resp->set_signing_secret(secret);
        return absl::OkStatus();
      });
}

absl::Status NotificationServiceImpl::DoListWebhooks(
    const v1::ListWebhooksRequest& req, v1::ListWebhooksResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(req.page_size(), req.page_token(),
                             absl::StrCat(req.parent(), "/webhooks")));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(*conn,
                 absl::StrCat("SELECT ", kWebhookColumns,
                              " FROM webhooks WHERE org_id = $1"
                              " AND ($2 OR (create_time, id) >"
                              "   ($3::timestamptz, $4))"
                              " ORDER BY create_time, id LIMIT $5"),
                 {ids[0]}, "create_time", resp->mutable_webhooks(),
                 WebhookFromRow));
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::DoUpdateWebhook(
    const v1::UpdateWebhookRequest& req, v1::Webhook* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseTenantName(caller, req.webhook().name(),
                                           kWebhookPattern, "webhook.name"));
  const std::string &org = ids[0], &id = ids[1];
  std::vector<std::string> fields(req.update_mask().paths().begin(),
                                  req.update_mask().paths().end());
  std::vector<status::FieldViolation> violations;
  for (const std::string& path : fields) {
    if (!Has(UpdatableWebhookFields(), path)) {
      violations.push_back(
          {"update_mask", absl::StrCat("cannot update '", path, "'")});
    }
  }
  if (fields.empty()) fields = UpdatableWebhookFields();
  ValidateWebhook(req.webhook(), fields, violations);
  if (!violations.empty()) {
    return status::InvalidArgument("invalid webhook update",
                                   std::move(violations));
  }
  const v1::Webhook& w = req.webhook();
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(v1::Webhook current, LoadWebhook(tx, org, id));
        if (!w.etag().empty() && w.etag() != current.etag()) {
          return status::WithReason(
              absl::AbortedError("the webhook changed; read it again"),
              "ETAG_MISMATCH");
        }
        v1::Webhook next = current;
        if (Has(fields, "url")) next.set_url(w.url());
        if (Has(fields, "event_types")) {
          *next.mutable_event_types() = w.event_types();
        }
        if (Has(fields, "active")) next.set_active(w.active());
        if (Has(fields, "display_name")) {
          next.set_display_name(w.display_name());
        }
        // Re-enabling clears why it was disabled and its failure streak.
        const bool reenabled = next.active() && !current.active();
        FP_RETURN_IF_ERROR(
            tx.Execute("UPDATE webhooks SET url = $3, event_types = $4::text[],"
                       "   active = $5, display_name = $6,"
                       "   disabled_reason = CASE WHEN $7 THEN '' ELSE"
                       "     disabled_reason END,"
                       "   failing_since = CASE WHEN $7 THEN NULL ELSE"
                       "     failing_since END,"
                       "   version = version + 1, update_time = now()"
                       " WHERE org_id = $1 AND id = $2",
                       {org, id, next.url(), TypesArray(next.event_types()),
                        next.active(), next.display_name(), reenabled})
                .status());
        FP_ASSIGN_OR_RETURN(*resp, LoadWebhook(tx, org, id));
        return outbox_
            .Append(tx, id, Changed(*resp, nev1::WebhookChanged::UPDATED, org))
            .status();
      });
}

absl::Status NotificationServiceImpl::DoDeleteWebhook(
    const v1::DeleteWebhookRequest& req) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kWebhookPattern, "name"));
  const std::string &org = ids[0], &id = ids[1];
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(v1::Webhook current, LoadWebhook(tx, org, id));
        if (!req.etag().empty() && req.etag() != current.etag()) {
          return status::WithReason(
              absl::AbortedError("the webhook changed; read it again"),
              "ETAG_MISMATCH");
        }
        // Pending attempts go with it (their deliveries cascade).
        FP_RETURN_IF_ERROR(
            tx.Execute("UPDATE attempts SET state = 'CANCELLED',"
                       " cancel_requested = true, update_time = now()"
                       " WHERE org_id = $1 AND state IN ('QUEUED', 'RUNNING')"
                       " AND delivery_id IN (SELECT id FROM deliveries"
                       "   WHERE org_id = $1 AND webhook_id = $2)",
                       {org, id})
                .status());
        FP_RETURN_IF_ERROR(
            tx.Execute("DELETE FROM webhooks WHERE org_id = $1 AND id = $2",
                       {org, id})
                .status());
        return outbox_
            .Append(tx, id,
                    Changed(current, nev1::WebhookChanged::DELETED, org))
            .status();
      });
}

absl::Status NotificationServiceImpl::DoRotate(
    const v1::RotateWebhookSecretRequest& req,
    v1::RotateWebhookSecretResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kWebhookPattern, "name"));
  const std::string &org = ids[0], &id = ids[1];
  absl::Duration overlap = absl::Hours(24);
  if (req.has_overlap()) {
    overlap = absl::Seconds(req.overlap().seconds()) +
              absl::Nanoseconds(req.overlap().nanos());
    if (overlap < absl::ZeroDuration() || overlap > absl::Hours(24 * 7)) {
      return status::InvalidArgument("invalid overlap",
                                     {{"overlap", "between 0 and 7 days"}});
    }
  }
  const std::string secret = NewWebhookSecret();
  const absl::Time expires = absl::Now() + overlap;
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute("UPDATE webhooks SET previous_secret = secret,"
                       " secret = $3, previous_secret_expires = $4,"
                       " version = version + 1, update_time = now()"
                       " WHERE org_id = $1 AND id = $2 RETURNING id",
                       {org, id, secret, expires}));
        if (r.empty()) return absl::NotFoundError("webhook not found");
        FP_ASSIGN_OR_RETURN(*resp->mutable_webhook(), LoadWebhook(tx, org, id));
        resp->set_signing_secret(secret);
        *resp->mutable_previous_secret_expire_time() = ToProto(expires);
        return outbox_
            .Append(tx, id,
                    Changed(resp->webhook(),
                            nev1::WebhookChanged::SECRET_ROTATED, org))
            .status();
      });
}

absl::Status NotificationServiceImpl::DoListDeliveries(
    const v1::ListDeliveriesRequest& req, v1::ListDeliveriesResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), kWebhookPattern, "parent"));
  const std::string &org = ids[0], &webhook = ids[1];
  if (!v1::DeliveryStatus_IsValid(req.status())) {
    return status::InvalidArgument("invalid filter",
                                   {{"status", "unknown status"}});
  }
  const std::string status_filter =
      req.status() == v1::DELIVERY_STATUS_UNSPECIFIED
          ? ""
          : v1::DeliveryStatus_Name(req.status());
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(
          req.page_size(), req.page_token(),
          absl::StrCat(req.parent(), "/deliveries?status=", status_filter)));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_RETURN_IF_ERROR(LoadWebhook(*conn, org, webhook).status());
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(*conn,
                 absl::StrCat("SELECT ", kDeliveryColumns,
                              " FROM deliveries WHERE org_id = $1"
                              " AND webhook_id = $2 AND ($3 = '' OR status = "
                              "$3)"
                              " AND ($4 OR (create_time, id) <"
                              "   ($5::timestamptz, $6))"
                              " ORDER BY create_time DESC, id DESC LIMIT $7"),
                 {org, webhook, status_filter}, "create_time",
                 resp->mutable_deliveries(), DeliveryFromRow));
  for (v1::Delivery& d : *resp->mutable_deliveries()) {
    FP_RETURN_IF_ERROR(AttachAttempts(*conn, org, &d));
  }
  return absl::OkStatus();
}

absl::Status NotificationServiceImpl::DoRedeliver(
    const v1::RedeliverDeliveryRequest& req, v1::Delivery* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kDeliveryPattern, "name"));
  const std::string &org = ids[0], &webhook = ids[1], &id = ids[2];
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            db::Result found,
            tx.Execute("SELECT 1 FROM deliveries WHERE org_id = $1"
                       " AND webhook_id = $2 AND id = $3 FOR UPDATE",
                       {org, webhook, id}));
        if (found.empty()) return absl::NotFoundError("delivery not found");
        // One attempt at a time: a running one finishes first; a waiting
        // one is replaced by the attempt queued now.
        FP_ASSIGN_OR_RETURN(
            db::Result running,
            tx.Execute("SELECT 1 FROM attempts WHERE org_id = $1"
                       " AND delivery_id = $2 AND state = 'RUNNING'",
                       {org, id}));
        if (!running.empty()) {
          return status::WithReason(
              absl::FailedPreconditionError(
                  "an attempt of this delivery is in progress"),
              "ATTEMPT_RUNNING");
        }
        FP_RETURN_IF_ERROR(
            tx.Execute("UPDATE attempts SET state = 'CANCELLED',"
                       " update_time = now() WHERE org_id = $1"
                       " AND delivery_id = $2 AND state = 'QUEUED'",
                       {org, id})
                .status());
        FP_RETURN_IF_ERROR(
            tx.Execute("UPDATE deliveries SET status = 'PENDING',"
                       " round_attempts = 0, next_attempt_time = now()"
                       " WHERE org_id = $1 AND id = $2",
                       {org, id})
                .status());
        FP_RETURN_IF_ERROR(
            fanout_->EnqueueAttempt(tx, org, id, absl::ZeroDuration()));
        FP_ASSIGN_OR_RETURN(
            *resp, api::ReadSingleRow(
                       tx,
                       absl::StrCat("SELECT ", kDeliveryColumns,
                                    " FROM deliveries WHERE org_id = $1"
                                    " AND id = $2"),
                       {org, id}, "delivery not found", DeliveryFromRow));
        return AttachAttempts(tx, org, resp);
      });
}

grpc::Status NotificationServiceImpl::CreateWebhook(
    grpc::ServerContext*, const v1::CreateWebhookRequest* req,
    v1::CreateWebhookResponse* resp) {
  return status::ToGrpc(DoCreateWebhook(*req, resp));
}

grpc::Status NotificationServiceImpl::GetWebhook(
    grpc::ServerContext*, const v1::GetWebhookRequest* req, v1::Webhook* resp) {
  absl::Status s = [&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kWebhookPattern, "name"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(*resp, LoadWebhook(*conn, ids[0], ids[1]));
    return absl::OkStatus();
  }();
  return status::ToGrpc(s);
}

grpc::Status NotificationServiceImpl::ListWebhooks(
    grpc::ServerContext*, const v1::ListWebhooksRequest* req,
    v1::ListWebhooksResponse* resp) {
  return status::ToGrpc(DoListWebhooks(*req, resp));
}

grpc::Status NotificationServiceImpl::UpdateWebhook(
    grpc::ServerContext*, const v1::UpdateWebhookRequest* req,
    v1::Webhook* resp) {
  return status::ToGrpc(DoUpdateWebhook(*req, resp));
}

grpc::Status NotificationServiceImpl::DeleteWebhook(
    grpc::ServerContext*, const v1::DeleteWebhookRequest* req,
    google::protobuf::Empty*) {
  return status::ToGrpc(DoDeleteWebhook(*req));
}

grpc::Status NotificationServiceImpl::RotateWebhookSecret(
    grpc::ServerContext*, const v1::RotateWebhookSecretRequest* req,
    v1::RotateWebhookSecretResponse* resp) {
  return status::ToGrpc(DoRotate(*req, resp));
}

grpc::Status NotificationServiceImpl::ListDeliveries(
    grpc::ServerContext*, const v1::ListDeliveriesRequest* req,
    v1::ListDeliveriesResponse* resp) {
  return status::ToGrpc(DoListDeliveries(*req, resp));
}

grpc::Status NotificationServiceImpl::RedeliverDelivery(
    grpc::ServerContext*, const v1::RedeliverDeliveryRequest* req,
    v1::Delivery* resp) {
  return status::ToGrpc(DoRedeliver(*req, resp));
}

}  // namespace fineprint::notification
