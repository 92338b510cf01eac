"""Helpers for the azure backend's tests: the shipped Pulumi.azure.yaml with its placeholders filled the way a user
fills them (the stack file's `pulumi config set` lines), and the settings parsed the way the program parses them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from infra.backends.azure import rules
from infra.backends.azure.settings import AzureSettings
from infra.config_errors import ConfigError, problems_from
from infra.redis_settings import RedisSettings
from stack_harness import REPO_ROOT

AZURE_IDS = {
    "resourceGroupName": "profwise-prod-rg",
    "subnetId": "/subscriptions/6f1c1a2e-0b7d-4c55-9e0a-2f3b4c5d6e7f/resourceGroups/network-rg/providers/"
                "Microsoft.Network/virtualNetworks/app-vnet/subnets/redis",
}


def shipped_config() -> dict[str, Any]:
    return yaml.safe_load(Path(REPO_ROOT, "Pulumi.azure.yaml").read_text())["config"]


def shipped_azure() -> dict[str, Any]:
    return dict(shipped_config()["profwise-redis:azure"])


def azure_config(redis: dict[str, Any] | None = None, **azure: Any) -> dict[str, Any]:
    """{"azure": ..., "redis": ...} of the shipped stack, placeholders filled; `azure` entries merged over it (None
    removes a key), `redis` entries over the stack file's redis object."""
    merged = {**shipped_azure(), **AZURE_IDS, **azure}
    return {"azure": {k: v for k, v in merged.items() if v is not None},
            "redis": {**shipped_config()["profwise-redis:redis"], **(redis or {})}}


class Parsed:
    def __init__(self, azure: AzureSettings, redis: RedisSettings):
        self.azure, self.redis = azure, redis


def parse(config: dict[str, Any], password: str | None = None) -> Parsed:
    """Field validation, then the backend's rules, into one ConfigError — the order the settings loader runs them."""
    problems = []
    try:
        azure = AzureSettings.model_validate(config["azure"])
    except ValidationError as error:
        problems += problems_from(error, AzureSettings, "azure")
    try:
        redis = RedisSettings.model_validate(config["redis"])
    except ValidationError as error:
        problems += problems_from(error, RedisSettings, "redis")
    if problems:
        raise ConfigError(problems)
    found = rules.problems(azure, redis, SecretStr(password) if password else None)
    if found:
        raise ConfigError(found)
    return Parsed(azure, redis)


def run_component(config: dict[str, Any], transform: Any = None, preview: bool = False) -> Any:
    """The azure component under the mock engine with the stack's contract outputs, recorded like `run_stack` does
    (phase 1: before the registry lets `run_stack("azure")` evaluate the real program)."""
    import pulumi

    from infra.backends.azure.component import AzureManagedRedis, AzureManagedRedisArgs
    from infra.backends.azure.mocks import OUTPUTS
    from infra.config_errors import PROJECT
    from infra.contract import stack_outputs
    from infra.offline import COMPUTED, RecordingMocks, StackRun, _event_loop, _settle
    from infra.settings import AppSettings

    parsed = parse(config)
    run, loop = StackRun(), _event_loop()
    pulumi.runtime.set_mocks(RecordingMocks(run, {**COMPUTED, **OUTPUTS}, transform), project=PROJECT, stack="azure",
                             preview=preview)
    component = AzureManagedRedis("redis", AzureManagedRedisArgs(azure=parsed.azure, redis=parsed.redis))
    for key, value in stack_outputs(component, AppSettings()).items():
        output = pulumi.Output.from_input(value)
        run.outputs[key] = loop.run_until_complete(output.future())
        if loop.run_until_complete(output.is_secret()):
            run.secret_outputs.add(key)
    loop.run_until_complete(_settle())
    return run
