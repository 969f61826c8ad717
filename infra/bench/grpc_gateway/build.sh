#!/usr/bin/env bash
# Builds the grpc-gateway peer of the edge benchmark into the cache:
# protoc-gen-go, protoc-gen-go-grpc and protoc-gen-grpc-gateway (v2) from the
# Go module proxy, Go code generated from protos/ (the same files the edge
# loads), and main.go linked against it. Prints the binary's path.
#
#   infra/bench/grpc_gateway/build.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT="$PWD"
GO="$(command -v go || echo /usr/local/go/bin/go)"
# Pinned, so both sides of the ratio are known builds.
GATEWAY_VERSION=v2.34.0
PROTOBUF_GO_VERSION=v1.36.12
GRPC_GO_PLUGIN_VERSION=v1.6.2
CACHE="${FINEPRINT_CACHE:-$HOME/.cache/fineprint}/grpc_gateway"
SRC="$CACHE/src"
mkdir -p "$CACHE/bin" "$SRC"
export GOBIN="$CACHE/bin" GOFLAGS=-buildvcs=false
[[ -x "$GOBIN/protoc-gen-go" ]] ||
  "$GO" install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOBUF_GO_VERSION"
[[ -x "$GOBIN/protoc-gen-go-grpc" ]] ||
  "$GO" install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$GRPC_GO_PLUGIN_VERSION"
[[ -x "$GOBIN/protoc-gen-grpc-gateway" ]] ||
  "$GO" install "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$GATEWAY_VERSION"

# Regenerated every time: cheap, and never stale against protos/.
rm -rf "$SRC/gen"
cp "$ROOT/infra/bench/grpc_gateway/main.go" "$SRC/main.go"
PATH="$GOBIN:$PATH" protoc -I "$ROOT/protos" \
  --go_out="$SRC" --go_opt=module=github.com/fineprint/fineprint \
  --go-grpc_out="$SRC" --go-grpc_opt=module=github.com/fineprint/fineprint \
  --grpc-gateway_out="$SRC" --grpc-gateway_opt=module=github.com/fineprint/fineprint \
  fineprint/api/v1/options.proto fineprint/identity/v1/identity.proto
cd "$SRC"
[[ -f go.mod ]] || "$GO" mod init github.com/fineprint/fineprint >/dev/null 2>&1
"$GO" get "github.com/grpc-ecosystem/grpc-gateway/v2@$GATEWAY_VERSION" \
  "google.golang.org/protobuf@$PROTOBUF_GO_VERSION" >/dev/null 2>&1
"$GO" mod tidy >/dev/null 2>&1
"$GO" build -o "$CACHE/bin/grpc_gateway_peer" .
echo "$CACHE/bin/grpc_gateway_peer"
