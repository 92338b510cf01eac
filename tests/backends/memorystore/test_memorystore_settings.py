"""The memorystore settings model and its rules, pure: every documented limit accepted at its edge and refused past
it, each refusal naming the exact key and carrying a fix; the Redis settings Memorystore does not take refused with
the reason; the example stack file's values valid once its placeholders are filled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr, ValidationError

from infra.backends.memorystore import redis_configs, rules, service
from infra.backends.memorystore.settings import MemorystoreSettings
from infra.config.errors import problems_from
from infra.config.redis import RedisSettings

ROOT = Path(__file__).resolve().parents[3]
NETWORK = "projects/my-project-123/global/networks/backend-vpc"
BASE = {"project": "my-project-123", "region": "europe-west1", "authorizedNetwork": NETWORK}
REDIS_OK = RedisSettings.model_validate({"disabledCommands": ["CONFIG"]})


def stack_file() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.memorystore.yaml").read_text())["config"]


def field_problems(**changes: Any) -> dict[str, str]:
    """{key: message} of what validating BASE + changes reports (None removes a key)."""
    data = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    try:
        MemorystoreSettings.model_validate(data)
    except ValidationError as error:
        return {p.key: p.message for p in problems_from(error, MemorystoreSettings, "memorystore")}
    return {}


def rule_problems(redis: RedisSettings = REDIS_OK, password: str | None = None, **changes: Any) -> dict[str, Any]:
    data = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    found = rules.problems(MemorystoreSettings.model_validate(data), redis,
                           SecretStr(password) if password else None)
    return {p.key: p for p in found}


def test_the_example_stack_file_is_valid_once_its_placeholders_are_filled():
    config = stack_file()
    section = config["profwise-redis:memorystore"]
    assert "REPLACE-ME" in section["project"] and "REPLACE-ME" in section["authorizedNetwork"]
    filled = {**section, "project": service.stand_in(section["project"]),
              "authorizedNetwork": service.stand_in(section["authorizedNetwork"])}
    redis = RedisSettings.model_validate(config["profwise-redis:redis"])
    assert rules.problems(MemorystoreSettings.model_validate(filled), redis, None) == []
    # Every value the file writes out is the model's default, so the file documents the defaults.
    defaults = MemorystoreSettings.model_validate(BASE).model_dump(by_alias=True)
    for key, value in section.items():
        if key not in ("project", "authorizedNetwork", "labels"):
            assert defaults[key] == value, key


@pytest.mark.parametrize("key", ["project", "authorizedNetwork"])
def test_a_placeholder_is_refused_naming_the_key(key):
    found = field_problems(**{key: stack_file()["profwise-redis:memorystore"][key]})
    assert list(found) == [f"memorystore.{key}"] and "placeholder" in found[f"memorystore.{key}"]


# (key, value, accepted): the documented limits at their edges.
LIMITS = [
    ("memorySizeGb", 1, True), ("memorySizeGb", 300, True), ("memorySizeGb", 0, False), ("memorySizeGb", 301, False),
    ("memorySizeGb", True, False), ("replicaCount", 5, True), ("replicaCount", 6, False), ("replicaCount", 0, False),
    ("tier", "BASIC", True), ("tier", "STANDARD", False), ("redisVersion", "REDIS_7_0", True),
    ("redisVersion", "REDIS_6_X", False), ("snapshotPeriod", "TWENTY_FOUR_HOURS", True),
    ("snapshotPeriod", "FIVE_MINUTES", False), ("instanceId", "a" * 41, True), ("instanceId", "a" * 42, False),
    ("instanceId", "Profwise", False), ("instanceId", "profwise-", False), ("instanceId", "p", False),
    ("project", "my-project-123", True), ("project", "my-project-", False), ("project", "abc", False),
    ("region", "us-central1", True), ("region", "europe west1", False), ("locationId", "europe-west1-b", True),
    ("locationId", "europe-west1", False), ("authorizedNetwork", "backend-vpc", False),
    ("authorizedNetwork", "projects/my-project-123/global/networks/Backend", False),
    ("reservedIpRange", "memorystore-range", True), ("reservedIpRange", "10.0.0.0/28", False),
    ("secondaryIpRange", "auto", True), ("snapshotStartTime", "2026-01-01T03:00:00Z", True),
    ("snapshotStartTime", "2026-01-01 03:00", False), ("snapshotStartTime", "2026-02-30T03:00:00Z", False),
    ("maintenanceWindow", {"day": "MONDAY", "hour": 23, "minute": 59}, True),
    ("maintenanceWindow", {"day": "MON", "hour": 5}, False), ("maintenanceWindow", {"hour": 24}, False),
    ("customerManagedKey", "projects/p-123456/locations/europe-west1/keyRings/r/cryptoKeys/k", True),
    ("customerManagedKey", "arn:aws:kms:eu-west-1:123456789012:key/k", False),
    ("labels", {"service": "profwise-backend"}, True), ("labels", {"Service": "x"}, False),
    ("labels", {"service": "Profwise"}, False), ("labels", {"stack": "x"}, False),
    ("labels", {f"k{i}": "v" for i in range(62)}, False), ("labels", {f"k{i}": "v" for i in range(61)}, True),
    ("deletionProtection", False, False), ("transitEncryptionMode", "DISABLED", False),
]


@pytest.mark.parametrize(("key", "value", "accepted"), LIMITS, ids=[f"{c[0]}-{c[1]!r}"[:60] for c in LIMITS])
def test_documented_limits(key, value, accepted):
    found = field_problems(**{key: value})
    if accepted:
        assert found == {}
    else:
        assert found and all(k.startswith(f"memorystore.{key}") for k in found), found


# (changes to BASE, the Redis settings, password, the key refused, what the message says)
REFUSED = [
    ({"tier": "BASIC"}, REDIS_OK, None, "memorystore.tier", "memorystore-standard-tier"),
    ({"region": None}, REDIS_OK, None, "memorystore.region", "required"),
    ({"project": None}, REDIS_OK, None, "memorystore.project", "required"),
    ({"authorizedNetwork": None}, REDIS_OK, None, "memorystore.authorizedNetwork", "default"),
    ({"memorySizeGb": 4}, REDIS_OK, None, "memorystore.memorySizeGb", "at least 5 GB"),
    ({"readReplicas": False, "replicaCount": 2}, REDIS_OK, None, "memorystore.replicaCount", "exactly 1"),
    ({"readReplicas": False, "secondaryIpRange": "auto"}, REDIS_OK, None, "memorystore.secondaryIpRange", "false"),
    ({"locationId": "us-east1-b"}, REDIS_OK, None, "memorystore.locationId", "not a zone of europe-west1"),
    ({"locationId": "europe-west1-b", "alternativeLocationId": "europe-west1-b"}, REDIS_OK, None,
     "memorystore.alternativeLocationId", "another zone"),
    ({"customerManagedKey": "projects/p-123456/locations/us-east1/keyRings/r/cryptoKeys/k"}, REDIS_OK, None,
     "memorystore.customerManagedKey", "region"),
    ({}, REDIS_OK, "a-chosen-password-1234", "password", "generates the AUTH string"),
    ({}, RedisSettings(), None, "redis.disabledCommands", "FLUSHDB cannot be disabled"),
    ({}, RedisSettings.model_validate({"disabledCommands": ["CONFIG", "FLUSHALL"]}), None,
     "redis.disabledCommands[1]", "FLUSHALL cannot be disabled"),
    ({}, RedisSettings.model_validate({"disabledCommands": ["KEYS"]}), None, "redis.disabledCommands[0]", "KEYS"),
    *(({}, RedisSettings.model_validate({key: value, "disabledCommands": []}), None, f"redis.{key}",
       "does not apply on Memorystore")
      for key, value in [("maxmemory", "1gb"), ("appendonly", False), ("appendfsync", "always"), ("savePoints", []),
                         ("protectedMode", True), ("tcpKeepalive", 60), ("slowlogThresholdMs", 10),
                         ("slowlogMaxLen", 128)]),
]


@pytest.mark.parametrize(("changes", "redis", "password", "key", "says"), REFUSED,
                         ids=[c[3] + ("-" + next(iter(c[0]), "")) for c in REFUSED])
def test_a_bad_config_is_refused_naming_the_key_and_the_fix(changes, redis, password, key, says):
    found = rule_problems(redis, password, **changes)
    assert list(found) == [key], found
    assert says in found[key].message and found[key].fix


def test_every_redis_setting_is_rendered_or_refused_with_a_reason():
    configs, skipped = redis_configs.render(RedisSettings())
    assert set(configs) | set(skipped) == set(RedisSettings().directives())
    assert set(configs) <= service.SUPPORTED_CONFIGS and not set(configs) & set(skipped)
    refused = {RedisSettings.model_fields[name].alias for name in rules.REDIS_KEYS}
    assert {rules.REDIS_KEYS[n] for n in rules.REDIS_KEYS} <= set(skipped)
    assert refused == {"maxmemory", "appendonly", "appendfsync", "savePoints", "protectedMode", "tcpKeepalive",
                       "slowlogThresholdMs", "slowlogMaxLen"}


def test_the_rendered_configs_follow_the_model():
    configs, _ = redis_configs.render(RedisSettings.model_validate(
        {"maxmemoryPolicy": "volatile-lfu", "timeout": 300, "lazyfree": False}))
    assert configs == {"maxmemory-policy": "volatile-lfu", "timeout": "300", "lazyfree-lazy-eviction": "no",
                       "lazyfree-lazy-expire": "no", "lazyfree-lazy-user-del": "no", "lazyfree-lazy-user-flush": "no"}


def test_the_settings_output_says_what_the_service_manages_and_blocks():
    effective = redis_configs.effective_settings(REDIS_OK)
    assert effective["maxmemory"] is None and effective["appendonly"] is False and effective["save"] == []
    assert set(effective["managed"]) >= {"maxmemory", "appendonly", "save"}
    assert set(effective["restricted_commands"]) == service.BLOCKED_COMMANDS
    assert {"CONFIG", "COMMAND", "CLIENT", "BGSAVE", "SAVE", "DEBUG", "SHUTDOWN"} <= service.BLOCKED_COMMANDS
    assert effective["disabled-commands"] == ["CONFIG"] and effective["cluster_mode"] is False
    assert set(RedisSettings().effective()) <= set(effective)  # the other backends' keys, every one


@pytest.mark.parametrize(("stack", "expected"), [("prod", "profwise-redis-prod"),
                                                 ("Team.QA_1", "profwise-redis-team-qa-1"),
                                                 ("x" * 60, "profwise-redis-" + "x" * 26)])
def test_the_default_instance_id_is_a_valid_one(stack, expected):
    assert service.default_instance_id(stack) == expected
    assert service.INSTANCE_ID_RE.fullmatch(expected)
