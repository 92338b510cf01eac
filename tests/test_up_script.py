"""`make up`'s logic (scripts/up.sh) against stub `pulumi`/`docker` executables, then the real verifier.

The stubs record every call with the environment that matters (backend URL, passphrase); `pulumi stack output`
answers with outputs pointing at a real redis-server booted from the dev container's config, so the verification
step at the end is real.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from stack_harness import REPO_ROOT

DEV_PASSPHRASE = "profwise-dev-only-passphrase"
PULUMI_STUB = """#!/bin/bash
echo "pulumi $* | backend=${PULUMI_BACKEND_URL:-} passphrase=${PULUMI_CONFIG_PASSPHRASE:-}" >> "$STUB_LOG"
case "$1 $2" in
  "whoami "*) exit "${STUB_WHOAMI_RC:-1}" ;;  # 1: not logged in
  "stack select") exit 1 ;;
  "stack output") cat "$STUB_OUTPUTS" ;;
esac
exit 0
"""
DOCKER_STUB = """#!/bin/bash
echo "docker $*" >> "$STUB_LOG"
[ "$1" = info ] && exit "${STUB_DOCKER_INFO_RC:-0}"  # non-zero: the engine is not running
exit 0
"""


def make_stubs(tmp_path: Path, with_pulumi: bool = True, with_docker: bool = True) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body, wanted in (("pulumi", PULUMI_STUB, with_pulumi), ("docker", DOCKER_STUB, with_docker)):
        if wanted:
            (bin_dir / name).write_text(body)
            (bin_dir / name).chmod(0o755)
    return bin_dir


def system_tools(tmp_path: Path) -> Path:
    """/usr/bin and /bin as one directory of links, less the tools the stubs stand for: a `docker` or `pulumi` the
    machine has (Debian's docker.io installs /usr/bin/docker) must not answer for a stub a test leaves out."""
    tools = tmp_path / "system-bin"
    tools.mkdir()
    for directory in (Path("/usr/bin"), Path("/bin")):
        for entry in directory.iterdir():
            link = tools / entry.name
            if entry.name not in ("docker", "pulumi") and not link.exists() and not link.is_symlink():
                link.symlink_to(entry)
    return tools


def run_up(tmp_path: Path, bin_dir: Path, outputs: dict | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs or {}))
    full_env = {"PATH": f"{bin_dir}:{system_tools(tmp_path)}", "HOME": str(tmp_path),
                "STUB_LOG": str(tmp_path / "calls.log"), "STUB_OUTPUTS": str(outputs_file),
                "VENV": str(Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv"))),
                "PROFWISE_STATE_DIR": str(tmp_path / "state"), **env}
    return subprocess.run(["bash", str(REPO_ROOT / "scripts" / "up.sh")], capture_output=True, text=True,
                          env=full_env, cwd=REPO_ROOT, timeout=120)


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_missing_pulumi_says_how_to_install(tmp_path):
    done = run_up(tmp_path, make_stubs(tmp_path, with_pulumi=False))
    assert done.returncode != 0
    assert "Pulumi CLI is not installed" in done.stderr and "get.pulumi.com" in done.stderr


def test_missing_docker_says_how_to_install(tmp_path):
    done = run_up(tmp_path, make_stubs(tmp_path, with_docker=False))
    assert done.returncode != 0
    assert "Docker is not installed" in done.stderr
    assert not any(" up " in c for c in calls(tmp_path))


def test_a_docker_engine_that_is_not_running_stops_make_up(tmp_path):
    done = run_up(tmp_path, make_stubs(tmp_path), STUB_DOCKER_INFO_RC="1")
    assert done.returncode != 0
    assert "engine is not reachable ('docker info' failed)" in done.stderr and "start Docker" in done.stderr
    assert "docker info" in calls(tmp_path)
    assert not any(c.startswith("pulumi ") for c in calls(tmp_path)), "nothing runs after it"


def test_up_deploys_dev_with_local_state_and_dev_passphrase_then_verifies(tmp_path, dev_server):
    server, password = dev_server
    outputs = {"backend": "docker", "host": "127.0.0.1", "port": server.port, "tls": False, "password": password}
    done = run_up(tmp_path, make_stubs(tmp_path), outputs)
    assert done.returncode == 0, done.stdout + done.stderr
    log = calls(tmp_path)
    state = f"backend=file://{tmp_path / 'state'} passphrase={DEV_PASSPHRASE}"
    assert f"pulumi stack init dev --secrets-provider=passphrase | {state}" in log
    assert f"pulumi up --yes --stack dev --policy-pack policy | {state}" in log
    assert any(c.startswith("pulumi stack output --json --show-secrets --stack dev") for c in log)
    assert "verification passed" in done.stdout
    assert password not in done.stdout + done.stderr


def test_failed_verification_fails_make_up(tmp_path, dev_server):
    server, _ = dev_server
    outputs = {"host": "127.0.0.1", "port": server.port, "password": "Wrong-Password-123456"}
    done = run_up(tmp_path, make_stubs(tmp_path), outputs)
    assert done.returncode == 1
    assert "verification FAILED" in done.stdout


@pytest.mark.parametrize(("env", "message"), [
    ({"STACK": "prod", "PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE}, "refusing to use the dev-only passphrase"),
    ({"STACK": "prod"}, "needs its own secrets passphrase"),
])
def test_dev_passphrase_is_never_used_for_other_stacks(tmp_path, env, message):
    done = run_up(tmp_path, make_stubs(tmp_path), **env)
    assert done.returncode != 0
    assert message in done.stderr
    assert not any(" up " in c for c in calls(tmp_path))


def test_an_existing_login_is_used_instead_of_the_local_file_backend(tmp_path, dev_server):
    """`pulumi whoami` succeeds: the backend you are logged in to is used, no file backend is set."""
    server, password = dev_server
    outputs = {"host": "127.0.0.1", "port": server.port, "password": password}
    done = run_up(tmp_path, make_stubs(tmp_path), outputs, STUB_WHOAMI_RC="0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pulumi up --yes --stack dev --policy-pack policy | backend= passphrase={DEV_PASSPHRASE}" in calls(tmp_path)
    assert "local file backend" not in done.stdout and not (tmp_path / "state").exists()


def test_existing_login_and_passphrase_are_respected(tmp_path, dev_server):
    server, password = dev_server
    outputs = {"host": "127.0.0.1", "port": server.port, "password": password}
    done = run_up(tmp_path, make_stubs(tmp_path), outputs, PULUMI_BACKEND_URL="s3://team-state",
                  PULUMI_CONFIG_PASSPHRASE="team-passphrase")
    assert done.returncode == 0, done.stderr
    assert "pulumi up --yes --stack dev --policy-pack policy | backend=s3://team-state passphrase=team-passphrase" \
        in calls(tmp_path)
