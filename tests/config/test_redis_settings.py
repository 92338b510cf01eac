"""The Redis settings model: sizes, defaults (the guide's values) and the directives both renderers share."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.config.redis import MIB, RedisSettings, format_size, parse_size


@pytest.mark.parametrize(("text", "expected"), [
    ("256mb", 256 * MIB), ("1gb", 1024 * MIB), ("1GB", 1024 * MIB), ("64kb", 64 * 1024), ("100", 100),
    ("small", 256 * MIB), ("medium", 512 * MIB), ("large", 1024 * MIB), (" 2 gb ", 2048 * MIB), (1234, 1234),
])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "mb", "1.5gb", "1tb", "ten", "-5mb", True])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        parse_size(text)


@pytest.mark.parametrize(("n", "text"), [(512 * MIB, "512mb"), (1024 * MIB, "1gb"), (3 * 1024, "3kb"), (1000, "1000")])
def test_format_size(n, text):
    assert format_size(n) == text
    assert parse_size(text) == n


def test_defaults_are_the_guides_production_values():
    d = RedisSettings().directives()
    assert d["maxmemory"] == "512mb"
    assert d["maxmemory-policy"] == "allkeys-lru"
    assert d["appendonly"] == "yes" and d["appendfsync"] == "everysec"
    assert d["save"] == "900 1 300 10 60 10000"
    assert d["slowlog-log-slower-than"] == "10000"  # 10 ms in microseconds
    assert d["tcp-keepalive"] == "60"
    assert d["protected-mode"] == "yes"
    assert all(d[k] == "yes" for k in d if k.startswith("lazyfree-"))
    assert RedisSettings().disabled_commands == ("FLUSHDB", "FLUSHALL", "CONFIG")


def test_no_save_points_turns_rdb_off():
    assert RedisSettings(save_points=()).directives()["save"] == '""'


def test_disabled_commands_are_upper_cased_and_listed_once():
    settings = RedisSettings.model_validate({"disabledCommands": ["flushall", "Keys"]})
    assert settings.disabled_commands == ("FLUSHALL", "KEYS")
    for names in (["flushall", "FLUSHALL"], [" keys "]):  # a repeat is refused, not silently dropped
        with pytest.raises(ValidationError):
            RedisSettings.model_validate({"disabledCommands": names})


def test_effective_settings_are_typed_for_the_verifier():
    eff = RedisSettings(maxmemory="1gb", lazyfree=False).effective()
    assert eff["maxmemory"] == 1024 * MIB
    assert eff["appendonly"] is True
    assert eff["lazyfree"] is False
    assert eff["disabled-commands"] == ["FLUSHDB", "FLUSHALL", "CONFIG"]


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        RedisSettings.model_validate({"maxmemoryPolcy": "allkeys-lru"})
