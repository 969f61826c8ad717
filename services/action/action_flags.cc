#include "services/action/action_flags.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"

ABSL_FLAG(std::string, reminder_leads, "168h,24h",
          "ActionDueSoon fires this long before a due time, once per "
          "comma-separated duration.");
ABSL_FLAG(absl::Duration, reminder_poll, absl::Seconds(30),
          "How often the reminder scheduler looks for due reminders.");
ABSL_FLAG(int, reminder_workers, 2, "Reminder jobs run at once.");
ABSL_FLAG(std::string, suggestion_language, "en",
          "Language of the templates suggestions recommend (en, de).");

namespace fineprint::action {

absl::StatusOr<ActionDomainOptions> ActionDomainOptionsFromFlags() {
  ActionDomainOptions options;
  options.config.reminder_leads.clear();
  for (absl::string_view part : absl::StrSplit(
           absl::GetFlag(FLAGS_reminder_leads), ',', absl::SkipWhitespace())) {
    absl::Duration lead;
    if (!absl::ParseDuration(part, &lead) || lead <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "--reminder_leads: comma-separated positive durations, e.g. "
          "168h,24h");
    }
    options.config.reminder_leads.push_back(lead);
  }
  options.reminder_poll = absl::GetFlag(FLAGS_reminder_poll);
  options.workers.workers = absl::GetFlag(FLAGS_reminder_workers);
  options.suggestion_language = absl::GetFlag(FLAGS_suggestion_language);
  return options;
}

}  // namespace fineprint::action
