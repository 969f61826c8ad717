// Fuzzes the HttpRule template parser and the route matcher. Input: a
// template, a newline, then a request path. Invariants checked (abort on
// violation, which both libFuzzer and the driver report as a crash):
// a parsed template prints to text that parses to the same shape, and a
// match's bindings come back out of the table it was matched in.

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/routing/path_template.h"
#include "gateway/routing/route_table.h"

using fineprint::gateway::routing::MatchResult;
using fineprint::gateway::routing::ParsePathTemplate;
using fineprint::gateway::routing::RouteTableBuilder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  absl::string_view pattern = input.substr(0, nl);
  absl::string_view path = nl == absl::string_view::npos
                               ? absl::string_view("/")
                               : input.substr(nl + 1);

  auto parsed = ParsePathTemplate(pattern);
  if (parsed.ok()) {
    auto again = ParsePathTemplate(parsed->ToString());
    if (!again.ok() || again->Shape() != parsed->Shape() ||
        again->variables.size() != parsed->variables.size()) {
      std::abort();
    }
  }
  RouteTableBuilder builder;
  (void)builder.Add("GET", pattern, {});
  (void)builder.Add("GET", "/v1/{name=orgs/*/users/*}", {});
  (void)builder.Add("POST", "/v1/{name=orgs/*/jobs/*}:cancel", {});
  (void)builder.Add("GET", "/v1/{path=files/**}", {});
  (void)builder.Add("GET", "/v1/items/{id}", {});
  auto table = builder.Build();
  for (const char* method : {"GET", "POST"}) {
    MatchResult m = table->Match(method, path);
    if (m.kind == MatchResult::Kind::kMatched) {
      if (m.route == nullptr ||
          m.bindings.size() != m.route->path.variables.size()) {
        std::abort();
      }
      for (const auto& b : m.bindings) {
        if (b.value.find("/../") != std::string::npos) std::abort();
      }
    }
    if (m.kind == MatchResult::Kind::kMethodNotAllowed &&
        m.allowed_methods.empty()) {
      std::abort();
    }
  }
  return 0;
}
