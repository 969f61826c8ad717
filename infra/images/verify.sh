#!/usr/bin/env bash
# Checks the images infra/images/build.sh made, without running a container
# (crun's setrlimit is refused on these machines): each image is mounted
# with `podman image mount` and its binaries run under chroot, so a missing
# shared library, loader or data file fails here as it would in a pod.
#
#   infra/images/verify.sh [name...]    # default: every service and the edge
#
# Per image: the entrypoint's --help and --helpfull run and print flags, fineprint_healthcheck
# runs, the configured user is non-root, and there is no shell.
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG="${FINEPRINT_IMAGE_TAG:-dev}"
names=("$@")
if ((${#names[@]} == 0)); then
  mapfile -t names < <(awk -F'\t' '!/^#/ && NF >= 6 { print $1 }' infra/launcher/mesh.tsv)
  names+=(edge)
fi

passed=0 failed=0
fail() { echo "FAIL $1: $2" >&2; }

for name in "${names[@]}"; do
  image="localhost/fineprint-$name:$TAG"
  if ! podman image exists "$image"; then
    fail "$name" "no image $image"; failed=$((failed + 1)); continue
  fi
  user="$(podman image inspect --format '{{.Config.User}}' "$image")"
  entry="$(podman image inspect --format '{{index .Config.Entrypoint 0}}' "$image")"
  mnt="$(podman image mount "$image")"
  ok=1
  if [[ "${user%%:*}" == "" || "${user%%:*}" == 0 || "${user%%:*}" == root ]]; then
    fail "$name" "runs as '$user'"; ok=0
  fi
  for sh in bin/sh bin/bash usr/bin/sh usr/bin/bash; do
    if [[ -e "$mnt/$sh" ]]; then fail "$name" "has a shell: /$sh"; ok=0; fi
  done
  [[ -s "$mnt/etc/ssl/certs/ca-certificates.crt" ]] || { fail "$name" "no CA certificates"; ok=0; }
  [[ -s "$mnt/etc/fineprint/fineprint_descriptor_set.pb" ]] || { fail "$name" "no descriptor set"; ok=0; }
  # Abseil's --help and --helpfull exit 1 after printing; a missing library
  # exits 127 with the loader's message. --help names only main's flags
  # (none), so the runtime's flags are looked for in --helpfull. Run as the
  # image's user.
  set +e
  help="$(chroot --userspec="$user" "$mnt" "$entry" --help 2>&1)"
  help_rc=$?
  out="$(chroot --userspec="$user" "$mnt" "$entry" --helpfull 2>&1)"
  rc=$?
  probe="$(chroot --userspec="$user" "$mnt" /usr/local/bin/fineprint_healthcheck --help 2>&1)"
  probe_rc=$?
  set -e
  if [[ $help_rc -gt 1 ]] || ! grep -q -- "--helpfull" <<<"$help"; then
    fail "$name" "$entry --help exited $help_rc: $(head -c 400 <<<"$help")"; ok=0
  fi
  if [[ $rc -gt 1 ]] || ! grep -q -- "-admin_port" <<<"$out"; then
    fail "$name" "$entry --helpfull exited $rc: $(head -c 400 <<<"$out")"; ok=0
  fi
  if [[ $probe_rc -ne 0 ]] || ! grep -q usage <<<"$probe"; then
    fail "$name" "fineprint_healthcheck --help exited $probe_rc: $probe"; ok=0
  fi
  podman image unmount "$image" >/dev/null
  if ((!ok)); then
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
    echo "ok   $image  user $user  $entry --help ok, --helpfull $(grep -c -- '^    --' <<<"$out") flags  size $(podman image inspect --format '{{.Size}}' "$image" | numfmt --to=iec)"
  fi
done
echo "images: $passed passed, $failed failed"
((failed == 0))
