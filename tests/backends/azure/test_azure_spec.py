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
    assert set(spec.endpoint_types) == {endpoint.PRIVATE_ENDPOINT_TYPE, endpoint.DNS_ZONE_GROUP_TYPE}
    assert spec.backup and callable(load(f"{spec.backup}:backup")) and spec.service_backup() is not None


def test_the_hooked_resources_report_no_contract_value_the_component_supplies_them():
    spec = backends.get("azure")
    assert spec.hooked_resource_reports == frozenset()
    for type_ in (endpoint.PRIVATE_ENDPOINT_TYPE, endpoint.DNS_ZONE_GROUP_TYPE):
        assert spec.endpoint(type_, "pe-id", {"name": "redis-redis-pe", "provisioningState": "Succeeded"}) == {}
    assert spec.endpoint(endpoint.DATABASE_TYPE, "db-id", {"port": 10000.0}) is None  # not hooked


@pytest.mark.parametrize("key", ["resourceGroupName", "subnetId"])
def test_the_stand_ins_replace_the_shipped_placeholders_with_valid_values(key):
    placeholder = shipped_azure()[key]
    assert values.PLACEHOLDER in placeholder
    config = {"azure": {**shipped_azure(), key: values.stand_in(placeholder, 0)},
              "redis": shipped_config()["profwise-redis:redis"]}
    other = "subnetId" if key == "resourceGroupName" else "resourceGroupName"
    config["azure"][other] = values.stand_in(shipped_azure()[other], 1)
    assert parse(config).azure.sku == "Balanced_B5"
