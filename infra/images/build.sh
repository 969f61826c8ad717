#!/usr/bin/env bash
# Builds one OCI image per service of infra/launcher/mesh.tsv and one for the
# edge, offline, from the -c opt Bazel outputs: buildah from scratch with the
# binary, the shared libraries it loads (ldd), the dynamic loader, CA
# certificates, the API descriptor set and fineprint_healthcheck; a numeric
# non-root user; no shell, no package manager.
#
#   infra/images/build.sh [name...]     # default: every service and the edge
#
# Images are tagged localhost/fineprint-<name>:$FINEPRINT_IMAGE_TAG [dev]
# (what infra/compose/compose.yaml and the dev overlay use). verify.sh checks
# them; `./fineprint images` runs both.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG="${FINEPRINT_IMAGE_TAG:-dev}"
UID_GID=65532  # no name: nothing in the image resolves users
MESH=infra/launcher/mesh.tsv

# name bazel-target binary-path, one per image.
image_rows() {
  awk -F'\t' '!/^#/ && NF >= 6 { print $1, $2, $3 }' "$MESH"
  echo "edge //gateway:fineprint_edge gateway/fineprint_edge"
}

# copy_into ROOT PATH: PATH (following symlinks) to ROOT/PATH, and the
# symlink itself when PATH is one, so the loader finds either name.
copy_into() {
  local root="$1" path="$2"
  mkdir -p "$root$(dirname "$path")"
  cp -L --preserve=mode "$path" "$root$path"
}

# copy_tree ROOT DIR: DIR with its contents to ROOT/DIR.
copy_tree() {
  mkdir -p "$1$(dirname "$2")"
  cp -a "$2" "$1$2"
}

# The shared libraries and loader `ldd` resolves for each binary given.
libraries() {
  ldd "$@" | awk '
    /=> \// { print $3 }
    /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }' | sort -u
}

build_image() {
  local name="$1" binary="$2" bin="$3"
  local base; base="$(basename "$binary")"
  local ctr mnt
  ctr="$(buildah from scratch)"
  # shellcheck disable=SC2064
  trap "buildah rm '$ctr' >/dev/null 2>&1 || true" RETURN
  mnt="$(buildah mount "$ctr")"
  install -D -m 0555 "$bin/$binary" "$mnt/usr/local/bin/$base"
  install -D -m 0555 "$bin/infra/images/fineprint_healthcheck" \
    "$mnt/usr/local/bin/fineprint_healthcheck"
  local lib
  for lib in $(libraries "$bin/$binary" "$bin/infra/images/fineprint_healthcheck"); do
    copy_into "$mnt" "$lib"
  done
  # The loader also under the path the ELF header names.
  copy_into "$mnt" /lib64/ld-linux-x86-64.so.2
  copy_into "$mnt" /etc/ssl/certs/ca-certificates.crt
  install -D -m 0444 "$bin/protos/fineprint_descriptor_set.pb" \
    "$mnt/etc/fineprint/fineprint_descriptor_set.pb"
  # Data files some linked libraries read at run time.
  if ldd "$bin/$binary" | grep -q libpsl; then
    copy_tree "$mnt" /usr/share/publicsuffix
  fi
  if ldd "$bin/$binary" | grep -q libfontconfig; then
    copy_tree "$mnt" /etc/fonts
    copy_tree "$mnt" /usr/share/fonts/truetype/dejavu
  fi
  copy_into "$mnt" /usr/share/zoneinfo/UTC
  mkdir -p "$mnt/etc" "$mnt/tmp"
  chmod 1777 "$mnt/tmp"
  printf 'root:x:0:0::/:/nonexistent\nfineprint:x:%s:%s::/:/nonexistent\n' \
    "$UID_GID" "$UID_GID" >"$mnt/etc/passwd"
  printf 'root:x:0:\nfineprint:x:%s:\n' "$UID_GID" >"$mnt/etc/group"
  printf 'hosts: files dns\n' >"$mnt/etc/nsswitch.conf"
  buildah umount "$ctr" >/dev/null
  buildah config \
    --user "$UID_GID:$UID_GID" \
    --entrypoint "[\"/usr/local/bin/$base\"]" \
    --cmd '[]' \
    --workingdir / \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --env FINEPRINT_DESCRIPTOR_SET=/etc/fineprint/fineprint_descriptor_set.pb \
    --label org.opencontainers.image.title="fineprint-$name" \
    --label org.opencontainers.image.source=https://github.com/fineprint/fineprint \
    --label io.fineprint.binary="/usr/local/bin/$base" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "localhost/fineprint-$name:$TAG" >/dev/null
  trap - RETURN
  echo "built localhost/fineprint-$name:$TAG ($(du -sh --apparent-size "$bin/$binary" | cut -f1) binary)"
}

main() {
  local want=("$@") rows targets=()
  rows="$(image_rows)"
  local name target binary
  while read -r name target binary; do
    if ((${#want[@]})) && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
    targets+=("$target")
  done <<<"$rows"
  ((${#targets[@]})) || { echo "no such image: ${want[*]}" >&2; exit 2; }
  bazel build -c opt "${targets[@]}" //protos:fineprint_descriptor_set \
    //infra/images:fineprint_healthcheck
  local bin; bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
  while read -r name target binary; do
    if ((${#want[@]})) && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
    build_image "$name" "$binary" "$bin"
  done <<<"$rows"
}

main "$@"
