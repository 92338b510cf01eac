"""Typed stack settings: the one place that reads `pulumi.Config`, validated at the edge.

`load_settings()` reads every `profwise-redis:*` key of the running stack, and `parse_settings()` (pure, used by tests
and the CLI) validates them into `StackSettings`. Anything wrong — a typo'd key, a malformed size, a password kept
in plain text, Redis published beyond the machine — becomes one `ConfigError` naming each key and its fix, before
any resource is registered. Components receive these models and never touch config themselves.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal, Mapping

from pydantic import Field, SecretStr, ValidationError, create_model, field_validator

from infra import backends
from infra.config import redis_conf
from infra.config.app import AppSettings
from infra.config.errors import ConfigError, Problem, problems_from
from infra.contract import PROJECT
from infra.config.models import Section
from infra.config.redis import RedisSettings
from infra.config.verify import VerifySettings

# Config keys whose value is an object (JSON): the shared sections and one per registered backend.
OBJECT_KEYS = ("redis", "app", *backends.names(), "verify")


class _StackBase(Section):
    """What every stack has whatever its backend; the backend sections are added per registered backend below."""

    @field_validator("password", check_fields=False)
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


def _model() -> type[_StackBase]:
    """`StackSettings`, with a `Literal` of the registered backends and one section per backend, in the order the
    config reference lists them (shared sections first, verification and the password last)."""
    specs = backends.specs()
    where = "; or ".join(f"`{spec.name}`, {spec.summary}" for spec in specs)
    sections: dict[str, Any] = {
        spec.name: (spec.model(), Field(default_factory=spec.model(), description=f"Settings of the `{spec.name}` "
                                        f"backend: {spec.summary}."))
        for spec in specs}
    model: type[_StackBase] = create_model(
        "StackSettings", __base__=_StackBase, __doc__="Every `profwise-redis:*` key of a stack, validated.",
        backend=(Literal[backends.names()],  # type: ignore[arg-type]  # a Literal of values known at run time
                 Field(backends.DEFAULT, description=f"Where Redis runs: {where}.")),
        redis=(RedisSettings, Field(default_factory=RedisSettings, description="Redis behaviour (see the redis.* "
                                    "keys).")),
        app=(AppSettings, Field(default_factory=AppSettings, description="What the app's .env gets.")),
        **sections,
        verify=(VerifySettings, Field(default_factory=VerifySettings, description="Post-deploy verification (see the "
                                      "verify.* keys).")),
        password=(SecretStr | None, Field(None, description="Redis password (secret). When unset a 40-character "
                                          "password is generated once and kept in the stack's state.")),
    )
    return model


if TYPE_CHECKING:
    class StackSettings(_StackBase):
        backend: str
        redis: RedisSettings
        app: AppSettings
        verify: VerifySettings
        password: SecretStr | None

        def __getattr__(self, name: str) -> Any: ...  # one section per registered backend, named like it
else:
    StackSettings = _model()


def backend_section(settings: StackSettings) -> Any:
    """The validated settings object of the stack's own backend (`profwise-redis:<backend>`)."""
    return getattr(settings, settings.backend)


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
    """Validate raw config (`{"profwise-redis:backend": "<name>", ...}`) into `StackSettings` or raise ConfigError."""
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
        problems += backends.get(settings.backend).problems(backend_section(settings), settings.redis,
                                                            settings.password)
    if problems:
        raise ConfigError(problems)
    return settings


def load_settings() -> StackSettings:
    """Read the running stack's config (set by the Pulumi engine, or by `set_all_config` under mocks)."""
    from pulumi.runtime import config as runtime_config

    config = {key: value for key, value in runtime_config.CONFIG.get().items() if key.startswith(f"{PROJECT}:")}
    secret_keys = {key for key in config if runtime_config.is_config_secret(key)}
    return parse_settings(config, secret_keys)
