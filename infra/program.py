"""The stack, as a function of validated settings: build the backend's component, return the contract outputs.

Kept apart from `__main__` so tests evaluate exactly this under the Pulumi mock engine. Each backend module is
imported only when its stack needs it (importing pulumi_aws for a dev stack would double the program's start-up).
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra.contract import RedisBackend, stack_outputs
from infra.settings import StackSettings

RESOURCE_NAME = "redis"


def build_backend(settings: StackSettings) -> RedisBackend:
    if settings.backend == "docker":
        from infra.docker_redis import DockerRedis, DockerRedisArgs

        return DockerRedis(RESOURCE_NAME, DockerRedisArgs.from_settings(settings))
    from infra.elasticache_redis import ElastiCacheRedis, ElastiCacheRedisArgs

    return ElastiCacheRedis(RESOURCE_NAME, ElastiCacheRedisArgs.from_settings(settings))


def define(settings: StackSettings) -> dict[str, pulumi.Input[Any]]:
    return stack_outputs(build_backend(settings), settings.app)
