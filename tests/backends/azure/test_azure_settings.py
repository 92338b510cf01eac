"""The `azure` settings refuse what Azure would refuse (or the policy pack would stop), naming the key and the fix.

Table-driven over the stack's real config path: each case changes one key of the shipped Pulumi.azure.yaml (its
placeholders filled, as a user does) and expects exactly that key in the one `ConfigError`.
"""

from __future__ import annotations

import pytest
from support.azure import AZURE_IDS, azure_config, parse, shipped_azure

from infra.backends.azure import values
from infra.config.errors import ConfigError


def keys_of(error: ConfigError) -> list[str]:
    return [problem.key for problem in error.problems]


def test_the_shipped_stack_file_with_its_placeholders_filled_is_valid():
    settings = parse(azure_config())
    assert settings.azure.sku == "Balanced_B5" and settings.azure.high_availability
    assert settings.azure.subnet_id == AZURE_IDS["subnetId"]


@pytest.mark.parametrize("key", ["resourceGroupName", "subnetId"])
def test_the_shipped_placeholders_are_refused_before_anything_is_created(key):
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(**{key: shipped_azure()[key]}))
    assert keys_of(raised.value) == [f"azure.{key}"]
    assert "placeholder" in str(raised.value) and "REPLACE-ME" in str(raised.value)


BAD_AZURE = [
    ("sku", "Enterprise_E10", "retires on 2027-03-31"),
    ("sku", "Balanced_B4", "not an Azure Managed Redis SKU"),
    ("sku", "balanced_b5", "not an Azure Managed Redis SKU"),
    ("clusterName", "profwise--redis", "no leading, trailing or consecutive hyphens"),
    ("clusterName", "Profwise", "lower-case"),
    ("clusterName", "a" * 61, "1-60"),
    ("location", "West Europe", "lower-case"),
    ("resourceGroupName", "rg.", "not ending in a period"),
    ("subnetId", "subnet-0a1b2c3d4e5f67890", "not a subnet resource id"),
    ("subnetId", values.EXAMPLES["subnet"] + "\n", "not a subnet resource id"),
    ("privateDnsZoneId", values.EXAMPLES["private_dns_zone"].replace("redis.azure", "redis.cache.windows"),
     "not a private dns zone resource id"),
    ("highAvailability", False, "mandatory policy azure-redis-high-availability"),
    ("highAvailability", 1, "must be a boolean"),
    ("accessKeysAuthentication", False, "REDIS_PASSWORD"),
    ("clusteringPolicy", "NoCluster", "'EnterpriseCluster' or 'OSSCluster'"),
    ("rdbFrequency", "2h", "'1h', '6h' or '12h'"),
    ("tags", {"a/b": "x"}, "none of < > % & \\ ? /"),
    ("tags", {"stack": "x"}, "set by the stack itself"),
    ("tags", {f"k{i}": "v" for i in range(48)}, "use at most 47"),
    ("customerManagedKey", {"keyUrl": "https://v.example.com/keys/k"}, "identityId"),
    ("customerManagedKey", {"keyUrl": "https://vault1.vault.azure.net/secrets/k",
                            "identityId": values.EXAMPLES["user_assigned_identity"]}, "not a Key Vault key identifier"),
    ("unknownKey", 1, "unknown key"),
]


@pytest.mark.parametrize(("key", "value", "says"), BAD_AZURE, ids=[f"{k}={v!r}"[:60] for k, v, _ in BAD_AZURE])
def test_a_bad_azure_value_is_refused_naming_its_key(key, value, says):
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(**{key: value}))
    assert all(k.startswith(f"azure.{key}") for k in keys_of(raised.value)), keys_of(raised.value)
    assert says in str(raised.value)


@pytest.mark.parametrize("key", ["resourceGroupName", "location", "subnetId"])
def test_a_missing_required_key_is_refused_with_the_command_that_sets_it(key):
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(**{key: None}))
    assert keys_of(raised.value) == [f"azure.{key}"]
    assert f"pulumi config set --path 'azure.{key}'" in str(raised.value)


BAD_REDIS = [
    ({"maxmemory": "1gb"}, "redis.maxmemory", "the SKU sets the memory"),
    ({"savePoints": [[60, 1]]}, "redis.savePoints", "azure.rdbFrequency"),
    ({"disabledCommands": ["SHUTDOWN", "FLUSHALL"]}, "redis.disabledCommands[1]", "can neither rename nor remove"),
    ({"timeout": 0}, "redis.timeout", "no idle-client timeout"),
    ({"slowlogThresholdMs": 10}, "redis.slowlogThresholdMs", "no slow-log setting"),
    ({"protectedMode": True}, "redis.protectedMode", "not a setting of the service"),
    ({"appendfsync": "always"}, "redis.appendfsync", "deprecated 'always'"),
    ({"appendfsync": "no"}, "redis.appendfsync", "no 'no' frequency"),
]


@pytest.mark.parametrize(("redis", "key", "says"), BAD_REDIS, ids=[k for _, k, _ in BAD_REDIS])
def test_redis_settings_the_service_does_not_take_are_refused_with_the_reason(redis, key, says):
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(redis=redis))
    assert keys_of(raised.value) == [key]
    assert says in str(raised.value) and f"pulumi config rm --path '{key}'" in str(raised.value)


def test_the_models_default_disabled_commands_are_refused_as_a_promise_the_service_cannot_keep():
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(redis={"disabledCommands": None}))  # the model's default: FLUSHDB, FLUSHALL, CONFIG
    assert keys_of(raised.value) == ["redis.disabledCommands"]
    assert "cannot be disabled on Azure Managed Redis" in str(raised.value) and "SHUTDOWN" in str(raised.value)


def test_only_commands_the_service_blocks_itself_may_be_listed():
    parsed = parse(azure_config(redis={"disabledCommands": ["SAVE", "PSYNC"]}))
    assert parsed.redis.disabled_commands == ("SAVE", "PSYNC")
    parse(azure_config(redis={"disabledCommands": []}))  # none at all: verify warns


def test_no_persistence_at_all_is_refused():
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(redis={"appendonly": False, "savePoints": []}))
    assert "redis.appendonly" in keys_of(raised.value)
    assert "without persistence" in str(raised.value)


def test_a_chosen_password_is_refused_because_azure_generates_the_keys():
    with pytest.raises(ConfigError) as raised:
        parse(azure_config(), password="Chosen0Password0Of0Some0Length")
    assert keys_of(raised.value) == ["password"] and "generates the access keys" in str(raised.value)
