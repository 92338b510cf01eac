"""The azure stack under the mock engine: the real program (through the backend registry) on the shipped
Pulumi.azure.yaml, its placeholders filled the way a user fills them — every input the resources get, every output
of the contract, the access key secret wherever it flows, the options (protect, the hook on the private endpoint or
its DNS zone group), and the policy pack passing on it and failing on weakened resources."""

from __future__ import annotations

import json

import pytest

from infra import contract
from infra.backends.azure import endpoint, mocks, values
from infra.tooling.mock_engine import contains_secret, unwrap
from policy.rules import evaluate
from support.azure import AZURE_IDS, azure_config, run_azure

CMK = {"keyUrl": values.EXAMPLES["key_url"], "identityId": values.EXAMPLES["user_assigned_identity"]}


@pytest.fixture(scope="module")
def run():
    return run_azure(azure_config())


def test_the_cluster_is_the_guides_production_option(run):
    cluster = run.one(endpoint.CLUSTER_TYPE)
    assert unwrap(cluster.inputs) == {
        "clusterName": "profwise-redis-azure", "resourceGroupName": AZURE_IDS["resourceGroupName"],
        "location": "westeurope", "sku": {"name": "Balanced_B5"}, "highAvailability": "Enabled",
        "minimumTlsVersion": "1.2", "publicNetworkAccess": "Disabled",
        "tags": {"Service": "profwise-backend", "project": "profwise-redis", "stack": "azure", "managed-by": "pulumi"}}


def test_the_database_takes_tls_only_the_policies_and_persistence_explicitly(run):
    database = run.one(endpoint.DATABASE_TYPE)
    assert unwrap(database.inputs) == {
        "clusterName": "profwise-redis-azure", "resourceGroupName": AZURE_IDS["resourceGroupName"],
        "databaseName": "default", "clientProtocol": "Encrypted", "port": 10000,
        "clusteringPolicy": "EnterpriseCluster", "evictionPolicy": "AllKeysLRU",
        "persistence": {"aofEnabled": True, "aofFrequency": "1s", "rdbEnabled": False},
        "accessKeysAuthentication": "Enabled", "deferUpgrade": "Deferred"}


def test_the_private_endpoint_is_in_the_existing_subnet_and_no_dns_group_without_a_zone(run):
    pe = run.one(endpoint.PRIVATE_ENDPOINT_TYPE)
    assert unwrap(pe.inputs) == {
        "resourceGroupName": AZURE_IDS["resourceGroupName"], "location": "westeurope",
        "privateEndpointName": "redis-redis-pe", "subnet": {"id": AZURE_IDS["subnetId"]},
        "privateLinkServiceConnections": [{"name": "redis-redis", "privateLinkServiceId": "redis-cluster-id",
                                           "groupIds": ["redisEnterprise"]}],
        "tags": unwrap(run.one(endpoint.CLUSTER_TYPE).inputs["tags"])}
    assert run.of_type(endpoint.DNS_ZONE_GROUP_TYPE) == []
    assert len(run.resources) == 4  # the component, cluster, database, endpoint: nothing else is created


def test_the_outputs_are_the_contract_with_the_access_key_secret_everywhere(run):
    host = "profwise-redis-azure.westeurope.redis.azure.net"
    key = mocks.MOCK_PRIMARY_KEY
    assert {k: run.outputs[k] for k in ("backend", "host", "port", "tls", "password")} == {
        "backend": "azure", "host": host, "port": 10000, "tls": True, "password": key}
    assert run.outputs["url"] == contract.redis_url(host, 10000, key, True)
    assert run.outputs["app_env"]["REDIS_PORT"] == "10000" and run.outputs["app_env"]["REDIS_TLS"] == "true"
    assert set(contract.SECRET_OUTPUTS) - {contract.ADMIN_PASSWORD} <= run.secret_outputs  # an access key, no admin
    for name, value in run.outputs.items():  # the key appears nowhere unmarked
        assert key not in json.dumps(value) or name in run.secret_outputs, name
    for resource in run.resources:
        assert key not in json.dumps(unwrap(resource.inputs)) or contains_secret(resource.inputs)
    assert {k: run.outputs[k] for k in (endpoint.CLUSTER_NAME, endpoint.RESOURCE_GROUP, endpoint.LOCATION,
                                        endpoint.REDIS_VERSION)} == {
        "cluster_name": "profwise-redis-azure", "resource_group_name": AZURE_IDS["resourceGroupName"],
        "location": "westeurope", "redis_version": "7.4"}


def test_the_settings_output_says_what_the_service_manages_and_blocks(run):
    settings = run.outputs["settings"]
    assert settings["maxmemory-policy"] == "allkeys-lru" and settings["persistence"] == "aof"
    assert settings["cluster_mode"] is False and settings["disabled-commands"] == ["SHUTDOWN", "REPLICAOF", "MODULE"]
    assert {"maxmemory", "appendonly", "save", "timeout"} <= set(settings["managed"])
    assert set(settings["disabled-commands"]) <= set(settings["restricted_commands"])  # verify counts them absent
    assert "SELECT" in settings["restricted_commands"] and "FLUSHALL" not in settings["restricted_commands"]


def test_the_key_is_read_with_list_keys_and_wrapped_secret_because_the_provider_does_not_mark_it():
    plain = {**mocks.OUTPUTS}  # the provider's invoke result is plain; only the component makes it secret
    run = run_azure(azure_config())
    assert run.outputs["password"] == plain[endpoint.LIST_KEYS_TOKEN]["primaryKey"]
    assert "password" in run.secret_outputs


def test_options_rdb_oss_cluster_cmk_dns_zone_and_no_deferral():
    zone = values.EXAMPLES["private_dns_zone"]
    run = run_azure(azure_config(redis={"appendonly": False}, rdbFrequency="6h", clusteringPolicy="OSSCluster",
                                     customerManagedKey=CMK, privateDnsZoneId=zone, deferUpgrade=False,
                                     sku="MemoryOptimized_M10", clusterName=None))
    database, cluster = unwrap(run.one(endpoint.DATABASE_TYPE).inputs), unwrap(run.one(endpoint.CLUSTER_TYPE).inputs)
    assert database["persistence"] == {"aofEnabled": False, "rdbEnabled": True, "rdbFrequency": "6h"}
    assert database["clusteringPolicy"] == "OSSCluster" and database["deferUpgrade"] == "NotDeferred"
    assert cluster["clusterName"] == "profwise-redis-azure" and cluster["sku"] == {"name": "MemoryOptimized_M10"}
    assert cluster["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [CMK["identityId"]]}
    assert cluster["encryption"] == {"customerManagedKeyEncryption": {
        "keyEncryptionKeyUrl": CMK["keyUrl"], "keyEncryptionKeyIdentity": {
            "identityType": "userAssignedIdentity", "userAssignedIdentityResourceId": CMK["identityId"]}}}
    group = unwrap(run.one(endpoint.DNS_ZONE_GROUP_TYPE).inputs)
    assert group["privateEndpointName"] == "redis-redis-pe" and group["privateDnsZoneConfigs"] == [
        {"name": "privatelink-redis-azure-net", "privateDnsZoneId": zone}]
    assert run.outputs["settings"]["cluster_mode"] is True and run.outputs["settings"]["rdb-frequency"] == "6h"


def test_no_hook_by_default_the_deployer_is_outside_the_vnet(run):
    assert not any(opts.hooks and opts.hooks.after_create for opts in run.options.values())


def _hooked(options) -> list[str]:
    return sorted(name for name, opts in options.items() if opts.hooks and opts.hooks.after_create)


def test_cluster_and_database_are_protected_and_the_hook_goes_on_the_endpoint_created_after_the_database():
    opts = run_azure(verify={"fromDeployer": True}).options
    assert opts["redis-cluster"].protect and opts["redis-database"].protect and not opts["redis-endpoint"].protect
    assert _hooked(opts) == ["redis-endpoint"] and opts["redis-endpoint"].hooks.after_update
    # After the database: every value the hook expects (port, listed key) comes from a resource created before it.
    assert [d._name for d in opts["redis-endpoint"].depends_on] == ["redis-database"]  # noqa: SLF001


def test_with_a_dns_zone_the_hook_goes_on_the_zone_group_registered_last():
    config = azure_config(privateDnsZoneId=values.EXAMPLES["private_dns_zone"])
    assert _hooked(run_azure(config, verify={"fromDeployer": True}).options) == ["redis-dns"]


def test_the_policy_pack_passes_on_the_stack(run):
    found = [(r.name, rule.name) for r in run.resources for rule, _ in evaluate(r.type, unwrap(r.inputs))]
    assert found == []


WEAKENED = [
    (endpoint.CLUSTER_TYPE, {"publicNetworkAccess": "Enabled"}, "azure-redis-public-network-disabled"),
    (endpoint.CLUSTER_TYPE, {"publicNetworkAccess": None}, "azure-redis-public-network-disabled"),
    (endpoint.CLUSTER_TYPE, {"minimumTlsVersion": "1.0"}, "azure-redis-minimum-tls-1-2"),
    (endpoint.CLUSTER_TYPE, {"minimumTlsVersion": None}, "azure-redis-minimum-tls-1-2"),
    (endpoint.CLUSTER_TYPE, {"highAvailability": "Disabled"}, "azure-redis-high-availability"),
    (endpoint.DATABASE_TYPE, {"clientProtocol": "Plaintext"}, "azure-redis-tls-only"),
    (endpoint.DATABASE_TYPE, {"clientProtocol": None}, "azure-redis-tls-only"),
    (endpoint.DATABASE_TYPE, {"persistence": {"aofEnabled": False, "rdbEnabled": False}}, "azure-redis-persistence"),
    (endpoint.DATABASE_TYPE, {"persistence": None}, "azure-redis-persistence"),
]


@pytest.mark.parametrize(("type_", "changes", "policy"), WEAKENED, ids=[p + str(c) for _, c, p in WEAKENED])
def test_the_policy_pack_fails_on_weakened_resources(type_, changes, policy):
    def transform(typ, name, inputs):
        return {k: v for k, v in {**inputs, **changes}.items() if v is not None} if typ == type_ else inputs

    run = run_azure(azure_config(), transform=transform)
    found = {rule.name for r in run.resources for rule, _ in evaluate(r.type, unwrap(r.inputs))}
    assert found == {policy}
