"""Typed stack settings: the one place that reads `pulumi.Config`, validated at the edge.

`load_settings()` reads every `profwise-redis:*` key of the running stack, and `parse_settings()` (pure, used by tests
and the CLI) validates them into `StackSettings`. Anything wrong — a typo'd key, a malformed size, a password kept
in plain text, Redis published beyond the machine — becomes one `ConfigError` naming each key and its fix, before
any resource is registered. Components receive these models and never touch config themselves.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Literal, Mapping

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator

from infra import elasticache_rules, redis_conf
from infra.config_errors import PROJECT, ConfigError, Problem, problems_from
from infra.elasticache_settings import ElastiCacheSettings
from infra.models import Section
from infra.redis_settings import RedisSettings
from infra.verify_settings import VerifySettings

OBJECT_KEYS = ("redis", "app", "docker", "elasticache", "verify")
_IMAGE_RE = re.compile(r"^(?:[\w.-]+(?::\d+)?/)*redis:7\.\d+\.\d+-alpine(?:3\.\d+)?(?:@sha256:[0-9a-f]{64})?$")
_DOCKER_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")


def client_host(address: str) -> str:
    """Where a client on this machine connects to a port published on `address`: that address, or loopback when it
    is published on every interface (0.0.0.0, ::), which is no address a client can dial."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        return "127.0.0.1" if ip.version == 4 else "::1"
    return str(ip)


class AppSettings(Section):
    """`profwise-redis:app` — what the Profwise backend reads from its `.env`."""

    enable_cache: bool = Field(True, description="ENABLE_REDIS_CACHE; false is the guide's rollback switch: the app "
                               "stops using Redis, Redis keeps running and keeps its data.")
    default_ttl: int = Field(3600, gt=0, le=31_536_000, description="REDIS_DEFAULT_TTL in seconds.")


class DockerSettings(Section):
    """`profwise-redis:docker` — the local container, its network and its volume."""

    image: str = Field("redis:7.2.11-alpine", description="Pinned Redis 7 alpine image tag (optionally @sha256:...).")
    container_name: str = Field("profwise-redis", description="Container name (fixed, so it is replaced, never "
                                "duplicated).")
    volume_name: str = Field("profwise-redis-data", description="Named volume mounted at /data; survives container "
                             "replacement.")
    network_name: str = Field("profwise-redis-net", description="Private bridge network; the container's alias on it "
                              "is `redis`.")
    host_port: int = Field(6379, ge=1, le=65535, description="Host port Redis is published on.")
    dangerously_allow_public_bind: bool = Field(False, description="Opt-in to publish Redis on a non-loopback "
                                                "bindAddress (reachable from other machines).")
    bind_address: str = Field("127.0.0.1", description="Host address the port is published on; loopback only unless "
                              "dangerouslyAllowPublicBind is true.")
    keep_volume_on_destroy: bool = Field(True, description="Keep the data volume when the stack is destroyed.")
    wait_timeout: int = Field(120, ge=10, le=900, description="Seconds `pulumi up` waits for the container to be "
                              "healthy (AOF loading of a large dataset takes time).")

    @field_validator("image")
    @classmethod
    def _pinned_image(cls, image: str) -> str:
        if not _IMAGE_RE.match(image):
            raise ValueError(f"{image!r} is not a pinned Redis 7 alpine image: use an exact tag such as "
                             "redis:7.2.11-alpine (optionally with @sha256:<digest>); floating tags like "
                             "redis:latest or redis:7-alpine change under you")
        return image

    @field_validator("container_name", "volume_name", "network_name")
    @classmethod
    def _docker_name(cls, name: str) -> str:
        if not _DOCKER_NAME_RE.match(name):
            raise ValueError(f"{name!r} is not a valid Docker name: start with a letter or digit, then letters, "
                             "digits, '_', '.' or '-' (at most 63 characters)")
        return name

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
    def client_host(self) -> str:
        return client_host(self.bind_address)


class StackSettings(Section):
    """Every `profwise-redis:*` key of a stack, validated."""

    backend: Literal["docker", "elasticache"] = Field("docker", description="Where Redis runs: `docker` (local "
                                                     "container) or `elasticache` (AWS).")
    redis: RedisSettings = Field(default_factory=RedisSettings, description="Redis behaviour (see the redis.* keys).")
    app: AppSettings = Field(default_factory=AppSettings, description="What the app's .env gets.")
    docker: DockerSettings = Field(default_factory=DockerSettings, description="The local container (docker backend).")
    elasticache: ElastiCacheSettings = Field(default_factory=ElastiCacheSettings, description="The AWS replication "
                                             "group (elasticache backend).")
    verify: VerifySettings = Field(default_factory=VerifySettings, description="Post-deploy verification (see the "
                                   "verify.* keys).")
    password: SecretStr | None = Field(None, description="Redis password (secret). When unset a 40-character password "
                                       "is generated once and kept in the stack's state.")

    @field_validator("password")
    @classmethod
    def _password_syntax(cls, password: SecretStr | None) -> SecretStr | None:
        if password is None:
            return None
        value = password.get_secret_value()
        if not 16 <= len(value) <= 128:
            raise ValueError(f"the password is {len(value)} characters long; use 16 to 128 characters, or unset it "
                             "to have one generated")
        if not redis_conf.password_fits_conf(value):
            raise ValueError("the password contains whitespace, quotes, backslashes or control characters, which "
                             "redis.conf cannot carry; choose another, or unset it to have one generated")
        return password


def _decode(key: str, raw: str) -> Any:
    """Config values arrive as strings; objects are JSON (which is how Pulumi stores them)."""
    if key not in OBJECT_KEYS:
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, dict):
        raise ConfigError([Problem(key, "must be an object of settings, not a single value",
                                   f"pulumi config rm {key}; then set fields with pulumi config set --path "
                                   f"'{key}.<field>' <value>")])
    return value


def parse_settings(config: Mapping[str, str], secret_keys: frozenset[str] | set[str] = frozenset()) -> StackSettings:
    """Validate raw config (`{"profwise-redis:backend": "docker", ...}`) into `StackSettings` or raise ConfigError."""
    prefix = f"{PROJECT}:"
    raw = {key[len(prefix):]: value for key, value in config.items() if key.startswith(prefix)}
    problems: list[Problem] = []
    if "password" in raw and f"{prefix}password" not in secret_keys:
        problems.append(Problem("password", "is stored in plain text in the stack file",
                                "pulumi config rm password; then pulumi config set --secret password "
                                "(it prompts, so the value stays out of your shell history)"))
    values: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            values[key] = _decode(key, value)
        except ConfigError as error:
            problems += error.problems
    try:
        settings = StackSettings.model_validate(values)
    except ValidationError as error:
        problems += problems_from(error, StackSettings)
    else:  # rules that need the backend (and the other sections) run once every field is valid
        if settings.backend == "elasticache":
            problems += elasticache_rules.problems(settings.elasticache, settings.redis, settings.password)
    if problems:
        raise ConfigError(problems)
    return settings


def load_settings() -> StackSettings:
    """Read the running stack's config (set by the Pulumi engine, or by `set_all_config` under mocks)."""
    from pulumi.runtime import config as runtime_config

    config = {key: value for key, value in runtime_config.CONFIG.get().items() if key.startswith(f"{PROJECT}:")}
    secret_keys = {key for key in config if runtime_config.is_config_secret(key)}
    return parse_settings(config, secret_keys)
