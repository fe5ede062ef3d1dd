#!/bin/sh
# Debian's Chromium for the browser tests and the PDF (they drive it with pip Playwright;
# Playwright's own browser download is never used), and poppler-utils, whose pdftotext reads
# the PDF back in its test.  Installed here when missing and run as root, as on CI's fresh
# Debian machine; otherwise this says what to do.
set -e
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ] && command -v pdftotext >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "browser tests: $CHROMIUM or pdftotext is missing; install them as root: apt-get install chromium fonts-liberation fonts-dejavu-core poppler-utils" >&2
    exit 1
fi
echo "browser tests: installing Debian's chromium and poppler-utils"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-liberation fonts-dejavu-core poppler-utils >/dev/null
"$CHROMIUM" --version
