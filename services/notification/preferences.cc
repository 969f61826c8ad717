// A user's notification preferences: category x channel switches, minimum
// severity, email digest, time zone and quiet hours.

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "fineprint/notification/events/v1/events.pb.h"
#include "services/notification/notification_service.h"
#include "services/runtime/server/call_context.h"

namespace fineprint::notification {
namespace {

const std::vector<std::string>& UpdatablePreferenceFields() {
  static const auto* fields = new std::vector<std::string>{
      "categories", "min_severity", "email_digest", "time_zone", "quiet_hours"};
  return *fields;
}

bool Has(const std::vector<std::string>& fields, absl::string_view field) {
  return fields.empty() ||
         std::find(fields.begin(), fields.end(), field) != fields.end();
}

absl::Status LoadPreferences(db::Executor& ex, absl::string_view org,
                             absl::string_view user,
                             v1::NotificationPreferences* out) {
  out->Clear();
  out->set_name(absl::StrCat(UserName(org, user), "/notificationPreferences"));
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      ex.Execute("SELECT min_severity, email_digest, time_zone, quiet_start,"
                 " quiet_end, version, update_time FROM preferences"
                 " WHERE org_id = $1 AND user_id = $2",
                 {org, user}));
  int64_t version = 0;
  if (!r.empty()) {
    db::Row row = r[0];
    v1::Severity severity;
    if (v1::Severity_Parse(std::string(row.Value("min_severity")), &severity)) {
      out->set_min_severity(severity);
    }
    v1::DigestFrequency digest;
    if (v1::DigestFrequency_Parse(std::string(row.Value("email_digest")),
                                  &digest)) {
      out->set_email_digest(digest);
    }
    out->set_time_zone(std::string(row.Value("time_zone")));
    FP_ASSIGN_OR_RETURN(int64_t start, row.GetInt64("quiet_start"));
    FP_ASSIGN_OR_RETURN(int64_t end, row.GetInt64("quiet_end"));
    if (start != end) {
      out->mutable_quiet_hours()->set_start_minute(static_cast<int32_t>(start));
      out->mutable_quiet_hours()->set_end_minute(static_cast<int32_t>(end));
    }
    FP_ASSIGN_OR_RETURN(version, row.GetInt64("version"));
    FP_ASSIGN_OR_RETURN(absl::Time updated, row.GetTime("update_time"));
    *out->mutable_update_time() = ToProto(updated);
  } else {
    out->set_min_severity(v1::SEVERITY_INFO);
    out->set_email_digest(v1::IMMEDIATE);
  }
  out->set_etag(absl::StrCat("W/\"", version, "\""));
  FP_ASSIGN_OR_RETURN(
      db::Result cats,
      ex.Execute("SELECT kind, in_app, email FROM category_preferences"
                 " WHERE org_id = $1 AND user_id = $2 ORDER BY kind",
                 {org, user}));
  for (db::Row row : cats) {
    v1::CategoryPreference* c = out->add_categories();
    v1::NotificationKind kind;
    if (v1::NotificationKind_Parse(std::string(row.Value("kind")), &kind)) {
      c->set_kind(kind);
    }
    FP_ASSIGN_OR_RETURN(bool in_app, row.GetBool("in_app"));
    FP_ASSIGN_OR_RETURN(bool email, row.GetBool("email"));
    c->set_in_app(in_app);
    c->set_email(email);
  }
  return absl::OkStatus();
}

void ValidatePreferences(const v1::NotificationPreferences& p,
                         const std::vector<std::string>& fields,
                         std::vector<status::FieldViolation>& v) {
  const std::string prefix = "notification_preferences.";
  if (Has(fields, "categories")) {
    std::set<int> seen;
    for (int i = 0; i < p.categories_size(); ++i) {
      const v1::CategoryPreference& c = p.categories(i);
      const std::string field = absl::StrCat(prefix, "categories[", i, "]");
      if (!v1::NotificationKind_IsValid(c.kind()) ||
          c.kind() == v1::NOTIFICATION_KIND_UNSPECIFIED) {
        v.push_back({field + ".kind", "unknown category"});
        continue;
      }
      if (!seen.insert(c.kind()).second) {
        v.push_back({field + ".kind", "category listed twice"});
      }
      if (IsCritical(c.kind()) && !c.in_app()) {
        v.push_back({field + ".in_app",
                     "critical categories cannot be turned off in the app"});
      }
    }
  }
  if (Has(fields, "min_severity") && !v1::Severity_IsValid(p.min_severity())) {
    v.push_back({prefix + "min_severity", "unknown severity"});
  }
  if (Has(fields, "email_digest") &&
      !v1::DigestFrequency_IsValid(p.email_digest())) {
    v.push_back({prefix + "email_digest", "unknown digest frequency"});
  }
  if (Has(fields, "time_zone") && !p.time_zone().empty()) {
    absl::TimeZone zone;
    if (p.time_zone().size() > 64 ||
        !absl::LoadTimeZone(p.time_zone(), &zone)) {
      v.push_back({prefix + "time_zone", "not an IANA time zone"});
    }
  }
  if (Has(fields, "quiet_hours")) {
    const v1::QuietHours& q = p.quiet_hours();
    if (q.start_minute() < 0 || q.start_minute() > 1439) {
      v.push_back({prefix + "quiet_hours.start_minute", "between 0 and 1439"});
    }
    if (q.end_minute() < 0 || q.end_minute() > 1439) {
      v.push_back({prefix + "quiet_hours.end_minute", "between 0 and 1439"});
    }
  }
}

}  // namespace

absl::Status NotificationServiceImpl::DoGetPreferences(
    const v1::GetNotificationPreferencesRequest& req,
    v1::NotificationPreferences* resp) {
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      CallerUser(req.name(), kPreferencesPattern, "name"));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  return LoadPreferences(*conn, ids[0], ids[1], resp);
}

absl::Status NotificationServiceImpl::DoUpdatePreferences(
    const v1::UpdateNotificationPreferencesRequest& req,
    v1::NotificationPreferences* resp) {
  const v1::NotificationPreferences& p = req.notification_preferences();
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      CallerUser(p.name(), kPreferencesPattern,
                                 "notification_preferences.name"));
  const std::string &org = ids[0], &user = ids[1];
  std::vector<std::string> fields(req.update_mask().paths().begin(),
                                  req.update_mask().paths().end());
  std::vector<status::FieldViolation> violations;
  for (const std::string& path : fields) {
    if (!Has(UpdatablePreferenceFields(), path)) {
      violations.push_back(
          {"update_mask", absl::StrCat("cannot update '", path, "'")});
    }
  }
  if (fields.empty()) fields = UpdatablePreferenceFields();
  ValidatePreferences(p, fields, violations);
  if (!violations.empty()) {
    return status::InvalidArgument("invalid preferences",
                                   std::move(violations));
  }
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        v1::NotificationPreferences current;
        FP_RETURN_IF_ERROR(LoadPreferences(tx, org, user, &current));
        if (!p.etag().empty() && p.etag() != current.etag()) {
          return status::WithReason(
              absl::AbortedError("the preferences changed; read them again"),
              "ETAG_MISMATCH");
        }
        v1::NotificationPreferences next = current;
        if (Has(fields, "min_severity")) {
          next.set_min_severity(p.min_severity() == v1::SEVERITY_UNSPECIFIED
                                    ? v1::SEVERITY_INFO
                                    : p.min_severity());
        }
        if (Has(fields, "email_digest")) {
          next.set_email_digest(p.email_digest() ==
                                        v1::DIGEST_FREQUENCY_UNSPECIFIED
                                    ? v1::IMMEDIATE
                                    : p.email_digest());
        }
        if (Has(fields, "time_zone")) next.set_time_zone(p.time_zone());
        if (Has(fields, "quiet_hours")) {
          *next.mutable_quiet_hours() = p.quiet_hours();
        }
        FP_RETURN_IF_ERROR(
            tx.Execute(
                  "INSERT INTO preferences (org_id, user_id, min_severity,"
                  "   email_digest, time_zone, quiet_start, quiet_end)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                  " ON CONFLICT (org_id, user_id) DO UPDATE SET"
                  "   min_severity = $3, email_digest = $4, time_zone = $5,"
                  "   quiet_start = $6, quiet_end = $7,"
                  "   version = preferences.version + 1, update_time = now()",
                  {org, user, v1::Severity_Name(next.min_severity()),
                   v1::DigestFrequency_Name(next.email_digest()),
                   next.time_zone(), next.quiet_hours().start_minute(),
                   next.quiet_hours().end_minute()})
                .status());
        if (Has(fields, "categories")) {
          FP_RETURN_IF_ERROR(
              tx.Execute("DELETE FROM category_preferences WHERE org_id = $1"
                         " AND user_id = $2",
                         {org, user})
                  .status());
          for (const v1::CategoryPreference& c : p.categories()) {
            FP_RETURN_IF_ERROR(
                tx.Execute("INSERT INTO category_preferences (org_id, user_id,"
                           " kind, in_app, email) VALUES ($1, $2, $3, $4, $5)",
                           {org, user, v1::NotificationKind_Name(c.kind()),
                            c.in_app(), c.email()})
                    .status());
          }
        }
        notification::events::v1::NotificationPreferencesUpdated updated;
        updated.set_preferences(p.name());
        updated.set_organization(absl::StrCat("orgs/", org));
        for (const std::string& f : fields) updated.add_changed_fields(f);
        FP_RETURN_IF_ERROR(outbox_.Append(tx, user, updated).status());
        return LoadPreferences(tx, org, user, resp);
      });
}

grpc::Status NotificationServiceImpl::GetNotificationPreferences(
    grpc::ServerContext*, const v1::GetNotificationPreferencesRequest* req,
    v1::NotificationPreferences* resp) {
  return status::ToGrpc(DoGetPreferences(*req, resp));
}

grpc::Status NotificationServiceImpl::UpdateNotificationPreferences(
    grpc::ServerContext*, const v1::UpdateNotificationPreferencesRequest* req,
    v1::NotificationPreferences* resp) {
  return status::ToGrpc(DoUpdatePreferences(*req, resp));
}

}  // namespace fineprint::notification
