#!/usr/bin/env bash
# apt-get install the named Debian packages, one installer at a time: the set-up scripts may run
# side by side (chromium, docker.io, debootstrap), and apt's lists lock is not covered by
# DPkg::Lock::Timeout, so they queue on a lock file of their own.
set -eu
exec 9>/var/lock/pipewright-apt.lock
flock -w 900 9
apt-get -o DPkg::Lock::Timeout=300 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@"
