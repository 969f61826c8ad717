#ifndef FINEPRINT_SERVICES_RUNTIME_MAIL_SMTP_SENDER_H_
#define FINEPRINT_SERVICES_RUNTIME_MAIL_SMTP_SENDER_H_

// Sends built messages (mime.h) to one SMTP relay through libcurl:
// smtp:// upgrades with STARTTLS when the server offers it (required with
// `require_tls`), smtps:// is TLS from the start; AUTH when a username is
// configured. The password is never logged nor put in an error.
//
// Errors, for a caller that retries: FAILED_PRECONDITION for a permanent
// refusal (an SMTP 5xx answer, e.g. an unknown mailbox), UNAVAILABLE for
// everything worth retrying (connection, timeout, 4xx), PERMISSION_DENIED
// when the relay refuses our credentials or TLS is required and not
// offered.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::mail {

struct SmtpOptions {
  std::string url;  // smtp://host:port or smtps://host:port, no credentials
  std::string username;  // empty: no AUTH
  std::string password;
  bool require_tls = false;  // STARTTLS must succeed
  std::string ca_file;       // empty: the system's trust store
  absl::Duration timeout = absl::Seconds(30);
};

class SmtpSender {
 public:
  // INVALID_ARGUMENT for a URL that is not smtp(s):// or carries
  // credentials.
  static absl::StatusOr<std::unique_ptr<SmtpSender>> Create(
      SmtpOptions options);

  // Sends `data` (a whole message, CRLF lines) from `envelope_from` to
  // every address of `recipients`. Thread-safe (one connection per call).
  absl::Status Send(absl::string_view envelope_from,
                    const std::vector<std::string>& recipients,
                    absl::string_view data) const;

  const std::string& url() const { return options_.url; }

 private:
  explicit SmtpSender(SmtpOptions options) : options_(std::move(options)) {}
  const SmtpOptions options_;
};

}  // namespace fineprint::mail

#endif  // FINEPRINT_SERVICES_RUNTIME_MAIL_SMTP_SENDER_H_
