"""The component under the Pulumi mock engine: every input the provider receives, every output, secrets secret,
the cluster protected, the hooks on the last step, and the provider's real argument names (the SDK rejects others)."""

from __future__ import annotations

import json

import pulumi
import pytest

from do_support import VALID, build, resolve, section
from infra.backends.digitalocean import component, mocks
from infra.backends.digitalocean.endpoint import CLUSTER_TYPE, VALKEY_CONFIG_TYPE
from infra.tooling.mock_engine import contains_secret, unwrap
from infra.config.redis import RedisSettings

FIREWALL_TYPE = "digitalocean:index/databaseFirewall:DatabaseFirewall"
_empty = pulumi.ResourceHookBinding()


@pytest.fixture(scope="module")
def built():
    return build(section(name="profwise-cache", projectId="9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", tags=["team:web"],
                         maintenanceWindow={"day": "Wednesday", "hour": "02:30"}), RedisSettings())


def test_the_cluster_is_valkey_with_a_standby_in_the_vpc(built):
    _, run = built
    cluster = run.one(CLUSTER_TYPE)
    assert unwrap(cluster.inputs) == {
        "name": "profwise-cache", "engine": "valkey", "version": "8", "size": "db-s-1vcpu-2gb", "region": "fra1",
        "nodeCount": 2, "privateNetworkUuid": VALID["vpcUuid"], "projectId": "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30",
        "maintenanceWindows": [{"day": "wednesday", "hour": "02:30"}],
        "tags": ["profwise-redis", "profwise-redis:digitalocean", "team:web"]}
    assert "evictionPolicy" not in cluster.inputs  # one owner of the policy: the Valkey config


def test_the_firewall_admits_exactly_the_trusted_sources(built):
    _, run = built
    firewall = run.one(FIREWALL_TYPE)
    assert firewall.plain("clusterId") == "redis-cluster-id"
    assert firewall.plain("rules") == [{"type": "droplet", "value": "163973392"},
                                       {"type": "tag", "value": "profwise-backend"}]


def test_the_valkey_config_is_rendered_from_the_redis_settings(built):
    _, run = built
    config = run.one(VALKEY_CONFIG_TYPE)
    assert unwrap(config.inputs) == {"clusterId": "redis-cluster-id", "valkeyMaxmemoryPolicy": "allkeys-lru",
                                     "timeout": 0, "persistence": "rdb", "frequentSnapshots": True, "ssl": True}


def test_the_outputs_follow_the_contract(built):
    redis, _ = built
    host, host_secret = resolve(redis.host)
    assert host == f"private-profwise-cache-do-user-{mocks.ACCOUNT}-0.k.db.ondigitalocean.com" and not host_secret
    assert resolve(redis.port) == (25061, False)
    assert resolve(redis.password) == (mocks.PASSWORD, True)
    assert (redis.backend, redis.tls) == ("digitalocean", True)
    assert redis.settings["maxmemory-policy"] == "allkeys-lru" and "managed" in redis.settings
    json.dumps(redis.settings)  # a plain value: no Output, nothing secret
    extra = {key: resolve(pulumi.Output.from_input(value)) for key, value in redis.extra_outputs().items()}
    assert extra == {component.CLUSTER_ID: ("redis-cluster-id", False),
                     component.CLUSTER_URN: (f"do:dbaas:{mocks.CLUSTER_UUID}", False),
                     component.CLUSTER_NAME: ("profwise-cache", False), component.REGION: ("fra1", False)}


def test_the_password_is_never_in_plain_text(built):
    _, run = built
    for resource in run.resources:
        for key, value in resource.inputs.items():
            assert mocks.PASSWORD not in json.dumps(unwrap(value)) or contains_secret(value), (resource.name, key)


def test_the_default_name_and_eviction_settings_reach_the_resources():
    redis, run = build(VALID, RedisSettings.model_validate({"maxmemoryPolicy": "volatile-ttl", "timeout": 600}),
                       stack="prod.eu")
    assert run.one(CLUSTER_TYPE).plain("name") == "profwise-redis-prod-eu"
    assert run.one(CLUSTER_TYPE).plain("tags") == ["profwise-redis", "profwise-redis:prod-eu"]
    config = run.one(VALKEY_CONFIG_TYPE)
    assert (config.plain("valkeyMaxmemoryPolicy"), config.plain("timeout")) == ("volatile-ttl", 600)
    assert redis.settings["timeout"] == 600


def test_the_cluster_is_protected_and_the_hook_goes_on_the_valkey_config(monkeypatch):
    captured: dict[str, pulumi.ResourceOptions] = {}
    original = pulumi.CustomResource.__init__

    def spy(self, t, name, props=None, opts=None, *args, **kwargs):  # noqa: ANN001
        captured[name] = opts
        return original(self, t, name, props, opts, *args, **kwargs)

    monkeypatch.setattr(pulumi.CustomResource, "__init__", spy)
    hook = pulumi.ResourceHook("verify", lambda args: None)  # the deploy verifier's, in the program
    redis, _ = build(VALID, RedisSettings(), hooks=pulumi.ResourceHookBinding(after_create=[hook], after_update=[hook]))
    assert captured["redis-cluster"].protect is True and not (captured["redis-cluster"].hooks or _empty).after_create
    bound = captured["redis-config"].hooks
    assert (bound.after_create, bound.after_update) == ([hook], [hook])
    assert list(captured["redis-config"].depends_on) == [redis.firewall]
