"""Config rules every managed service shares, each backend naming its own service, list and reasons.

A managed service generates the credential itself (there is no API field to choose one), and where it cannot
rename or deny commands, `redis.disabledCommands` — the model's default list included, which is a promise too —
may name only commands the service blocks for every client; and a `redis.*` key the user set explicitly that the
service does not take is refused with the reason, by each backend with its own table (elasticache too).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pydantic import SecretStr

from infra.config.errors import Problem, remove_command, set_command
from infra.config.redis import RedisSettings


def password_generated(password: SecretStr | None, service: str, how: str) -> list[Problem]:
    """`password` refused: `how` says what the service generates and how the stack reads it back."""
    if password is None:
        return []
    return [Problem("password", f"cannot be chosen on {service}: {how}", remove_command("password"))]


def only_blocked_commands(redis: RedisSettings, service: str, blocked: Collection[str], shown: str, reason: str,
                          example: str) -> list[Problem]:
    """Each `redis.disabledCommands` entry the service does not block itself, refused with `reason` and the list it
    blocks (`shown`); the default list gets one problem whose fix (`example`, a JSON list) replaces it whole."""
    found = []
    explicit = "disabled_commands" in redis.model_fields_set
    for i, command in enumerate(redis.disabled_commands):
        if command in blocked:
            continue
        key = f"redis.disabledCommands[{i}]" if explicit else "redis.disabledCommands"
        fix = remove_command(key) if explicit else set_command(key, f"'{example}'")
        found.append(Problem(key, f"{command} cannot be disabled on {service}: {reason} ({shown}); list only those",
                             fix))
        if not explicit:
            break  # one problem for the default list, whose fix replaces it whole
    return found


def not_applicable(redis: RedisSettings, service: str, reasons: Mapping[str, str]) -> list[Problem]:
    """Each `redis.*` field in `reasons` (model field name -> why the service does not take it) that the stack sets
    explicitly, refused naming its config key; unset fields keep the model's default and are never an error."""
    aliases = {name: field.alias for name, field in RedisSettings.model_fields.items()}
    return [Problem(f"redis.{aliases[name]}", f"does not apply on {service}: {reason}",
                    remove_command(f"redis.{aliases[name]}"))
            for name, reason in reasons.items() if name in redis.model_fields_set]
