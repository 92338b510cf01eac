"""Settings -> ElastiCache parameter group: agrees with redis.conf on every shared directive; the rest has a reason."""

from __future__ import annotations

import pytest

from infra import contract
from infra.backends.elasticache import parameter_group
from infra.config import redis_conf
from infra.backends.elasticache.parameter_group import BLOCKED_COMMANDS, NOT_APPLICABLE
from infra.config.redis import RedisSettings

ENGINES = [("redis", "7.0"), ("redis", "7.1"), ("valkey", "7.2"), ("valkey", "8.0"), ("valkey", "8.1"),
           ("valkey", "8.2")]
SETTINGS = [
    RedisSettings(),
    RedisSettings(maxmemory_policy="volatile-ttl", slowlog_threshold_ms=2.5, slowlog_max_len=1024, tcp_keepalive=300,
                  timeout=120, lazyfree=False, disabled_commands=("KEYS", "FLUSHALL", "CONFIG", "SHUTDOWN")),
    RedisSettings(maxmemory_policy="allkeys-lfu", disabled_commands=()),
]
CASES = [(s, e, v) for s in SETTINGS for e, v in ENGINES if not (v.startswith("8") and not s.lazyfree)]


@pytest.mark.parametrize(("settings", "engine", "version"), CASES)
@pytest.mark.parametrize("cluster", [False, True])
def test_parameter_group_and_redis_conf_agree_on_every_shared_directive(settings, engine, version, cluster):
    spec = parameter_group.render(settings, engine, version, cluster)
    conf_lines = redis_conf.render(settings).splitlines()
    for name, value in settings.directives().items():
        if name in spec.parameters:
            assert spec.parameters[name] == value
            assert f"{name} {value}" in conf_lines, f"redis.conf renders {name} differently"
        else:
            assert spec.not_applicable.get(name), f"{name} is neither rendered nor listed as not applicable"
    directives_rendered = set(spec.parameters) - {"cluster-enabled"}
    assert directives_rendered <= set(settings.directives()), "a parameter that the settings model does not have"


@pytest.mark.parametrize(("settings", "engine", "version"), CASES)
def test_no_command_is_renamed_each_disabled_one_says_where_it_went(settings, engine, version):
    """Renamed commands cannot appear in an access string (AWS RBAC page): the default user's denies them now."""
    spec = parameter_group.render(settings, engine, version, False)
    assert "rename-commands" not in spec.parameters
    for command in settings.disabled_commands:
        reason = spec.not_applicable[f"command {command}"]
        assert ("blocks it for every client" in reason) == (command in BLOCKED_COMMANDS)
        assert command in BLOCKED_COMMANDS or "access string" in reason


def test_default_settings_render_the_guides_values():
    spec = parameter_group.render(RedisSettings(), "redis", "7.1", False)
    assert spec.family == "redis7"
    assert spec.parameters == {
        "maxmemory-policy": "allkeys-lru", "slowlog-log-slower-than": "10000", "slowlog-max-len": "128",
        "tcp-keepalive": "60", "timeout": "0", "lazyfree-lazy-eviction": "yes", "lazyfree-lazy-expire": "yes",
        "lazyfree-lazy-server-del": "yes", "lazyfree-lazy-user-del": "yes", "cluster-enabled": "no"}
    assert set(spec.not_applicable) == set(NOT_APPLICABLE) | {"command FLUSHDB", "command FLUSHALL", "command CONFIG"}


@pytest.mark.parametrize(("engine", "version", "family"), [
    ("redis", "7.0", "redis7"), ("redis", "7.1", "redis7"), ("valkey", "7.2", "valkey7"), ("valkey", "8.0", "valkey8"),
    ("valkey", "8.2", "valkey8")])
def test_family_follows_engine_and_version(engine, version, family):
    assert parameter_group.family_of(engine, version) == family
    assert parameter_group.render(RedisSettings(), engine, version, False).family == family


@pytest.mark.parametrize(("engine", "version"), [("redis", "6.2"), ("redis", "7.2"), ("valkey", "7.1"),
                                                 ("redis", "7.1.0"), ("memcached", "1.6")])
def test_unsupported_engine_versions_have_no_family(engine, version):
    with pytest.raises(ValueError):
        parameter_group.family_of(engine, version)


def test_valkey8_family_has_no_lazyfree_parameters_and_frees_lazily():
    spec = parameter_group.render(RedisSettings(), "valkey", "8.0", False)
    assert not any(name.startswith("lazyfree") for name in spec.parameters)
    assert all(spec.not_applicable[name] for name in parameter_group.NOT_IN_VALKEY8)
    assert parameter_group.effective_settings(RedisSettings(), "valkey", "8.0")["lazyfree"] is True


def test_cluster_mode_is_a_parameter_and_part_of_the_group_name():
    assert parameter_group.render(RedisSettings(), "redis", "7.1", True).parameters["cluster-enabled"] == "yes"
    assert parameter_group.group_name("profwise-redis-prod", "redis7", False) == "profwise-redis-prod-redis7"
    assert parameter_group.group_name("profwise-redis-prod", "valkey8", True) == "profwise-redis-prod-valkey8-cluster"


def test_effective_settings_are_what_a_live_elasticache_node_shows():
    effective = parameter_group.effective_settings(RedisSettings(), "redis", "7.1")
    assert set(effective) == set(contract.settings_output(RedisSettings().effective())), \
        "same keys as the docker backend's settings output"
    assert set(effective["managed"]) == {"maxmemory", "appendonly", "acl"}
    assert set(effective["restricted_commands"]) == parameter_group.BLOCKED_COMMANDS
    assert effective["cluster_mode"] is False
    assert parameter_group.effective_settings(RedisSettings(), "redis", "7.1", cluster_mode=True)["cluster_mode"]
    assert (effective["maxmemory"], effective["appendonly"], effective["appendfsync"], effective["save"]) == \
        (None, False, None, [])
    assert effective["maxmemory-policy"] == "allkeys-lru" and effective["disabled-commands"] == \
        ["FLUSHDB", "FLUSHALL", "CONFIG"]


def test_the_not_applicable_list_names_real_directives_only():
    directives = set(RedisSettings().directives())
    assert set(NOT_APPLICABLE) <= directives and set(parameter_group.MANAGED_PARAMETERS) <= directives
    assert not set(NOT_APPLICABLE) & set(parameter_group.MANAGED_PARAMETERS)
