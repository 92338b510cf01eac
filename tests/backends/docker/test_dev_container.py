"""The container the dev stack declares, on a real Docker engine: healthy, unprivileged, private, and operable.

One container per module (tests/support/docker_fixtures.py `deployer`): the real program's recorded inputs, applied the
way pulumi-docker applies them, with this session's names and a free host port. Then what `make up` promises is checked
on it from the host, as a user would: through the port published on 127.0.0.1, with the CLI and the deploy hook.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess

import pytest
import redis

from support.hook_support import invoke_after_create
from infra.config import redis_conf
from infra.backends.docker import CONTAINER_TYPE
from support.ops_support import assert_same, capture, fill, run_cli, write_outputs
from support.stack_harness import run_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def deployed(deployer):
    return deployer()


def in_container(docker_session, deployed, command: str) -> str:
    result = docker_session.client.containers.get(deployed.container_id).exec_run(["sh", "-c", command])
    assert result.exit_code == 0, result.output
    return result.output.decode()


def test_healthy_within_the_declared_wait_timeout(deployed, docker_session):
    state = docker_session.client.api.inspect_container(deployed.container_id)["State"]
    assert state["Running"] and state["Health"]["Status"] == "healthy"
    assert deployed.deployment.healthy_after <= deployed.deployment.inputs["waitTimeout"]


def test_the_engine_holds_what_the_program_declared(deployed, docker_session, redis_image):
    inspected = docker_session.client.api.inspect_container(deployed.container_id)
    config, host = inspected["Config"], inspected["HostConfig"]
    assert inspected["Image"] == redis_image.id and config["Cmd"] == ["redis-server", redis_conf.CONTAINER_CONF_PATH]
    assert config["Healthcheck"]["Test"] == ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
    assert f"REDISCLI_AUTH={deployed.password}" in config["Env"]
    assert host["RestartPolicy"]["Name"] == "unless-stopped" and host["SecurityOpt"] == ["no-new-privileges:true"]
    assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}
    assert host["Binds"] == [f"{deployed.deployment.volume_name}:/data:rw"]
    (network, endpoint), = inspected["NetworkSettings"]["Networks"].items()  # its own network only, not `bridge`
    assert network == deployed.run.outputs["network_name"] and "redis" in endpoint["Aliases"]


def test_redis_runs_as_uid_999_with_its_config_0600_owned_by_redis(deployed, docker_session):
    status = in_container(docker_session, deployed, "cat /proc/1/status")
    assert re.search(r"^Uid:\s+999\s+999\s+999\s+999$", status, re.M), status
    assert re.search(r"^Gid:\s+1000\s+1000\s+1000\s+1000$", status, re.M), status
    assert in_container(docker_session, deployed, "cat /proc/1/comm").strip() == "redis-server"
    conf = redis_conf.CONTAINER_CONF_PATH
    assert in_container(docker_session, deployed, f"stat -c '%a %u:%g' {conf}").split() == ["600", "999:1000"]
    # what Redis writes under /data is its own and, with the entrypoint's umask 0077, no one else's
    data = in_container(docker_session, deployed, "stat -c '%a %u' /data/appendonlydir")
    assert data.split() == ["700", "999"]


def host_addresses() -> list[str]:
    """This machine's own non-loopback IPv4 addresses."""
    done = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, check=False)
    found = re.findall(r"\binet (\d+\.\d+\.\d+\.\d+)/", done.stdout)
    return [a for a in found if not a.startswith("127.")]


def test_the_port_is_published_on_loopback_only_and_auth_is_required(deployed, docker_session):
    ports = docker_session.client.api.inspect_container(deployed.container_id)["NetworkSettings"]["Ports"]
    assert ports == {"6379/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(deployed.port)}]}
    for address in host_addresses():  # this machine's other addresses: nothing listens there
        with socket.socket() as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, deployed.port)) != 0, address
    with pytest.raises(redis.AuthenticationError, match="NOAUTH|Authentication required"):
        deployed.client().ping()
    assert deployed.client(deployed.password).ping()


def test_the_deploy_hook_passes_with_the_real_containers_outputs(deployed, provider, recorder):
    run_stack("dev", overrides=deployed.run_overrides)  # the same stack again, its hook recorded
    real = provider.outputs(deployed.container_id)
    assert real["ports"] == [{"internal": 6379, "external": deployed.port, "ip": "127.0.0.1", "protocol": "tcp"}]
    assert invoke_after_create(recorder, CONTAINER_TYPE, real) == ""


def test_verify_and_health_pass_against_it(deployed, tmp_path):
    outputs = write_outputs(tmp_path / "outputs.json", deployed.run.outputs)
    verify = run_cli("verify", "--outputs", outputs, "--wait", "30")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "verification passed" in verify.stdout and deployed.password not in verify.stdout + verify.stderr
    health = run_cli("health", "--outputs", outputs, "--json")
    assert health.returncode == 0, health.stdout + health.stderr
    assert deployed.password not in health.stdout + health.stderr


def test_backup_and_restore_bring_every_key_back(deployed, tmp_path):
    client = deployed.client(deployed.password, socket_timeout=30)
    fill(client, n_strings=1000)
    outputs = write_outputs(tmp_path / "outputs.json", deployed.run.outputs)
    backup = run_cli("backup", "--outputs", outputs, "--dest", str(tmp_path / "backups"), "--label", "dev", "--json")
    assert backup.returncode == 0, backup.stdout + backup.stderr
    expected = capture(client)  # after the backup: reading a value resets its idle time, which the backup keeps
    report = json.loads(backup.stdout)
    assert report["manifest"]["keys"] == len(expected.keys)
    # The loss the backup is for: every key and the function library gone (FLUSHALL is disabled: one by one).
    for key in client.scan_iter(count=1000):
        client.unlink(key)
    client.function_delete("profwise")
    assert client.dbsize() == 0
    restore = run_cli("restore", "--outputs", outputs, report["file"], "--yes", "--json")
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert json.loads(restore.stdout)["restored"] == len(expected.keys)
    # The container reaches this machine only at its network's gateway: the address it sees the tool at.
    assert json.loads(restore.stdout)["method"] == "replication", restore.stderr
    assert_same(expected, capture(client))
