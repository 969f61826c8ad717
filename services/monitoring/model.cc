#include "services/monitoring/model.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "services/runtime/status/status.h"

namespace fineprint::monitoring {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

}  // namespace

absl::Duration MinIntervalFor(absl::string_view plan,
                              const MonitoringConfig& config) {
  if (plan == "ENTERPRISE") return config.enterprise_min_interval;
  if (plan == "PREMIUM") return config.premium_min_interval;
  return config.free_min_interval;
}

int RetentionFor(absl::string_view plan, const MonitoringConfig& config) {
  if (plan == "ENTERPRISE") return config.enterprise_retention;
  if (plan == "PREMIUM") return config.premium_retention;
  return config.free_retention;
}

absl::Duration Jitter(absl::Duration interval, const MonitoringConfig& config) {
  const absl::Duration cap =
      std::min(interval * config.jitter_fraction, config.max_jitter);
  if (cap <= absl::ZeroDuration()) return absl::ZeroDuration();
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::Microseconds(absl::Uniform<int64_t>(
      absl::IntervalClosed, *gen, 0, absl::ToInt64Microseconds(cap)));
}

std::string OrgName(absl::string_view org) {
  return absl::StrCat("orgs/", org);
}

std::string WatchName(absl::string_view org, absl::string_view watch) {
  return absl::StrCat("orgs/", org, "/watches/", watch);
}

std::string VersionName(absl::string_view org, absl::string_view watch,
                        absl::string_view version) {
  return absl::StrCat("orgs/", org, "/watches/", watch, "/versions/", version);
}

std::vector<std::string> SplitPatterns(absl::string_view stored) {
  return absl::StrSplit(stored, '\n', absl::SkipEmpty());
}

std::string JoinPatterns(
    const google::protobuf::RepeatedPtrField<std::string>& patterns) {
  return absl::StrJoin(patterns, "\n");
}

absl::StatusOr<v1::Watch> WatchFromRow(const db::Row& row) {
  v1::Watch w;
  FP_ASSIGN_OR_RETURN(std::string org, row.GetString("org_id"));
  FP_ASSIGN_OR_RETURN(std::string id, row.GetString("id"));
  w.set_name(WatchName(org, id));
  FP_ASSIGN_OR_RETURN(*w.mutable_url(), row.GetString("url"));
  FP_ASSIGN_OR_RETURN(*w.mutable_display_name(), row.GetString("display_name"));
  analysis::v1::DocumentKind kind = analysis::v1::OTHER;
  analysis::v1::DocumentKind_Parse(std::string(row.Value("kind")), &kind);
  w.set_kind(kind);
  FP_ASSIGN_OR_RETURN(int64_t interval, row.GetInt64("check_interval_seconds"));
  w.mutable_check_interval()->set_seconds(interval);
  w.set_state(row.Value("state") == "PAUSED" ? v1::PAUSED : v1::ACTIVE);
  FP_ASSIGN_OR_RETURN(*w.mutable_css_selector(), row.GetString("css_selector"));
  for (std::string& p : SplitPatterns(row.Value("ignore_patterns"))) {
    w.add_ignore_patterns(std::move(p));
  }
  FP_ASSIGN_OR_RETURN(int64_t confirm, row.GetInt64("confirm_checks"));
  w.set_confirm_checks(static_cast<int32_t>(confirm));
  FP_ASSIGN_OR_RETURN(int64_t pending, row.GetInt64("pending_count"));
  w.set_pending_change_checks(static_cast<int32_t>(pending));
  FP_ASSIGN_OR_RETURN(int64_t version, row.GetInt64("version"));
  w.set_etag(absl::StrCat(version));
  FP_ASSIGN_OR_RETURN(absl::Time created, row.GetTime("create_time"));
  *w.mutable_create_time() = ToTimestamp(created);
  FP_ASSIGN_OR_RETURN(absl::Time updated, row.GetTime("update_time"));
  *w.mutable_update_time() = ToTimestamp(updated);
  v1::CheckStatus status = v1::CHECK_STATUS_UNSPECIFIED;
  v1::CheckStatus_Parse(std::string(row.Value("check_status")), &status);
  w.set_check_status(status);
  if (!row.IsNull("last_check_time")) {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("last_check_time"));
    *w.mutable_last_check_time() = ToTimestamp(t);
  }
  if (!row.IsNull("last_change_time")) {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("last_change_time"));
    *w.mutable_last_change_time() = ToTimestamp(t);
  }
  FP_ASSIGN_OR_RETURN(int64_t failures, row.GetInt64("consecutive_failures"));
  w.set_consecutive_failures(static_cast<int32_t>(failures));
  FP_ASSIGN_OR_RETURN(*w.mutable_last_error(), row.GetString("last_error"));
  if (!row.IsNull("current_version_id")) {
    w.set_current_version(
        VersionName(org, id, row.Value("current_version_id")));
  }
  FP_ASSIGN_OR_RETURN(*w.mutable_document(), row.GetString("document"));
  const absl::string_view check_state = row.Value("check_state");
  if (!row.IsNull("next_check_time") && check_state != "PAUSED") {
    FP_ASSIGN_OR_RETURN(absl::Time t, row.GetTime("next_check_time"));
    *w.mutable_next_check_time() = ToTimestamp(t);
  }
  return w;
}

absl::StatusOr<v1::SourceVersion> VersionFromRow(const db::Row& row) {
  v1::SourceVersion v;
  FP_ASSIGN_OR_RETURN(std::string org, row.GetString("org_id"));
  FP_ASSIGN_OR_RETURN(std::string watch, row.GetString("watch_id"));
  FP_ASSIGN_OR_RETURN(std::string id, row.GetString("id"));
  v.set_name(VersionName(org, watch, id));
  FP_ASSIGN_OR_RETURN(*v.mutable_sha256(), row.GetString("sha256"));
  FP_ASSIGN_OR_RETURN(absl::Time fetched, row.GetTime("fetch_time"));
  *v.mutable_fetch_time() = ToTimestamp(fetched);
  FP_ASSIGN_OR_RETURN(int64_t size, row.GetInt64("size_bytes"));
  v.set_size_bytes(size);
  FP_ASSIGN_OR_RETURN(int64_t status, row.GetInt64("http_status"));
  v.set_http_status(static_cast<int32_t>(status));
  FP_ASSIGN_OR_RETURN(*v.mutable_diff_summary(), row.GetString("diff_summary"));
  if (!row.IsNull("previous_id")) {
    v.set_previous_version(VersionName(org, watch, row.Value("previous_id")));
  }
  FP_ASSIGN_OR_RETURN(int64_t added, row.GetInt64("lines_added"));
  FP_ASSIGN_OR_RETURN(int64_t removed, row.GetInt64("lines_removed"));
  FP_ASSIGN_OR_RETURN(int64_t hunks, row.GetInt64("hunks"));
  v.set_lines_added(static_cast<int32_t>(added));
  v.set_lines_removed(static_cast<int32_t>(removed));
  v.set_hunks(static_cast<int32_t>(hunks));
  FP_ASSIGN_OR_RETURN(*v.mutable_document_version(),
                      row.GetString("document_version"));
  // Only FULL reads select the text column.
  if (absl::StatusOr<std::string> text = row.GetString("text"); text.ok()) {
    v.set_text(*std::move(text));
  }
  return v;
}

}  // namespace fineprint::monitoring
