#ifndef FINEPRINT_SERVICES_RUNTIME_MAIL_MIME_H_
#define FINEPRINT_SERVICES_RUNTIME_MAIL_MIME_H_

// Internet messages (RFC 5322 + MIME) for outgoing email: a text part and,
// when there is one, an HTML alternative (multipart/alternative), UTF-8
// bodies in quoted-printable or base64, RFC 2047 encoded-words for
// non-ASCII subjects and display names. Header values are the caller's
// data: one holding CR or LF would inject headers, so it is refused.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace fineprint::mail {

struct Address {
  std::string display_name;  // UTF-8, may be empty
  std::string email;         // local@domain, ASCII
};

enum class BodyEncoding { kQuotedPrintable, kBase64 };

struct Message {
  Address from;
  std::vector<Address> to;
  std::string subject;  // UTF-8
  std::string text;     // UTF-8; "\n" or "\r\n" line ends
  std::string html;     // UTF-8; empty: a text/plain message
  // Further headers in order, e.g. {"List-Unsubscribe", "<https://...>"}.
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Time date = absl::InfinitePast();  // InfinitePast: now
  std::string message_id;                  // "<id@domain>"; empty: a fresh one
  BodyEncoding encoding = BodyEncoding::kQuotedPrintable;
};

// The message as SMTP DATA (CRLF line ends). INVALID_ARGUMENT for CR/LF in
// a header value or name, a malformed address, no recipient, or text that
// is not UTF-8.
absl::StatusOr<std::string> BuildMessage(const Message& message);

// "<32 random hex digits@domain>".
std::string NewMessageId(absl::string_view domain);

// `text` as a header value: as is when printable ASCII, else RFC 2047
// "=?UTF-8?B?...?=" words of at most 75 characters (split on character
// boundaries) folded with CRLF SP.
std::string EncodeHeaderText(absl::string_view text);

// Address as a header value: `"Name" <email>`, `=?UTF-8?B?..?= <email>` or
// `email`.
std::string FormatAddress(const Address& address);

// True for local@domain with no space, control character, angle bracket,
// quote or comma (what a header and an SMTP envelope can carry as is).
bool IsPlainAddress(absl::string_view email);

// Quoted-printable (RFC 2045 6.7) of UTF-8 text whose lines end in "\n" or
// "\r\n": hard line breaks become CRLF, lines are soft-broken at 76.
std::string QuotedPrintable(absl::string_view text);

// Base64 in lines of 76 characters, CRLF-separated.
std::string Base64Lines(absl::string_view data);

}  // namespace fineprint::mail

#endif  // FINEPRINT_SERVICES_RUNTIME_MAIL_MIME_H_
