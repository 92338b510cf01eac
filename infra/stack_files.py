"""Read `Pulumi.yaml` + `Pulumi.<stack>.yaml` into the config map the Pulumi engine hands a program.

Used by the mock-engine tests and the offline `check` command so both evaluate the program with a stack's real
config, without the Pulumi CLI: project defaults first, stack values over them, objects as JSON strings (as the
engine passes them). `secure:` values cannot be decrypted without the stack's secrets provider, so the caller
supplies stand-ins; the keys stay marked secret either way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import yaml

from infra.config_errors import PROJECT

REPO_ROOT = Path(__file__).resolve().parent.parent
# Stand-in for an encrypted value: valid as a Redis password and as an ElastiCache AUTH token.
SECRET_PLACEHOLDER = "stand-in-secret-0123456789abcdef"


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value)


def _qualified(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def project_defaults(root: Path = REPO_ROOT) -> dict[str, str]:
    project = yaml.safe_load((root / "Pulumi.yaml").read_text()) or {}
    defaults = {}
    for key, decl in (project.get("config") or {}).items():
        if isinstance(decl, dict) and "default" in decl:
            defaults[_qualified(key)] = _as_config_string(decl["default"])
        elif isinstance(decl, dict) and "value" in decl:
            defaults[_qualified(key)] = _as_config_string(decl["value"])
        elif not isinstance(decl, dict):
            defaults[_qualified(key)] = _as_config_string(decl)
    return defaults


def load_stack_config(stack: str, root: Path = REPO_ROOT, secrets: Mapping[str, str] | None = None,
                      overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, str], set[str]]:
    """(config, secret_keys) for `stack`; `overrides` replaces whole keys (tests use it for bad configs)."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: "
                                f"{', '.join(sorted(p.name[7:-5] for p in root.glob('Pulumi.*.yaml')))}")
    stack_values = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    config = project_defaults(root)
    secret_keys: set[str] = set()
    for key, value in {**stack_values, **(overrides or {})}.items():
        full = _qualified(key)
        if isinstance(value, dict) and set(value) == {"secure"}:
            secret_keys.add(full)
            value = (secrets or {}).get(full, SECRET_PLACEHOLDER)
        config[full] = _as_config_string(value)
    return config, secret_keys
