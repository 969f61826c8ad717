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
  libcurl4-openssl-dev zlib1g-dev libbrotli-dev
  libgumbo-dev libuchardet-dev libpsl-dev publicsuffix libicu-dev
  libpoppler-cpp-dev
  # Runtime dependencies of tests and the local mesh
  postgresql postgresql-contrib openjdk-17-jre-headless maven kcat wrk
  nghttp2-client curl
  # Formatting check of CI
  clang-format-14
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# grpcurl, for README.md's gRPC examples and //tests/docs:readme_test
# (not packaged by Debian 12): built once with Go into the cache.
GRPCURL_BIN="${FINEPRINT_CACHE:-$HOME/.cache/fineprint}/bin"
if [[ ! -x "$GRPCURL_BIN/grpcurl" ]] && ! command -v grpcurl >/dev/null; then
  GO="$(command -v go || echo /usr/local/go/bin/go)"
  if [[ -x "$GO" ]]; then
    echo "installing grpcurl into $GRPCURL_BIN" >&2
    mkdir -p "$GRPCURL_BIN"
    GOBIN="$GRPCURL_BIN" "$GO" install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.1
  else
    echo "warning: no Go toolchain, so no grpcurl (README's gRPC examples and //tests/docs:readme_test need it)" >&2
  fi
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ((${#missing[@]} > 0)); then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Python modules Debian does not package, for Debian's python3 (the one
# tests run): the OpenAPI 3.1 validator of //gateway/openapi:openapi_validate_test.
PIP_MODULES=(
  # import name:PyPI name
  openapi_spec_validator:openapi-spec-validator
)
for entry in "${PIP_MODULES[@]}"; do
  module="${entry%%:*}"
  if ! /usr/bin/python3 -c "import ${module}" 2>/dev/null; then
    echo "installing (pip): ${entry#*:}" >&2
    $SUDO /usr/bin/python3 -m pip install -q --break-system-packages "${entry#*:}"
  fi
done
