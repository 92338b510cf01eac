"""The stack, as a function of validated settings: build the backend's component, return the contract outputs.

Kept apart from `__main__` so tests evaluate exactly this under the Pulumi mock engine. The registry imports a
backend's component only when its stack needs it (importing pulumi_aws for a dev stack would double the program's
start-up); nothing here knows which backends exist.
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra import backends
from infra.contract import RedisBackend, stack_outputs
from infra.stack_settings import StackSettings
from infra.verify.hook import DeployVerifier

RESOURCE_NAME = "redis"


def build_backend(settings: StackSettings, hooks: pulumi.ResourceHookBinding | None = None) -> RedisBackend:
    """`hooks` go on the backend's Redis resource (the one its spec's `endpoint_types` names)."""
    backend: RedisBackend = backends.get(settings.backend).build(RESOURCE_NAME, settings, hooks)
    return backend


def define(settings: StackSettings) -> dict[str, pulumi.Input[Any]]:
    # Post-deploy verification: a hook (after create/update) on the Redis resource that fails `pulumi up`.
    verifier = DeployVerifier.for_stack(settings)
    backend = build_backend(settings, verifier.binding() if verifier else None)
    if verifier:
        verifier.expect_from(backend)
    return stack_outputs(backend, settings.app)
