#ifndef FINEPRINT_GATEWAY_ROUTING_ROUTE_TABLE_H_
#define FINEPRINT_GATEWAY_ROUTING_ROUTE_TABLE_H_

// HTTP route matching for HttpRule templates. A RouteTableBuilder compiles
// rules into an immutable RouteTable: one trie per HTTP method whose nodes
// try the literal child before `*` and `**`, so a lookup costs one hash probe
// per segment instead of a scan over every rule. Because the table is
// immutable it is shared across threads without locks; reloads build a new
// table and swap it through a SnapshotHolder.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/routing/path_template.h"

namespace fineprint::gateway::routing {

// What a route leads to; opaque to the matcher.
struct RouteTarget {
  std::string
      rpc_method;    // e.g. "fineprint.identity.v1.IdentityService.GetUser"
  std::string body;  // HttpRule.body: "", "*" or a field path
  std::string response_body;  // HttpRule.response_body
  int64_t id = 0;             // the caller's own index (e.g. into method info)
};

struct Route {
  std::string http_method;  // "GET", "POST", ... or a custom kind
  std::string pattern;      // the template as written
  PathTemplate path;
  RouteTarget target;
};

struct Binding {
  std::vector<std::string> field_path;
  std::string value;
};

struct MatchResult {
  enum class Kind { kMatched, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  const Route* route = nullptr;              // kMatched
  std::vector<Binding> bindings;             // kMatched
  std::vector<std::string> allowed_methods;  // kMethodNotAllowed, sorted
  std::string error;                         // kBadPath
};

struct RouteTableOptions {
  // "/v1/me/" matches "/v1/me".
  bool ignore_trailing_slash = true;
};

class RouteTable {
 public:
  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // `path` is the raw (still percent-encoded) request path without query.
  MatchResult Match(absl::string_view http_method,
                    absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

  struct Node;  // trie node, defined in the .cc

 private:
  friend class RouteTableBuilder;
  RouteTable();

  RouteTableOptions options_;
  std::vector<Route> routes_;
  absl::flat_hash_map<std::string, std::unique_ptr<Node>> tries_;
  // Every custom verb some route uses. A trailing ":x" whose x is not one of
  // them is part of the last segment (ids may contain ':').
  absl::flat_hash_set<std::string> verbs_;
};

class RouteTableBuilder {
 public:
  explicit RouteTableBuilder(RouteTableOptions options = {});
  ~RouteTableBuilder();

  // INVALID_ARGUMENT for a malformed template, ALREADY_EXISTS when another
  // route has the same method and shape.
  absl::Status Add(absl::string_view http_method, absl::string_view pattern,
                   RouteTarget target);

  // The builder is spent afterwards.
  std::shared_ptr<const RouteTable> Build();

 private:
  std::unique_ptr<RouteTable> table_;
};

}  // namespace fineprint::gateway::routing

#endif  // FINEPRINT_GATEWAY_ROUTING_ROUTE_TABLE_H_
