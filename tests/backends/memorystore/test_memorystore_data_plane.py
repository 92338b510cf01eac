"""The data-plane checks against a real redis-server presented the way Memorystore presents an instance: TLS only with
a per-instance CA (trustme's here), AUTH with the generated string, and the commands Memorystore blocks gone (renamed
away, so COMMAND INFO cannot probe them either). The verifier reads only the stack's outputs — the `settings` the
memorystore component exports and its `ca_certificate` — and must pass without asking which backend it talks to.

What this cannot show: the real service's certificate names and its exact blocked-command behaviour; see
docs/memorystore.md ("What is proven how").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
import trustme

from infra.results import CheckResult, passed
from infra.verify import run as verify
from infra.backends.memorystore import redis_configs, service
from infra.backends.memorystore.outputs import CA_CERTIFICATE
from infra.config.redis import RedisSettings
from support.redis_server import RedisServer, TLSFiles

pytestmark = pytest.mark.integration
AUTH_STRING = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"  # the shape of a Memorystore AUTH string (a UUID)
# What the example stack file sets (Pulumi.memorystore.yaml): the rest of the model keeps its defaults.
STACK_REDIS = RedisSettings.model_validate({"maxmemoryPolicy": "allkeys-lru", "timeout": 0, "lazyfree": True,
                                            "disabledCommands": ["CONFIG"]})


def memorystore_conf(configs: dict[str, str]) -> str:
    """A redis.conf with what the instance is given (its redisConfigs) and what the service fixes: AUTH, no AOF,
    its blocked commands absent."""
    lines = [f"{name} {value}" for name, value in configs.items()]
    lines += ["port 6379", f"dir {Path.cwd()}", f"requirepass {AUTH_STRING}", "appendonly no", 'save ""',
              "maxmemory 64mb"]
    lines += [f'rename-command {command} ""' for command in sorted(service.BLOCKED_COMMANDS)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def instance_ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[TLSFiles, str]:
    directory = tmp_path_factory.mktemp("memorystore-ca")
    ca = trustme.CA(organization_name="Google", organization_unit_name="Memorystore per-instance CA")
    cert = ca.issue_cert("127.0.0.1")
    files = TLSFiles(cert=directory / "server.pem", key=directory / "server.key", ca=directory / "ca.pem")
    cert.cert_chain_pems[0].write_to_path(str(files.cert))
    cert.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    return files, ca.cert_pem.bytes().decode()


@pytest.fixture(scope="module")
def instance(instance_ca, tmp_path_factory: pytest.TempPathFactory):
    configs, _ = redis_configs.render(STACK_REDIS)
    files, _ = instance_ca
    with RedisServer(memorystore_conf(configs), tmp_path_factory.mktemp("memorystore"), tls=files) as server:
        yield server


def outputs(server: RedisServer, ca_pem: str, **changes: Any) -> dict[str, Any]:
    """The memorystore stack's outputs as `pulumi stack output --json --show-secrets` prints them, pointed at the
    test server (the instance's address is private; its port is 6378, here a free one)."""
    found = {"backend": "memorystore", "host": "127.0.0.1", "port": server.port, "tls": True,
             "password": AUTH_STRING, "settings": redis_configs.effective_settings(STACK_REDIS),
             CA_CERTIFICATE: ca_pem}
    return {**found, **changes}


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def test_the_server_presents_itself_like_memorystore(instance, instance_ca):
    client = instance.client(AUTH_STRING)
    assert client.ping()
    for command in ("CONFIG", "COMMAND", "CLIENT"):
        with pytest.raises(redis.ResponseError, match="unknown command"):
            client.execute_command(command, "HELP")
    with pytest.raises(redis.AuthenticationError):
        instance.client().get("any")


def test_the_stacks_outputs_pass_every_data_plane_check(instance, instance_ca):
    _, ca_pem = instance_ca
    results = verify.run_all(outputs(instance, ca_pem), plane="data")
    checks = by_name(results)
    assert passed(results), results
    assert checks["tls"].status == "pass" and "verified" in checks["tls"].detail
    assert checks["tls_only"].status == "pass" and checks["auth_enforced"].status == "pass"
    # Blocked commands count as absent without a probe (COMMAND itself is blocked there).
    assert checks["dangerous_commands"].status == "pass"
    assert checks["eviction_policy"].status == "pass"
    # What the service manages is skipped with its reason, not compared with a promise the stack cannot make.
    assert checks["maxmemory"].status == "skip" and "memorySizeGb" in checks["maxmemory"].detail
    assert checks["aof"].status == "skip"
    assert AUTH_STRING not in repr(results)


def test_without_the_instance_ca_the_certificate_is_not_trusted(instance, instance_ca):
    results = verify.run_all({k: v for k, v in outputs(instance, "").items() if k != CA_CERTIFICATE}, plane="data")
    assert by_name(results)["tls"].status == "fail"
    assert "not trusted" in by_name(results)["tls"].detail


def test_a_ca_bundle_with_the_next_ca_too_still_verifies(instance, instance_ca):
    """During a CA rotation the instance lists two CAs; the exported bundle holds both."""
    _, ca_pem = instance_ca
    bundle = trustme.CA().cert_pem.bytes().decode() + ca_pem
    assert passed(verify.run_all(outputs(instance, bundle), plane="data"))


def test_a_wrong_auth_string_fails_ping(instance, instance_ca):
    _, ca_pem = instance_ca
    results = verify.run_all(outputs(instance, ca_pem, password="wrong-" + AUTH_STRING), plane="data")
    assert by_name(results)["ping"].status == "fail"
    assert AUTH_STRING not in repr(results)
