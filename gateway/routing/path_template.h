#ifndef FINEPRINT_GATEWAY_ROUTING_PATH_TEMPLATE_H_
#define FINEPRINT_GATEWAY_ROUTING_PATH_TEMPLATE_H_

// The path template syntax of google.api.HttpRule:
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
//
// `{var}` is `{var=*}`; `**` must be the last segment; variables do not
// nest. Parsing flattens variables into plain segments plus spans, which is
// all the matcher needs.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::gateway::routing {

struct TemplateSegment {
  enum class Kind { kLiteral, kSingle, kMulti };  // literal, `*`, `**`
  Kind kind = Kind::kLiteral;
  std::string literal;  // for kLiteral, percent-decoded
};

struct TemplateVariable {
  std::vector<std::string> field_path;  // {user.name=...} -> {"user","name"}
  int start_segment = 0;                // index into segments
  int end_segment = 0;                  // exclusive
  // More than one segment, or `**`: bound values keep reserved characters
  // percent-encoded (RFC 6570 reserved expansion) so `%2F` round-trips.
  bool multi_segment = false;
};

struct PathTemplate {
  std::vector<TemplateSegment> segments;
  std::vector<TemplateVariable> variables;
  std::string verb;  // without ':'; empty if none

  // Canonical text, e.g. "/v1/{name=orgs/*}:cancel".
  std::string ToString() const;
  // The shape the matcher sees, variables erased: "/v1/orgs/*:cancel".
  std::string Shape() const;
};

// INVALID_ARGUMENT naming the offending position for malformed templates.
absl::StatusOr<PathTemplate> ParsePathTemplate(absl::string_view text);

}  // namespace fineprint::gateway::routing

#endif  // FINEPRINT_GATEWAY_ROUTING_PATH_TEMPLATE_H_
