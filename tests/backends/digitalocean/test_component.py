"""The component through the real program (Pulumi.digitalocean.yaml under the mock engine): every input the provider
receives, every output, secrets secret, the cluster protected, the hook on the last step, and the provider's real
argument names (the SDK rejects others)."""

from __future__ import annotations

import json

import pytest

from do_support import STACK, VALID, VPC, deploy, overrides
from infra import contract
from infra.backends.digitalocean import component, mocks
from infra.backends.digitalocean import outputs as keys
from infra.backends.digitalocean.endpoint import CLUSTER_TYPE, VALKEY_CONFIG_TYPE
from infra.config.errors import ConfigError
from infra.verify import hook as verify_hook
from support.stack_harness import StackRun, assert_secret_everywhere, capture_options

FIREWALL_TYPE = "digitalocean:index/databaseFirewall:DatabaseFirewall"
PROJECT_UUID = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"
HOST = f"private-profwise-cache-do-user-{mocks.ACCOUNT}-0.k.db.ondigitalocean.com"


@pytest.fixture(scope="module")
def run() -> StackRun:
    return deploy(name="profwise-cache", projectId=PROJECT_UUID, tags=["team:web"],
                  maintenanceWindow={"day": "Wednesday", "hour": "02:30"})


def test_the_cluster_is_valkey_with_a_standby_in_the_vpc(run):
    cluster = run.one(CLUSTER_TYPE)
    assert {k: cluster.plain(k) for k in cluster.inputs} == {
        "name": "profwise-cache", "engine": "valkey", "version": "8", "size": "db-s-1vcpu-2gb", "region": "fra1",
        "nodeCount": 2, "privateNetworkUuid": VPC, "projectId": PROJECT_UUID,
        "maintenanceWindows": [{"day": "wednesday", "hour": "02:30"}],
        "tags": ["profwise-redis", "profwise-redis:digitalocean", "team:web"]}
    assert "evictionPolicy" not in cluster.inputs  # one owner of the policy: the Valkey config


def test_the_firewall_admits_exactly_the_trusted_sources(run):
    firewall = run.one(FIREWALL_TYPE)
    assert firewall.plain("clusterId") == "redis-cluster-id"
    assert firewall.plain("rules") == VALID["trustedSources"]


def test_the_valkey_config_is_rendered_from_the_stack_files_redis_settings(run):
    config = run.one(VALKEY_CONFIG_TYPE)
    assert {k: config.plain(k) for k in config.inputs} == {
        "clusterId": "redis-cluster-id", "valkeyMaxmemoryPolicy": "allkeys-lru", "timeout": 0, "persistence": "rdb",
        "frequentSnapshots": True, "ssl": True}


def test_the_outputs_follow_the_contract(run):
    out = run.outputs
    assert set(contract.CONTRACT_KEYS) <= set(out)
    assert (out["backend"], out["host"], out["port"], out["tls"]) == ("digitalocean", HOST, 25061, True)
    assert out["password"] == mocks.PASSWORD
    assert out["url"] == f"rediss://:{mocks.PASSWORD}@{HOST}:25061/0"
    assert out["app_env"]["REDIS_HOST"] == HOST and out["app_env"]["REDIS_TLS"] == "true"
    assert out["settings"]["maxmemory-policy"] == "allkeys-lru" and out["settings"]["managed"]["maxmemory"]
    assert {out[k] for k in (keys.CLUSTER_ID, keys.CLUSTER_URN, keys.CLUSTER_NAME, keys.REGION)} == {
        "redis-cluster-id", f"do:dbaas:{mocks.CLUSTER_UUID}", "profwise-cache", "fra1"}
    assert contract.CA_CERTIFICATE not in out  # Let's Encrypt: the system trust store verifies it


def test_the_password_is_secret_everywhere_and_nothing_else_is(run):
    assert_secret_everywhere(run, mocks.PASSWORD)
    assert run.secret_outputs == set(contract.SECRET_OUTPUTS) - {contract.ADMIN_PASSWORD}  # one password, no admin user
    assert mocks.PASSWORD not in json.dumps(run.outputs["settings"])


def test_the_stack_files_own_values_and_eviction_settings_reach_the_resources():
    run = deploy(redis={"maxmemoryPolicy": "volatile-ttl", "timeout": 600})
    cluster = run.one(CLUSTER_TYPE)
    assert cluster.plain("name") == "profwise-redis-digitalocean"
    assert cluster.plain("tags") == ["profwise-redis", "profwise-redis:digitalocean", "profwise-backend"]
    config = run.one(VALKEY_CONFIG_TYPE)
    assert (config.plain("valkeyMaxmemoryPolicy"), config.plain("timeout")) == ("volatile-ttl", 600)
    assert run.outputs["settings"]["timeout"] == 600


def test_a_stack_name_makes_a_valid_cluster_name_and_tag():
    assert component.cluster_tags("prod.eu", ("x",)) == ["profwise-redis", "profwise-redis:prod-eu", "x"]


@pytest.mark.parametrize(("changes", "key"), [
    ({"nodeCount": 1}, "digitalocean.nodeCount"), ({"region": "mars1"}, "digitalocean.region"),
    ({"trustedSources": [{"type": "ip_addr", "value": "0.0.0.0/0"}]}, "digitalocean.trustedSources"),
    ({"vpcUuid": None}, "digitalocean.vpcUuid")])
def test_a_bad_key_is_refused_naming_it_before_any_resource(changes, key):
    into = StackRun()
    with pytest.raises(ConfigError) as raised:
        deploy(into=into, **changes)
    assert f"profwise-redis:{key}" in str(raised.value) and into.resources == []


def test_the_hook_goes_on_the_valkey_config_only(recorder):
    deploy(verify={"fromDeployer": True})  # DigitalOcean's default is no hook: the VPC is out of the deployer's reach
    request, _ = recorder.registrations[VALKEY_CONFIG_TYPE]
    assert list(request.hooks.after_create) == list(request.hooks.after_update) == [verify_hook.HOOK_NAME]
    hooked = [t for t, (r, _) in recorder.registrations.items() if r.HasField("hooks") and r.hooks.after_create]
    assert hooked == [VALKEY_CONFIG_TYPE]


def test_the_cluster_is_protected_and_the_config_waits_for_the_firewall():
    from infra.stack_settings import load_settings

    built: list[component.DigitalOceanValkey] = []
    options = capture_options(lambda: built.append(component.build("other", load_settings())), stack=STACK,
                              overrides=overrides())
    assert options["other-cluster"].protect is True and not options["other-firewall"].protect
    assert list(options["other-config"].depends_on) == [built[0].firewall]


def test_without_from_deployer_no_hook_is_registered(recorder):
    deploy()
    assert verify_hook.HOOK_NAME not in recorder.hooks
