#include "gateway/routing/route_table.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/routing/path_codec.h"

namespace fineprint::gateway::routing {

struct RouteTable::Node {
  absl::flat_hash_map<std::string, std::unique_ptr<Node>> literal;
  std::unique_ptr<Node> single;
  // Routes ending here, by custom verb ("" for none).
  absl::flat_hash_map<std::string, int> terminal;
  // Routes whose `**` starts here (matching zero or more segments), by verb.
  absl::flat_hash_map<std::string, int> multi;
};

namespace {

using Node = RouteTable::Node;

int Find(const absl::flat_hash_map<std::string, int>& m,
         absl::string_view verb) {
  auto it = m.find(verb);
  return it == m.end() ? -1 : it->second;
}

using Segments = absl::InlinedVector<absl::string_view, 12>;

int MatchNode(const Node& node, const Segments& segs, size_t i,
              absl::string_view verb) {
  if (i == segs.size()) {
    int r = Find(node.terminal, verb);
    return r >= 0 ? r : Find(node.multi, verb);
  }
  if (auto it = node.literal.find(segs[i]); it != node.literal.end()) {
    int r = MatchNode(*it->second, segs, i + 1, verb);
    if (r >= 0) return r;
  }
  if (node.single != nullptr) {
    int r = MatchNode(*node.single, segs, i + 1, verb);
    if (r >= 0) return r;
  }
  return Find(node.multi, verb);
}

bool IsDotSegment(absl::string_view s) { return s == "." || s == ".."; }

}  // namespace

RouteTable::RouteTable() = default;
RouteTable::~RouteTable() = default;

MatchResult RouteTable::Match(absl::string_view http_method,
                              absl::string_view path) const {
  MatchResult result;
  auto bad = [&result](std::string why) {
    result.kind = MatchResult::Kind::kBadPath;
    result.error = std::move(why);
    return result;
  };
  if (path.empty() || path[0] != '/') return bad("path must start with '/'");
  absl::string_view body = path.substr(1);
  if (options_.ignore_trailing_slash && !body.empty() && body.back() == '/') {
    body.remove_suffix(1);
  }
  // Raw segments are views into `path`; decoded ones too unless they hold
  // an escape, in which case the decoded text lives in `storage` (a deque,
  // so views into it stay valid as it grows).
  Segments raw;
  Segments decoded;
  std::deque<std::string> storage;
  auto decode =
      [&storage](absl::string_view seg) -> std::optional<absl::string_view> {
    if (seg.find('%') == absl::string_view::npos) return seg;
    auto d = PercentDecodeAll(seg);
    if (!d) return std::nullopt;
    storage.push_back(*std::move(d));
    return absl::string_view(storage.back());
  };
  if (!body.empty()) {
    for (absl::string_view seg : absl::StrSplit(body, '/')) {
      if (seg.empty()) return bad("empty path segment");
      auto d = decode(seg);
      if (!d) return bad("malformed percent escape in path");
      if (IsDotSegment(*d)) return bad("'.' and '..' segments are not allowed");
      raw.push_back(seg);
      decoded.push_back(*d);
    }
  }
  // A ':' in the last raw segment introduces a custom verb when some route
  // uses that verb; otherwise it is part of the segment.
  std::string verb;
  if (!raw.empty() && !verbs_.empty()) {
    absl::string_view last = raw.back();
    size_t colon = last.rfind(':');
    if (colon != absl::string_view::npos && colon > 0 &&
        colon + 1 < last.size()) {
      auto stem = decode(last.substr(0, colon));
      auto v = PercentDecodeAll(last.substr(colon + 1));
      if (stem && v && verbs_.contains(*v)) {
        if (IsDotSegment(*stem))
          return bad("'.' and '..' segments are not allowed");
        raw.back() = last.substr(0, colon);
        decoded.back() = *stem;
        verb = *std::move(v);
      }
    }
  }

  auto trie = tries_.find(http_method);
  const int index =
      trie == tries_.end() ? -1 : MatchNode(*trie->second, decoded, 0, verb);
  if (index >= 0) {
    const Route& route = routes_[index];
    const int extra = static_cast<int>(raw.size()) -
                      static_cast<int>(route.path.segments.size());
    const bool ends_multi =
        !route.path.segments.empty() &&
        route.path.segments.back().kind == TemplateSegment::Kind::kMulti;
    result.bindings.reserve(route.path.variables.size());
    for (const TemplateVariable& var : route.path.variables) {
      int end = var.end_segment;
      if (ends_multi && end == static_cast<int>(route.path.segments.size())) {
        end += extra;  // `**` absorbed the extra segments
      }
      Binding binding;
      binding.field_path = var.field_path;
      if (var.multi_segment) {
        for (int i = var.start_segment; i < end; ++i) {
          if (i > var.start_segment) binding.value += '/';
          // Already validated by PercentDecodeAll above.
          binding.value += PercentDecodeUnreserved(raw[i]).value_or("");
        }
      } else {
        binding.value = std::string(decoded[var.start_segment]);
        if (binding.value.find('/') != std::string::npos) {
          return bad("encoded '/' in a single-segment path variable");
        }
      }
      result.bindings.push_back(std::move(binding));
    }
    result.kind = MatchResult::Kind::kMatched;
    result.route = &route;
    return result;
  }

  std::set<std::string> allowed;
  for (const auto& [method, other] : tries_) {
    if (method != http_method && MatchNode(*other, decoded, 0, verb) >= 0) {
      allowed.insert(method);
    }
  }
  if (!allowed.empty()) {
    result.kind = MatchResult::Kind::kMethodNotAllowed;
    result.allowed_methods.assign(allowed.begin(), allowed.end());
  }
  return result;
}

RouteTableBuilder::RouteTableBuilder(RouteTableOptions options)
    : table_(new RouteTable()) {
  table_->options_ = options;
}

RouteTableBuilder::~RouteTableBuilder() = default;

absl::Status RouteTableBuilder::Add(absl::string_view http_method,
                                    absl::string_view pattern,
                                    RouteTarget target) {
  if (http_method.empty()) {
    return absl::InvalidArgumentError("empty HTTP method");
  }
  absl::StatusOr<PathTemplate> parsed = ParsePathTemplate(pattern);
  if (!parsed.ok()) return parsed.status();

  auto& root = table_->tries_[std::string(http_method)];
  if (root == nullptr) root = std::make_unique<Node>();
  Node* node = root.get();
  const auto& segs = parsed->segments;
  const int index = static_cast<int>(table_->routes_.size());
  bool placed = false;
  for (size_t i = 0; i < segs.size() && !placed; ++i) {
    switch (segs[i].kind) {
      case TemplateSegment::Kind::kLiteral: {
        auto& child = node->literal[segs[i].literal];
        if (child == nullptr) child = std::make_unique<Node>();
        node = child.get();
        break;
      }
      case TemplateSegment::Kind::kSingle:
        if (node->single == nullptr) node->single = std::make_unique<Node>();
        node = node->single.get();
        break;
      case TemplateSegment::Kind::kMulti:
        if (!node->multi.emplace(parsed->verb, index).second) {
          return absl::AlreadyExistsError(absl::StrCat(
              "duplicate route ", http_method, " ", parsed->Shape()));
        }
        placed = true;
        break;
    }
  }
  if (!placed && !node->terminal.emplace(parsed->verb, index).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("duplicate route ", http_method, " ", parsed->Shape()));
  }
  if (!parsed->verb.empty()) table_->verbs_.insert(parsed->verb);
  Route route;
  route.http_method = std::string(http_method);
  route.pattern = std::string(pattern);
  route.path = *std::move(parsed);
  route.target = std::move(target);
  table_->routes_.push_back(std::move(route));
  return absl::OkStatus();
}

std::shared_ptr<const RouteTable> RouteTableBuilder::Build() {
  return std::shared_ptr<const RouteTable>(table_.release());
}

}  // namespace fineprint::gateway::routing
