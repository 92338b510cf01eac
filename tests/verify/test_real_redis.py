"""A real redis-server 7 booted with exactly the dev container's redis.conf and command (only dir and port changed)."""

from __future__ import annotations

import pytest
import redis

from conftest import container_boot
from infra.verify.checks import command_present
from support.redis_server import RedisServer


@pytest.mark.integration
def test_unauthenticated_ping_is_refused(dev_server):
    server, _ = dev_server
    with pytest.raises(redis.AuthenticationError, match="(?i)authentication required"):
        server.client().ping()


@pytest.mark.integration
def test_wrong_password_is_refused(dev_server):
    server, _ = dev_server
    with pytest.raises(redis.AuthenticationError):
        server.client("not-the-password").ping()


@pytest.mark.integration
def test_authenticated_ping_answers(dev_server):
    server, password = dev_server
    assert server.client(password).ping() is True


@pytest.mark.integration
def test_info_shows_the_configured_settings(dev_server, dev_run):
    server, password = dev_server
    client = server.client(password)
    settings = dev_run.outputs["settings"]
    memory, persistence = client.info("memory"), client.info("persistence")
    assert memory["maxmemory"] == settings["maxmemory"] == 512 * 1024 * 1024
    assert memory["maxmemory_policy"] == settings["maxmemory-policy"] == "allkeys-lru"
    assert persistence["aof_enabled"] == 1


@pytest.mark.integration
@pytest.mark.parametrize("command", ["FLUSHDB", "FLUSHALL", "CONFIG"])
def test_disabled_commands_are_gone(dev_server, command):
    server, password = dev_server
    client = server.client(password)
    assert command_present(client, command) is False
    assert command_present(client, "GET") is True  # the probe itself works


@pytest.mark.integration
def test_thousand_keys_survive_a_restart(dev_server):
    server, password = dev_server
    client = server.client(password)
    pipe = client.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"profwise:test:{i}", f"value-{i}", ex=3600)
    pipe.execute()
    server.restart()
    client = server.client(password)
    assert client.dbsize() == 1000
    assert client.get("profwise:test:999") == b"value-999"
    assert 0 < client.ttl("profwise:test:0") <= 3600
    assert (server.workdir / "appendonlydir").is_dir()


@pytest.mark.integration
def test_password_is_not_on_the_command_line(dev_run, tmp_path):
    conf, command, password = container_boot(dev_run)
    with RedisServer.from_container(conf, tmp_path / "r", command) as server:
        cmdline = open(f"/proc/{server.process.pid}/cmdline", "rb").read().decode()
        assert password not in cmdline
