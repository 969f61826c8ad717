#include "services/monitoring/robots.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace fineprint::monitoring {

RobotsRules RobotsRules::AllowAll() { return RobotsRules(); }

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules rules;
  rules.disallow_all_ = true;
  return rules;
}

RobotsRules RobotsRules::Parse(absl::string_view body,
                               absl::string_view product_token) {
  // Rules of the groups naming us, and of the `*` groups; several groups
  // for the same agent are combined (RFC 9309 2.2.1).
  std::vector<Rule> ours, star;
  bool group_ours = false, group_star = false;
  bool in_agents = false;  // consecutive user-agent lines open one group
  bool named = false;
  for (absl::string_view line : absl::StrSplit(body, absl::ByAnyChar("\r\n"))) {
    line = line.substr(0, line.find('#'));
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const std::string key = absl::AsciiStrToLower(
        absl::StripAsciiWhitespace(line.substr(0, colon)));
    absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (key == "user-agent") {
      if (!in_agents) {
        group_ours = group_star = false;
        in_agents = true;
      }
      // The product token is the value up to the first character that
      // cannot be in one ("Fineprint/1.0" -> "Fineprint").
      size_t end = 0;
      while (end < value.size() && (absl::ascii_isalpha(value[end]) ||
                                    value[end] == '-' || value[end] == '_')) {
        ++end;
      }
      if (value == "*") {
        group_star = true;
      } else if (end > 0 &&
                 absl::EqualsIgnoreCase(value.substr(0, end), product_token)) {
        group_ours = true;
        named = true;
      }
      continue;
    }
    in_agents = false;
    if (key != "allow" && key != "disallow") continue;
    // An empty disallow allows everything; it adds no rule.
    if (value.empty()) continue;
    Rule rule{key == "allow", std::string(value)};
    if (group_ours) ours.push_back(rule);
    if (group_star) star.push_back(rule);
  }
  RobotsRules rules;
  // A group for our token replaces `*` even when it has no rules.
  rules.rules_ = named ? std::move(ours) : std::move(star);
  return rules;
}

bool RobotsPatternMatches(absl::string_view pattern, absl::string_view path) {
  const bool anchored = absl::EndsWith(pattern, "$");
  if (anchored) pattern.remove_suffix(1);
  // Iterative wildcard match: `*` any run; without `$` the pattern is a
  // prefix, i.e. implicitly ends in `*`.
  size_t p = 0, s = 0, star_p = absl::string_view::npos, star_s = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_s = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
    } else if (p == pattern.size() && !anchored) {
      return true;
    } else if (star_p != absl::string_view::npos) {
      p = star_p + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool RobotsRules::Allowed(absl::string_view path) const {
  if (disallow_all_) return false;
  // /robots.txt itself is always allowed (RFC 9309 2.2.2).
  if (path == "/robots.txt") return true;
  int best = -1;
  bool allowed = true;
  for (const Rule& rule : rules_) {
    if (!RobotsPatternMatches(rule.pattern, path)) continue;
    const int length = static_cast<int>(rule.pattern.size());
    if (length > best || (length == best && rule.allow)) {
      best = length;
      allowed = rule.allow;
    }
  }
  return allowed;
}

}  // namespace fineprint::monitoring
