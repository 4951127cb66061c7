#!/usr/bin/env bash
# Builds medsec's two container images from the Containerfiles beside this script:
# medsec:TAG (medsec serve) and medsec-sensor:TAG (medsec sensor). Both are FROM scratch:
# the static binary (CGO_ENABLED=0; the CJK font and the time zones are built in), the
# system's CA bundle for SMTP, LDAP and NATS over TLS, and an empty /tmp.
#
#   deploy/container/build.sh [TAG]      # TAG defaults to "latest"
#
# MEDSEC_BINARY names a binary already built instead of building one; CONTAINER_ENGINE
# picks podman or docker (podman when both are there). Nothing is pulled from a registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tag="${1:-latest}"
engine="${CONTAINER_ENGINE:-$(command -v podman || command -v docker || true)}"
if [ -z "$engine" ]; then
	echo "build.sh: neither podman nor docker is installed" >&2
	exit 1
fi
ca=/etc/ssl/certs/ca-certificates.crt
if [ ! -r "$ca" ]; then
	echo "build.sh: $ca is missing (Debian: apt-get install ca-certificates)" >&2
	exit 1
fi
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp" "$ctx/data"
chmod 1777 "$ctx/rootfs/tmp"
chmod 0700 "$ctx/data"
if [ -n "${MEDSEC_BINARY:-}" ]; then
	install -m 0755 "$MEDSEC_BINARY" "$ctx/rootfs/usr/local/bin/medsec"
else
	(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$ctx/rootfs/usr/local/bin/medsec" ./cmd/medsec)
fi
install -m 0644 "$ca" "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"
for role in medsec medsec-sensor; do
	"$engine" build --quiet -f "$here/$role.Containerfile" -t "$role:$tag" "$ctx"
done
