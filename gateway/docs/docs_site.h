#ifndef FINEPRINT_GATEWAY_DOCS_DOCS_SITE_H_
#define FINEPRINT_GATEWAY_DOCS_DOCS_SITE_H_

// GET /docs: Swagger UI over the edge's own /openapi.json, for people who
// would rather click than read. The Swagger UI files come from the npm
// package swagger-ui-dist, which infra/install.sh fetches into the cache
// (they are not in the repository); the page and its start-up script are
// ours, so the page needs no inline script and runs under a strict CSP.
// Everything is read into memory once, at start-up.

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fineprint::gateway::docs {

// Where infra/install.sh puts swagger-ui-dist: $FINEPRINT_CACHE or
// ~/.cache/fineprint, then swagger-ui/node_modules/swagger-ui-dist.
std::string DefaultAssetDir();

// Allows what Swagger UI needs and nothing else: its script and styles
// from this origin (it sets style attributes, hence 'unsafe-inline' for
// styles only), calls to this origin ("try it out"), data: images (its
// icons). No inline or remote script, no framing, no forms elsewhere.
inline constexpr absl::string_view kDocsCsp =
    "default-src 'none'; script-src 'self'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

struct DocsFile {
  std::string content_type;
  std::string body;
};

class DocsSite {
 public:
  // Reads the Swagger UI files from `asset_dir`; NOT_FOUND naming the
  // install step when they are missing.
  static absl::StatusOr<DocsSite> Load(absl::string_view asset_dir);

  // The file for a request path under /docs ("/docs", "/docs/",
  // "/docs/swagger-ui.css", ...), or nullptr.
  const DocsFile* Find(absl::string_view path) const;

  static bool IsDocsPath(absl::string_view path) {
    return path == "/docs" ||
           (path.size() > 6 && path.substr(0, 6) == "/docs/");
  }

 private:
  absl::flat_hash_map<std::string, DocsFile> files_;  // by request path
};

}  // namespace fineprint::gateway::docs

#endif  // FINEPRINT_GATEWAY_DOCS_DOCS_SITE_H_
