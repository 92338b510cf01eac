"""A real redis-server 7 booted with exactly the dev container's redis.conf and command (only dir and port changed)."""

from __future__ import annotations

import pytest
import redis

from conftest import container_boot
from infra.config import acl
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


# What the app's password (the `default` user) is refused, as redis-py reports it (NoPermissionError drops the
# NOPERM prefix; 7.0 says "this user has no permissions", 7.2+ "User default has no permissions").
APP_DENIED = [(["FLUSHALL"], "flushall"), (["FLUSHDB"], "flushdb"), (["CONFIG", "GET", "maxmemory"], "config|get"),
              (["CONFIG", "SET", "maxmemory", "1mb"], "config|set"), (["SWAPDB", "0", "1"], "swapdb"),
              (["BGSAVE"], "bgsave"), (["MONITOR"], "monitor"),
              (["ACL", "SETUSER", "default", "+@all"], "acl|setuser"), (["SHUTDOWN", "NOSAVE"], "shutdown")]


@pytest.mark.integration
@pytest.mark.parametrize(("call", "named"), APP_DENIED, ids=[" ".join(c[:2]) for c, _ in APP_DENIED])
def test_the_apps_password_is_refused_the_disabled_commands_and_data_stays(dev_server, call, named):
    server, password = dev_server
    app = server.client(password)
    app.set("profwise:keep", "v")
    with pytest.raises(redis.exceptions.NoPermissionError, match=f"(?i)no permissions to run the '{named}' command"):
        app.execute_command(*call)
    assert app.get("profwise:keep") == b"v" and app.dbsize() == 1  # nothing was flushed or swapped
    assert app.execute_command("ACL", "WHOAMI") == b"default"  # still allowed: who am I
    assert server.admin().config_get("maxmemory") == {"maxmemory": str(512 * 1024 * 1024)}  # and the server is up


@pytest.mark.integration
def test_the_admin_user_runs_what_the_app_cannot(dev_server):
    server, password = dev_server
    admin = server.admin()
    assert admin.execute_command("ACL", "WHOAMI") == b"profwise-admin"
    assert admin.config_get("appendonly") == {"appendonly": "yes"}
    server.client(password).set("profwise:gone", 1)
    assert admin.flushall() is True and admin.dbsize() == 0  # the emergency flush, as docs/operations.md says
    assert command_present(admin, "FLUSHALL") is True  # nothing is renamed away any more


@pytest.mark.integration
def test_the_config_file_carries_no_plaintext_password(dev_server, dev_run):
    server, password = dev_server
    text = server.conf_path.read_text()
    assert password not in text and dev_run.outputs["admin_password"] not in text
    assert not any(line.startswith(("requirepass", "rename-command")) for line in text.splitlines())
    passwords = server.admin().acl_getuser("default")["passwords"]
    assert passwords == [acl.password_hash(password)]  # the server holds the hash too


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
