"""`profwise-redis:digitalocean`: DigitalOcean's documented limits as field checks, each bad value refused naming
its key; the cross-field rules (required ids, the standby, the Redis keys Valkey on DigitalOcean does not take)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from do_support import VALID, field_problems, section
from infra.backends.digitalocean import limits, rules
from infra.backends.digitalocean.settings import DigitalOceanSettings, default_name
from infra.config.redis import RedisSettings


def test_the_valid_section_and_its_secure_defaults():
    cfg = DigitalOceanSettings.model_validate(VALID)
    assert (cfg.node_count, cfg.size, cfg.version) == (2, "db-s-1vcpu-2gb", "8")
    assert (cfg.maintenance_window.day, cfg.maintenance_window.hour) == ("sunday", "05:00")
    assert rules.problems(cfg, RedisSettings(), None) == []


@pytest.mark.parametrize(("changes", "key", "words"), [
    ({"region": "xyz1"}, "digitalocean.region", "not a region offering Managed Valkey"),
    ({"region": "nyc2"}, "digitalocean.region", "not a region"),  # nyc2 offers Redis, not Valkey (options example)
    ({"region": "REPLACE-ME-region"}, "digitalocean.region", "placeholder"),
    ({"size": "db-s-1vcpu-512mb"}, "digitalocean.size", "not a Valkey size slug"),
    ({"size": "gd-2vcpu-8gb"}, "digitalocean.size", "not a Valkey size slug"),
    ({"nodeCount": 3}, "digitalocean.nodeCount", "less than or equal to 2"),
    ({"nodeCount": 0}, "digitalocean.nodeCount", "greater than or equal to 1"),
    ({"nodeCount": True}, "digitalocean.nodeCount", "a boolean, not a number"),
    ({"version": "7"}, "digitalocean.version", "'8'"),
    ({"vpcUuid": "REPLACE-ME-vpc-uuid"}, "digitalocean.vpcUuid", "placeholder"),
    ({"vpcUuid": "D455E75D-4858-4EEC-8C95-DA2F0A5F93A7"}, "digitalocean.vpcUuid", "not a UUID"),
    ({"vpcUuid": f"{VALID['vpcUuid']}\n"}, "digitalocean.vpcUuid", "not a UUID"),
    ({"projectId": "default"}, "digitalocean.projectId", "not a UUID"),
    ({"name": "Profwise"}, "digitalocean.name", "not a cluster name"),
    ({"name": "a" * 64}, "digitalocean.name", "not a cluster name"),
    ({"name": "ends-"}, "digitalocean.name", "not a cluster name"),
    ({"maintenanceWindow": {"day": "sun", "hour": "05:00"}}, "digitalocean.maintenanceWindow.day", "not a day"),
    ({"maintenanceWindow": {"day": "sunday", "hour": "5:00"}}, "digitalocean.maintenanceWindow.hour", "hh:mm"),
    ({"maintenanceWindow": {"day": "sunday", "hour": "24:00"}}, "digitalocean.maintenanceWindow.hour", "hh:mm"),
    ({"maintenanceWindow": {"day": "sunday", "duration": 4}}, "digitalocean.maintenanceWindow.duration",
     "unknown key"),
    ({"tags": ["has space"]}, "digitalocean.tags", "not a tag name"),
    ({"tags": ["a", "a"]}, "digitalocean.tags", "more than once"),
    ({"tags": ["x" * 256]}, "digitalocean.tags", "not a tag name"),
    ({"eviction": "allkeys-lru"}, "digitalocean.eviction", "unknown key"),
])
def test_a_bad_value_is_refused_naming_its_key(changes, key, words):
    found = field_problems(section(**changes))
    assert [p.key for p in found] == [key], found
    assert words in found[0].message


@pytest.mark.parametrize(("source", "words"), [
    ({"type": "ip_addr", "value": "0.0.0.0/0"}, "not a private address"),  # never all addresses
    ({"type": "ip_addr", "value": "203.0.113.7"}, "not a private address"),
    ({"type": "ip_addr", "value": "::/0"}, "not a private address"),
    ({"type": "ip_addr", "value": "10.0.0.1/8"}, "not an IP address or range"),  # host bits set
    ({"type": "droplet", "value": "web-1"}, "not a Droplet id"),
    ({"type": "droplet", "value": "0123"}, "not a Droplet id"),
    ({"type": "k8s", "value": "my-cluster"}, "not a Kubernetes cluster id"),
    ({"type": "app", "value": "profwise"}, "not a App Platform app id"),
    ({"type": "tag", "value": "two words"}, "not a tag name"),
    ({"type": "droplet", "value": "REPLACE-ME-droplet-id"}, "placeholder"),
    ({"type": "vpc", "value": "x"}, "Input should be"),
])
def test_a_trusted_source_names_a_resource_or_a_private_address(source, words):
    found = field_problems(section(trustedSources=[source]))
    assert len(found) == 1 and found[0].key.startswith("digitalocean.trustedSources"), found
    assert words in found[0].message


@pytest.mark.parametrize("value", ["10.110.0.5", "10.110.0.0/20", "192.168.1.0/24", "fd00::/8"])
def test_private_addresses_are_trusted_sources(value):
    assert field_problems(section(trustedSources=[{"type": "ip_addr", "value": value}])) == []


def test_a_repeated_trusted_source_is_refused():
    repeated = [{"type": "droplet", "value": "163973392"}] * 2
    (problem,) = field_problems(section(trustedSources=repeated))
    assert problem.key == "digitalocean.trustedSources" and "droplet 163973392 more than once" in problem.message


def test_required_keys_are_named_with_the_command_that_sets_them():
    found = rules.problems(DigitalOceanSettings(), RedisSettings(), None)
    assert [p.key for p in found] == ["digitalocean.region", "digitalocean.vpcUuid", "digitalocean.trustedSources"]
    assert all(p.fix.startswith("pulumi config set --path 'digitalocean.") for p in found)
    assert "digitalocean-valkey-private-network" in found[1].message  # the policy it would trip


def test_one_node_is_refused_as_the_policy_would():
    (problem,) = rules.problems(DigitalOceanSettings.model_validate(section(nodeCount=1)), RedisSettings(), None)
    assert problem.key == "digitalocean.nodeCount" and "digitalocean-valkey-standby" in problem.message
    assert problem.fix == "pulumi config set --path 'digitalocean.nodeCount' 2"


def test_a_standby_needs_a_plan_of_2_gb():
    (problem,) = rules.problems(DigitalOceanSettings.model_validate(section(size="db-s-1vcpu-1gb")), RedisSettings(),
                                None)
    assert problem.key == "digitalocean.size" and "2 GB" in problem.message
    for size in limits.STANDBY_SIZES:
        assert rules.problems(DigitalOceanSettings.model_validate(section(size=size)), RedisSettings(), None) == []


@pytest.mark.parametrize(("redis", "key", "words"), [
    ({"maxmemory": "1gb"}, "redis.maxmemory", "size slug"),
    ({"appendonly": True}, "redis.appendonly", "no AOF"),
    ({"appendfsync": "always"}, "redis.appendfsync", "AOF"),
    ({"savePoints": [[60, 1]]}, "redis.savePoints", "schedule is fixed"),
    ({"savePoints": []}, "redis.savePoints", "schedule is fixed"),
    ({"protectedMode": False}, "redis.protectedMode", "firewall"),
    ({"tcpKeepalive": 30}, "redis.tcpKeepalive", "valkey_advanced_config has no such field"),
    ({"slowlogThresholdMs": 5}, "redis.slowlogThresholdMs", "no such field"),
    ({"slowlogMaxLen": 64}, "redis.slowlogMaxLen", "no such field"),
    ({"disabledCommands": ["KEYS"]}, "redis.disabledCommands", "no rename-command"),
    ({"lazyfree": False}, "redis.lazyfree", "frees lazily"),
    ({"maxmemoryPolicy": "allkeys-lfu"}, "redis.maxmemoryPolicy", "no LFU policy"),
    ({"maxmemoryPolicy": "volatile-lfu"}, "redis.maxmemoryPolicy", "no LFU policy"),
])
def test_redis_settings_valkey_on_digitalocean_does_not_take_are_refused_with_the_reason(redis, key, words):
    (problem,) = rules.problems(DigitalOceanSettings.model_validate(VALID), RedisSettings.model_validate(redis), None)
    assert problem.key == key and words in problem.message
    assert problem.fix.startswith(("pulumi config rm --path 'redis.", "pulumi config set --path 'redis."))


@pytest.mark.parametrize("policy", limits.EVICTION_POLICIES)
def test_every_policy_digitalocean_offers_is_accepted(policy):
    redis = RedisSettings.model_validate({"maxmemoryPolicy": policy, "timeout": 86_400})
    assert rules.problems(DigitalOceanSettings.model_validate(VALID), redis, None) == []


def test_a_chosen_password_is_refused_because_digitalocean_generates_it():
    (problem,) = rules.problems(DigitalOceanSettings.model_validate(VALID), RedisSettings(),
                                SecretStr("a-chosen-password-0123"))
    assert problem.key == "password" and "generates" in problem.message and "a-chosen" not in problem.render()


@pytest.mark.parametrize(("stack", "name"), [("digitalocean", "profwise-redis-digitalocean"),
                                             ("Prod.EU_1", "profwise-redis-prod-eu-1"),
                                             ("s" * 80, ("profwise-redis-" + "s" * 80)[:63])])
def test_the_default_cluster_name_is_a_dns_label(stack, name):
    assert default_name(stack) == name and limits.NAME_RE.fullmatch(name)
