#!/bin/sh
# Debian's Chromium for the browser tests (they drive it with pip Playwright; Playwright's own
# browser download is never used).  Installed here when missing and run as root, as on CI's
# fresh Debian machine; otherwise the tests cannot run and this says what to do.
set -e
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "browser tests: $CHROMIUM is missing; install it as root: apt-get install chromium fonts-liberation fonts-dejavu-core" >&2
    exit 1
fi
echo "browser tests: installing Debian's chromium"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-liberation fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
