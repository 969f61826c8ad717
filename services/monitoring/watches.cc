// Watch CRUD and CheckNow.

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "services/monitoring/extract.h"
#include "services/monitoring/fetcher.h"
#include "services/monitoring/monitoring_service.h"
#include "services/monitoring/normalize.h"
#include "services/runtime/api/idempotency.h"
#include "services/runtime/api/keyset_page.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/api/single_row.h"
#include "services/runtime/api/tenancy.h"
#include "services/runtime/log/log.h"
#include "services/runtime/server/call_context.h"

namespace fineprint::monitoring {
namespace {

namespace mev1 = ::fineprint::monitoring::events::v1;

const std::vector<std::string>& UpdatableFields() {
  static const auto* fields = new std::vector<std::string>{"url",
                                                           "display_name",
                                                           "kind",
                                                           "check_interval",
                                                           "state",
                                                           "css_selector",
                                                           "ignore_patterns",
                                                           "confirm_checks"};
  return *fields;
}

bool Has(const std::vector<std::string>& fields, absl::string_view field) {
  return fields.empty() ||
         std::find(fields.begin(), fields.end(), field) != fields.end();
}

// The schema's CHECK bound (infra/migrations/monitoring/0003).
constexpr int kMaxConfirmChecks = 10;

// 0 (unset) means what 1 means: record a change at first sight.
int ConfirmChecksOf(const v1::Watch& w) {
  return std::max(1, w.confirm_checks());
}

absl::Duration IntervalOf(const v1::Watch& w, const MonitoringConfig& config) {
  if (!w.has_check_interval()) return config.default_interval;
  return absl::Seconds(w.check_interval().seconds()) +
         absl::Nanoseconds(w.check_interval().nanos());
}

std::string HumanDuration(absl::Duration d) {
  if (d >= absl::Hours(1) && d % absl::Hours(1) == absl::ZeroDuration()) {
    return absl::StrCat(absl::ToInt64Hours(d), "h");
  }
  if (d >= absl::Minutes(1) && d % absl::Minutes(1) == absl::ZeroDuration()) {
    return absl::StrCat(absl::ToInt64Minutes(d), "m");
  }
  return absl::FormatDuration(d);
}

// The stored check interval: whole seconds, rounded up.
int64_t IntervalSeconds(absl::Duration d) {
  return absl::ToInt64Seconds(absl::Ceil(d, absl::Seconds(1)));
}

absl::StatusOr<v1::Watch> LoadWatch(db::Executor& ex, absl::string_view org,
                                    absl::string_view id) {
  return api::ReadSingleRow(ex,
                            absl::StrCat("SELECT ", kWatchColumns, kWatchFrom,
                                         " WHERE w.org_id = $1 AND w.id = $2"),
                            {org, id}, "watch not found", WatchFromRow);
}

}  // namespace

absl::StatusOr<std::string> PlanOf(db::Executor& ex, absl::string_view org,
                                   absl::string_view fallback) {
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      ex.Execute("SELECT plan FROM org_plans WHERE org_id = $1", {org}));
  if (r.empty()) return std::string(fallback.empty() ? "FREE" : fallback);
  return r[0].GetString(0);
}

db::TxOptions MonitoringServiceImpl::TxOptionsForCall() const {
  db::TxOptions options;
  if (const server::CallContext* call = server::CurrentCall()) {
    options.deadline = call->deadline;
  }
  return options;
}

void MonitoringServiceImpl::ValidateUrl(
    absl::string_view url, std::vector<status::FieldViolation>& v) const {
  if (url.empty()) {
    v.push_back({"watch.url", "required"});
    return;
  }
  if (url.size() > config_.max_url_bytes) {
    v.push_back({"watch.url", absl::StrCat("longer than ",
                                           config_.max_url_bytes, " bytes")});
    return;
  }
  absl::StatusOr<ParsedUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) {
    v.push_back({"watch.url", std::string(parsed.status().message())});
    return;
  }
  // Checked now so a user learns at once that a URL can never be fetched;
  // every fetch checks again (DNS answers change).
  absl::StatusOr<std::vector<http::IpAddress>> addresses =
      guard_.ResolveAndCheck(parsed->host, absl::Now() + absl::Seconds(5));
  if (absl::IsPermissionDenied(addresses.status())) {
    v.push_back({"watch.url",
                 absl::StrCat("host ", parsed->host,
                              " resolves to an address that is not public")});
  } else if (!addresses.ok()) {
    v.push_back({"watch.url",
                 absl::StrCat("host ", parsed->host, " does not resolve")});
  }
}

void MonitoringServiceImpl::Validate(
    const v1::Watch& w, const std::vector<std::string>& fields,
    absl::string_view plan, std::vector<status::FieldViolation>& v) const {
  if (Has(fields, "url")) ValidateUrl(w.url(), v);
  if (Has(fields, "display_name") &&
      w.display_name().size() > config_.max_display_name_bytes) {
    v.push_back({"watch.display_name",
                 absl::StrCat("longer than ", config_.max_display_name_bytes,
                              " bytes")});
  }
  if (Has(fields, "kind") && !analysis::v1::DocumentKind_IsValid(w.kind())) {
    v.push_back({"watch.kind", "unknown kind"});
  }
  if (Has(fields, "check_interval")) {
    const absl::Duration interval = IntervalOf(w, config_);
    const absl::Duration min = MinIntervalFor(plan, config_);
    if (interval < min) {
      v.push_back(
          {"watch.check_interval", absl::StrCat("at least ", HumanDuration(min),
                                                " on the ", plan, " plan")});
    } else if (interval > config_.max_interval) {
      v.push_back(
          {"watch.check_interval",
           absl::StrCat("at most ", HumanDuration(config_.max_interval))});
    }
  }
  if (Has(fields, "state") && !v1::WatchState_IsValid(w.state())) {
    v.push_back({"watch.state", "unknown state"});
  }
  if (Has(fields, "css_selector") && !w.css_selector().empty()) {
    absl::StatusOr<Selector> selector = ParseSelector(w.css_selector());
    if (!selector.ok()) {
      v.push_back(
          {"watch.css_selector", absl::StrCat("not a supported selector: ",
                                              selector.status().message())});
    }
  }
  if (Has(fields, "confirm_checks") &&
      (w.confirm_checks() < 0 || w.confirm_checks() > kMaxConfirmChecks)) {
    v.push_back({"watch.confirm_checks",
                 absl::StrCat("between 0 and ", kMaxConfirmChecks)});
  }
  if (Has(fields, "ignore_patterns")) {
    if (w.ignore_patterns_size() > kMaxIgnorePatterns) {
      v.push_back({"watch.ignore_patterns",
                   absl::StrCat("at most ", kMaxIgnorePatterns)});
    }
    for (int i = 0; i < w.ignore_patterns_size(); ++i) {
      std::string problem = IgnorePatternProblem(w.ignore_patterns(i));
      if (!problem.empty()) {
        v.push_back({absl::StrCat("watch.ignore_patterns[", i, "]"),
                     std::move(problem)});
      }
    }
  }
}

absl::Status MonitoringServiceImpl::DoCreate(const v1::CreateWatchRequest& req,
                                             v1::Watch* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> parent,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  const std::string& org = parent[0];
  std::string plan;
  {
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(plan, PlanOf(*conn, org, caller.plan));
  }
  std::vector<status::FieldViolation> violations;
  Validate(req.watch(), {}, plan, violations);
  if (!req.request_id().empty() &&
      !api::ValidateRequestId(req.request_id()).ok()) {
    violations.push_back({"request_id", "1-128 characters of [A-Za-z0-9-_.:]"});
  }
  if (!violations.empty()) {
    return status::InvalidArgument("invalid watch", std::move(violations));
  }
  const v1::Watch& w = req.watch();
  const analysis::v1::DocumentKind kind =
      w.kind() == analysis::v1::DOCUMENT_KIND_UNSPECIFIED ? analysis::v1::OTHER
                                                          : w.kind();
  const bool paused = w.state() == v1::PAUSED;
  const int64_t interval = IntervalSeconds(IntervalOf(w, config_));
  api::IdempotencyKey idem(absl::StrCat(org, "/CreateWatch"), req.request_id(),
                           req);
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        if (idem.enabled()) {
          FP_ASSIGN_OR_RETURN(bool replayed, idem.Replay(tx, resp));
          if (replayed) return absl::OkStatus();
        }
        const std::string id = api::NewResourceId();
        FP_RETURN_IF_ERROR(
            tx.Execute(
                  "INSERT INTO watches (org_id, id, url, display_name, kind,"
                  "   check_interval_seconds, state, css_selector, "
                  "ignore_patterns, plan, confirm_checks)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                  {org, id, w.url(), w.display_name(),
                   analysis::v1::DocumentKind_Name(kind), interval,
                   paused ? "PAUSED" : "ACTIVE", w.css_selector(),
                   JoinPatterns(w.ignore_patterns()), plan, ConfirmChecksOf(w)})
                .status());
        // The first check is due at once (a paused watch waits for resume or
        // CheckNow).
        FP_RETURN_IF_ERROR(
            tx.Execute("INSERT INTO checks (org_id, id, state, priority, "
                       "max_attempts,"
                       "   available_at, rank_time)"
                       " VALUES ($1, $2, $3, 0, 3, now(), now())",
                       {org, id, paused ? "PAUSED" : "QUEUED"})
                .status());
        mev1::WatchCreated created;
        created.set_watch(WatchName(org, id));
        created.set_organization(OrgName(org));
        created.set_url(w.url());
        created.set_kind(kind);
        created.set_display_name(w.display_name());
        FP_RETURN_IF_ERROR(outbox_.Append(tx, id, created).status());
        FP_ASSIGN_OR_RETURN(*resp, LoadWatch(tx, org, id));
        if (idem.enabled()) FP_RETURN_IF_ERROR(idem.Remember(tx, *resp));
        return absl::OkStatus();
      });
}

absl::Status MonitoringServiceImpl::DoList(const v1::ListWatchesRequest& req,
                                           v1::ListWatchesResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.parent(), "orgs/{org}", "parent"));
  if (!v1::WatchState_IsValid(req.state())) {
    return status::InvalidArgument("invalid filter",
                                   {{"state", "unknown state"}});
  }
  const std::string state = req.state() == v1::WATCH_STATE_UNSPECIFIED
                                ? ""
                                : v1::WatchState_Name(req.state());
  FP_ASSIGN_OR_RETURN(
      api::KeysetPage page,
      api::KeysetPage::Start(
          req.page_size(), req.page_token(),
          absl::StrCat(req.parent(), "/watches?state=", state)));
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(TxOptionsForCall().deadline));
  FP_ASSIGN_OR_RETURN(
      *resp->mutable_next_page_token(),
      page.Fetch(
          *conn,
          absl::StrCat(
              "SELECT ", kWatchColumns, kWatchFrom,
              " WHERE w.org_id = $1 AND ($2 = '' OR w.state = $2)"
              " AND ($3 OR (w.create_time, w.id) > ($4::timestamptz, $5))"
              " ORDER BY w.create_time, w.id LIMIT $6"),
          {ids[0], state}, "create_time", resp->mutable_watches(),
          WatchFromRow));
  return absl::OkStatus();
}

absl::Status MonitoringServiceImpl::DoUpdate(const v1::UpdateWatchRequest& req,
                                             v1::Watch* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                      api::ParseTenantName(caller, req.watch().name(),
                                           kWatchPattern, "watch.name"));
  const std::string &org = ids[0], &id = ids[1];
  std::vector<std::string> fields(req.update_mask().paths().begin(),
                                  req.update_mask().paths().end());
  std::vector<status::FieldViolation> violations;
  for (const std::string& path : fields) {
    if (!Has(UpdatableFields(), path)) {
      violations.push_back(
          {"update_mask", absl::StrCat("cannot update '", path, "'")});
    }
  }
  if (fields.empty()) fields = UpdatableFields();
  std::string plan;
  {
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(plan, PlanOf(*conn, org, caller.plan));
  }
  Validate(req.watch(), fields, plan, violations);
  if (!violations.empty()) {
    return status::InvalidArgument("invalid watch update",
                                   std::move(violations));
  }
  const v1::Watch& w = req.watch();
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(v1::Watch current, LoadWatch(tx, org, id));
        if (!w.etag().empty() && w.etag() != current.etag()) {
          return status::WithReason(
              absl::AbortedError("the watch changed; read it again"),
              "ETAG_MISMATCH");
        }
        v1::Watch next = current;
        if (Has(fields, "url")) next.set_url(w.url());
        if (Has(fields, "display_name"))
          next.set_display_name(w.display_name());
        if (Has(fields, "kind")) {
          next.set_kind(w.kind() == analysis::v1::DOCUMENT_KIND_UNSPECIFIED
                            ? analysis::v1::OTHER
                            : w.kind());
        }
        if (Has(fields, "check_interval")) {
          next.mutable_check_interval()->set_seconds(
              IntervalSeconds(IntervalOf(w, config_)));
        }
        if (Has(fields, "state")) {
          next.set_state(w.state() == v1::PAUSED ? v1::PAUSED : v1::ACTIVE);
        }
        if (Has(fields, "css_selector"))
          next.set_css_selector(w.css_selector());
        if (Has(fields, "ignore_patterns"))
          *next.mutable_ignore_patterns() = w.ignore_patterns();
        if (Has(fields, "confirm_checks"))
          next.set_confirm_checks(ConfirmChecksOf(w));
        // A new URL or extraction rule starts a new validator chain: the old
        // ETag says nothing about what the new rule extracts.
        const bool source_changed =
            next.url() != current.url() ||
            next.css_selector() != current.css_selector() ||
            JoinPatterns(next.ignore_patterns()) !=
                JoinPatterns(current.ignore_patterns());
        FP_RETURN_IF_ERROR(
            tx.Execute(
                  "UPDATE watches SET url = $3, display_name = $4, kind = $5,"
                  "   check_interval_seconds = $6, state = $7, css_selector = "
                  "$8,"
                  "   ignore_patterns = $9, plan = $10, version = version + 1,"
                  "   confirm_checks = $12,"
                  "   update_time = now(),"
                  "   etag_header = CASE WHEN $11 THEN '' ELSE etag_header END,"
                  "   last_modified_header ="
                  "     CASE WHEN $11 THEN '' ELSE last_modified_header END,"
                  "   pending_sha256 = CASE WHEN $11 THEN '' ELSE "
                  "pending_sha256 "
                  "END,"
                  "   pending_count = CASE WHEN $11 THEN 0 ELSE pending_count "
                  "END"
                  " WHERE org_id = $1 AND id = $2",
                  {org, id, next.url(), next.display_name(),
                   analysis::v1::DocumentKind_Name(next.kind()),
                   next.check_interval().seconds(),
                   next.state() == v1::PAUSED ? "PAUSED" : "ACTIVE",
                   next.css_selector(), JoinPatterns(next.ignore_patterns()),
                   plan, source_changed, next.confirm_checks()})
                .status());
        // The schedule follows: pause takes a waiting check out of the queue;
        // resume (or a new interval) puts it back at last check + interval, at
        // once if that has passed or the source changed. A running check
        // reschedules itself from the watch's state when it completes.
        if (next.state() == v1::PAUSED) {
          FP_RETURN_IF_ERROR(
              tx.Execute(
                    "UPDATE checks SET state = 'PAUSED', update_time = now()"
                    " WHERE org_id = $1 AND id = $2 AND state IN ('SCHEDULED', "
                    "'QUEUED')",
                    {org, id})
                  .status());
        } else if (current.state() == v1::PAUSED ||
                   next.check_interval().seconds() !=
                       current.check_interval().seconds() ||
                   source_changed) {
          FP_RETURN_IF_ERROR(
              tx.Execute(
                    "UPDATE checks c SET state = 'SCHEDULED', rank_time = NULL,"
                    "   available_at = CASE WHEN $4 OR w.last_check_time IS "
                    "NULL"
                    "     THEN now() ELSE GREATEST(now(), w.last_check_time"
                    "       + $3::bigint * interval '1 second') END,"
                    "   update_time = now()"
                    " FROM watches w WHERE c.org_id = $1 AND c.id = $2"
                    "   AND w.org_id = c.org_id AND w.id = c.id"
                    "   AND c.state IN ('SCHEDULED', 'PAUSED')",
                    {org, id, next.check_interval().seconds(), source_changed})
                  .status());
        }
        FP_ASSIGN_OR_RETURN(*resp, LoadWatch(tx, org, id));
        return absl::OkStatus();
      });
}

absl::Status MonitoringServiceImpl::DoDelete(
    const v1::DeleteWatchRequest& req) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kWatchPattern, "name"));
  return db::RunInTransaction(
      *pool_, TxOptionsForCall(), [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute("SELECT version FROM watches WHERE org_id = $1"
                       " AND id = $2 FOR UPDATE",
                       {ids[0], ids[1]}));
        if (r.empty()) return absl::NotFoundError("watch not found");
        if (!req.etag().empty() && req.etag() != r[0].Value(0)) {
          return status::WithReason(
              absl::AbortedError("the watch changed; read it again"),
              "ETAG_MISMATCH");
        }
        // Versions and the check row go with it (ON DELETE CASCADE); a check
        // running right now finds its lease gone and writes nothing.
        FP_RETURN_IF_ERROR(
            tx.Execute("DELETE FROM watches WHERE org_id = $1 AND id = $2",
                       {ids[0], ids[1]})
                .status());
        mev1::WatchDeleted deleted;
        deleted.set_watch(req.name());
        deleted.set_organization(OrgName(ids[0]));
        return outbox_.Append(tx, ids[1], deleted).status();
      });
}

absl::Status MonitoringServiceImpl::DoCheckNow(const v1::CheckNowRequest& req,
                                               v1::CheckNowResponse* resp) {
  FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
  FP_ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      api::ParseTenantName(caller, req.name(), kWatchPattern, "name"));
  const std::string &org = ids[0], &id = ids[1];
  const db::TxOptions tx_options = TxOptionsForCall();
  int64_t checks_before = 0;
  FP_RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, tx_options, [&](db::Tx& tx) -> absl::Status {
        FP_ASSIGN_OR_RETURN(
            db::Result r,
            tx.Execute(
                "SELECT checks_total, last_manual_check_time IS NOT NULL AND"
                "   last_manual_check_time > now() - $3::float8 * interval '1 "
                "second'"
                "   AS limited"
                " FROM watches WHERE org_id = $1 AND id = $2 FOR UPDATE",
                {org, id,
                 absl::ToDoubleSeconds(config_.check_now_min_interval)}));
        if (r.empty()) return absl::NotFoundError("watch not found");
        FP_ASSIGN_OR_RETURN(bool limited, r[0].GetBool("limited"));
        if (limited) {
          return status::WithReason(
              absl::ResourceExhaustedError(absl::StrCat(
                  "CheckNow is allowed once every ",
                  HumanDuration(config_.check_now_min_interval), " per watch")),
              "CHECK_NOW_RATE_LIMITED");
        }
        FP_ASSIGN_OR_RETURN(checks_before, r[0].GetInt64("checks_total"));
        FP_RETURN_IF_ERROR(
            tx.Execute("UPDATE watches SET last_manual_check_time = now()"
                       " WHERE org_id = $1 AND id = $2",
                       {org, id})
                .status());
        // To the front of the queue; a check already queued or running serves
        // this call too. Going through the queue keeps one check per watch at a
        // time, whichever replica runs it.
        return tx
            .Execute(
                "UPDATE checks SET state = 'QUEUED', available_at = now(),"
                "   rank_time = now() - interval '1 day', update_time = now()"
                " WHERE org_id = $1 AND id = $2 AND state IN ('SCHEDULED', "
                "'PAUSED')",
                {org, id})
            .status();
      }));
  // Wait for the check to land, within the call's deadline.
  const absl::Time deadline =
      std::min(tx_options.deadline, absl::Now() + absl::Seconds(60));
  while (true) {
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire(deadline));
    FP_ASSIGN_OR_RETURN(
        db::Result r,
        conn->Execute("SELECT checks_total, last_check_changed FROM watches"
                      " WHERE org_id = $1 AND id = $2",
                      {org, id}));
    if (r.empty()) return absl::NotFoundError("watch deleted during the check");
    FP_ASSIGN_OR_RETURN(int64_t total, r[0].GetInt64(0));
    if (total > checks_before) {
      FP_ASSIGN_OR_RETURN(bool changed, r[0].GetBool(1));
      resp->set_changed(changed);
      FP_ASSIGN_OR_RETURN(*resp->mutable_watch(), LoadWatch(*conn, org, id));
      if (!resp->watch().current_version().empty()) {
        const std::vector<std::string> parts =
            absl::StrSplit(resp->watch().current_version(), '/');
        FP_ASSIGN_OR_RETURN(
            db::Result v,
            conn->Execute(absl::StrCat("SELECT ", kVersionColumns,
                                       " FROM source_versions WHERE org_id = $1"
                                       " AND watch_id = $2 AND id = $3"),
                          {org, id, parts.back()}));
        if (!v.empty()) {
          FP_ASSIGN_OR_RETURN(*resp->mutable_version(), VersionFromRow(v[0]));
        }
      }
      return absl::OkStatus();
    }
    conn.Release();
    if (absl::Now() + absl::Milliseconds(50) >= deadline) {
      return absl::DeadlineExceededError(
          "the check is queued but did not finish in time; read the watch "
          "later");
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

grpc::Status MonitoringServiceImpl::CreateWatch(
    grpc::ServerContext*, const v1::CreateWatchRequest* req, v1::Watch* resp) {
  absl::Status s = DoCreate(*req, resp);
  if (s.ok()) log::Info("watch created", {{"watch", resp->name()}});
  return status::ToGrpc(s);
}

grpc::Status MonitoringServiceImpl::GetWatch(grpc::ServerContext*,
                                             const v1::GetWatchRequest* req,
                                             v1::Watch* resp) {
  return status::ToGrpc([&]() -> absl::Status {
    FP_ASSIGN_OR_RETURN(auth::Principal caller, server::RequireCaller());
    FP_ASSIGN_OR_RETURN(
        std::vector<std::string> ids,
        api::ParseTenantName(caller, req->name(), kWatchPattern, "name"));
    FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                        pool_->Acquire(TxOptionsForCall().deadline));
    FP_ASSIGN_OR_RETURN(*resp, LoadWatch(*conn, ids[0], ids[1]));
    return absl::OkStatus();
  }());
}

grpc::Status MonitoringServiceImpl::ListWatches(
    grpc::ServerContext*, const v1::ListWatchesRequest* req,
    v1::ListWatchesResponse* resp) {
  return status::ToGrpc(DoList(*req, resp));
}

grpc::Status MonitoringServiceImpl::UpdateWatch(
    grpc::ServerContext*, const v1::UpdateWatchRequest* req, v1::Watch* resp) {
  return status::ToGrpc(DoUpdate(*req, resp));
}

grpc::Status MonitoringServiceImpl::DeleteWatch(
    grpc::ServerContext*, const v1::DeleteWatchRequest* req,
    google::protobuf::Empty*) {
  return status::ToGrpc(DoDelete(*req));
}

grpc::Status MonitoringServiceImpl::CheckNow(grpc::ServerContext*,
                                             const v1::CheckNowRequest* req,
                                             v1::CheckNowResponse* resp) {
  return status::ToGrpc(DoCheckNow(*req, resp));
}

}  // namespace fineprint::monitoring
