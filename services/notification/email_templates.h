#ifndef FINEPRINT_SERVICES_NOTIFICATION_EMAIL_TEMPLATES_H_
#define FINEPRINT_SERVICES_NOTIFICATION_EMAIL_TEMPLATES_H_

// Mail text is data (table `email_templates`): "{name}" placeholders filled
// from a map of values, HTML-escaped in HTML bodies, so a new kind of mail
// needs a row, not code.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/runtime/db/connection.h"

namespace fineprint::notification {

using TemplateValues = absl::flat_hash_map<std::string, std::string>;

// `text` with every "{name}" replaced by values[name]; "{{" is a literal
// "{". With `html`, values are HTML-escaped except those named in `raw`
// (already HTML, e.g. rendered items). INVALID_ARGUMENT for an unknown name
// or an unterminated "{".
absl::StatusOr<std::string> FillTemplate(
    absl::string_view text, const TemplateValues& values, bool html,
    const absl::flat_hash_set<std::string>& raw = {});

// &, <, >, " and ' as entities.
std::string HtmlEscape(absl::string_view text);

struct EmailTemplate {
  std::string subject;
  std::string text;
  std::string html;
};

// The row `name` of email_templates; NOT_FOUND without one.
absl::StatusOr<EmailTemplate> LoadEmailTemplate(db::Executor& ex,
                                                absl::string_view name);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_EMAIL_TEMPLATES_H_
