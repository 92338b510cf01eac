"""Helpers for the azure backend's tests: the shipped Pulumi.azure.yaml with its placeholders filled the way a user
fills them (the stack file's `pulumi config set` lines), the settings parsed the way the settings loader parses them,
and the real program run on that stack file under the mock engine (`run_azure`), recording resource options too."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pydantic import SecretStr, ValidationError

from infra.backends.azure import rules
from infra.backends.azure.settings import AzureSettings
from infra.config.errors import ConfigError, problems_from
from infra.config.redis import RedisSettings
from infra.config.stack_files import REPO_ROOT
from infra.tooling.mock_engine import StackRun, run_stack

STACK = "azure"
AZURE_IDS = {
    "resourceGroupName": "profwise-prod-rg",
    "subnetId": "/subscriptions/6f1c1a2e-0b7d-4c55-9e0a-2f3b4c5d6e7f/resourceGroups/network-rg/providers/"
                "Microsoft.Network/virtualNetworks/app-vnet/subnets/redis",
}


def shipped_config() -> dict[str, Any]:
    return yaml.safe_load(Path(REPO_ROOT, f"Pulumi.{STACK}.yaml").read_text())["config"]


def shipped_azure() -> dict[str, Any]:
    return dict(shipped_config()["profwise-redis:azure"])


def azure_config(redis: dict[str, Any] | None = None, **azure: Any) -> dict[str, Any]:
    """{"azure": ..., "redis": ...} of the shipped stack, placeholders filled; `azure` entries merged over it (None
    removes a key), `redis` entries over the stack file's redis object (None removes a key)."""
    merged = {**shipped_azure(), **AZURE_IDS, **azure}
    redis_merged = {**shipped_config()["profwise-redis:redis"], **(redis or {})}
    return {"azure": {k: v for k, v in merged.items() if v is not None},
            "redis": {k: v for k, v in redis_merged.items() if v is not None}}


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


@dataclass
class AzureRun(StackRun):
    """A StackRun plus the resource options (protect, hooks) the program gave each resource, by name."""
    options: dict[str, pulumi.ResourceOptions] = field(default_factory=dict)


def run_azure(config: dict[str, Any] | None = None, transform: Any = None, preview: bool = False,
              **overrides: Any) -> AzureRun:
    """The real program on Pulumi.azure.yaml (through the registry) with `config` (default: `azure_config()`) in
    place of its redis and azure objects; options are not inputs the mock engine sees, so they are recorded by
    wrapping CustomResource.__init__ for the run."""
    run = AzureRun()
    original = pulumi.CustomResource.__init__

    def spy(self, t, name, props=None, opts=None, *args, **kwargs):  # noqa: ANN001
        run.options[name] = opts
        return original(self, t, name, props, opts, *args, **kwargs)

    pulumi.CustomResource.__init__ = spy  # type: ignore[method-assign]
    try:
        run_stack(STACK, overrides={**(config or azure_config()), **overrides}, transform=transform,
                  preview=preview, into=run)
    finally:
        pulumi.CustomResource.__init__ = original  # type: ignore[method-assign]
    return run
