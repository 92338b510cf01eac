"""The memorystore component under the Pulumi mock engine, built from the example stack file's own settings: every
input the instance gets (with the provider's real argument names, as camelCase inputs), every output, the AUTH string
secret wherever it flows, the CA bundle exported, the deploy-hook endpoint read from the instance's outputs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pulumi
import pytest

from infra import contract
from infra.backends.memorystore import endpoint, mocks, redis_configs, service
from infra.backends.memorystore import outputs as keys
from infra.backends.memorystore.component import TYPE as component_type
from infra.backends.memorystore.component import MemorystoreRedis, MemorystoreRedisArgs
from infra.backends.memorystore.settings import MemorystoreSettings
from infra.tooling.mock_engine import RecordingMocks, StackRun, contains_secret, settle, unwrap
from infra.config.redis import RedisSettings
from backends.memorystore.test_memorystore_settings import stack_file


def build(stack_changes: dict[str, Any] | None = None) -> tuple[StackRun, dict[str, Any], set[str], Any]:
    """Register the component from Pulumi.memorystore.yaml (placeholders filled) under mocks: (run, outputs as
    plain values, the secret output keys, the component)."""
    config = stack_file()
    section = config["profwise-redis:memorystore"]
    section = {**section, "project": service.stand_in(section["project"]),
               "authorizedNetwork": service.stand_in(section["authorizedNetwork"]), **(stack_changes or {})}
    args = MemorystoreRedisArgs(memorystore=MemorystoreSettings.model_validate(section),
                                redis=RedisSettings.model_validate(config["profwise-redis:redis"]))
    run = StackRun()
    pulumi.runtime.set_mocks(RecordingMocks(run, mocks.OUTPUTS), project="profwise-redis", stack="memorystore",
                             preview=False)
    component = MemorystoreRedis("redis", args)
    values = {contract.HOST: component.host, contract.PORT: component.port, contract.PASSWORD: component.password,
              **component.extra_outputs()}
    loop = asyncio.get_event_loop()
    plain, secret = {}, set()
    for key, value in values.items():
        output = pulumi.Output.from_input(value)
        plain[key] = loop.run_until_complete(output.future())
        if loop.run_until_complete(output.is_secret()):
            secret.add(key)
    settle()
    return run, plain, secret, component


@pytest.fixture(scope="module")
def built():
    return build()


def test_the_instance_gets_the_guides_production_settings(built):
    run, _, _, component = built
    instance = run.one(keys.INSTANCE_TYPE)
    inputs = unwrap(instance.inputs)
    assert {k: inputs[k] for k in ("tier", "redisVersion", "memorySizeGb", "readReplicasMode", "replicaCount",
                                   "authEnabled", "transitEncryptionMode", "connectMode", "deletionProtection",
                                   "project", "region", "name", "authorizedNetwork")} == {
        "tier": "STANDARD_HA", "redisVersion": "REDIS_7_2", "memorySizeGb": 5,
        "readReplicasMode": "READ_REPLICAS_ENABLED", "replicaCount": 1, "authEnabled": True,
        "transitEncryptionMode": "SERVER_AUTHENTICATION", "connectMode": "PRIVATE_SERVICE_ACCESS",
        "deletionProtection": True, "project": "my-project-123", "region": "europe-west1",
        "name": "profwise-redis-memorystore", "authorizedNetwork": service.STAND_INS["network"]}
    assert inputs["persistenceConfig"] == {"persistenceMode": "RDB", "rdbSnapshotPeriod": "ONE_HOUR"}
    assert inputs["maintenancePolicy"]["weeklyMaintenanceWindows"] == [
        {"day": "SUNDAY", "startTime": {"hours": 5, "minutes": 0, "seconds": 0, "nanos": 0}}]
    assert inputs["redisConfigs"] == {"maxmemory-policy": "allkeys-lru", "timeout": "0",
                                      "lazyfree-lazy-eviction": "yes", "lazyfree-lazy-expire": "yes",
                                      "lazyfree-lazy-user-del": "yes", "lazyfree-lazy-user-flush": "yes"}
    assert inputs["labels"] == {"service": "profwise-backend", "project": "profwise-redis", "stack": "memorystore",
                                "managed-by": "pulumi"}
    assert "customerManagedKey" not in inputs and "reservedIpRange" not in inputs
    # The component and one instance: no compute (VPC) resources, the network is an existing one.
    assert [r.type for r in run.resources] == [component_type, keys.INSTANCE_TYPE]
    assert component.settings == redis_configs.effective_settings(
        RedisSettings.model_validate(stack_file()["profwise-redis:redis"]))


def test_the_outputs_and_the_auth_string_stays_secret(built):
    _, outputs, secret, component = built
    assert outputs[contract.HOST] == "10.20.0.3" and outputs[contract.PORT] == 6378 and component.tls is True
    assert outputs[contract.PASSWORD] == mocks.MOCK_AUTH_STRING and secret == {contract.PASSWORD}
    assert outputs[keys.CA_CERTIFICATE] == "".join(c["cert"] for c in mocks.MOCK_CA_CERTS)
    assert outputs[keys.READER_HOST] == "10.20.0.4" and outputs[keys.READER_PORT] == 6378
    assert outputs[keys.INSTANCE_ID] == "profwise-redis-memorystore" and outputs[keys.REGION] == "europe-west1"
    assert mocks.MOCK_AUTH_STRING not in json.dumps({k: v for k, v in outputs.items() if k not in secret})


def test_the_contract_outputs_are_secret_where_they_carry_the_auth_string(built):
    _, _, _, component = built
    from infra.config.app import AppSettings

    exported = contract.stack_outputs(component, AppSettings())
    loop = asyncio.get_event_loop()
    assert contract.ADMIN_PASSWORD not in exported  # one AUTH string: no admin user, the tools say so
    for key in set(contract.SECRET_OUTPUTS) - {contract.ADMIN_PASSWORD}:
        output = pulumi.Output.from_input(exported[key])
        assert loop.run_until_complete(output.is_secret()), key
        assert mocks.MOCK_AUTH_STRING in json.dumps(loop.run_until_complete(output.future()))
    url = loop.run_until_complete(pulumi.Output.from_input(exported[contract.URL]).future())
    assert url == f"rediss://:{mocks.MOCK_AUTH_STRING}@10.20.0.3:6378/0"


def test_options_a_user_sets_reach_the_instance():
    key = "projects/my-project-123/locations/europe-west1/keyRings/redis/cryptoKeys/profwise"
    run, outputs, _, _ = build({"customerManagedKey": key, "readReplicas": False, "reservedIpRange": "ms-range",
                                "snapshotPeriod": "SIX_HOURS", "maintenanceWindow": {"day": "WEDNESDAY",
                                                                                     "hour": 2, "minute": 30}})
    inputs = unwrap(run.one(keys.INSTANCE_TYPE).inputs)
    assert inputs["customerManagedKey"] == key and inputs["reservedIpRange"] == "ms-range"
    assert inputs["readReplicasMode"] == "READ_REPLICAS_DISABLED"
    assert inputs["persistenceConfig"]["rdbSnapshotPeriod"] == "SIX_HOURS"
    assert inputs["maintenancePolicy"]["weeklyMaintenanceWindows"][0]["startTime"]["minutes"] == 30
    assert outputs[keys.READER_HOST] == ""  # no read endpoint without read replicas


def test_no_input_carries_the_auth_string_in_plain_text(built):
    run, _, _, _ = built
    for resource in run.resources:
        for name, value in resource.inputs.items():
            if mocks.MOCK_AUTH_STRING in json.dumps(unwrap(value)):
                assert contains_secret(value), name


def test_the_deploy_hook_reads_the_endpoint_auth_string_and_ca_from_the_instances_outputs():
    state = {"host": "10.20.0.3", "port": 6378.0, "name": "profwise-redis-memorystore",
             "serverCaCerts": mocks.MOCK_CA_CERTS, "authString": mocks.MOCK_AUTH_STRING}
    found = endpoint.instance("projects/p/locations/europe-west1/instances/profwise-redis-memorystore", state)
    assert found == {contract.HOST: "10.20.0.3", contract.PORT: 6378, contract.PASSWORD: mocks.MOCK_AUTH_STRING,
                     keys.INSTANCE_ID: "profwise-redis-memorystore",
                     keys.CA_CERTIFICATE: "".join(c["cert"] for c in mocks.MOCK_CA_CERTS)}
    assert endpoint.instance("projects/p/locations/r/instances/x", {"host": "10.0.0.9"})[keys.INSTANCE_ID] == "x"
