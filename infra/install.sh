#!/usr/bin/env bash
# Installs every Debian package Fineprint needs to build, test and run.
# Idempotent: packages already present are skipped without touching apt.
set -euo pipefail

PACKAGES=(
  # Build
  bazel-bootstrap bazel-rules-java g++ python3 python3-pip
  # Libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librdkafka-dev libpq-dev libsodium-dev libssl-dev
  libre2-dev libboost-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev zlib1g-dev libbrotli-dev libnghttp2-dev
  libgumbo-dev libuchardet-dev libpsl-dev publicsuffix libicu-dev
  libpoppler-cpp-dev libhiredis-dev
  libpango1.0-dev libcairo2-dev fonts-dejavu-core
  # Runtime dependencies of tests and the local mesh
  postgresql postgresql-contrib openjdk-17-jre-headless maven kcat wrk
  nghttp2-client curl jq redis-server
  # SMTP server of the email tests and `./fineprint up`'s local mail sink
  python3-aiosmtpd
  # The dev CA script (infra/tls/make-dev-certs.sh) and the TLS tests
  openssl
  # The edge's /docs test (//gateway/docs:docs_browser_test) drives it
  chromium
  # The edge's allocator (//infra/deps:jemalloc)
  libjemalloc2
  # Profiling for the benchmarks only (docs/benchmarks.md, edge_peer)
  linux-perf
  # Container images (./fineprint images) and the manifests' checks
  # (//infra/k8s:manifests_test, //infra/compose:compose_test)
  buildah podman python3-yaml python3-jsonschema
  # Formatting check of CI
  clang-format-14
  # AsyncAPI validator of //gateway/asyncapi:asyncapi_validate_test (npm below)
  nodejs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian ships npm apart from nodejs; NodeSource's nodejs bundles it and
# conflicts with Debian's npm package, so ask for it only when absent.
command -v npm >/dev/null || missing+=(npm)

# Tools Debian 12 does not package are built once with Go into the cache.
FP_CACHE="${FINEPRINT_CACHE:-$HOME/.cache/fineprint}"
CACHE_BIN="$FP_CACHE/bin"
go_install() {  # MODULE@VERSION WHAT-NEEDS-IT
  local go
  go="$(command -v go || echo /usr/local/go/bin/go)"
  if [[ -x "$go" ]]; then
    echo "installing $1 into $CACHE_BIN" >&2
    mkdir -p "$CACHE_BIN"
    GOBIN="$CACHE_BIN" "$go" install "$1"
  else
    echo "warning: no Go toolchain, so no ${1%@*} ($2 needs it)" >&2
  fi
}

# grpcurl, for README.md's gRPC examples and //tests/docs:readme_test.
if [[ ! -x "$CACHE_BIN/grpcurl" ]] && ! command -v grpcurl >/dev/null; then
  go_install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.1 "//tests/docs:readme_test"
fi

# kustomize, which //infra/k8s:manifests_test renders the overlays with.
KUSTOMIZE_VERSION=v5.5.0
if [[ ! -x "$CACHE_BIN/kustomize" ]]; then
  go_install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" "//infra/k8s:manifests_test"
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Swagger UI for the edge's /docs page (npm's swagger-ui-dist, not
# committed): into the cache, where the edge looks for it by default.
SWAGGER_UI_VERSION=5.35.0
SWAGGER_UI_DIR="$FP_CACHE/swagger-ui"
if ! grep -qs "\"version\": \"$SWAGGER_UI_VERSION\"" \
    "$SWAGGER_UI_DIR/node_modules/swagger-ui-dist/package.json"; then
  if command -v npm >/dev/null; then
    echo "installing swagger-ui-dist@$SWAGGER_UI_VERSION into $SWAGGER_UI_DIR" >&2
    mkdir -p "$SWAGGER_UI_DIR"
    npm install --silent --no-audit --no-fund --prefix "$SWAGGER_UI_DIR" \
      "swagger-ui-dist@$SWAGGER_UI_VERSION"
  else
    echo "warning: no npm, so no /docs page (the edge answers 404 there)" >&2
  fi
fi

# Python modules Debian does not package, for Debian's python3 (the one
# tests run): the OpenAPI 3.1 validator of //gateway/openapi:openapi_validate_test.
PIP_MODULES=(
  # import name:PyPI name
  openapi_spec_validator:openapi-spec-validator
  kubernetes_validate:kubernetes-validate
  standardwebhooks:standardwebhooks
)
for entry in "${PIP_MODULES[@]}"; do
  module="${entry%%:*}"
  if ! /usr/bin/python3 -c "import ${module}" 2>/dev/null; then
    echo "installing (pip): ${entry#*:}" >&2
    $SUDO /usr/bin/python3 -m pip install -q --break-system-packages "${entry#*:}"
  fi
done

# The contract checks of CI (infra/ci/buf_check.sh): buf; and the AsyncAPI
# parser (npm, pinned) that //gateway/asyncapi:asyncapi_validate_test
# validates /asyncapi.json with.
BUF_VERSION=v1.75.0
if ! "$CACHE_BIN/buf" --version 2>/dev/null | grep -qx "${BUF_VERSION#v}"; then
  go_install "github.com/bufbuild/buf/cmd/buf@$BUF_VERSION" "infra/ci/buf_check.sh"
fi
ASYNCAPI_PARSER_VERSION=3.6.6
ASYNCAPI_DIR="$FP_CACHE/node/asyncapi"
if ! grep -qs "\"version\": \"$ASYNCAPI_PARSER_VERSION\"" \
    "$ASYNCAPI_DIR/node_modules/@asyncapi/parser/package.json"; then
  echo "installing @asyncapi/parser@$ASYNCAPI_PARSER_VERSION into $ASYNCAPI_DIR" >&2
  mkdir -p "$ASYNCAPI_DIR"
  npm install --silent --no-audit --no-fund --ignore-scripts --prefix "$ASYNCAPI_DIR" \
    "@asyncapi/parser@$ASYNCAPI_PARSER_VERSION" ajv@8.20.0 ajv-formats@2.1.1
fi
