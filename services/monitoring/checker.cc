#include "services/monitoring/checker.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "fineprint/identity/events/v1/events.pb.h"
#include "fineprint/monitoring/events/v1/events.pb.h"
#include "services/identity/plan_mirror.h"
#include "services/monitoring/diff.h"
#include "services/monitoring/extract.h"
#include "services/monitoring/normalize.h"
#include "services/runtime/api/resource_name.h"
#include "services/runtime/crypto/sha256.h"
#include "services/runtime/log/log.h"
#include "services/runtime/status/status.h"

namespace fineprint::monitoring {
namespace {

namespace mev1 = ::fineprint::monitoring::events::v1;

// What a check found, written in one transaction.
struct CheckResult {
  // kPending: new content not yet seen in confirm_checks consecutive checks.
  enum Kind {
    kUnchanged,
    kChanged,
    kPending,
    kRobotsBlocked,
    kFailed
  } kind = kFailed;
  int http_status = 0;
  std::string error;
  std::string etag;
  std::string last_modified;
  bool keep_validators = false;  // 304: the stored validators still hold
  absl::Duration next_in;
  // kChanged
  std::string version_id;
  std::string sha256;  // also kPending's candidate
  int pending_count = 0;
  std::string text;
  LineDiff diff;
};

struct WatchRow {
  std::string url, display_name, kind, css_selector, ignore_patterns, plan,
      state;
  std::string etag_header, last_modified_header, document;
  std::string current_version_id, current_sha256, current_text;
  std::string pending_sha256;
  absl::Duration interval;
  int failures = 0;
  int confirm_checks = 1;
  int pending_count = 0;
};

absl::StatusOr<std::optional<WatchRow>> LoadWatchRow(db::Pool& pool,
                                                     absl::string_view org,
                                                     absl::string_view id) {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn, pool.Acquire());
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(
          "SELECT w.url, w.display_name, w.kind, w.css_selector, "
          "w.ignore_patterns,"
          "   COALESCE(p.plan, w.plan) AS plan, w.state, w.etag_header,"
          "   w.last_modified_header, w.document, w.check_interval_seconds,"
          "   w.consecutive_failures, w.current_version_id, v.sha256, v.text,"
          "   w.confirm_checks, w.pending_sha256, w.pending_count"
          " FROM watches w"
          " LEFT JOIN org_plans p ON p.org_id = w.org_id"
          " LEFT JOIN source_versions v ON v.org_id = w.org_id AND v.watch_id "
          "= w.id"
          "   AND v.id = w.current_version_id"
          " WHERE w.org_id = $1 AND w.id = $2",
          {org, id}));
  if (r.empty()) return std::nullopt;
  const db::Row row = r[0];
  WatchRow w;
  w.url = std::string(row.Value("url"));
  w.display_name = std::string(row.Value("display_name"));
  w.kind = std::string(row.Value("kind"));
  w.css_selector = std::string(row.Value("css_selector"));
  w.ignore_patterns = std::string(row.Value("ignore_patterns"));
  w.plan = std::string(row.Value("plan"));
  w.state = std::string(row.Value("state"));
  w.etag_header = std::string(row.Value("etag_header"));
  w.last_modified_header = std::string(row.Value("last_modified_header"));
  w.document = std::string(row.Value("document"));
  w.current_version_id = std::string(row.Value("current_version_id"));
  w.current_sha256 = std::string(row.Value("sha256"));
  w.current_text = std::string(row.Value("text"));
  w.pending_sha256 = std::string(row.Value("pending_sha256"));
  FP_ASSIGN_OR_RETURN(int64_t confirm, row.GetInt64("confirm_checks"));
  w.confirm_checks = static_cast<int>(confirm);
  FP_ASSIGN_OR_RETURN(int64_t pending, row.GetInt64("pending_count"));
  w.pending_count = static_cast<int>(pending);
  FP_ASSIGN_OR_RETURN(int64_t interval, row.GetInt64("check_interval_seconds"));
  w.interval = absl::Seconds(interval);
  FP_ASSIGN_OR_RETURN(int64_t failures, row.GetInt64("consecutive_failures"));
  w.failures = static_cast<int>(failures);
  return w;
}

absl::Duration FailureBackoff(int failures, absl::Duration interval,
                              const MonitoringConfig& config) {
  const double factor = std::pow(2.0, std::min(failures - 1, 30));
  return std::min(interval, config.failure_backoff * factor);
}

// Puts the check row back for its next check (the job is SUCCEEDED by now,
// in this same transaction): SCHEDULED, or PAUSED if the watch was paused
// meanwhile.
absl::Status Reschedule(db::Tx& tx, absl::string_view org, absl::string_view id,
                        absl::Duration next_in) {
  return tx
      .Execute(
          "UPDATE checks c SET"
          "   state = CASE WHEN w.state = 'PAUSED' THEN 'PAUSED' ELSE "
          "'SCHEDULED' END,"
          "   available_at = now() + $3::float8 * interval '1 second',"
          "   rank_time = NULL, attempt = 0, error_code = 0, error_message = "
          "'',"
          "   update_time = now()"
          " FROM watches w WHERE c.org_id = $1 AND c.id = $2"
          "   AND w.org_id = c.org_id AND w.id = c.id",
          {org, id, absl::ToDoubleSeconds(next_in)})
      .status();
}

}  // namespace

absl::StatusOr<CheckPayload> CheckPayload::FromRow(const db::Row& row) {
  CheckPayload p;
  p.payload = std::string(row.Value("payload"));
  return p;
}

jobs::JobQueueOptions CheckQueueOptions() {
  jobs::JobQueueOptions options;
  options.table = "checks";
  options.lease = absl::Seconds(60);
  return options;
}

absl::StatusOr<jobs::TxFn> Checker::Run(
    const jobs::ClaimedJob<CheckPayload>& job, jobs::JobContext& context) {
  const std::string org = job.org_id, id = job.id;
  FP_ASSIGN_OR_RETURN(std::optional<WatchRow> loaded,
                      LoadWatchRow(*pool_, org, id));
  if (!loaded.has_value()) return jobs::TxFn();  // deleted meanwhile
  const WatchRow w = *std::move(loaded);

  FetchRequest request;
  request.url = w.url;
  // Validators only make sense once a version exists to compare with.
  if (!w.current_version_id.empty()) {
    request.etag = w.etag_header;
    request.last_modified = w.last_modified_header;
  }
  const FetchResult fetched = fetcher_->Fetch(request);

  auto result = std::make_shared<CheckResult>();
  result->http_status = fetched.http_status;
  const absl::Duration regular = w.interval + Jitter(w.interval, config_);
  auto fail = [&](std::string error) {
    result->kind = CheckResult::kFailed;
    result->error = std::move(error);
    result->next_in = FailureBackoff(w.failures + 1, w.interval, config_);
    if (fetched.retry_after.has_value()) {
      result->next_in = std::max(result->next_in, *fetched.retry_after);
    }
  };
  switch (fetched.outcome) {
    case FetchOutcome::kRobotsBlocked:
      result->kind = CheckResult::kRobotsBlocked;
      result->error = fetched.error;
      result->next_in = regular;
      break;
    case FetchOutcome::kFailed:
      fail(fetched.error);
      break;
    case FetchOutcome::kNotModified:
      result->kind = CheckResult::kUnchanged;
      result->keep_validators = true;
      result->next_in = regular;
      break;
    case FetchOutcome::kFetched: {
      std::optional<Selector> selector;
      if (!w.css_selector.empty()) {
        absl::StatusOr<Selector> parsed = ParseSelector(w.css_selector);
        if (parsed.ok()) selector = *std::move(parsed);
      }
      absl::StatusOr<Extracted> extracted = ExtractText(
          fetched.body, fetched.content_type, selector ? &*selector : nullptr);
      if (!extracted.ok()) {
        fail(absl::StrCat("extraction failed: ", extracted.status().message()));
        break;
      }
      absl::StatusOr<IgnoreRules> ignore =
          IgnoreRules::Compile(SplitPatterns(w.ignore_patterns));
      std::string text =
          Normalize(extracted->text, ignore.ok() ? *ignore : IgnoreRules());
      if (text.empty()) {
        fail("the page has no text");
        break;
      }
      result->etag = fetched.etag;
      result->last_modified = fetched.last_modified;
      result->next_in = regular;
      result->sha256 = crypto::Sha256Hex(text);
      if (result->sha256 == w.current_sha256) {
        result->kind = CheckResult::kUnchanged;
        break;
      }
      // A first version needs no confirmation: there is nothing to flap from.
      if (w.confirm_checks > 1 && !w.current_version_id.empty()) {
        result->pending_count =
            result->sha256 == w.pending_sha256 ? w.pending_count + 1 : 1;
        if (result->pending_count < w.confirm_checks) {
          result->kind = CheckResult::kPending;
          // The stored validators still describe the current version, so
          // the next check downloads the page again instead of a 304 that
          // could not tell the candidate from the current content.
          result->keep_validators = true;
          break;
        }
      }
      result->kind = CheckResult::kChanged;
      result->version_id = api::NewResourceId();
      result->diff = DiffLines(w.current_text, text);
      result->text = std::move(text);
      break;
    }
  }
  if (context.ShouldStop()) return absl::CancelledError("stopping");

  const int retention = RetentionFor(w.plan, config_);
  return jobs::TxFn([this, org, id, w, result,
                     retention](db::Tx& tx) -> absl::Status {
    // The watch may have been edited during the fetch: results for an old
    // URL or rule are dropped and the check runs again at once.
    FP_ASSIGN_OR_RETURN(
        db::Result current,
        tx.Execute(
            "SELECT 1 FROM watches WHERE org_id = $1 AND id = $2 AND url = $3"
            "   AND css_selector = $4 AND ignore_patterns = $5 FOR UPDATE",
            {org, id, w.url, w.css_selector, w.ignore_patterns}));
    if (current.empty()) return Reschedule(tx, org, id, absl::ZeroDuration());
    const std::string status =
        result->kind == CheckResult::kFailed          ? "CHECK_BACKING_OFF"
        : result->kind == CheckResult::kRobotsBlocked ? "CHECK_ROBOTS_BLOCKED"
                                                      : "CHECK_OK";
    const bool ok = result->kind == CheckResult::kChanged ||
                    result->kind == CheckResult::kUnchanged ||
                    result->kind == CheckResult::kPending;
    // A failed check says nothing about the candidate: it stays pending.
    const bool keep_pending = result->kind == CheckResult::kFailed ||
                              result->kind == CheckResult::kRobotsBlocked;
    const bool pending = result->kind == CheckResult::kPending;
    const bool changed = result->kind == CheckResult::kChanged;
    FP_RETURN_IF_ERROR(
        tx.Execute(
              "UPDATE watches SET check_status = $3, checks_total = "
              "checks_total + 1,"
              "   last_check_time = now(), last_check_changed = $4,"
              "   last_change_time = CASE WHEN $4 THEN now() ELSE "
              "last_change_time END,"
              "   consecutive_failures ="
              "     CASE WHEN $5 THEN consecutive_failures + 1 ELSE 0 END,"
              "   last_error = $6,"
              "   etag_header = CASE WHEN $7 THEN $8 ELSE etag_header END,"
              "   last_modified_header = CASE WHEN $7 THEN $9 ELSE "
              "last_modified_header END,"
              "   current_version_id ="
              "     CASE WHEN $4 THEN $10 ELSE current_version_id END,"
              "   pending_sha256 = CASE WHEN $11 THEN pending_sha256 ELSE $12 "
              "END,"
              "   pending_count = CASE WHEN $11 THEN pending_count ELSE $13 END"
              " WHERE org_id = $1 AND id = $2",
              {org, id, status, changed, result->kind == CheckResult::kFailed,
               result->error, ok && !result->keep_validators, result->etag,
               result->last_modified,
               changed ? result->version_id : std::string(), keep_pending,
               pending ? result->sha256 : std::string(),
               pending ? result->pending_count : 0})
            .status());
    if (result->kind == CheckResult::kFailed) {
      mev1::SourceCheckFailed failed;
      failed.set_watch(WatchName(org, id));
      failed.set_organization(OrgName(org));
      failed.set_url(w.url);
      failed.set_http_status(result->http_status);
      failed.set_error(result->error);
      failed.set_consecutive_failures(w.failures + 1);
      failed.set_display_name(w.display_name);
      FP_RETURN_IF_ERROR(outbox_.Append(tx, id, failed).status());
    }
    if (changed) {
      const std::string summary = w.current_version_id.empty()
                                      ? "first version"
                                      : DiffSummary(result->diff);
      FP_RETURN_IF_ERROR(
          tx.Execute(
                "INSERT INTO source_versions (org_id, watch_id, id, sha256,"
                "   size_bytes, http_status, text, previous_id, lines_added,"
                "   lines_removed, hunks, diff_summary)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), $9, $10, "
                "$11, $12)",
                {org, id, result->version_id, result->sha256,
                 static_cast<int64_t>(result->text.size()), result->http_status,
                 result->text, w.current_version_id, result->diff.added,
                 result->diff.removed,
                 static_cast<int>(result->diff.hunks.size()), summary})
              .status());
      // Retention: the newest `retention` versions stay.
      FP_RETURN_IF_ERROR(
          tx.Execute("DELETE FROM source_versions WHERE org_id = $1 AND "
                     "watch_id = $2"
                     " AND id IN (SELECT id FROM source_versions"
                     "   WHERE org_id = $1 AND watch_id = $2"
                     "   ORDER BY fetch_time DESC, id DESC OFFSET $3)",
                     {org, id, retention})
              .status());
      mev1::SourceChanged event;
      event.set_watch(WatchName(org, id));
      event.set_organization(OrgName(org));
      event.set_url(w.url);
      if (!w.current_version_id.empty()) {
        event.set_old_version(VersionName(org, id, w.current_version_id));
        event.set_old_sha256(w.current_sha256);
      }
      event.set_new_version(VersionName(org, id, result->version_id));
      event.set_new_sha256(result->sha256);
      analysis::v1::DocumentKind kind = analysis::v1::OTHER;
      analysis::v1::DocumentKind_Parse(w.kind, &kind);
      event.set_kind(kind);
      event.set_diff_summary(summary);
      event.set_display_name(w.display_name);
      event.set_document(w.document);
      event.set_lines_added(result->diff.added);
      event.set_lines_removed(result->diff.removed);
      event.set_hunks(static_cast<int>(result->diff.hunks.size()));
      // Analysis re-analyses this text; carrying it spares a call back.
      if (result->text.size() <= kMaxEventText) {
        event.set_text(result->text);
      } else {
        event.set_text_omitted(true);
      }
      FP_RETURN_IF_ERROR(outbox_.Append(tx, id, event).status());
    }
    return Reschedule(tx, org, id, result->next_in);
  });
}

absl::Status Checker::OnFailure(db::Tx& tx,
                                const jobs::ClaimedJob<CheckPayload>& job,
                                const absl::Status& error,
                                jobs::FailOutcome outcome) {
  log::Warning("check failed", {{"watch", WatchName(job.org_id, job.id)},
                                {"error", std::string(error.message())}});
  if (outcome == jobs::FailOutcome::kRetry) return absl::OkStatus();
  FP_ASSIGN_OR_RETURN(db::Result r,
                      tx.Execute("SELECT check_interval_seconds FROM watches"
                                 " WHERE org_id = $1 AND id = $2",
                                 {job.org_id, job.id}));
  if (r.empty()) return absl::OkStatus();
  FP_ASSIGN_OR_RETURN(int64_t interval, r[0].GetInt64(0));
  return Reschedule(tx, job.org_id, job.id,
                    std::min(absl::Seconds(interval), config_.failure_backoff));
}

absl::StatusOr<int> Scheduler::PromoteDue() {
  FP_ASSIGN_OR_RETURN(db::PooledConnection conn,
                      pool_->Acquire(absl::Now() + absl::Seconds(5)));
  // rank_time = due time: the claim serves the longest-overdue first.
  FP_ASSIGN_OR_RETURN(
      db::Result r,
      conn->Execute(
          "UPDATE checks SET state = 'QUEUED', rank_time = available_at,"
          "   enqueue_time = available_at, update_time = now()"
          " WHERE (org_id, id) IN (SELECT org_id, id FROM checks"
          "   WHERE state = 'SCHEDULED' AND available_at <= now()"
          "   ORDER BY available_at LIMIT $1 FOR UPDATE SKIP LOCKED)",
          {options_.batch}));
  return static_cast<int>(r.affected_rows());
}

void Scheduler::Start() {
  thread_ = std::thread([this] {
    while (!stop_.HasBeenNotified()) {
      absl::StatusOr<int> promoted = PromoteDue();
      if (!promoted.ok()) {
        log::Warning("scheduler pass failed",
                     {{"error", promoted.status().ToString()}});
      }
      // A full batch means more are due: go again at once.
      if (promoted.ok() && *promoted == options_.batch) continue;
      stop_.WaitForNotificationWithTimeout(options_.poll);
    }
  });
}

void Scheduler::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::Status HandleDocumentLinks(::fineprint::events::EventRouter& router) {
  using ::fineprint::analysis::events::v1::DocumentSubmitted;
  return router.On<DocumentSubmitted>([](const DocumentSubmitted& submitted,
                                         const ::fineprint::events::Event&,
                                         db::Tx& tx) -> absl::Status {
    if (submitted.watch().empty()) return absl::OkStatus();
    absl::StatusOr<std::vector<std::string>> watch = api::ParseResourceName(
        submitted.watch(), "orgs/{org}/watches/{watch}", "watch");
    // Analysis names the organisation's own watch; anything else is not
    // ours to link (and never another tenant's).
    if (!watch.ok() || submitted.organization() != OrgName((*watch)[0]) ||
        !absl::StartsWith(submitted.document(),
                          absl::StrCat(submitted.organization(), "/"))) {
      return absl::OkStatus();
    }
    const std::string& org = (*watch)[0];
    const std::string& id = (*watch)[1];
    FP_RETURN_IF_ERROR(
        tx.Execute("UPDATE watches SET document = $3"
                   " WHERE org_id = $1 AND id = $2 AND document <> $3",
                   {org, id, submitted.document()})
            .status());
    const std::string prefix = absl::StrCat(WatchName(org, id), "/versions/");
    if (!absl::StartsWith(submitted.source_version(), prefix)) {
      return absl::OkStatus();
    }
    return tx
        .Execute(
            "UPDATE source_versions SET document_version = $4"
            " WHERE org_id = $1 AND watch_id = $2 AND id = $3",
            {org, id, submitted.source_version().substr(prefix.size()),
             submitted.version()})
        .status();
  });
}

absl::Status HandlePlanChanges(::fineprint::events::EventRouter& router,
                               const MonitoringConfig& config) {
  using ::fineprint::identity::events::v1::PlanChanged;
  return router.On<PlanChanged>([config](const PlanChanged& changed,
                                         const ::fineprint::events::Event&,
                                         db::Tx& tx) -> absl::Status {
    FP_ASSIGN_OR_RETURN(const ::fineprint::identity::OrgPlan recorded,
                        ::fineprint::identity::MirrorPlanChange(changed, tx));
    // A downgrade raises intervals below the new minimum to it.
    return tx
        .Execute(
            "UPDATE watches SET plan = $2,"
            "   check_interval_seconds = GREATEST(check_interval_seconds, $3),"
            "   update_time = now() WHERE org_id = $1",
            {recorded.org, recorded.plan,
             absl::ToInt64Seconds(MinIntervalFor(recorded.plan, config))})
        .status();
  });
}

}  // namespace fineprint::monitoring
