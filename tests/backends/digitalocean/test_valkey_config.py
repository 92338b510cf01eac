"""The Redis settings model rendered as DigitalOcean's Valkey config: every directive of the model is either rendered
or listed with the reason it is not, and the `settings` output says what the service manages itself."""

from __future__ import annotations

import pytest

from infra.backends.digitalocean import limits, valkey_config
from infra.config.redis import RedisSettings

# Directives that reach the Valkey config (as DigitalOcean names them), and the lazyfree family the model sets as one.
RENDERED = {"maxmemory-policy": "valkey_maxmemory_policy", "timeout": "timeout"}
LAZYFREE = {"lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
            "lazyfree-lazy-user-flush", "replica-lazy-flush"}


def test_the_default_model_renders_the_guides_production_values():
    assert valkey_config.render(RedisSettings()) == {
        "valkey_maxmemory_policy": "allkeys-lru", "timeout": 0, "persistence": "rdb", "frequent_snapshots": True,
        "ssl": True}


def test_every_directive_is_rendered_or_listed_with_its_reason():
    for directive in RedisSettings().directives():
        name = "lazyfree" if directive in LAZYFREE else directive
        assert name in RENDERED or name in valkey_config.NOT_APPLICABLE, directive
    assert set(valkey_config.NOT_APPLICABLE) - {"lazyfree", "disabled-commands"} <= set(RedisSettings().directives())
    assert all(reason and not reason.endswith(".") for reason in valkey_config.NOT_APPLICABLE.values())


@pytest.mark.parametrize("policy", limits.EVICTION_POLICIES)
def test_the_eviction_policy_keeps_redis_spelling(policy):
    rendered = valkey_config.render(RedisSettings.model_validate({"maxmemoryPolicy": policy, "timeout": 300}))
    assert (rendered["valkey_maxmemory_policy"], rendered["timeout"]) == (policy, 300)


def test_an_lfu_policy_cannot_be_rendered():
    with pytest.raises(ValueError, match="no allkeys-lfu eviction policy"):
        valkey_config.render(RedisSettings.model_validate({"maxmemoryPolicy": "allkeys-lfu"}))


def test_persistence_follows_the_models_rdb_snapshots():
    assert valkey_config.persistence(RedisSettings()) == "rdb"
    assert valkey_config.persistence(RedisSettings.model_validate({"savePoints": []})) == "off"


def test_the_settings_output_promises_only_what_a_node_shows():
    out = valkey_config.settings_output(RedisSettings.model_validate({"maxmemoryPolicy": "volatile-ttl"}))
    assert set(RedisSettings().effective()) <= set(out)  # the keys every backend exports
    assert out["maxmemory-policy"] == "volatile-ttl" and out["timeout"] == 0
    assert (out["maxmemory"], out["appendonly"], out["save"], out["disabled-commands"]) == (None, False, [[600, 1]], [])
    assert out["managed"]["maxmemory"].startswith("set by the size slug")
    assert set(out["managed"]) == {"maxmemory", "appendonly", "slowlog-log-slower-than", "slowlog-max-len",
                                   "tcp-keepalive", "disabled-commands"}
    assert (out["restricted_commands"], out["cluster_mode"], out["lazyfree"]) == ([], False, True)
