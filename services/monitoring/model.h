#ifndef FINEPRINT_SERVICES_MONITORING_MODEL_H_
#define FINEPRINT_SERVICES_MONITORING_MODEL_H_

// Monitoring's configuration, resource names and row conversions, shared
// by the API handlers and the checker.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fineprint/monitoring/v1/monitoring.pb.h"
#include "services/runtime/db/result.h"

namespace fineprint::monitoring {

inline constexpr char kService[] = "monitoring";
inline constexpr char kWatchPattern[] = "orgs/{org}/watches/{watch}";
inline constexpr char kVersionPattern[] =
    "orgs/{org}/watches/{watch}/versions/{version}";

struct MonitoringConfig {
  // Shortest check interval per plan.
  absl::Duration free_min_interval = absl::Hours(24);
  absl::Duration premium_min_interval = absl::Hours(1);
  absl::Duration enterprise_min_interval = absl::Minutes(15);
  absl::Duration default_interval = absl::Hours(24);
  absl::Duration max_interval = absl::Hours(24 * 366);
  // Versions kept per watch, per plan (the oldest go first).
  int free_retention = 10;
  int premium_retention = 100;
  int enterprise_retention = 1000;
  // Each scheduled check is delayed by a uniform random jitter of up to
  // jitter_fraction * interval (at most max_jitter), so watches created
  // together do not hit their hosts together forever.
  double jitter_fraction = 0.1;
  absl::Duration max_jitter = absl::Minutes(15);
  // CheckNow at most once per this per watch.
  absl::Duration check_now_min_interval = absl::Minutes(1);
  // First retry after a failed check; doubles per consecutive failure, at
  // most the watch's interval.
  absl::Duration failure_backoff = absl::Minutes(1);
  size_t max_url_bytes = 2048;
  size_t max_display_name_bytes = 256;
};

// "FREE", "PREMIUM", "ENTERPRISE" (anything else counts as FREE).
absl::Duration MinIntervalFor(absl::string_view plan,
                              const MonitoringConfig& config);
int RetentionFor(absl::string_view plan, const MonitoringConfig& config);
// A random delay in [0, min(interval * jitter_fraction, max_jitter)].
absl::Duration Jitter(absl::Duration interval, const MonitoringConfig& config);

std::string OrgName(absl::string_view org);
std::string WatchName(absl::string_view org, absl::string_view watch);
std::string VersionName(absl::string_view org, absl::string_view watch,
                        absl::string_view version);

// SELECT list (over `watches w LEFT JOIN checks c`) that WatchFromRow reads.
inline constexpr char kWatchColumns[] =
    "w.org_id, w.id, w.url, w.display_name, w.kind, w.check_interval_seconds,"
    " w.state, w.css_selector, w.ignore_patterns, w.version, w.create_time,"
    " w.update_time, w.check_status, w.last_check_time, w.last_change_time,"
    " w.consecutive_failures, w.last_error, w.current_version_id, w.document,"
    " w.confirm_checks, w.pending_count,"
    " c.available_at AS next_check_time, c.state AS check_state";
inline constexpr char kWatchFrom[] =
    " FROM watches w LEFT JOIN checks c ON c.org_id = w.org_id AND c.id = w.id";

absl::StatusOr<v1::Watch> WatchFromRow(const db::Row& row);

inline constexpr char kVersionColumns[] =
    "org_id, watch_id, id, sha256, size_bytes, http_status, fetch_time, "
    "previous_id,"
    " lines_added, lines_removed, hunks, diff_summary, document_version";

// With `text` when the row has a text column.
absl::StatusOr<v1::SourceVersion> VersionFromRow(const db::Row& row);

// Ignore patterns are stored one per line.
std::vector<std::string> SplitPatterns(absl::string_view stored);
std::string JoinPatterns(
    const google::protobuf::RepeatedPtrField<std::string>& patterns);

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_MODEL_H_
