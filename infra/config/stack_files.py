"""Read `Pulumi.yaml` + `Pulumi.<stack>.yaml` into the config map the Pulumi engine hands a program.

The one reader of stack files, for the mock-engine tests, the offline `check` command, the bench and `make up`: they
evaluate the program with a stack's real config without the Pulumi CLI — project defaults first, stack values over
them, objects as JSON strings (as the engine passes them). `secure:` values, which only the stack's secrets provider
can decrypt, are stood in here and the keys stay marked secret; `REPLACE-ME` placeholders are stood in by
`infra.tooling.stand_ins`, which asks the stack's backend for valid values.

A file that is not valid YAML (`infra.config.pulumi_yaml`), or not the shape Pulumi reads (a mapping with a `config:`
mapping), raises `StackFileError` with one line naming the file, the place and the fix, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from infra.contract import PROJECT
from infra.config.pulumi_yaml import StackFileError, kind, read_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# What a shipped stack file writes where only the user knows the value (e.g. `vpc-REPLACE-ME`): the backends refuse
# it, so a real `pulumi up` never half-deploys, and the offline tools stand a valid value in (infra.tooling.stand_ins).
PLACEHOLDER = "REPLACE-ME"
# Stand-in for an encrypted value: valid as a Redis password and as an ElastiCache AUTH token.
SECRET_PLACEHOLDER = "stand-in-secret-0123456789abcdef"


def _config_mapping(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    config = data.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise StackFileError(f"{path.name}: `config:` is a YAML {kind(config)}, not a mapping: write one "
                             "`profwise-redis:<key>: <value>` per line under it (see Pulumi.dev.yaml)")
    for key, value in config.items():
        if not isinstance(key, str):
            raise StackFileError(f"{path.name}: config key {key!r} is not a name: write profwise-redis:<key>")
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError):
            raise StackFileError(f"{path.name}: {key} holds a value Pulumi config cannot carry (binary data, a set "
                                 "or similar): use strings, numbers, booleans, lists and maps") from None
    return config


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def qualified(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def project_defaults(root: Path = REPO_ROOT) -> dict[str, str]:
    path = root / "Pulumi.yaml"
    defaults = {}
    for key, decl in _config_mapping(path, read_yaml(path)).items():
        if isinstance(decl, dict) and "default" in decl:
            defaults[qualified(key)] = _as_config_string(decl["default"])
        elif isinstance(decl, dict) and "value" in decl:
            defaults[qualified(key)] = _as_config_string(decl["value"])
        elif not isinstance(decl, dict):
            defaults[qualified(key)] = _as_config_string(decl)
    return defaults


def stack_values(stack: str, root: Path = REPO_ROOT) -> dict[str, Any]:
    """The `config:` of Pulumi.<stack>.yaml as written; FileNotFoundError (naming the stacks there) without it,
    StackFileError when it cannot be read."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: "
                                f"{', '.join(sorted(p.name[7:-5] for p in root.glob('Pulumi.*.yaml')))}")
    return _config_mapping(path, read_yaml(path))


def is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def load_stack_config(stack: str, root: Path = REPO_ROOT, secrets: Mapping[str, str] | None = None,
                      overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, str], set[str]]:
    """(config, secret_keys) for `stack`; `overrides` replaces whole keys (tests use it for bad configs)."""
    config = project_defaults(root)
    secret_keys: set[str] = set()
    for key, value in {**stack_values(stack, root), **(overrides or {})}.items():
        full = qualified(key)
        if is_secure(value):
            secret_keys.add(full)
            value = (secrets or {}).get(full, SECRET_PLACEHOLDER)
        config[full] = _as_config_string(value)
    return config, secret_keys
