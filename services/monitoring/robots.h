#ifndef FINEPRINT_SERVICES_MONITORING_ROBOTS_H_
#define FINEPRINT_SERVICES_MONITORING_ROBOTS_H_

// robots.txt per RFC 9309: the group whose user-agent line names our
// product token (case-insensitive) applies, else the `*` group; within it
// the longest matching allow/disallow path wins, allow on a tie; `*`
// matches any run of characters and a final `$` anchors the end. Rules and
// paths are compared percent-decoded only where RFC 9309 requires it (we
// compare them as sent, which is what major crawlers do for ASCII paths).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace fineprint::monitoring {

class RobotsRules {
 public:
  // Nothing disallowed (a 4xx robots.txt, or none).
  static RobotsRules AllowAll();
  // Everything disallowed (5xx or unreachable robots.txt).
  static RobotsRules DisallowAll();
  // Rules of `body` for `product_token` (e.g. "Fineprint").
  static RobotsRules Parse(absl::string_view body,
                           absl::string_view product_token);

  // `path_and_query` starts with '/'.
  bool Allowed(absl::string_view path_and_query) const;

 private:
  struct Rule {
    bool allow;
    std::string pattern;
  };
  bool disallow_all_ = false;
  std::vector<Rule> rules_;
};

// Whether `path` matches a robots.txt `pattern` (with `*` and `$`).
bool RobotsPatternMatches(absl::string_view pattern, absl::string_view path);

}  // namespace fineprint::monitoring

#endif  // FINEPRINT_SERVICES_MONITORING_ROBOTS_H_
