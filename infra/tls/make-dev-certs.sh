#!/usr/bin/env bash
# Makes a development CA and one certificate per name, with openssl.
#
#   infra/tls/make-dev-certs.sh OUT_DIR [NAME...]
#
# OUT_DIR/ca.pem (+ ca.key) is the CA every party trusts; NAME.pem and
# NAME.key are NAME's certificate (SAN DNS:NAME, usable as server and as
# client) and key. A NAME ending in "@localhost" (e.g. edge@localhost)
# gets the SANs DNS:localhost and IP:127.0.0.1 as well, for servers that
# clients reach by address (the HTTPS edge, PostgreSQL, Kafka); its files
# are still NAME.pem / NAME.key without the suffix.
#
# Without NAMEs: the services of infra/launcher/mesh.tsv, the edge's client
# certificate (edge), the HTTPS edge's server certificate
# (edge-https@localhost), postgres@localhost and kafka@localhost.
# An existing CA is kept, so certificates made later (rotation) chain to
# the same root; existing certificates are replaced. Keys are EC P-256.
# For development only: production certificates come from the
# deployment's own CA (docs/deployment.md).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
OUT="$1"; shift
DAYS="${FINEPRINT_CERT_DAYS:-825}"
names=("$@")
if ((${#names[@]} == 0)); then
  mesh="$(dirname "${BASH_SOURCE[0]}")/../launcher/mesh.tsv"
  while IFS=$'\t' read -r name _; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    names+=("$name")
  done <"$mesh"
  names+=(edge edge-https@localhost postgres@localhost kafka@localhost)
fi

mkdir -p "$OUT"
umask 077
if [[ ! -s "$OUT/ca.pem" || ! -s "$OUT/ca.key" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$OUT/ca.key" -out "$OUT/ca.pem" -days "$DAYS" \
    -subj "/O=Fineprint development/CN=Fineprint development CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

for spec in "${names[@]}"; do
  name="${spec%@localhost}"
  san="DNS:$name"
  if [[ "$spec" == *@localhost ]]; then san+=",DNS:localhost,IP:127.0.0.1"; fi
  tmp="$(mktemp -d)"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$tmp/key.pem" -out "$tmp/req.pem" \
    -subj "/O=Fineprint development/CN=$name" 2>/dev/null
  cat >"$tmp/ext.cnf" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san
EXT
  openssl x509 -req -in "$tmp/req.pem" -CA "$OUT/ca.pem" -CAkey "$OUT/ca.key" \
    -CAcreateserial -CAserial "$OUT/ca.srl" -days "$DAYS" -sha256 \
    -extfile "$tmp/ext.cnf" -out "$tmp/cert.pem" 2>/dev/null
  # Key first, then certificate, each by rename: a reader that re-reads on
  # SIGHUP or on a timer sees whole files.
  mv -f "$tmp/key.pem" "$OUT/$name.key"
  mv -f "$tmp/cert.pem" "$OUT/$name.pem"
  rm -rf "$tmp"
done
# Keys stay private to their owner; certificates and the CA are public.
chmod 644 "$OUT"/*.pem
echo "$OUT"
