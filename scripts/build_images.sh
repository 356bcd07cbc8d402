#!/usr/bin/env bash
# Build the step image pipewright/python-ml:1 unless one built from the same recipe exists.
# Offline path (default): debootstrap a minimal Debian with the packages in
# images/python-ml/packages.txt and `docker import` it. With DOCKERFILE=1: `docker build`
# from images/python-ml/Dockerfile (needs a registry).
set -eu
cd "$(dirname "$0")/.."
name=pipewright/python-ml:1
recipe=$(cat images/python-ml/packages.txt images/python-ml/Dockerfile scripts/build_images.sh | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "pipewright.recipe" }}' "$name" 2>/dev/null || true)
if [ "$have" = "$recipe" ]; then echo "images: $name is up to date (recipe $recipe)"; exit 0; fi
if [ "${DOCKERFILE:-0}" = 1 ]; then
  docker build --label "pipewright.recipe=$recipe" -t "$name" images/python-ml
  exit 0
fi
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
mirror=$(grep -h -o -m1 'http[s]*://[^ ]*debian/*$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/pipewright-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
pkgs=$(grep -v '^#' images/python-ml/packages.txt | paste -sd, -)
echo "images: building $name offline with debootstrap from $mirror (about two minutes)..."
start=$(date +%s)
debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" >/tmp/pipewright-debootstrap.log 2>&1 \
  || { echo "images: debootstrap failed, see /tmp/pipewright-debootstrap.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  --change "LABEL pipewright.recipe=$recipe" \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1 MPLCONFIGDIR=/tmp HOME=/tmp' \
  --change 'WORKDIR /tmp' \
  - "$name" >/dev/null
echo "images: built $name in $(( $(date +%s) - start )) s"
