#!/usr/bin/env bash
# Make sure a redis-server >= 7 is on PATH for the test suite: install Debian's package when missing.
set -euo pipefail

version_ok() {
  command -v redis-server >/dev/null 2>&1 || return 1
  local major
  major=$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')
  [ "${major:-0}" -ge 7 ]
}

# redis-tools brings redis-cli and redis-benchmark (`make bench` compares against the latter).
version_ok && command -v redis-cli >/dev/null 2>&1 && command -v redis-benchmark >/dev/null 2>&1 && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the tests need redis-server 7 (and redis-tools), and apt-get is not available here." >&2
  echo "       Install Redis 7 with your package manager (e.g. 'brew install redis'), then re-run 'make test'." >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: installing redis-server needs root (no sudo found)" >&2; exit 1; }
  SUDO="sudo"
fi
echo "==> installing redis-server and redis-tools with apt-get"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once if the first attempt cannot find the package.
$SUDO apt-get install -y -q --no-install-recommends redis-server redis-tools >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends redis-server redis-tools >/dev/null
}
# Debian starts a system service on install where systemd runs; the tests start their own servers on free ports.
version_ok || { echo "error: redis-server >= 7 is still not available after installing" >&2; exit 1; }
redis-server --version
