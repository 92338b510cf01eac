"""`make up`'s logic (scripts/up.sh) against stub `pulumi`/`docker` executables, then the real verifier.

The stubs record every call with the environment that matters (backend URL, passphrase); `pulumi stack output`
answers with outputs pointing at a real redis-server booted from the dev container's config, so the verification
step at the end is real. Hermetic: PATH holds only the stubs and links to the few tools up.sh itself uses, so no
`docker` or `pulumi` installed on this machine can answer instead of a stub; the project's Pulumi CLI directory is a
temp dir, and any download of the Pulumi installer is refused (a proxy that is a closed local port).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from support.stack_harness import REPO_ROOT

pytestmark = pytest.mark.integration  # scripts/up.sh as a subprocess, verifying a real redis-server

DEV_PASSPHRASE = "profwise-dev-only-passphrase"
PULUMI_STUB = """#!/bin/bash
[ "$1" = version ] && { echo "v${STUB_PULUMI_VERSION:-3.272.0}"; exit 0; }
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


# What scripts/up.sh and the stubs run besides bash builtins, `pulumi`, `docker` and the venv's python.
TOOLS = ("dirname", "ls", "sed", "grep", "tr", "mkdir", "cat")


def write_stub(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(0o755)
    return path


def make_stubs(tmp_path: Path, with_pulumi: bool = True, with_docker: bool = True) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body, wanted in (("pulumi", PULUMI_STUB, with_pulumi), ("docker", DOCKER_STUB, with_docker)):
        if wanted:
            write_stub(bin_dir / name, body)
    return bin_dir


def tools_dir(tmp_path: Path) -> Path:
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in TOOLS:
        found = shutil.which(name)
        assert found, f"{name} is needed to run scripts/up.sh"
        (tools / name).symlink_to(found)
    return tools


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when this returns: a connection there is refused


def run_up(tmp_path: Path, bin_dir: Path, outputs: dict | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(outputs or {}))
    refused = f"http://127.0.0.1:{closed_port()}"
    full_env = {"PATH": f"{bin_dir}:{tools_dir(tmp_path)}", "HOME": str(tmp_path),
                "STUB_LOG": str(tmp_path / "calls.log"), "STUB_OUTPUTS": str(outputs_file),
                "VENV": str(Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv"))),
                "PROFWISE_STATE_DIR": str(tmp_path / "state"), "PROFWISE_PULUMI_ROOT": str(tmp_path / "pulumi-cli"),
                "https_proxy": refused, "HTTPS_PROXY": refused, "http_proxy": refused, "HTTP_PROXY": refused, **env}
    return subprocess.run([shutil.which("bash") or "/bin/bash", str(REPO_ROOT / "scripts" / "up.sh")],
                          capture_output=True, text=True, env=full_env, cwd=REPO_ROOT, timeout=120)


def calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


INSTALL = "curl -fsSL https://get.pulumi.com/install.sh | sh -s -- --install-root"


@pytest.mark.parametrize(("with_pulumi", "version", "found"), [
    (False, None, "no pulumi on PATH"),
    (True, "3.237.0", "pulumi 3.237.0 on PATH is too old"),  # a failing after-hook would only warn there
    (True, "4.0.0", "pulumi 4.0.0 on PATH is too old"),  # not the major version this SDK speaks
])
def test_without_a_usable_pulumi_offline_make_up_stops_with_the_install_command(tmp_path, with_pulumi, version, found):
    env = {"STUB_PULUMI_VERSION": version} if version else {}
    done = run_up(tmp_path, make_stubs(tmp_path, with_pulumi=with_pulumi), **env)
    assert done.returncode == 1
    assert found in done.stderr and "needs 3.238.0+" in done.stderr
    assert f"{INSTALL} '{tmp_path / 'pulumi-cli'}' --version 3.272.0 --no-edit-path" in done.stderr
    assert calls(tmp_path) == [], "nothing runs after it"


@pytest.mark.parametrize("version", ["3.238.0", "3.300.1"])
def test_a_pulumi_on_path_at_the_floor_or_newer_is_used(tmp_path, dev_server, version):
    server, password = dev_server
    outputs = {"host": "127.0.0.1", "port": server.port, "password": password}
    done = run_up(tmp_path, make_stubs(tmp_path), outputs, STUB_PULUMI_VERSION=version)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"pulumi {version} on PATH" in done.stderr
    assert not (tmp_path / "pulumi-cli").exists()


def test_an_old_pulumi_on_path_gives_way_to_the_projects_own_cli(tmp_path, dev_server):
    """The pinned CLI already installed into the project (an earlier `make up`): used, not downloaded again."""
    server, password = dev_server
    project_cli = write_stub(tmp_path / "pulumi-cli" / "bin" / "pulumi",
                             PULUMI_STUB.replace("pulumi $*", "project-pulumi $*").replace("${STUB_PULUMI_VERSION:-"
                                                                                             "3.272.0}", "3.272.0"))
    outputs = {"host": "127.0.0.1", "port": server.port, "password": password}
    done = run_up(tmp_path, make_stubs(tmp_path), outputs, STUB_PULUMI_VERSION="3.200.0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"using Pulumi 3.272.0 installed in {project_cli.parent.parent}" in done.stderr
    log = calls(tmp_path)
    assert any(c.startswith("project-pulumi up --yes --stack dev") for c in log), log
    assert not any(c.startswith("pulumi ") for c in log), "the old CLI on PATH is never run for a deployment"
    assert any(c.startswith("project-pulumi stack output") for c in log), "the verifier runs the project's CLI too"


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
