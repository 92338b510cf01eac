"""The azure backend plugs into the registry with its SPEC alone: it is found by looking, every reference in it
resolves, importing the package loads no provider, and the stand-ins make the shipped stack file valid."""

from __future__ import annotations

import pytest
from support.azure import parse, shipped_azure, shipped_config

from infra import backends
from infra.backends.azure import endpoint, values
from infra.backends.spec import load


def test_the_registry_finds_the_azure_backend():
    spec = backends.get("azure")
    assert "azure" in backends.names() and spec.name == "azure"
    assert not spec.needs_local_docker and not spec.data_plane_from_deployer and spec.control_plane is None


def test_every_reference_of_the_spec_resolves():
    spec = backends.get("azure")
    assert spec.model().__name__ == "AzureSettings"
    for ref in (spec.component, spec.rules, *spec.endpoint_types.values(), spec.mocks, spec.stand_in):
        assert callable(load(ref)) or isinstance(load(ref), dict), ref
    assert set(spec.endpoint_types) == {endpoint.DATABASE_TYPE}


def test_the_endpoint_reader_takes_the_port_and_cluster_from_the_database():
    database_id = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
                   "Microsoft.Cache/redisEnterprise/profwise-redis-azure/databases/default")
    found = backends.get("azure").endpoint(endpoint.DATABASE_TYPE, database_id, {"port": 10000.0})
    assert found == {"port": 10000, "cluster_name": "profwise-redis-azure", "resource_group_name": "rg"}
    assert backends.get("azure").endpoint("azure-native:network:PrivateEndpoint", "x", {}) is None


@pytest.mark.parametrize("key", ["resourceGroupName", "subnetId"])
def test_the_stand_ins_replace_the_shipped_placeholders_with_valid_values(key):
    placeholder = shipped_azure()[key]
    assert values.PLACEHOLDER in placeholder
    config = {"azure": {**shipped_azure(), key: values.stand_in(placeholder, 0)},
              "redis": shipped_config()["profwise-redis:redis"]}
    other = "subnetId" if key == "resourceGroupName" else "resourceGroupName"
    config["azure"][other] = values.stand_in(shipped_azure()[other], 1)
    assert parse(config).azure.sku == "Balanced_B5"
