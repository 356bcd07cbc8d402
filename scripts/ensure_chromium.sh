#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the Playwright browser tests.
set -u
if [ -x /usr/bin/chromium ]; then echo "chromium: present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "chromium: /usr/bin/chromium missing; install the chromium package" >&2; exit 1; fi
echo "chromium: installing Debian's chromium package..."
bash "$(dirname "$0")/apt_install.sh" chromium >/dev/null \
  || { echo "chromium: apt-get install chromium failed" >&2; exit 1; }
echo "chromium: installed"
