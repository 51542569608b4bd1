#!/usr/bin/env bash
# The replica test (tests/e2e/test_replicas.py) puts Debian's nginx in front of the app. Install it
# when it is missing and we are allowed to; it is only run as a child of the test, never as a
# system service.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "The replica test needs nginx: install Debian's 'nginx' package (it is skipped without)." >&2
  exit 0
fi
echo "Installing nginx for the replica test (apt-get)..." >&2
$SUDO apt-get update -qq
# The test runs its own nginx in the foreground, with its own config; it never uses a system one.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
