"""redis.conf rendering: the checked-in file is the rendered default (golden); the password is only in the deployed
copy."""

from __future__ import annotations

import pytest

from infra.config import redis_conf
from infra.config.errors import ConfigError
from infra.config.redis import RedisSettings
from infra.stack_settings import parse_settings
from infra.config.stack_files import REPO_ROOT


def test_checked_in_redis_conf_is_the_rendered_default():
    assert (REPO_ROOT / "redis.conf").read_text() == redis_conf.render(RedisSettings()), \
        "redis.conf is stale: run `make redis.conf`"


def test_password_adds_exactly_one_requirepass_line():
    plain = redis_conf.render(RedisSettings()).splitlines()
    with_password = redis_conf.render(RedisSettings(), "Secret-Password-123456").splitlines()
    added = [line for line in with_password if line not in plain]
    assert added == ['requirepass "Secret-Password-123456"']
    assert len(with_password) == len(plain) + 1
    assert not any(line.startswith("requirepass") for line in plain)


@pytest.mark.parametrize("password", ["", "with space", 'quo"te', "back\\slash", "new\nline", "del\x7fete"])
def test_passwords_redis_conf_cannot_carry_are_refused(password):
    with pytest.raises(ValueError):
        redis_conf.render(RedisSettings(), password)


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
    assert 'rename-command KEYS ""' in lines
    assert not any("FLUSHALL" in line for line in lines)


def test_container_facts():
    text = redis_conf.render(RedisSettings())
    assert "\ndir /data\n" in text
    assert "\nport 6379\n" in text
    assert "\nbind * -::*\n" in text
    assert "\ndaemonize no\n" in text
