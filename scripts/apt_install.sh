#!/usr/bin/env bash
# Install Debian packages with apt-get, as root or through sudo: `apt_install.sh WHY PACKAGE...`.
# Exits 3 when neither is available (the caller decides whether that is fatal), after printing WHY.
set -euo pipefail
why="$1"
shift
if [ "$(id -u)" = 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "$why" >&2
  exit 3
fi
echo "Installing $* (apt-get)..." >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
