#include "services/notification/fanout.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fineprint/action/events/v1/events.pb.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/notification/templates.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/status/status.h"

namespace fineprint::notification {
namespace {

namespace idev1 = ::fineprint::identity::events::v1;
namespace nev1 = ::fineprint::notification::events::v1;

// "orgs/{org}/users/{user}" -> {org, user}; tolerant: events are trusted.
std::pair<std::string, std::string> SplitUser(absl::string_view name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4) return {"", ""};
  return {parts[1], parts[3]};
}

absl::StatusOr<std::string> OrgOf(const google::protobuf::Message& event) {
  FP_ASSIGN_OR_RETURN(std::string org, FieldText(event, "organization"));
  if (!absl::StartsWith(org, "orgs/") || org.size() <= 5) {
    return absl::InvalidArgumentError("event names no organisation");
  }
  return org.substr(5);
}

// Serialises parking a notice for an organisation with no known member and
// releasing its parked notices when the first member arrives, until commit.
absl::Status LockParkedNotices(db::Tx& tx, absl::string_view org) {
  return tx
      .Execute(
          "SELECT pg_advisory_xact_lock(hashtext('notification.parked'),"
          " hashtext($1))",
          {std::string(org)})
      .status();
}

absl::Status HandleUserRegistered(const idev1::UserRegistered& e,
                                  const ::fineprint::events::Event&,
                                  db::Tx& tx) {
  auto [org, user] = SplitUser(e.user());
  if (org.empty()) return absl::InvalidArgumentError("malformed user name");
  return tx
      .Execute(
          "INSERT INTO members (org_id, user_id, email, role) VALUES ($1, $2, "
          "$3, $4) ON CONFLICT (org_id, user_id) DO UPDATE SET email = $3,"
          " role = $4, update_time = now()",
          {org, user, e.email(), identity::v1::Role_Name(e.role())})
      .status();
}

absl::Status HandleRoleChanged(const idev1::UserRoleChanged& e,
                               const ::fineprint::events::Event&, db::Tx& tx) {
  auto [org, user] = SplitUser(e.user());
  if (org.empty()) return absl::InvalidArgumentError("malformed user name");
  return tx
      .Execute(
          "INSERT INTO members (org_id, user_id, role) VALUES ($1, $2, $3)"
          " ON CONFLICT (org_id, user_id) DO UPDATE SET role = $3,"
          " update_time = now()",
          {org, user, identity::v1::Role_Name(e.new_role())})
      .status();
}

absl::Status HandleUserDeleted(const idev1::UserDeleted& e,
                               const ::fineprint::events::Event&, db::Tx& tx) {
  auto [org, user] = SplitUser(e.user());
  if (org.empty()) return absl::InvalidArgumentError("malformed user name");
  for (const char* table :
       {"members", "notifications", "preferences", "category_preferences"}) {
    FP_RETURN_IF_ERROR(
        tx.Execute(absl::StrCat("DELETE FROM ", table,
                                " WHERE org_id = $1 AND user_id = $2"),
                   {org, user})
            .status());
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status Consume(::fineprint::events::EventRouter& router,
                     const Fanout* fanout) {
  return router.On<T>(
      [fanout](const T& event, const ::fineprint::events::Event& meta,
               db::Tx& tx) { return fanout->OnEvent(event, meta, tx); });
}

}  // namespace

absl::StatusOr<AttemptPayload> AttemptPayload::FromRow(const db::Row& row) {
  AttemptPayload p;
  p.delivery_id = std::string(row.Value("delivery_id"));
  return p;
}

jobs::JobQueueOptions AttemptQueueOptions() {
  jobs::JobQueueOptions options;
  options.table = "attempts";
  // An attempt waits at most 15 s for its endpoint; the lease covers it with
  // heartbeats, and a dead worker's attempt is retried soon.
  options.lease = absl::Seconds(20);
  options.retry_backoff = absl::Seconds(1);
  options.max_retry_backoff = absl::Seconds(30);
  return options;
}

absl::StatusOr<std::string> WebhookBody(const google::protobuf::Message& event,
                                        absl::Time time) {
  std::string data;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  auto status =
      google::protobuf::util::MessageToJsonString(event, &data, options);
  if (!status.ok()) {
    return absl::InternalError("event does not print as JSON");
  }
  return absl::StrCat(
      "{\"type\":\"", event.GetDescriptor()->full_name(), "\",\"timestamp\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone()),
      "\",\"data\":", data, "}");
}

absl::StatusOr<int> Fanout::Notify(
    db::Tx& tx, const Notice& n, const std::vector<std::string>& roles) const {
  const bool critical = IsCritical(n.kind);
  // Taking each recipient's next sequence locks its member row until
  // commit: a user's notifications become visible in sequence order.
  FP_ASSIGN_OR_RETURN(
      db::Result rows,
      tx.Execute(
          "WITH r AS ("
          "  UPDATE members m SET last_seq = m.last_seq + 1"
          "  WHERE m.org_id = $1 AND m.role = ANY($2::text[])"
          "    AND ($9 OR NOT EXISTS (SELECT 1 FROM category_preferences c"
          "      WHERE c.org_id = m.org_id AND c.user_id = m.user_id"
          "        AND c.kind = $3 AND NOT c.in_app))"
          "    AND ($9 OR NOT EXISTS (SELECT 1 FROM preferences p"
          "      WHERE p.org_id = m.org_id AND p.user_id = m.user_id"
          "        AND (CASE p.min_severity WHEN 'SEVERITY_CRITICAL' THEN 3"
          "             WHEN 'SEVERITY_WARNING' THEN 2 ELSE 1 END) > $10))"
          "  RETURNING m.user_id, m.last_seq)"
          " INSERT INTO notifications (org_id, user_id, seq, id, event_id,"
          "   kind, severity, title, body, link)"
          " SELECT $1, r.user_id, r.last_seq,"
          "   substr(md5(random()::text || clock_timestamp()::text), 1, 16),"
          "   $4, $3, $5, $6, $7, $8 FROM r"
          " RETURNING user_id, id",
          {n.org, absl::StrCat("{", absl::StrJoin(roles, ","), "}"),
           v1::NotificationKind_Name(n.kind), n.event_id,
           v1::Severity_Name(n.severity), n.title, n.body, n.link, critical,
           SeverityRank(n.severity)}));
  std::vector<std::string> woken;
  woken.reserve(rows.num_rows());
  std::vector<std::pair<std::string, std::string>> mailable;
  for (db::Row row : rows) {
    const std::string user(row.Value("user_id"));
    if (email_ != nullptr) mailable.emplace_back(user, row.Value("id"));
    nev1::NotificationCreated created;
    created.set_user(UserName(n.org, user));
    created.set_notification(
        absl::StrCat(created.user(), "/notifications/", row.Value("id")));
    created.set_organization(absl::StrCat("orgs/", n.org));
    created.set_kind(n.kind);
    created.set_severity(n.severity);
    created.set_title(n.title);
    created.set_link(n.link);
    FP_RETURN_IF_ERROR(outbox_.Append(tx, row.Value("id"), created).status());
    woken.push_back(absl::StrCat(n.org, "/", user));
  }
  if (email_ != nullptr) {
    FP_RETURN_IF_ERROR(email_->Plan(tx, n.org, n.kind, n.severity, mailable));
  }
  StreamHub* hub = hub_;
  tx.AfterCommit([hub, woken = std::move(woken)] {
    for (const std::string& user : woken) hub->Publish(user);
  });
  return rows.num_rows();
}

absl::Status Fanout::OnEvent(const google::protobuf::Message& event,
                             const ::fineprint::events::Event& meta,
                             db::Tx& tx) const {
  FP_ASSIGN_OR_RETURN(std::string org, OrgOf(event));
  FP_ASSIGN_OR_RETURN(
      db::Result rules,
      tx.Execute("SELECT kind, severity, array_to_string(roles, ',') AS roles,"
                 " title_template, body_template, link_field"
                 " FROM rules WHERE event_type = $1 ORDER BY kind",
                 {event.GetDescriptor()->full_name()}));
  for (db::Row rule : rules) {
    Notice notice;
    notice.org = org;
    notice.event_id = meta.ce_id;
    v1::NotificationKind_Parse(std::string(rule.Value("kind")), &notice.kind);
    v1::Severity_Parse(std::string(rule.Value("severity")), &notice.severity);
    // A rule that does not fit its event is a deployment error: dead-letter
    // the event rather than notify with half a text.
    FP_ASSIGN_OR_RETURN(notice.title,
                        Render(rule.Value("title_template"), event));
    FP_ASSIGN_OR_RETURN(notice.body,
                        Render(rule.Value("body_template"), event));
    FP_ASSIGN_OR_RETURN(notice.link,
                        FieldText(event, rule.Value("link_field")));
    std::vector<std::string> roles =
        absl::StrSplit(rule.Value("roles"), ',', absl::SkipEmpty());
    FP_ASSIGN_OR_RETURN(int notified, Notify(tx, notice, roles));
    if (notified == 0) FP_RETURN_IF_ERROR(ParkIfNoMembers(tx, notice, roles));
  }
  return CreateDeliveries(tx, org, event, meta);
}

absl::Status Fanout::ParkIfNoMembers(
    db::Tx& tx, const Notice& n, const std::vector<std::string>& roles) const {
  // Every organisation has its owner from the start: none known means the
  // member projection lags behind this event, not that nobody is there.
  // The first member may have committed since Notify looked (another
  // replica consumes identity's events): under the lock, a member is
  // either visible here or will find this parked notice.
  FP_RETURN_IF_ERROR(LockParkedNotices(tx, n.org));
  FP_ASSIGN_OR_RETURN(
      db::Result known,
      tx.Execute("SELECT 1 FROM members WHERE org_id = $1 LIMIT 1", {n.org}));
  if (!known.empty()) return Notify(tx, n, roles).status();
  return tx
      .Execute(
          "INSERT INTO parked_notices (org_id, event_id, kind, severity,"
          "   title, body, link, roles)"
          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[])"
          " ON CONFLICT DO NOTHING",
          {n.org, n.event_id, v1::NotificationKind_Name(n.kind),
           v1::Severity_Name(n.severity), n.title, n.body, n.link,
           absl::StrCat("{", absl::StrJoin(roles, ","), "}")})
      .status();
}

absl::Status Fanout::ReleaseParked(db::Tx& tx, absl::string_view org) const {
  FP_RETURN_IF_ERROR(LockParkedNotices(tx, org));
  FP_ASSIGN_OR_RETURN(
      db::Result parked,
      tx.Execute("SELECT event_id, kind, severity, title, body, link,"
                 "   array_to_string(roles, ',') AS roles"
                 " FROM parked_notices WHERE org_id = $1"
                 " ORDER BY create_time FOR UPDATE",
                 {std::string(org)}));
  for (db::Row row : parked) {
    Notice n;
    n.org = std::string(org);
    n.event_id = std::string(row.Value("event_id"));
    v1::NotificationKind_Parse(std::string(row.Value("kind")), &n.kind);
    v1::Severity_Parse(std::string(row.Value("severity")), &n.severity);
    n.title = std::string(row.Value("title"));
    n.body = std::string(row.Value("body"));
    n.link = std::string(row.Value("link"));
    std::vector<std::string> roles =
        absl::StrSplit(row.Value("roles"), ',', absl::SkipEmpty());
    FP_RETURN_IF_ERROR(Notify(tx, n, roles).status());
  }
  if (parked.empty()) return absl::OkStatus();
  return tx
      .Execute("DELETE FROM parked_notices WHERE org_id = $1",
               {std::string(org)})
      .status();
}

absl::Status Fanout::CreateDeliveries(
    db::Tx& tx, absl::string_view org, const google::protobuf::Message& event,
    const ::fineprint::events::Event& meta) const {
  const std::string& type = event.GetDescriptor()->full_name();
  // Only the documented types go out, whatever else notifies users.
  const std::vector<std::string>& known = WebhookEventTypes();
  if (!std::binary_search(known.begin(), known.end(), type)) {
    return absl::OkStatus();
  }
  FP_ASSIGN_OR_RETURN(
      db::Result hooks,
      tx.Execute("SELECT id FROM webhooks WHERE org_id = $1 AND active"
                 " AND (cardinality(event_types) = 0 OR $2 = ANY(event_types))",
                 {org, type}));
  if (hooks.empty()) return absl::OkStatus();
  FP_ASSIGN_OR_RETURN(std::string body, WebhookBody(event, meta.ce_time));
  for (db::Row hook : hooks) {
    const std::string id = api::NewResourceId();
    FP_ASSIGN_OR_RETURN(
        db::Result inserted,
        tx.Execute("INSERT INTO deliveries (org_id, webhook_id, id, event_id,"
                   "   event_type, body, status, next_attempt_time)"
                   " VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', now())"
                   " ON CONFLICT (org_id, webhook_id, event_id) DO NOTHING",
                   {org, hook.Value("id"), id, meta.ce_id, type, body}));
    if (inserted.affected_rows() == 0) continue;
    FP_RETURN_IF_ERROR(EnqueueAttempt(tx, org, id, absl::ZeroDuration()));
  }
  return absl::OkStatus();
}

absl::Status Fanout::EnqueueAttempt(db::Tx& tx, absl::string_view org,
                                    absl::string_view delivery_id,
                                    absl::Duration delay) const {
  jobs::NewJob job;
  job.org_id = std::string(org);
  job.id = api::NewResourceId();
  job.max_attempts = 5;
  job.delay = delay;
  AttemptPayload payload;
  payload.delivery_id = std::string(delivery_id);
  return attempts_->Enqueue(tx, job, payload);
}

absl::Status RegisterConsumers(::fineprint::events::EventRouter& router,
                               const Fanout* fanout) {
  FP_RETURN_IF_ERROR(router.On<idev1::UserRegistered>(
      [fanout](const idev1::UserRegistered& e,
               const ::fineprint::events::Event& meta, db::Tx& tx) {
        FP_RETURN_IF_ERROR(HandleUserRegistered(e, meta, tx));
        return fanout->ReleaseParked(tx, SplitUser(e.user()).first);
      }));
  FP_RETURN_IF_ERROR(router.On<idev1::UserRoleChanged>(HandleRoleChanged));
  FP_RETURN_IF_ERROR(router.On<idev1::UserDeleted>(HandleUserDeleted));
  FP_RETURN_IF_ERROR(Consume<idev1::ApiKeyCreated>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<analysis::events::v1::AnalysisCompleted>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<analysis::events::v1::AnalysisFailed>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<monitoring::events::v1::SourceChanged>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<monitoring::events::v1::SourceCheckFailed>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<action::events::v1::ActionSuggested>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<action::events::v1::ActionDueSoon>(router, fanout));
  FP_RETURN_IF_ERROR(
      Consume<action::events::v1::ActionOverdue>(router, fanout));
  return Consume<action::events::v1::ActionStatusChanged>(router, fanout);
}

}  // namespace fineprint::notification
