#!/usr/bin/env bash
# `make up`: deploy a stack (dev by default) with safe local defaults, then verify it.
#   - state: a git-ignored file backend in ./.pulumi-state, unless PULUMI_BACKEND_URL is set or you are logged in;
#   - secrets: a fixed dev-only passphrase for the dev stack only, unless you give one; never for another stack;
#   - the Pulumi CLI: PATH's when it is new enough, else a pinned one installed into the project (infra/tooling/pulumi_cli.py).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STACK="${STACK:-dev}"
PY="${VENV:-.venv}/bin/python"
DEV_PASSPHRASE="profwise-dev-only-passphrase"
STATE_DIR="${PROFWISE_STATE_DIR:-$ROOT/.pulumi-state}"

die() { echo "error: $*" >&2; exit 1; }

# Whether the stack's backend needs a Docker engine here, from the same reader `check` and the tests use: a missing,
# unreadable or malformed stack file stops here with its one-line reason (file, line, fix), before anything is
# installed or deployed.
if ! needs_docker=$("$PY" -m infra.tooling.stack_info needs-docker "$STACK" 2>&1); then
  die "$needs_docker"
fi

# The Pulumi CLI: PATH's if it is 3.238+ (a failed post-deploy verification fails `pulumi up` only from there), else
# one installed into the project (.pulumi-cli/) by the Automation API; offline, the exact command to run instead.
PULUMI_DIR=$("$PY" -m infra.tooling.pulumi_cli) || exit 1
[ -n "$PULUMI_DIR" ] && export PATH="$PULUMI_DIR:$PATH"

if [ "$needs_docker" = yes ]; then
  command -v docker >/dev/null 2>&1 || die "Docker is not installed: see https://docs.docker.com/get-docker/"
  docker info >/dev/null 2>&1 || die "Docker is installed but its engine is not reachable ('docker info' failed):
  start Docker Desktop or the docker service, then re-run 'make up'."
fi

if [ -z "${PULUMI_BACKEND_URL:-}" ] && ! pulumi whoami >/dev/null 2>&1; then
  mkdir -p "$STATE_DIR"
  export PULUMI_BACKEND_URL="file://$STATE_DIR"
  echo "==> state: local file backend ($PULUMI_BACKEND_URL)"
fi

if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ "$STACK" = dev ]; then
    export PULUMI_CONFIG_PASSPHRASE="$DEV_PASSPHRASE"
    echo "==> secrets: the dev-only passphrase (set PULUMI_CONFIG_PASSPHRASE to use your own)"
  elif [[ "${PULUMI_BACKEND_URL:-}" == file://* ]]; then
    die "stack '$STACK' needs its own secrets passphrase: export PULUMI_CONFIG_PASSPHRASE (or _FILE).
  The dev-only passphrase is never used for any stack but dev."
  fi
elif [ "$STACK" != dev ] && [ "${PULUMI_CONFIG_PASSPHRASE:-}" = "$DEV_PASSPHRASE" ]; then
  die "refusing to use the dev-only passphrase for stack '$STACK': choose a real one."
fi

if ! pulumi stack select "$STACK" >/dev/null 2>&1; then
  echo "==> creating stack $STACK"
  if [ -n "${PULUMI_CONFIG_PASSPHRASE:-}${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    pulumi stack init "$STACK" --secrets-provider=passphrase
  else
    pulumi stack init "$STACK"
  fi
fi

echo "==> pulumi up (stack $STACK, compliance pack ./policy applied: a violation stops the update)"
pulumi up --yes --stack "$STACK" --policy-pack policy

echo "==> verifying the deployment"
"$PY" -m infra.cli verify --stack "$STACK"
