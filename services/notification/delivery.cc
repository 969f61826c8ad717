#include "services/notification/delivery.h"

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "services/notification/schedule.h"
#include "services/notification/signature.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {
namespace {

namespace nev1 = ::fineprint::notification::events::v1;

struct Target {
  std::string webhook_id;
  std::string url;
  bool active = false;
  std::vector<std::string> secrets;
  std::string event_id;
  std::string event_type;
  std::string body;
  std::string status;
  int attempts = 0;
  int round_attempts = 0;
};

// One statement on a pooled session, outside any transaction: a snapshot
// of the delivery is all an attempt needs (the recording transaction checks
// the delivery is still pending), and BEGIN/COMMIT would double the round
// trips of every attempt.
absl::StatusOr<std::optional<Target>> LoadTarget(db::Pool& pool,
                                                 absl::string_view org,
                                                 absl::string_view delivery) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool.Acquire());
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute("SELECT d.webhook_id, w.url, w.active, w.secret,"
                    "   CASE WHEN w.previous_secret_expires > now()"
                    "     THEN w.previous_secret ELSE '' END AS previous,"
                    "   d.event_id, d.event_type, d.body, d.status, d.attempts,"
                    "   d.round_attempts"
                    " FROM deliveries d JOIN webhooks w"
                    "   ON w.org_id = d.org_id AND w.id = d.webhook_id"
                    " WHERE d.org_id = $1 AND d.id = $2",
                    {org, delivery}));
  if (r.empty()) return std::nullopt;
  db::Row row = r[0];
  Target t;
  t.webhook_id = std::string(row.Value("webhook_id"));
  t.url = std::string(row.Value("url"));
  FP_ASSIGN_OR_RETURN(t.active, row.GetBool("active"));
  t.secrets.push_back(std::string(row.Value("secret")));
  if (!row.Value("previous").empty()) {
    t.secrets.push_back(std::string(row.Value("previous")));
  }
  t.event_id = std::string(row.Value("event_id"));
  t.event_type = std::string(row.Value("event_type"));
  t.body = std::string(row.Value("body"));
  t.status = std::string(row.Value("status"));
  FP_ASSIGN_OR_RETURN(int64_t attempts, row.GetInt64("attempts"));
  FP_ASSIGN_OR_RETURN(int64_t round, row.GetInt64("round_attempts"));
  t.attempts = static_cast<int>(attempts);
  t.round_attempts = static_cast<int>(round);
  return t;
}

}  // namespace

std::string WebhookUrlProblem(absl::string_view url, bool allow_http) {
  const std::string lower = absl::AsciiStrToLower(url);
  if (absl::StartsWith(lower, "https://")) return "";
  if (allow_http && absl::StartsWith(lower, "http://")) return "";
  return allow_http ? "must be an http or https URL" : "must be an https URL";
}

AttemptRunner::AttemptRunner(db::Pool* pool, const http::HttpClient* client,
                             const Fanout* fanout, NotificationConfig config,
                             std::function<double()> unit)
    : pool_(pool),
      client_(client),
      fanout_(fanout),
      config_(std::move(config)),
      unit_(std::move(unit)) {
  if (!unit_) {
    unit_ = [] {
      thread_local std::mt19937_64 rng(std::random_device{}());
      return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    };
  }
}

absl::StatusOr<jobs::TxFn> AttemptRunner::Run(
    const jobs::ClaimedJob<AttemptPayload>& job, jobs::JobContext&) {
  const std::string org = job.org_id;
  const std::string delivery = job.payload.delivery_id;
  FP_ASSIGN_OR_RETURN(std::optional<Target> loaded,
                      LoadTarget(*pool_, org, delivery));
  // Deleted, or already settled (a redelivery raced a finished attempt).
  if (!loaded.has_value() || loaded->status != "PENDING") return jobs::TxFn();
  const Target target = *std::move(loaded);
  const int attempt = target.attempts + 1;
  const absl::Time start = absl::Now();

  int http_status = 0;
  std::string error;
  std::optional<absl::Duration> retry_after;
  bool skipped = false;
  if (!target.active) {
    error = "webhook is disabled";
    skipped = true;
  } else if (std::string problem =
                 WebhookUrlProblem(target.url, config_.allow_http_webhooks);
             !problem.empty()) {
    error = absl::StrCat("url ", problem);
    skipped = true;
  } else {
    const int64_t timestamp = absl::ToUnixSeconds(start);
    FP_ASSIGN_OR_RETURN(std::string signature,
                        SignatureHeader(target.secrets, target.event_id,
                                        timestamp, target.body));
    http::Request request;
    request.method = http::Method::kPost;
    request.url = target.url;
    request.body = target.body;
    request.headers = {{"Content-Type", "application/json"},
                       {"webhook-id", target.event_id},
                       {"webhook-timestamp", absl::StrCat(timestamp)},
                       {"webhook-signature", signature}};
    absl::StatusOr<http::Response> response = client_->Send(request);
    if (!response.ok()) {
      error = std::string(response.status().message());
    } else {
      http_status = response->status;
      if (http_status < 200 || http_status > 299) {
        error = absl::StrCat("endpoint answered ", http_status);
        if (http_status == 429 || http_status == 503) {
          if (std::optional<std::string> value =
                  response->headers.Get("Retry-After")) {
            retry_after = ParseRetryAfter(*value, absl::Now());
          }
        }
      }
    }
  }
  const absl::Time end = absl::Now();
  const bool succeeded = error.empty();
  const bool gone = http_status == 410;
  RetryDecision next;
  if (!succeeded && !gone && !skipped) {
    next = NextAttempt(config_.retry_schedule, target.round_attempts + 1,
                       retry_after, config_.retry_jitter, unit_());
  }

  return jobs::TxFn([=, this](db::Tx& tx) -> absl::Status {
    const std::string webhook_name = WebhookName(org, target.webhook_id);
    const std::string delivery_name =
        DeliveryName(org, target.webhook_id, delivery);
    if (succeeded) {
      // One statement: the delivery settles (only if still pending: a
      // redelivery may have settled or restarted it meanwhile), the attempt
      // is logged, and the webhook's failing streak ends (only when set:
      // every success would otherwise lock the webhook row and serialise
      // the commits of all its attempts).
      FP_ASSIGN_OR_RETURN(
          db::Result settled,
          tx.Execute(
              "WITH d AS (UPDATE deliveries SET status = 'SUCCEEDED',"
              "   attempts = $3, round_attempts = round_attempts + 1,"
              "   last_http_status = $4, last_error = '',"
              "   last_attempt_time = $5, next_attempt_time = NULL"
              " WHERE org_id = $1 AND id = $2 AND status = 'PENDING'"
              " RETURNING webhook_id),"
              " a AS (INSERT INTO delivery_attempts (org_id, delivery_id,"
              "   attempt, http_status, latency_ms, error, attempt_time)"
              " SELECT $1, $2, $3, $4, $6, '', $5 FROM d"
              " ON CONFLICT DO NOTHING),"
              " w AS (UPDATE webhooks SET failing_since = NULL"
              " WHERE org_id = $1 AND id IN (SELECT webhook_id FROM d)"
              " AND failing_since IS NOT NULL)"
              " SELECT count(*) FROM d",
              {org, delivery, attempt, http_status, start,
               absl::ToInt64Milliseconds(end - start)}));
      FP_ASSIGN_OR_RETURN(int64_t changed, settled[0].GetInt64(0));
      if (changed == 0) return absl::OkStatus();
      nev1::WebhookDeliverySucceeded ok;
      ok.set_delivery(delivery_name);
      ok.set_webhook(webhook_name);
      ok.set_organization(absl::StrCat("orgs/", org));
      ok.set_event_id(target.event_id);
      ok.set_event_type(target.event_type);
      ok.set_http_status(http_status);
      ok.set_attempts(attempt);
      return outbox_.Append(tx, target.webhook_id, ok).status();
    }
    // A redelivery may have settled or restarted the delivery meanwhile:
    // record only if it is still pending.
    FP_ASSIGN_OR_RETURN(
        db::Result current,
        tx.Execute("SELECT attempts FROM deliveries WHERE org_id = $1"
                   " AND id = $2 AND status = 'PENDING' FOR UPDATE",
                   {org, delivery}));
    if (current.empty()) return absl::OkStatus();
    FP_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO delivery_attempts (org_id, delivery_id,"
                   "   attempt, http_status, latency_ms, error, attempt_time)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                   " ON CONFLICT DO NOTHING",
                   {org, delivery, attempt, http_status,
                    absl::ToInt64Milliseconds(end - start), error, start})
            .status());
    // Failure: how long has this webhook been failing?
    std::string disable_reason;
    if (gone) {
      disable_reason = "endpoint answered 410 Gone";
    } else if (!skipped) {
      FP_ASSIGN_OR_RETURN(
          db::Result since,
          tx.Execute("UPDATE webhooks SET failing_since ="
                     "   COALESCE(failing_since, $3)"
                     " WHERE org_id = $1 AND id = $2 RETURNING failing_since",
                     {org, target.webhook_id, start}));
      if (!since.empty()) {
        FP_ASSIGN_OR_RETURN(absl::Time first, since[0].GetTime(0));
        if (end - first >= config_.disable_after) {
          disable_reason =
              absl::StrCat("failing since ", absl::FormatTime(first),
                           "; disabled automatically");
        }
      }
    }
    const bool retry = next.retry && disable_reason.empty();
    const absl::Time next_time = end + next.delay;
    FP_RETURN_IF_ERROR(
        tx.Execute("UPDATE deliveries SET status = $3, attempts = $4,"
                   " round_attempts = round_attempts + 1,"
                   " last_http_status = $5, last_error = $6,"
                   " last_attempt_time = $7, next_attempt_time = $8"
                   " WHERE org_id = $1 AND id = $2",
                   {org, delivery, retry ? "PENDING" : "FAILED", attempt,
                    http_status, error, start,
                    retry ? db::Param(next_time) : db::Param()})
            .status());
    if (retry) {
      FP_RETURN_IF_ERROR(
          fanout_->EnqueueAttempt(tx, org, delivery, next.delay));
    }
    if (!disable_reason.empty()) {
      FP_ASSIGN_OR_RETURN(
          db::Result disabled,
          tx.Execute("UPDATE webhooks SET active = false, disabled_reason = $3,"
                     " version = version + 1, update_time = now()"
                     " WHERE org_id = $1 AND id = $2 AND active"
                     " RETURNING url",
                     {org, target.webhook_id, disable_reason}));
      if (!disabled.empty()) {
        nev1::WebhookChanged changed;
        changed.set_webhook(webhook_name);
        changed.set_organization(absl::StrCat("orgs/", org));
        changed.set_change(nev1::WebhookChanged::UPDATED);
        changed.set_url(std::string(disabled[0].Value("url")));
        changed.set_active(false);
        FP_RETURN_IF_ERROR(
            outbox_.Append(tx, target.webhook_id, changed).status());
        Notice notice;
        notice.org = org;
        notice.kind = v1::WEBHOOK_FAILING;
        notice.severity = v1::SEVERITY_WARNING;
        notice.title = "A webhook was disabled";
        notice.body = absl::StrCat("Deliveries to ", disabled[0].Value("url"),
                                   " stopped: ", disable_reason, ".");
        notice.link = webhook_name;
        FP_RETURN_IF_ERROR(fanout_->Notify(tx, notice, {"OWNER"}).status());
      }
    }
    nev1::WebhookDeliveryFailed failed;
    failed.set_delivery(delivery_name);
    failed.set_webhook(webhook_name);
    failed.set_organization(absl::StrCat("orgs/", org));
    failed.set_event_id(target.event_id);
    failed.set_event_type(target.event_type);
    failed.set_http_status(http_status);
    failed.set_error(error);
    failed.set_attempts(attempt);
    failed.set_retries_exhausted(!retry);
    if (retry) *failed.mutable_next_attempt_time() = ToProto(next_time);
    return outbox_.Append(tx, target.webhook_id, failed).status();
  });
}

}  // namespace fineprint::notification
