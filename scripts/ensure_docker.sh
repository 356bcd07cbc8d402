#!/usr/bin/env bash
# Make sure a Docker engine answers. Installs and starts one when missing and we are root.
# Exit 0 when `docker info` answers; exit 1 (with the reason) otherwise.
set -u
log=${PIPEWRIGHT_VAR:-var}/dockerd.log
if docker info >/dev/null 2>&1; then echo "docker: engine answers"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "docker: no engine answers and we are not root; start Docker yourself (or set DOCKER_HOST)" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing docker.io from Debian (about a minute)..."
  bash "$(dirname "$0")/apt_install.sh" docker.io >/dev/null \
    || { echo "docker: apt-get install docker.io failed" >&2; exit 1; }
fi
mkdir -p "$(dirname "$log")"
echo "docker: starting dockerd (no bridge network: steps run with network off), log in $log"
nohup dockerd --iptables=false --bridge=none --storage-driver=overlay2 >"$log" 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "docker: engine up"; exit 0; fi
  sleep 1
done
echo "docker: dockerd did not answer within 60 s; see $log" >&2
exit 1
