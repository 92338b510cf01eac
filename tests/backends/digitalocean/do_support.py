"""Helpers for the digitalocean backend's tests: a valid section, validation as the loader reports it, the
component built under the mock engine with every registration recorded."""

from __future__ import annotations

import asyncio
from typing import Any, Mapping

import pulumi
from pydantic import ValidationError

from infra.backends.digitalocean import mocks
from infra.backends.digitalocean.settings import DigitalOceanSettings
from infra.config.errors import Problem, problems_from
from infra.tooling.mock_engine import COMPUTED, RecordingMocks, StackRun, settle

VPC = "d455e75d-4858-4eec-8c95-da2f0a5f93a7"
VALID: dict[str, Any] = {"region": "fra1", "vpcUuid": VPC,
                         "trustedSources": [{"type": "droplet", "value": "163973392"},
                                            {"type": "tag", "value": "profwise-backend"}]}


def section(**changes: Any) -> dict[str, Any]:
    """VALID with `changes` merged over it (None removes a key)."""
    return {k: v for k, v in {**VALID, **changes}.items() if v is not None}


def field_problems(values: Mapping[str, Any]) -> list[Problem]:
    """What the loader reports for `profwise-redis:digitalocean` = values (empty when it validates)."""
    try:
        DigitalOceanSettings.model_validate(values)
    except ValidationError as error:
        return problems_from(error, DigitalOceanSettings, prefix="digitalocean")
    return []


def build(values: Mapping[str, Any], redis: Any, hooks: Any = None,
          stack: str = "digitalocean") -> tuple[Any, StackRun]:
    """The component under fresh mocks; returns it and the recorded run (resources with their inputs)."""
    from infra.backends.digitalocean.component import DigitalOceanValkey, DigitalOceanValkeyArgs

    run = StackRun()
    pulumi.runtime.set_mocks(RecordingMocks(run, {**COMPUTED, **mocks.OUTPUTS}), project="profwise-redis", stack=stack,
                             preview=False)
    component = DigitalOceanValkey("redis", DigitalOceanValkeyArgs(DigitalOceanSettings.model_validate(values), redis,
                                                                   hooks))
    settle()
    return component, run


def resolve(output: pulumi.Output[Any]) -> tuple[Any, bool]:
    loop = asyncio.get_event_loop()
    return loop.run_until_complete(output.future()), loop.run_until_complete(output.is_secret())
