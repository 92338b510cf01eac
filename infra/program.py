"""The stack, as a function of validated settings: build the backend's component, return the contract outputs.

Kept apart from `__main__` so tests evaluate exactly this under the Pulumi mock engine. Each backend module is
imported only when its stack needs it (importing pulumi_aws for a dev stack would double the program's start-up).
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra.contract import RedisBackend, stack_outputs
from infra.settings import StackSettings
from infra.verify_hook import DeployVerifier

RESOURCE_NAME = "redis"


def build_backend(settings: StackSettings, hooks: pulumi.ResourceHookBinding | None = None) -> RedisBackend:
    """`hooks` go on the backend's Redis resource (the container, the replication group)."""
    if settings.backend == "docker":
        from infra.docker_redis import DockerRedis, DockerRedisArgs

        return DockerRedis(RESOURCE_NAME, DockerRedisArgs.from_settings(settings, hooks=hooks))
    from infra.elasticache_redis import ElastiCacheRedis, ElastiCacheRedisArgs

    return ElastiCacheRedis(RESOURCE_NAME, ElastiCacheRedisArgs.from_settings(settings, hooks=hooks))


def define(settings: StackSettings) -> dict[str, pulumi.Input[Any]]:
    # Post-deploy verification: a hook (after create/update) on the Redis resource that fails `pulumi up`.
    verifier = DeployVerifier.for_stack(settings)
    backend = build_backend(settings, verifier.binding() if verifier else None)
    if verifier:
        verifier.expect_from(backend)
    return stack_outputs(backend, settings.app)
