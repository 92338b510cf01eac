"""The data-plane verification against a real redis-server presented the way DigitalOcean presents a Valkey node:
TLS only on port 25061, a certificate the client verifies (trustme's CA standing in for Let's Encrypt, which the
system trust store would hold), a password for the user `default`, and the settings the Valkey config promises.
The connection values are the stack outputs the component produces under the mock engine, with the host swapped for
the loopback address the stand-in listens on (DigitalOcean's host names do not resolve here)."""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any, Iterator

import pytest
import redis
import trustme
from redis.backoff import NoBackoff
from redis.retry import Retry

from do_support import deploy
from infra import contract
from infra.results import FAIL, PASS, WARN, passed
from infra.verify import run as verify
from infra.backends.digitalocean import mocks, valkey_config
from infra.config.redis import RedisSettings
from support.redis_server import RedisServer, TLSFiles

pytestmark = pytest.mark.integration


def _loopback_with_free_service_port() -> str:
    """127.a.b.c where DigitalOcean's port is free: the service's own port, without colliding with anything else
    that listens on this machine (Linux routes all of 127.0.0.0/8 to the loopback interface)."""
    rng = random.Random()
    for _ in range(50):
        address = f"127.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        with socket.socket() as sock:
            try:
                sock.bind((address, mocks.PORT))
            except OSError:
                continue
            return address
    raise RuntimeError(f"no loopback address with port {mocks.PORT} free")


def _conf(address: str, password: str, redis_settings: RedisSettings) -> str:
    """What the stack asks of the node: valkey_config's values, written as the directives a Valkey node runs."""
    rendered = valkey_config.render(redis_settings)
    return "\n".join([
        f"bind {address}", f"port {mocks.PORT}", "dir /tmp", f"requirepass {password}",
        f"maxmemory-policy {rendered['valkey_maxmemory_policy']}", f"timeout {rendered['timeout']}",
        "save 600 1", "appendonly no", "maxmemory 256mb"])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RedisServer, str, Path]]:
    address = _loopback_with_free_service_port()
    directory = tmp_path_factory.mktemp("do-tls")
    ca = trustme.CA()
    cert = ca.issue_cert(address)
    files = TLSFiles(cert=directory / "server.pem", key=directory / "server.key", ca=directory / "ca.pem")
    cert.cert_chain_pems[0].write_to_path(str(files.cert))
    cert.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    server = RedisServer(_conf(address, mocks.PASSWORD, RedisSettings()), directory / "node", tls=files,
                         port=mocks.PORT)
    with server:
        yield server, address, files.ca


@pytest.fixture(scope="module")
def outputs(service) -> dict[str, Any]:
    """The stack's outputs (the real program on Pulumi.digitalocean.yaml, mock engine), pointed at the stand-in."""
    run = deploy()
    _, address, _ = service
    assert (run.outputs[contract.PORT], run.outputs[contract.PASSWORD]) == (mocks.PORT, mocks.PASSWORD)
    return {**run.outputs, contract.HOST: address}


def test_the_data_plane_checks_pass_against_a_node_presented_like_the_service(outputs, service):
    results = verify.run_all(outputs, plane="data", timeout=5, ca_cert=str(service[2]))
    by_name = {r.name: r for r in results}
    assert passed(results), [(r.name, r.status, r.detail) for r in results]
    for name in ("reachable", "tls", "tls_only", "auth_enforced", "ping", "eviction_policy", "round_trip"):
        assert by_name[name].status == PASS, by_name[name]
    assert by_name["eviction_policy"].detail == "maxmemory-policy allkeys-lru"
    assert by_name["dangerous_commands"].status == WARN  # nothing can be disabled on DigitalOcean
    assert mocks.PASSWORD not in repr(results)


def test_the_certificate_is_verified_not_just_encrypted(outputs):
    results = verify.run_all(outputs, plane="data", timeout=5, ca_cert=None)  # the system store lacks trustme's CA
    tls = next(r for r in results if r.name == "tls")
    assert tls.status == FAIL and not passed(results)


def test_the_user_default_authenticates_and_no_one_else(outputs, service):
    _, address, ca = service
    # No retries: redis-py retries a refused AUTH three times with backoff by default.
    common = {"host": address, "port": mocks.PORT, "ssl": True, "ssl_ca_certs": str(ca), "socket_timeout": 5,
              "retry": Retry(NoBackoff(), 0)}
    with redis.Redis(username=mocks.USER, password=mocks.PASSWORD, **common) as client:
        assert client.acl_whoami() == "default"
    with redis.Redis(password=mocks.PASSWORD, **common) as client:  # what REDIS_PASSWORD alone does: AUTH <password>
        assert client.ping()
    with redis.Redis(username=mocks.USER, password="wrong-password-0123456789", **common) as client:
        with pytest.raises(redis.AuthenticationError):
            client.ping()


def test_a_wrong_promise_is_caught(outputs, service):
    promised = {**outputs, contract.SETTINGS: {**outputs[contract.SETTINGS], "maxmemory-policy": "volatile-ttl"}}
    results = verify.run_all(promised, plane="data", timeout=5, ca_cert=str(service[2]))
    (eviction,) = [r for r in results if r.name == "eviction_policy"]
    assert eviction.status == FAIL and "volatile-ttl" in eviction.detail
