#!/usr/bin/env bash
# One TLS certificate for every node of the cluster: tls/cert.pem and tls/key.pem
# beside this script, self-signed for the host name clients use (default localhost),
# and tls/site.pem (the two in one file, as HAProxy wants them) for the balancer,
# which presents the same certificate.
#
#   ./make-cert.sh chat.example.org
#
# Clients pin this certificate's fingerprint: make it once and give the same files
# to every node and to HAProxy (a new certificate makes every client ask again). Your
# own certificate (e.g. from Let's Encrypt) works too: put it in the same files
# (site.pem: cat cert.pem key.pem > site.pem).
set -euo pipefail

host="${1:-localhost}"
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tls"

if [[ -e "$dir/cert.pem" || -e "$dir/key.pem" || -e "$dir/site.pem" ]]; then
  echo "$dir already holds a certificate; move it away first (clients have pinned it)." >&2
  exit 1
fi

mkdir -p "$dir"
(
  umask 077
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem"
  # HAProxy takes the certificate and its key from one file.
  cat "$dir/cert.pem" "$dir/key.pem" > "$dir/site.pem"
)
chmod 600 "$dir/key.pem" "$dir/site.pem"
chmod 644 "$dir/cert.pem"

# The nodes run as the image's `node` user (uid 1000), and compose.yaml runs HAProxy
# as uid 1000 too: the key files must be theirs to read.
if [[ "$(id -u)" == 0 ]]; then
  chown 1000:1000 "$dir/key.pem" "$dir/site.pem"
elif [[ "$(id -u)" != 1000 ]]; then
  echo "Note: the nodes and HAProxy read the key as uid 1000; on Linux run: sudo chown 1000 $dir/key.pem $dir/site.pem" >&2
fi

echo "Made $dir/cert.pem, $dir/key.pem and $dir/site.pem for $host."
openssl x509 -in "$dir/cert.pem" -noout -fingerprint -sha256
