"""Typed stack settings: the one place that reads `pulumi.Config`, validated at the edge.

`load_settings()` reads every `profwise-redis:*` key of the running stack, and `parse_settings()` (pure, used by tests
and the CLI) validates them into `StackSettings`. Anything wrong — a typo'd key, a malformed size, a password kept
in plain text, Redis published beyond the machine — becomes one `ConfigError` naming each key and its fix, before
any resource is registered. Components receive these models and never touch config themselves.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Mapping

from pydantic import Field, SecretStr, ValidationError, field_validator

from infra import docker_settings, elasticache_rules, redis_conf
from infra.config_errors import PROJECT, ConfigError, Problem, problems_from
from infra.docker_settings import DockerSettings, client_host  # noqa: F401 — client_host: re-exported for callers
from infra.elasticache_settings import ElastiCacheSettings
from infra.models import Section
from infra.redis_settings import RedisSettings
from infra.verify_settings import VerifySettings

OBJECT_KEYS = ("redis", "app", "docker", "elasticache", "verify")


class AppSettings(Section):
    """`profwise-redis:app` — what the Profwise backend reads from its `.env`."""

    enable_cache: bool = Field(True, description="ENABLE_REDIS_CACHE; false is the guide's rollback switch: the app "
                               "stops using Redis, Redis keeps running and keeps its data.")
    default_ttl: int = Field(3600, gt=0, le=31_536_000, description="REDIS_DEFAULT_TTL in seconds.")


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
        else:
            problems += docker_settings.rules(settings.docker, settings.redis)
    if problems:
        raise ConfigError(problems)
    return settings


def load_settings() -> StackSettings:
    """Read the running stack's config (set by the Pulumi engine, or by `set_all_config` under mocks)."""
    from pulumi.runtime import config as runtime_config

    config = {key: value for key, value in runtime_config.CONFIG.get().items() if key.startswith(f"{PROJECT}:")}
    secret_keys = {key for key in config if runtime_config.is_config_secret(key)}
    return parse_settings(config, secret_keys)
