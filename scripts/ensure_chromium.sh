#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser builds
# everywhere). Install it when it is missing and we are allowed to.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
"$(dirname "$0")/apt_install.sh" \
  "The browser tests need Chromium at /usr/bin/chromium: install Debian's 'chromium' package." \
  chromium fonts-dejavu-core
