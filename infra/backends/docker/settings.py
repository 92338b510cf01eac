"""`profwise-redis:docker` — the dev stack's container, image, network and volume, validated as Docker validates them.

The image is parsed with Docker's own reference grammar (`infra.backends.docker.image_ref`) and must be an official
Redis or Valkey 7+ image pinned to an exact version, unless `allowUnofficialImage` says otherwise. Container and volume
names follow the Docker engine's rule (moby daemon/names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`); the port is published on a
loopback address unless `dangerouslyAllowPublicBind` says otherwise. `rules()` holds the one check that needs the
Redis settings too: a disabled command the pinned image's Redis version does not have.
"""

from __future__ import annotations

import ipaddress
import re

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from infra import contract
from infra.backends.docker import image_ref
from infra.backends.docker.endpoint import client_host
from infra.config.errors import Problem, remove_command
from infra.config.redis_commands import ADDED_IN_7_2
from infra.config.redis import RedisSettings
from infra.config.models import Section

# Docker's RestrictedNamePattern, capped at 63 characters (a DNS label: the name also becomes the container's
# hostname on its network).
_DOCKER_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{1,62}", re.ASCII)


def check_pinned_image(image: str, allow_unofficial: bool) -> str:
    """The image rule every container backend applies (ValueError with the fix)."""
    ref = image_ref.parse(image)  # ValueError: not a reference Docker accepts
    if not allow_unofficial:
        problem = image_ref.official_problem(ref, image)
        if problem:
            raise ValueError(problem)
    elif ref.tag is None and ref.digest is None:
        raise ValueError(f"{image!r} has neither a tag nor a digest (Docker would pull :latest, which changes "
                         "under you): add an exact tag, e.g. :7.2.11")
    return image


def check_docker_name(name: str) -> str:
    if not _DOCKER_NAME_RE.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid Docker name: start with a letter or digit, then letters, "
                         "digits, '_', '.' or '-' (2 to 63 characters)")
    return name


class DockerSettings(Section):
    """`profwise-redis:docker` — the local container, its network and its volume."""

    allow_unofficial_image: bool = Field(False, description="Opt-in to run an image other than an official Redis or "
                                         "Valkey 7+ image (it must still carry redis-server and redis-cli); the "
                                         "reference must still be valid and carry a tag or digest.")
    image: str = Field("redis:7.2.11-alpine", examples=["redis:7.2.11-alpine", "valkey/valkey:8.0.2-alpine",
                                                        "docker.io/library/redis:7.2.11"],
                       description="Official Redis (library/redis) or Valkey (valkey/valkey) 7+ image with an exact "
                       "version tag, e.g. redis:7.2.11-alpine (optionally @sha256:...).")
    container_name: str = Field("profwise-redis", description="Container name (fixed, so it is replaced, never "
                                "duplicated; 2-63 letters, digits, '_', '.', '-').")
    volume_name: str = Field("profwise-redis-data", description="Named volume mounted at /data; survives container "
                             "replacement.")
    network_name: str = Field("profwise-redis-net", description="Private bridge network; the container's alias on it "
                              "is `redis`.")
    host_port: int = Field(contract.DEFAULT_PORT, ge=1, le=65535, description="Host port Redis is published on.")
    dangerously_allow_public_bind: bool = Field(False, description="Opt-in to publish Redis on a non-loopback "
                                                "bindAddress (reachable from other machines).")
    bind_address: str = Field("127.0.0.1", examples=["127.0.0.1", "::1"], description="Host address the port is "
                              "published on; loopback only unless dangerouslyAllowPublicBind is true.")
    keep_volume_on_destroy: bool = Field(True, description="Keep the data volume when the stack is destroyed.")
    wait_timeout: int = Field(120, ge=10, le=900, description="Seconds `pulumi up` waits for the container to be "
                              "healthy (AOF loading of a large dataset takes time).")

    @field_validator("image")
    @classmethod
    def _pinned_image(cls, image: str, info: ValidationInfo) -> str:
        return check_pinned_image(image, bool(info.data.get("allow_unofficial_image")))

    @field_validator("container_name", "volume_name", "network_name")
    @classmethod
    def _docker_name(cls, name: str) -> str:
        return check_docker_name(name)

    @field_validator("bind_address")
    @classmethod
    def _loopback_unless_opted_in(cls, address: str, info: ValidationInfo) -> str:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise ValueError(f"{address!r} is not an IP address: use 127.0.0.1 (this machine only)") from None
        if not ip.is_loopback and not info.data.get("dangerously_allow_public_bind"):
            raise ValueError(f"{ip} publishes Redis beyond this machine: use 127.0.0.1, or set "
                             "docker.dangerouslyAllowPublicBind to true if you really mean it")
        return str(ip)

    @property
    def image_ref(self) -> image_ref.ImageRef:
        return image_ref.parse(self.image)

    @property
    def client_host(self) -> str:
        return client_host(self.bind_address)


def rules(docker: DockerSettings, redis: RedisSettings, password: SecretStr | None = None) -> list[Problem]:
    """A 7.0 or 7.1 image has no WAITAOF: an ACL rule naming it would stop Redis at start-up."""
    version = docker.image_ref.version if docker.image_ref.engine == "redis" else None
    if version is None or version[:2] >= (7, 2):
        return []
    return [Problem(f"redis.disabledCommands[{i}]", f"{name} is not in Redis {version[0]}.{version[1]} (the "
                    f"version of docker.image {docker.image}); Redis would refuse to start; remove it",
                    remove_command(f"redis.disabledCommands[{i}]"))
            for i, name in enumerate(redis.disabled_commands) if name in ADDED_IN_7_2]
