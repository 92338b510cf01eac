"""Turn validation failures into one message a platform engineer can act on.

Each problem names the full config key (`profwise-redis:redis.maxmemoryPolicy`), says what is wrong, and ends with
the command that fixes it. `ConfigError` subclasses `pulumi.RunError`, which the Pulumi language host prints as a
plain error without a traceback; the CLI prints the same text and exits 2.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable

import pulumi
from pydantic import BaseModel, ValidationError

from infra.contract import PROJECT

SECRET_CONFIG_KEYS = frozenset({"password"})  # set with --secret


@dataclass(frozen=True)
class Problem:
    key: str  # dotted path below the project namespace, e.g. "redis.maxmemoryPolicy"
    message: str
    fix: str = ""

    def render(self) -> str:
        text = f"{PROJECT}:{self.key}: {self.message}"
        return f"{text}\n      fix: {self.fix}" if self.fix else text


class ConfigError(pulumi.RunError):
    """Invalid stack configuration; raised before any resource is registered."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        header = f"Invalid stack configuration ({count} problem{'s' if count != 1 else ''}); nothing was deployed:"
        super().__init__("\n".join([header, *(f"  - {p.render()}" for p in self.problems)]))


def set_command(key: str, value: str = "<value>") -> str:
    top = key.split(".")[0]
    if top in SECRET_CONFIG_KEYS:
        return f"pulumi config set --secret {key} {value}"
    if "." in key:
        return f"pulumi config set --path '{key}' {value}"
    return f"pulumi config set {key} {value}"


def remove_command(key: str) -> str:
    return f"pulumi config rm --path '{key}'" if "." in key else f"pulumi config rm {key}"


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _alias_path(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[list[str], type[BaseModel] | None]:
    """Map pydantic's error location to the config names users type (aliases), and the innermost model."""
    names: list[str] = []
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            names[-1] = f"{names[-1]}[{part}]" if names else f"[{part}]"
            continue
        fields = current.model_fields if current else {}
        # pydantic reports nested locations by alias (clusterMode) when the input used aliases
        field = fields.get(str(part)) or next((f for f in fields.values() if f.alias == part), None)
        names.append(field.alias or str(part) if field else str(part))
        nested = field.annotation if field else None
        current = nested if isinstance(nested, type) and issubclass(nested, BaseModel) else None
    return names, current


def problems_from(error: ValidationError, model: type[BaseModel], prefix: str = "") -> list[Problem]:
    problems = []
    for err in error.errors():
        names, _ = _alias_path(model, tuple(err["loc"]))
        key = ".".join([prefix, *names] if prefix else names).rstrip(".")
        kind = err["type"]
        if kind == "extra_forbidden":
            parent_loc = tuple(err["loc"][:-1])
            owner = _alias_path(model, parent_loc)[1] if parent_loc else model
            known = [f.alias or n for n, f in owner.model_fields.items()] if owner else []
            bad = names[-1]
            if not parent_loc and "." in bad:  # `pulumi config set redis.maxmemory 1gb` without --path
                problems.append(Problem(key, f"is a top-level key literally named {bad!r}, set without --path; the "
                                        f"stack reads {bad.split('.')[0]!r} as an object",
                                        f"pulumi config rm '{bad}' && pulumi config set --path '{bad}' <value>"))
                continue
            problems.append(Problem(key, f"unknown key {bad!r}{suggest(bad, known)}; known keys: {', '.join(known)}",
                                    f"{remove_command(key)}  (then set the key you meant)"))
            continue
        message = _TYPE_MESSAGES.get(kind, str(err["msg"]).removeprefix("Value error, "))
        value = err.get("input")
        if isinstance(value, bool) and kind in ("int_type", "float_type"):
            message = f"is {str(value).lower()}, a boolean, not a number: set a number"
        if kind == "literal_error":
            expected = str((err.get("ctx") or {}).get("expected"))
            message += suggest(str(value), re.findall(r"'([^']*)'", expected))
        fix = set_command(key)
        if key.endswith("]"):  # one entry of a list: correct it, or drop it
            fix = f"{fix}  (or remove the entry: {remove_command(key)})"
        if value is None and kind.endswith("_type"):
            message, fix = "is empty (null in the stack file): set a value, or remove the entry", remove_command(key)
        elif kind == "string_type" and isinstance(value, (bool, int, float)):
            # `pulumi config set --path` stores true/false and integers as YAML booleans and numbers.
            fix = f"pulumi config set --type string --path '{key}' <value>  (or quote the value in the stack file)"
        problems.append(Problem(key, message, fix))
    return problems


# pydantic's wording for strict type errors, in the words of a stack file (lists are JSON arrays there).
_TYPE_MESSAGES = {
    "tuple_type": "must be a list (e.g. [a, b] in the stack file)",
    "dict_type": "must be a map of names to values",
    "finite_number": "must be a finite number (not inf or nan)",
    "string_type": "must be a string (quote it in the stack file)",
    "bool_type": "must be a boolean: true or false",
    "int_type": "must be an integer (a whole number)",
    "float_type": "must be a number",
    "model_type": "must be an object of settings",
}
