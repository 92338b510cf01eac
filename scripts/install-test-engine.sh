#!/usr/bin/env bash
# What the engine tests need besides Python packages (tests/docker_engine.py, tests/standin_image.py):
#   - a Docker engine: the one `PROFWISE_TEST_DOCKER_HOST` names or `docker info` reaches; otherwise `dockerd`, from
#     Debian's docker.io, which the tests start privately as root and stop again (CI: a clean machine, as root);
#   - busybox (busybox-static) and setpriv (util-linux) for the offline stand-in image, unless that engine already has
#     the pinned image;
#   - OpenSSH's sshd and ssh (openssh-server, openssh-client) for the selfhosted stack's tests, which deploy over
#     ssh:// to a private sshd on 127.0.0.1 (tests/support/sshd.py), and a docker CLI with `system dial-stdio`
#     (docker.io) for that sshd's forced command.
# Installs with apt what is missing; says what to do where it cannot.
set -euo pipefail

engine_reachable() {
  [ -n "${PROFWISE_TEST_DOCKER_HOST:-}" ] && return 0
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}
have_dockerd() { command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ]; }

missing=()
command -v busybox >/dev/null 2>&1 || missing+=(busybox-static)
{ command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ]; } || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
if { ! engine_reachable && ! have_dockerd; } || ! command -v docker >/dev/null 2>&1; then
  missing+=(docker.io)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: the engine tests need ${missing[*]} and apt-get is not available here: start Docker ('docker info'" \
       "must succeed) and install busybox with your package manager, then re-run 'make test'." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if [[ " ${missing[*]} " == *" docker.io "* ]]; then
    # A private dockerd needs root; without it, the tests can only use an engine that is already running.
    echo "error: no Docker engine is reachable ('docker info' failed): start Docker, or set" \
         "PROFWISE_TEST_DOCKER_HOST=unix:///path/to/docker.sock, or run 'make test' as root (it then installs" \
         "docker.io and the tests start a private dockerd)." >&2
    exit 1
  fi
  command -v sudo >/dev/null 2>&1 || { echo "error: installing ${missing[*]} needs root (no sudo found)" >&2; exit 1; }
  SUDO="sudo"
fi
echo "==> installing ${missing[*]} with apt-get (for the engine tests)"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once if the first attempt cannot find the packages.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $SUDO apt-get update -q >/dev/null
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
# Where systemd runs, Debian starts the docker service on install: the tests then use that engine (`docker info`
# reaches it); elsewhere they start their own private dockerd.
