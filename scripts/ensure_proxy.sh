#!/usr/bin/env bash
# The replica test (tests/e2e/test_replicas.py) puts Debian's nginx in front of the app. Install it
# when it is missing and we are allowed to; it is only run as a child of the test, never as a
# system service (the test runs its own nginx in the foreground, with its own config).
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
"$(dirname "$0")/apt_install.sh" \
  "The replica test needs nginx: install Debian's 'nginx' package (it is skipped without)." \
  nginx || [ $? = 3 ]  # without root or sudo the replica test skips, saying why
