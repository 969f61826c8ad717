#ifndef FINEPRINT_SERVICES_NOTIFICATION_TEMPLATES_H_
#define FINEPRINT_SERVICES_NOTIFICATION_TEMPLATES_H_

// Notification text is data: a rule's templates name fields of the event
// ("{title}", "{delta.headline}") and are filled by reflection, so a new
// event type needs a row in `rules`, not code.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace fineprint::notification {

// The value of the field at dotted `path` in `message` as text: strings as
// they are, numbers in decimal, booleans "true"/"false", enums by value
// name; an unset message field (or a field through one) is "". NOT_FOUND
// for a path naming no field, INVALID_ARGUMENT for a repeated or map field
// or a path ending on a message.
absl::StatusOr<std::string> FieldText(const google::protobuf::Message& message,
                                      absl::string_view path);

// `text` with every "{path}" replaced by FieldText(message, path), then
// trimmed. "{{" is a literal "{". Errors of FieldText, and
// INVALID_ARGUMENT for an unterminated "{".
absl::StatusOr<std::string> Render(absl::string_view text,
                                   const google::protobuf::Message& message);

}  // namespace fineprint::notification

#endif  // FINEPRINT_SERVICES_NOTIFICATION_TEMPLATES_H_
