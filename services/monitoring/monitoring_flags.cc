#include "services/monitoring/monitoring_flags.h"

#include "absl/flags/flag.h"
#include "services/runtime/http/outbound_allow_flag.h"

ABSL_FLAG(int, check_workers, 4, "Checks run at once.");
ABSL_FLAG(absl::Duration, free_min_interval, absl::Hours(24),
          "Shortest check interval on the FREE plan.");
ABSL_FLAG(absl::Duration, premium_min_interval, absl::Hours(1),
          "Shortest check interval on the PREMIUM plan.");
ABSL_FLAG(absl::Duration, enterprise_min_interval, absl::Minutes(15),
          "Shortest check interval on the ENTERPRISE plan.");
ABSL_FLAG(int, free_retention, 10, "Versions kept per watch on the FREE plan.");
ABSL_FLAG(int, premium_retention, 100,
          "Versions kept per watch on the PREMIUM plan.");
ABSL_FLAG(int, enterprise_retention, 1000,
          "Versions kept per watch on the ENTERPRISE plan.");
ABSL_FLAG(absl::Duration, check_now_min_interval, absl::Minutes(1),
          "CheckNow at most once per this per watch.");
ABSL_FLAG(absl::Duration, domain_delay, absl::Seconds(1),
          "Least time between request starts per registrable domain.");
ABSL_FLAG(int64_t, max_fetch_bytes, 5 * 1024 * 1024,
          "Largest page fetched, decoded.");
ABSL_FLAG(absl::Duration, fetch_timeout, absl::Seconds(30),
          "Total time of one fetch.");
ABSL_FLAG(std::string, bot_info_url, "https://fineprint.dev/bot",
          "URL in the User-Agent where site owners learn about the crawler.");
ABSL_FLAG(std::string, bot_version, "0.1", "Version in the User-Agent.");

namespace fineprint::monitoring {

MonitoringDomainOptions MonitoringDomainOptionsFromFlags() {
  MonitoringDomainOptions options;
  options.workers.workers = absl::GetFlag(FLAGS_check_workers);
  options.config.free_min_interval = absl::GetFlag(FLAGS_free_min_interval);
  options.config.premium_min_interval =
      absl::GetFlag(FLAGS_premium_min_interval);
  options.config.enterprise_min_interval =
      absl::GetFlag(FLAGS_enterprise_min_interval);
  options.config.free_retention = absl::GetFlag(FLAGS_free_retention);
  options.config.premium_retention = absl::GetFlag(FLAGS_premium_retention);
  options.config.enterprise_retention =
      absl::GetFlag(FLAGS_enterprise_retention);
  options.config.check_now_min_interval =
      absl::GetFlag(FLAGS_check_now_min_interval);
  options.fetcher.domain_delay = absl::GetFlag(FLAGS_domain_delay);
  options.fetcher.max_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_fetch_bytes));
  options.fetcher.total_timeout = absl::GetFlag(FLAGS_fetch_timeout);
  options.fetcher.info_url = absl::GetFlag(FLAGS_bot_info_url);
  options.fetcher.version = absl::GetFlag(FLAGS_bot_version);
  options.fetcher.allow = http::OutboundAllowFromFlag();
  return options;
}

}  // namespace fineprint::monitoring
