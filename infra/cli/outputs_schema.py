"""The stack outputs' shape, checked once where the CLI reads them, so no command trips on a value of the wrong type.

Outputs come from `pulumi stack output --json` or from a file a user wrote, so they are user input: `"port": null`
would raise inside `int()`, a `control_plane` or `settings` that is not an object inside `.get()`, and a
`disabled-commands` string would be iterated letter by letter and "pass" as `F, L, U, S, H … absent`. `validate`
checks the type and range of every key the tools read (a key may be absent: each command says what it needs) and
returns the outputs with integral floats made ints; anything else is refused with one message listing every problem
by its path. Unknown keys are allowed: a newer backend may export more.

Why not pydantic (a dependency already): importing it and building the models costs ~0.25 s on this machine, half of
`verify`'s whole start-up, which runs after every deploy and which `make bench` measures. The rules are a table of
small stdlib checks instead.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

from infra import contract

Validator = Callable[[str, Any], Any]  # (path, value) -> the value to keep; raises OutputsError naming the path
MASKED = "[secret]"  # what `pulumi stack output --json` prints for a secret without --show-secrets
_COMMAND = re.compile(r"[A-Za-z][A-Za-z0-9_.|-]*")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FLAGS = {"enabled": True, "true": True, "yes": True, "disabled": False, "false": False, "no": False}


class OutputsError(ValueError):
    """The outputs do not have the contract's shape (the CLI exits 2)."""


def _json_type(value: Any) -> str:
    return {type(None): "null", bool: "a boolean", str: "a string", list: "a list", dict: "an object"}.get(
        type(value), "a number")


def _wrong(path: str, wanted: str, value: Any) -> OutputsError:
    """Short scalars are shown as JSON; never a value under a secret key (the password may be in it)."""
    secret = path.split(".")[0].split("[")[0] in contract.SECRET_OUTPUTS
    shown = json.dumps(value) if value is None or isinstance(value, (str, int, float)) else ""
    if secret or not shown or len(shown) > 40:
        shown = _json_type(value)
    return OutputsError(f"{path} must be {wanted}, not {shown}")


def text(pattern: re.Pattern[str] | None = None, wanted: str = "a non-empty string") -> Validator:
    def check(path: str, value: Any) -> Any:
        if not isinstance(value, str) or not value or (pattern and not pattern.fullmatch(value)):
            raise _wrong(path, wanted, value)
        return value
    return check


def string(path: str, value: Any) -> Any:
    if not isinstance(value, str):
        raise _wrong(path, "a string", value)
    return value


def integer(low: int, high: int) -> Validator:
    def check(path: str, value: Any) -> Any:
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)  # JSON has one number type; 6379.0 is 6379
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _wrong(path, f"a whole number from {low:,} to {high:,}", value)
        return value
    return check


def boolean(path: str, value: Any) -> Any:
    if not isinstance(value, bool):
        raise _wrong(path, "true or false", value)
    return value


def flag(path: str, value: Any) -> Any:
    """What the AWS API words "enabled"/"disabled" and the stack may write as a boolean."""
    if not isinstance(value, bool) and not (isinstance(value, str) and value.lower() in _FLAGS):
        raise _wrong(path, 'true, false, "enabled" or "disabled"', value)
    return value


def nullable(inner: Validator) -> Validator:
    return lambda path, value: None if value is None else inner(path, value)


def either(*options: Validator, wanted: str) -> Validator:
    """The first option that accepts the value; when none does, a problem found inside it (an object's field) is
    more telling than "must be one of these"."""
    def check(path: str, value: Any) -> Any:
        inner = []
        for option in options:
            try:
                return option(path, value)
            except OutputsError as error:
                inner += [error] if not str(error).startswith(f"{path} must") else []
        raise inner[0] if inner else _wrong(path, wanted, value)
    return check


def masked(path: str, value: Any) -> Any:
    if value != MASKED:
        raise _wrong(path, f"{MASKED!r}", value)
    return value


def items(inner: Validator, wanted: str) -> Validator:
    def check(path: str, value: Any) -> Any:
        if not isinstance(value, list):
            raise _wrong(path, wanted, value)
        return [inner(f"{path}[{i}]", item) for i, item in enumerate(value)]
    return check


def save_point(path: str, value: Any) -> Any:
    if not isinstance(value, list) or len(value) != 2:
        raise _wrong(path, "a [seconds, changes] pair", value)
    return [integer(1, 2**31)(f"{path}[0]", value[0]), integer(0, 2**31)(f"{path}[1]", value[1])]


def _child(path: str, key: str) -> str:
    """`a.b` for a plain key; any other key quoted as JSON (escaped, shortened), so a message stays one line."""
    return f"{path}.{key}" if _PLAIN_KEY.fullmatch(key) else f"{path}[{json.dumps(key[:40])}]"


def mapping(fields: dict[str, Validator] | None = None, values: Validator | None = None,
            wanted: str = "an object") -> Validator:
    """An object: the listed fields checked when present, every other value checked by `values` (or kept)."""
    def check(path: str, value: Any) -> Any:
        if not isinstance(value, dict):
            raise _wrong(path, wanted, value)
        inner = fields or {}
        return {key: (inner[key] if key in inner else values or (lambda _, v: v))(_child(path, key), item)
                for key, item in value.items()}
    return check


_INT = integer(-(2**63), 2**63 - 1)
SETTINGS = mapping({
    "maxmemory": nullable(integer(0, 2**63 - 1)),
    "maxmemory-policy": nullable(text(re.compile(r"[a-z]+(-[a-z]+)*"), "an eviction policy such as allkeys-lru")),
    "appendonly": nullable(boolean),
    "appendfsync": nullable(text()),
    "save": nullable(items(save_point, "a list of [seconds, changes] pairs")),
    "slowlog-log-slower-than": nullable(_INT),
    "slowlog-max-len": nullable(integer(0, 2**63 - 1)),
    "tcp-keepalive": nullable(integer(0, 2**31)),
    "timeout": nullable(integer(0, 2**31)),
    "lazyfree": nullable(boolean),
    "disabled-commands": nullable(items(text(_COMMAND, "a command name"), "a list of command names")),
    "managed": nullable(mapping(values=text(wanted="the reason the service decides it"))),
    "restricted_commands": nullable(items(text(_COMMAND, "a command name"), "a list of command names")),
    "cluster_mode": nullable(boolean),
})
CONTROL_PLANE = mapping({
    "replication_group_id": text(), "region": text(), "engine": nullable(text()),
    "engine_version": nullable(either(text(), integer(0, 2**31), wanted="a version such as \"7.1\"")),
    "cluster_mode": flag, "multi_az": flag, "automatic_failover": flag, "at_rest_encryption": flag,
    "auth_token_enabled": flag, "member_count": nullable(integer(1, 1000)),
    "transit_encryption_mode": nullable(text()), "snapshot_retention_days": nullable(integer(0, 35)),
    "parameter_group_name": nullable(text()), "kms_key_arn": nullable(text()),
    "parameters": nullable(mapping(values=either(text(wanted="a string"), _INT, wanted="a string or a number"))),
    "authentication": nullable(text(re.compile(r"rbac|token"), "rbac or token")),
    "user_group_id": nullable(text()),
    # user id -> {user_name, access_string}: what DescribeUsers must show (no password, ever)
    "users": nullable(mapping(values=mapping({"user_name": text(), "access_string": text()}))),
    "denied_commands": nullable(items(text(_COMMAND, "a command name"), "a list of command names")),
})
OUTPUTS: dict[str, Validator] = {
    contract.BACKEND: text(), contract.HOST: text(), contract.PORT: integer(1, 65535), contract.TLS: boolean,
    contract.PASSWORD: text(wanted="the password (a non-empty string)"),
    contract.ADMIN_USER: nullable(text(re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*"), "an ACL user name")),
    contract.ADMIN_PASSWORD: nullable(text(wanted="the admin user's password (a non-empty string)")),
    contract.URL: nullable(text()),
    contract.APP_ENV: nullable(either(masked, mapping(values=string),
                                      wanted=f"an object of strings (or {MASKED!r})")),
    contract.SETTINGS: nullable(SETTINGS), contract.CONTROL_PLANE: nullable(CONTROL_PLANE),
    contract.REGION: nullable(text()), contract.REPLICATION_GROUP_ID: nullable(text()),
    contract.CA_CERTIFICATE: nullable(text(wanted="a PEM certificate")),
}


def validate(outputs: Any) -> dict[str, Any]:
    """The outputs with each known key checked (see the module docstring); raises OutputsError listing problems."""
    if not isinstance(outputs, dict):
        raise OutputsError("outputs must be a JSON object, as `pulumi stack output --json` prints")
    checked, problems = dict(outputs), []
    for key, check in OUTPUTS.items():
        if key in outputs:
            try:
                checked[key] = check(key, outputs[key])
            except OutputsError as error:
                problems.append(str(error))
    if problems:
        raise OutputsError("the stack outputs are malformed: " + "; ".join(problems))
    return checked
