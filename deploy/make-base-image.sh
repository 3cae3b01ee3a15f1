#!/usr/bin/env bash
# Make the base image deploy/Dockerfile starts FROM (docker.io/library/debian:12-slim)
# available to podman:
#   - already in local storage: nothing to do;
#   - a registry answers: pull it;
#   - no registry (these build machines reach only Debian's package mirror): build a
#     minimal Debian 12 root with debootstrap --variant=minbase, trim what a slim image
#     leaves out (apt lists, docs, man pages, locales), and import it under that name.
# Usage: deploy/make-base-image.sh [PODMAN...]   (default: podman --storage-driver vfs)
set -euo pipefail
PODMAN=("${@:-podman}")
[ $# -gt 0 ] || PODMAN=(podman --storage-driver vfs)
NAME=docker.io/library/debian:12-slim
if "${PODMAN[@]}" image exists "$NAME"; then
    echo "base: $NAME present"; exit 0
fi
if timeout 60 "${PODMAN[@]}" pull -q "$NAME" >/dev/null 2>&1; then
    echo "base: pulled $NAME"; exit 0
fi
echo "base: no registry; building $NAME with debootstrap --variant=minbase bookworm"
root=$(mktemp -d /tmp/ww-deb12-XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" >"$root.log" 2>&1 || { tail -20 "$root.log"; exit 1; }
rm -f "$root.log"
# what debian:12-slim does not carry either
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
       "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/log/apt/*
chmod 755 "$root" # mktemp made it 0700: the image's / must be searchable by uid 10001
tar -C "$root" -c . | "${PODMAN[@]}" import - "$NAME" >/dev/null
echo "base: imported $NAME ($("${PODMAN[@]}" image inspect --format '{{.Size}}' "$NAME") bytes)"
