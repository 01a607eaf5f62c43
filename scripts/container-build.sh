#!/usr/bin/env bash
# Build the connector image with podman: `bash scripts/container-build.sh [TAG]` (default
# airbyte/source-posthog:dev). Where no container registry is reachable, the python:3.11-slim base is
# made once with debootstrap from the Debian mirror and tagged under the official name, so the
# unmodified Dockerfile builds with --pull=never. Needs root and podman, runc, debootstrap
# (`apt-get install -y podman buildah runc debootstrap`). Base ~50 s once; cached rebuild ~2 s.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${1:-airbyte/source-posthog:dev}
BASE=docker.io/library/python:3.11-slim
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/scripts/containers.conf}

debian_mirror() {
  # The first deb URI apt uses here, so debootstrap reaches the same mirror as apt-get.
  sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1
}

make_base_image() {
  local rootfs mirror
  rootfs=$(mktemp -d /tmp/python-slim-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' RETURN
  mirror=$(debian_mirror)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "container-build: building $BASE with debootstrap from $mirror" >&2
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$rootfs" "$mirror" >/dev/null
  chroot "$rootfs" ln -sf /usr/bin/python3 /usr/local/bin/python
  rm -f "$rootfs"/usr/lib/python3.11/EXTERNALLY-MANAGED
  tar -C "$rootfs" -c . | podman import --quiet --change 'CMD ["python3"]' - "$BASE" >/dev/null
}

if ! command -v podman >/dev/null; then
  echo "container-build: podman not found; install it with: apt-get install -y podman buildah runc debootstrap" >&2
  exit 2
fi
if ! podman image exists "$BASE"; then
  if ! timeout 60 podman pull --quiet "$BASE" >/dev/null 2>&1; then
    make_base_image
  fi
fi
podman build --quiet --pull=never -t "$TAG" . >/dev/null
echo "container-build: built $TAG" >&2
