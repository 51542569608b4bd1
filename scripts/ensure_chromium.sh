#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser builds
# everywhere). Install it when it is missing and we are allowed to.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "The browser tests need Chromium at /usr/bin/chromium: install Debian's 'chromium' package." >&2
  exit 1
fi
echo "Installing Chromium for the browser tests (apt-get)..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
