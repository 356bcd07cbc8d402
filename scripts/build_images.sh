#!/usr/bin/env bash
# Build the step image pipewright/python-ml:1 unless one built from the same recipe exists.
# Offline path (default): debootstrap a minimal Debian with the packages in
# images/python-ml/packages.txt and `docker import` it. With DOCKERFILE=1: `docker build`
# from images/python-ml/Dockerfile (needs a registry). Wheels in images/python-ml/wheels.txt (what
# Debian does not package, e.g. pyarrow for Parquet) go into the offline image from PyPI with uv.
set -eu
cd "$(dirname "$0")/.."
name=${PIPEWRIGHT_IMAGE_NAME:-pipewright/python-ml:1}
recipe=$(cat images/python-ml/packages.txt images/python-ml/wheels.txt images/python-ml/Dockerfile scripts/build_images.sh | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "pipewright.recipe" }}' "$name" 2>/dev/null || true)
if [ "$have" = "$recipe" ]; then echo "images: $name is up to date (recipe $recipe)"; exit 0; fi
if [ "${DOCKERFILE:-0}" = 1 ]; then
  docker build --label "pipewright.recipe=$recipe" -t "$name" images/python-ml
  exit 0
fi
command -v debootstrap >/dev/null || bash "$(dirname "$0")/apt_install.sh" debootstrap >/dev/null
mirror=$(grep -h -o -m1 'http[s]*://[^ ]*debian/*$' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v security | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/pipewright-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
pkgs=$(grep -v '^#' images/python-ml/packages.txt | paste -sd, -)
echo "images: building $name offline with debootstrap from $mirror (about two minutes)..."
start=$(date +%s)
debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" >/tmp/pipewright-debootstrap.log 2>&1 \
  || { echo "images: debootstrap failed, see /tmp/pipewright-debootstrap.log" >&2; exit 1; }
if grep -q '^[^#]' images/python-ml/wheels.txt; then
  uv=${UV:-.venv/bin/uv}
  [ -x "$uv" ] || { echo "images: $uv is missing (make .venv/.installed installs it)" >&2; exit 1; }
  py=$(chroot "$root" python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  "$uv" pip install -q --no-deps --target "$root/usr/local/lib/python$py/dist-packages" \
    --python-version "$py" --python-platform "$(uname -m)-manylinux_2_28" -r images/python-ml/wheels.txt
fi
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import \
  --change "LABEL pipewright.recipe=$recipe" \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1 MPLCONFIGDIR=/tmp HOME=/tmp' \
  --change 'WORKDIR /tmp' \
  - "$name" >/dev/null
echo "images: built $name in $(( $(date +%s) - start )) s"
