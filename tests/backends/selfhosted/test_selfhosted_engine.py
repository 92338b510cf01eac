"""The selfhosted stack, applied for real to a Docker engine reached only over SSH, then used as the app and the
operator use it.

An OpenSSH server on 127.0.0.1 (tests/support/sshd.py) stands for the app's server: its key's forced command dials
the test engine (a private dockerd, tests/support/docker_engine.py), so every Docker call of this module goes
through `ssh … docker system dial-stdio`, as the pulumi-docker provider's `host: ssh://…` does. An "existing" app
network is created first (as compose or Coolify would); the real program is evaluated under the mock engine with
real TLS material (tests/support/tls_mocks.py) and its volume and container applied over SSH
(tests/support/docker_provider.py). Then: healthy, nothing published, hardened as declared, TLS only, the
certificate verifies against the exported CA for `redis`, an app container on the network reaches `redis:6379` with
TLS and the password; `verify`, `backup` and `restore` pass through the tunnel from the outputs, and so does the
deploy hook; a renewed certificate replaces the container and the data stays.
"""

from __future__ import annotations

import io
import json
import secrets
import socket
import ssl
import tarfile
from typing import Any, Iterator

import docker
import pytest
import redis
from cryptography import x509

from infra import contract, tunnel
from infra.backends.selfhosted import CONTAINER_TYPE
from infra.backends.selfhosted.hardening import memory_limit_mb
from infra.config import redis_tls
from infra.config.redis import RedisSettings
from support import sshd
from support.docker_fixtures import LABEL, SESSION, password_overrides
from support.docker_provider import Provider
from support.hook_support import invoke_after_create
from support.ops_support import run_cli
from support.stack_harness import run_stack
from support.tls_mocks import COMPUTED as REAL_TLS

pytestmark = pytest.mark.integration  # a real engine, sshd, ssh and CLI subprocesses

PASSWORD = "Selfhosted0Test0Password0" + secrets.token_hex(4)


@pytest.fixture(scope="module")
def server(docker_session) -> Iterator[sshd.SshServer]:
    started = sshd.start(docker_session.url)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def over_ssh(server, tmp_path_factory) -> Iterator[docker.DockerClient]:
    """The Docker SDK over ssh:// (paramiko: one SSH transport, a channel per HTTP connection; its shell-ssh mode
    breaks pooled connections). Paramiko reads `~/.ssh/config` and `~/.ssh/known_hosts`, so HOME points at a
    directory holding this server's client config for the module's duration."""
    home = tmp_path_factory.mktemp("home")
    (home / ".ssh").mkdir(mode=0o700)
    (home / ".ssh" / "config").write_text(server.ssh_config.read_text())
    (home / ".ssh" / "known_hosts").write_text((server.root / "known_hosts").read_text())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        client = docker.DockerClient(base_url=server.engine, version="auto", timeout=120)
        yield client
        client.close()


def _overrides(server: sshd.SshServer, names: str, network: str, **tls: Any) -> dict[str, Any]:
    extra, _ = password_overrides(PASSWORD)
    return {"selfhosted": {"host": server.engine, "sshOpts": server.ssh_opts, "networkName": network,
                           "containerName": f"{names}-redis", "volumeName": f"{names}-data",
                           "tls": {"validityDays": 90, "renewBeforeDays": 30, **tls}}, **extra}


def _run(server, names, network, **tls):
    _, stack_secrets = password_overrides(PASSWORD)
    return run_stack("server", overrides=_overrides(server, names, network, **tls), secrets=stack_secrets,
                     computed=REAL_TLS)


@pytest.fixture(scope="module")
def deployed(server, over_ssh, redis_image, tmp_path_factory):
    names = f"pwtest-{SESSION}-sh"
    network = over_ssh.networks.create(f"{names}-app", driver="bridge", labels=dict([LABEL]))
    provider = Provider(over_ssh, redis_image.id, LABEL)
    run = _run(server, names, network.name)
    deployment = provider.apply_joined(run)
    outputs_file = tmp_path_factory.mktemp("outputs") / "outputs.json"
    outputs_file.write_text(json.dumps(run.outputs))
    outputs_file.chmod(0o600)
    state = {"run": run, "deployment": deployment, "network": network, "provider": provider,
             "outputs": str(outputs_file), "names": names}
    yield state
    for container in over_ssh.containers.list(all=True, filters={"label": f"{LABEL[0]}={LABEL[1]}"}):
        container.remove(force=True)
    over_ssh.volumes.get(f"{names}-data").remove(force=True)
    network.remove()


def _inspect(over_ssh, deployed) -> dict[str, Any]:
    return over_ssh.api.inspect_container(deployed["deployment"].container_id)


def test_the_container_runs_on_the_engine_reached_over_ssh(server, over_ssh, deployed):
    state = _inspect(over_ssh, deployed)["State"]
    assert state["Health"]["Status"] == "healthy"
    assert "forced-command" in server.log() and "dial-stdio" in server.log()  # every call went through sshd


def test_nothing_is_published_and_it_answers_as_redis_on_the_joined_network(over_ssh, deployed):
    settings = _inspect(over_ssh, deployed)["NetworkSettings"]
    assert all(not bound for bound in (settings["Ports"] or {}).values()), settings["Ports"]
    assert list(settings["Networks"]) == [deployed["network"].name]  # the default bridge left, as the provider does
    assert "redis" in settings["Networks"][deployed["network"].name]["Aliases"]


def test_the_container_is_hardened_as_declared(over_ssh, deployed, docker_session):
    host = _inspect(over_ssh, deployed)["HostConfig"]
    limit = memory_limit_mb(RedisSettings(maxmemory="512mb").maxmemory) * 1024 * 1024
    assert host["Memory"] == limit and host["MemorySwap"] == limit
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert host["SecurityOpt"] == ["no-new-privileges:true"] and host["RestartPolicy"]["Name"] == "always"
    assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}}
    # `docker exec` hijacks its connection, which docker-py's shell-ssh transport breaks (a broken pipe): the
    # inspection runs on the same engine through its socket.
    container = docker_session.client.containers.get(deployed["deployment"].container_id)
    status = container.exec_run(["cat", "/proc/1/status"]).output.decode()
    assert "Uid:\t999" in status and "CapBnd:\t0000000000000000" in status and "NoNewPrivs:\t1" in status
    listing = container.exec_run(["ls", "-ln", redis_tls.TLS_DIR, "/usr/local/etc/redis"]).output.decode()
    modes = {line.split()[-1]: line.split()[:4] for line in listing.splitlines() if line.startswith("-")}
    assert modes["server.key"][0] == "-rw-------" and modes["redis.conf"][0] == "-rw-------", listing
    assert modes["server.crt"][0] == "-rw-r--r--" and modes["ca.crt"][0] == "-rw-r--r--", listing
    assert all(mode[2:4] == ["999", "1000"] for mode in modes.values()), listing


@pytest.fixture(scope="module")
def app(docker_session, deployed, redis_image):
    """A second container on the app's network: the app's view of Redis (through the engine's socket: it execs)."""
    container = docker_session.client.containers.run(
        redis_image.id, ["sh", "-c", "sleep 600"], entrypoint=[], detach=True, network=deployed["network"].name,
        user="999:1000", labels=dict([LABEL]))
    data = deployed["run"].outputs[contract.CA_CERTIFICATE].encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("ca.crt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    container.put_archive("/tmp", buffer.getvalue())
    yield container
    container.remove(force=True)


def test_the_app_reaches_redis_6379_with_tls_and_the_password(app, deployed):
    env = deployed["run"].outputs[contract.APP_ENV]
    assert env["REDIS_HOST"] == "redis" and env["REDIS_PORT"] == "6379" and env["REDIS_TLS"] == "true"
    assert env[contract.APP_ENV_CA_KEY] == deployed["run"].outputs[contract.CA_CERTIFICATE]
    done = app.exec_run(["redis-cli", "--tls", "--cacert", "/tmp/ca.crt", "-h", env["REDIS_HOST"], "-p",
                         env["REDIS_PORT"], "ping"], environment={"REDISCLI_AUTH": env["REDIS_PASSWORD"]})
    assert done.output.decode().strip() == "PONG"
    plain = app.exec_run(["redis-cli", "-h", "redis", "-p", "6379", "ping"],
                         environment={"REDISCLI_AUTH": env["REDIS_PASSWORD"]})
    assert "PONG" not in plain.output.decode()


@pytest.fixture(scope="module")
def opened(deployed) -> Iterator[tunnel.Tunnel]:
    spec = tunnel.TunnelSpec.from_output(deployed["run"].outputs[contract.SSH_TUNNEL])
    opened = tunnel.open_tunnel(spec)
    yield opened
    opened.close()


def test_plaintext_through_the_tunnel_gets_no_reply(opened):
    with socket.create_connection(("127.0.0.1", opened.local_port), timeout=10) as plain:
        plain.sendall(b"PING\r\n")
        try:
            reply = plain.recv(64)
        except (ConnectionResetError, socket.timeout):
            reply = b""
    assert b"PONG" not in reply


def test_the_certificate_verifies_against_the_exported_ca_for_redis(deployed, opened):
    context = ssl.create_default_context(cadata=deployed["run"].outputs[contract.CA_CERTIFICATE])
    with socket.create_connection(("127.0.0.1", opened.local_port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="redis") as wrapped:
        served = x509.load_der_x509_certificate(wrapped.getpeercert(binary_form=True))
    names = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"redis", "localhost"} <= set(names.get_values_for_type(x509.DNSName))
    with socket.create_connection(("127.0.0.1", opened.local_port), timeout=10) as raw, \
            pytest.raises(ssl.SSLCertVerificationError):
        context.wrap_socket(raw, server_hostname="not-redis.example.com")
    with socket.create_connection(("127.0.0.1", opened.local_port), timeout=10) as raw, \
            pytest.raises(ssl.SSLCertVerificationError):
        ssl.create_default_context().wrap_socket(raw, server_hostname="redis")  # the system CAs do not trust it


def test_verify_backup_and_restore_pass_through_the_tunnel(deployed, opened, tmp_path):
    client = redis.Redis(host="127.0.0.1", port=opened.local_port, password=PASSWORD, ssl=True,
                         ssl_ca_data=deployed["run"].outputs[contract.CA_CERTIFICATE], socket_timeout=10)
    client.set("selfhosted:kept", "yes")
    verified = run_cli("verify", "--outputs", deployed["outputs"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert PASSWORD not in verified.stdout + verified.stderr
    backup = run_cli("backup", "--outputs", deployed["outputs"], "--dest", str(tmp_path), "--label", "server")
    assert backup.returncode == 0, backup.stdout + backup.stderr
    rdb = next(tmp_path.glob("server-*.rdb"))
    client.delete("selfhosted:kept")
    restored = run_cli("restore", "--outputs", deployed["outputs"], str(rdb), "--yes", "--force")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert client.get("selfhosted:kept") == b"yes"


def test_the_deploy_hook_verifies_through_the_tunnel(server, deployed, recorder):
    run_stack("server", overrides=_overrides(server, deployed["names"], deployed["network"].name),
              secrets=password_overrides(PASSWORD)[1], computed=REAL_TLS)
    assert invoke_after_create(recorder, CONTAINER_TYPE, deployed["deployment"].inputs) == ""


def test_a_renewed_certificate_replaces_the_container_and_keeps_the_data(server, over_ssh, deployed, opened):
    old_ca = deployed["run"].outputs[contract.CA_CERTIFICATE]
    with redis.Redis(host="127.0.0.1", port=opened.local_port, password=PASSWORD, ssl=True, ssl_ca_data=old_ca,
                     socket_timeout=10) as client:
        client.set("selfhosted:survives", "rotation")
        old_serial = _served_serial(opened.local_port, old_ca)
    renewed = _run(server, deployed["names"], deployed["network"].name, rotation="2026-12")
    _, deployment = deployed["provider"].replace(deployed["deployment"], renewed)
    deployed["deployment"] = deployment
    new_ca = renewed.outputs[contract.CA_CERTIFICATE]
    with tunnel.reach(renewed.outputs) as reachable:  # the replaced container may have a new address
        port = reachable[contract.PORT]
        assert _served_serial(port, new_ca) != old_serial
        with redis.Redis(host="127.0.0.1", port=port, password=PASSWORD, ssl=True, ssl_ca_data=new_ca,
                         socket_timeout=10) as client:
            assert client.get("selfhosted:survives") == b"rotation"


def _served_serial(port: int, ca: str) -> int:
    context = ssl.create_default_context(cadata=ca)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname="localhost") as wrapped:
        return x509.load_der_x509_certificate(wrapped.getpeercert(binary_form=True)).serial_number
