"""redis.conf rendering: the checked-in file is the rendered default (golden); the passwords reach the deployed copy
only as SHA-256 hashes of two ACL users — no requirepass, no rename-command."""

from __future__ import annotations

import pytest

from infra.config import acl, redis_conf
from infra.config.errors import ConfigError
from infra.config.redis import RedisSettings
from infra.stack_settings import parse_settings
from infra.config.stack_files import REPO_ROOT


def test_checked_in_redis_conf_is_the_rendered_default():
    assert (REPO_ROOT / "redis.conf").read_text() == redis_conf.render(RedisSettings()), \
        "redis.conf is stale: run `make redis.conf`"


def test_passwords_turn_the_two_users_on_as_hashes_only():
    plain = redis_conf.render(RedisSettings()).splitlines()
    deployed = redis_conf.render(RedisSettings(), "Secret-Password-123456", "Admin-Password-1234567").splitlines()
    changed = [(before, after) for before, after in zip(plain, deployed, strict=True) if before != after]
    assert [after for _, after in changed] == [
        f"user default reset #{acl.password_hash('Secret-Password-123456')} on ~* &* +@all -@admin -flushall "
        "-flushdb -swapdb -migrate -config",
        f"user profwise-admin reset #{acl.password_hash('Admin-Password-1234567')} on ~* &* +@all"]
    assert [before for before, _ in changed] == [
        "user default reset resetpass off ~* &* +@all -@admin -flushall -flushdb -swapdb -migrate -config",
        "user profwise-admin reset resetpass off ~* &* +@all"]
    text = "\n".join(deployed)
    assert "Secret-Password" not in text and "Admin-Password" not in text
    assert not any(line.startswith(("requirepass", "rename-command", "aclfile")) for line in plain + deployed)


@pytest.mark.parametrize("password", ["", "with space", 'quo"te', "back\\slash", "new\nline", "del\x7fete"])
def test_passwords_redis_conf_cannot_carry_are_refused(password):
    with pytest.raises(ValueError):
        redis_conf.render(RedisSettings(), password)
    with pytest.raises(ValueError):
        redis_conf.render(RedisSettings(), "Secret-Password-123456", password)


@pytest.mark.parametrize("char", [" ", "\t", "\n", '"', "'", "\\", "\x00", "\x1b", "\x7f", "\u00a0", "\u2028", "!"])
def test_the_settings_model_and_render_apply_one_password_rule(char):
    """The stack's password reaches redis.conf: the settings model and the renderer refuse exactly the same ones."""
    password = f"Strong-Password{char}2026"
    try:
        redis_conf.render(RedisSettings(), password)
        rendered = True
    except ValueError:
        rendered = False
    try:
        parse_settings({"profwise-redis:password": password}, {"profwise-redis:password"})
        accepted = True
    except ConfigError as error:
        assert "profwise-redis:password" in str(error)
        accepted = False
    assert rendered == accepted == (char == "!")


def test_every_shared_directive_is_rendered():
    settings = RedisSettings(maxmemory="1gb", maxmemory_policy="volatile-ttl", appendfsync="always",
                             save_points=((60, 5),), slowlog_threshold_ms=2.5, tcp_keepalive=30, lazyfree=False,
                             disabled_commands=("KEYS",))
    lines = redis_conf.render(settings).splitlines()
    for name, value in settings.directives().items():
        assert f"{name} {value}" in lines
    assert "user default reset resetpass off ~* &* +@all -@admin -flushall -flushdb -swapdb -migrate -keys" in lines
    assert not any(line.startswith("rename-command") for line in lines)


def test_container_facts():
    text = redis_conf.render(RedisSettings())
    assert "\ndir /data\n" in text
    assert "\nport 6379\n" in text
    assert "\nbind * -::*\n" in text
    assert "\ndaemonize no\n" in text
