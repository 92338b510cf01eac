"""Helpers for the digitalocean backend's tests: a valid section, validation as the loader reports it, and the real
program evaluated under the mock engine with Pulumi.digitalocean.yaml (its placeholders filled, changes merged)."""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import ValidationError

from infra.backends.digitalocean.settings import DigitalOceanSettings
from infra.config.errors import Problem, problems_from
from support.stack_harness import StackRun, filled_section, run_stack

STACK = "digitalocean"
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


def overrides(redis: Mapping[str, Any] | None = None, verify: Mapping[str, Any] | None = None,
              **changes: Any) -> dict[str, Any]:
    """For Pulumi.digitalocean.yaml: the VPC and the trusted sources of VALID in place of its placeholders,
    `changes` merged into its `digitalocean` object, `redis`/`verify` replacing those objects."""
    found: dict[str, Any] = filled_section(STACK, STACK, **{"vpcUuid": VPC, "trustedSources": VALID["trustedSources"],
                                                            **changes})
    found.update({key: dict(value) for key, value in (("redis", redis), ("verify", verify)) if value is not None})
    return found


def deploy(redis: Mapping[str, Any] | None = None, into: StackRun | None = None,
           verify: Mapping[str, Any] | None = None, **changes: Any) -> StackRun:
    """The real program on the stack file with `overrides(redis, verify, **changes)`."""
    return run_stack(STACK, overrides=overrides(redis, verify, **changes), into=into)
