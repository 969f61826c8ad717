#include "gateway/docs/docs_site.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace fineprint::gateway::docs {
namespace {

// No inline script: the CSP's script-src is 'self' only.
constexpr char kIndexHtml[] = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fineprint API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
)";

// validatorUrl null: Swagger UI would otherwise fetch a badge from
// validator.swagger.io, which the CSP (rightly) refuses.
constexpr char kInitJs[] = R"(window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
)";

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "Swagger UI file ", path,
        " is missing: run infra/install.sh (npm swagger-ui-dist)"));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

std::string DefaultAssetDir() {
  std::string cache;
  if (const char* env = std::getenv("FINEPRINT_CACHE"); env && *env) {
    cache = env;
  } else {
    // The passwd entry, not $HOME: test runners reset HOME.
    const struct passwd* pw = getpwuid(getuid());
    const char* home = pw != nullptr ? pw->pw_dir : std::getenv("HOME");
    cache = absl::StrCat(home != nullptr ? home : "", "/.cache/fineprint");
  }
  return absl::StrCat(cache, "/swagger-ui/node_modules/swagger-ui-dist");
}

absl::StatusOr<DocsSite> DocsSite::Load(absl::string_view asset_dir) {
  DocsSite site;
  struct Asset {
    const char* file;
    const char* type;
  };
  static constexpr Asset kAssets[] = {
      {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
      {"swagger-ui.css", "text/css; charset=utf-8"},
      {"favicon-32x32.png", "image/png"},
  };
  for (const Asset& asset : kAssets) {
    absl::StatusOr<std::string> body =
        ReadFile(absl::StrCat(asset_dir, "/", asset.file));
    if (!body.ok()) return body.status();
    site.files_[absl::StrCat("/docs/", asset.file)] = {asset.type,
                                                       *std::move(body)};
  }
  DocsFile index{"text/html; charset=utf-8", kIndexHtml};
  site.files_["/docs"] = index;
  site.files_["/docs/"] = index;
  site.files_["/docs/index.html"] = std::move(index);
  site.files_["/docs/init.js"] = {"text/javascript; charset=utf-8", kInitJs};
  return site;
}

const DocsFile* DocsSite::Find(absl::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace fineprint::gateway::docs
