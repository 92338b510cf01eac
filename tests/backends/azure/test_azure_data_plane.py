"""The data-plane verification against a real redis-server presented the way Azure Managed Redis presents itself:
the stack's own host name (`<cluster>.<region>.redis.azure.net`, resolved as the private DNS zone would, to a
loopback address), port 10000 with TLS only, a certificate for that name from a CA (trustme) the machine does not
trust by default, AUTH with the access key, and the service's blocked commands absent. The outputs are the mock
engine's outputs of the shipped stack file, so this is what `verify` does with a real azure stack's outputs.

Port 10000 is the service's, so the server binds a random 127.x.y.z address (all of 127/8 is loopback on Linux)
rather than a free port: nothing else on the machine can hold that address and port, and a collision is retried.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest
import trustme

from infra import results as words
from infra.backends.azure import database_config
from infra.endpoint import Target
from infra.results import CheckResult, passed
from infra.verify import run as verify
from support.redis_server import RedisServer, TLSFiles
from support.azure import run_azure

pytestmark = pytest.mark.integration
_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(scope="module")
def outputs():
    return dict(run_azure().outputs)


def _loopback_with_port_10000_free() -> str:
    for _ in range(50):
        address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((address, database_config.PORT))
            except OSError:
                continue
        return address
    raise RuntimeError("no loopback address with port 10000 free")


def _serve(tmp_path: Path, host: str, key: str, tls: bool = True, extra: str = "") -> tuple[RedisServer, str, Path]:
    address = _loopback_with_port_10000_free()
    tmp_path.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    files = TLSFiles(cert=tmp_path / "server.pem", key=tmp_path / "server.key", ca=tmp_path / "ca.pem")
    issued = ca.issue_cert(host)
    issued.cert_chain_pems[0].write_to_path(str(files.cert))
    issued.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    # The service blocks these itself ("ERR unknown command"): renamed away, they are unknown here too.
    blocked = "\n".join(f'rename-command {name} ""' for name in database_config.RESTRICTED_COMMANDS)
    conf = (f"port 6379\ndir {tmp_path}\nbind {address}\nrequirepass {key}\nmaxmemory 64mb\n"
            "maxmemory-policy allkeys-lru\n"
            f"appendonly yes\n{blocked}\n{extra}")
    server = RedisServer(conf, tmp_path / "redis", tls=files if tls else None, port=database_config.PORT)
    return server.start(), address, files.ca


@pytest.fixture
def resolve(monkeypatch):
    """Point the stack's host name at an address, as the privatelink.redis.azure.net zone does inside the VNet."""
    def point(host: str, address: str) -> None:
        def getaddrinfo(name, *args, **kwargs):  # noqa: ANN001
            return _real_getaddrinfo(address if name == host else name, *args, **kwargs)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return point


def _results(outputs, ca: Path | None) -> dict[str, CheckResult]:
    target = Target.from_outputs(outputs, timeout=3.0, ca_cert=str(ca) if ca else None)
    return {result.name: result for result in verify.run_checks(target)}


def test_verify_passes_against_a_server_presented_like_the_service(outputs, tmp_path, resolve):
    server, address, ca = _serve(tmp_path, outputs["host"], outputs["password"])
    try:
        resolve(outputs["host"], address)
        results = _results(outputs, ca)
    finally:
        server.stop()
    statuses = {name: result.status for name, result in results.items()}
    # What this verifier cannot compare on the service: the SKU sets maxmemory and persistence is not in INFO (both
    # skip with the `managed` reason); the disabled commands are ones the service blocks itself (absent unprobed);
    # one access key, no admin user (principals skips, saying the operations use the app's password).
    assert {n: s for n, s in statuses.items() if s != words.PASS} == {
        "maxmemory": words.SKIP, "aof": words.SKIP, "cluster": words.SKIP, "principals": words.SKIP}
    assert "no admin user" in results["principals"].detail
    assert results["maxmemory"].detail.startswith(database_config.MANAGED["maxmemory"])
    assert results["aof"].detail == database_config.MANAGED["appendonly"]
    assert results["dangerous_commands"].detail == "SHUTDOWN, REPLICAOF, MODULE blocked by the service for every client"
    assert passed(list(results.values())), statuses
    for name in ("reachable", "tls", "tls_only", "auth_enforced", "ping", "eviction_policy", "round_trip"):
        assert statuses[name] == words.PASS, (name, results[name].detail)
    assert f"certificate for {outputs['host']} verified" in results["tls"].detail
    assert outputs["password"] not in repr(results)


def test_verify_fails_when_the_ca_is_not_given(outputs, tmp_path, resolve):
    server, address, _ = _serve(tmp_path, outputs["host"], outputs["password"])
    try:
        resolve(outputs["host"], address)
        results = _results(outputs, None)
    finally:
        server.stop()
    assert results["tls"].status == words.FAIL and "not trusted" in results["tls"].detail


def test_verify_fails_on_a_wrong_key_and_on_a_plaintext_port(outputs, tmp_path, resolve):
    server, address, ca = _serve(tmp_path / "a", outputs["host"], "Another0Key0Than0The0Stacks0Own0Key")
    try:
        resolve(outputs["host"], address)
        assert _results(outputs, ca)["ping"].status == words.FAIL
    finally:
        server.stop()
    server, address, ca = _serve(tmp_path / "b", outputs["host"], outputs["password"], tls=False)
    try:
        resolve(outputs["host"], address)
        assert _results(outputs, ca)["tls"].status == words.FAIL
    finally:
        server.stop()
