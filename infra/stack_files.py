"""Read `Pulumi.yaml` + `Pulumi.<stack>.yaml` into the config map the Pulumi engine hands a program.

The one reader of stack files, for the mock-engine tests, the offline `check` command, the bench and `make up`: they
evaluate the program with a stack's real config without the Pulumi CLI — project defaults first, stack values over
them, objects as JSON strings (as the engine passes them). What a stack file may hold that only a real deployment
can use is stood in here, and said so: `secure:` values, which only the stack's secrets provider can decrypt (the
keys stay marked secret), and the `REPLACE-ME` ids the shipped Pulumi.prod.yaml carries (`placeholder_standins`).

A file that is not valid YAML (`infra.pulumi_yaml`), or not the shape Pulumi reads (a mapping with a `config:`
mapping), raises `StackFileError` with one line naming the file, the place and the fix, never a traceback.
`python -m infra.stack_files backend STACK` is `make up`'s reader (scripts/up.sh).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from infra.config_errors import PROJECT
from infra.elasticache_settings import PLACEHOLDER
from infra.pulumi_yaml import StackFileError, kind, read_yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
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


def _qualified(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def project_defaults(root: Path = REPO_ROOT) -> dict[str, str]:
    path = root / "Pulumi.yaml"
    defaults = {}
    for key, decl in _config_mapping(path, read_yaml(path)).items():
        if isinstance(decl, dict) and "default" in decl:
            defaults[_qualified(key)] = _as_config_string(decl["default"])
        elif isinstance(decl, dict) and "value" in decl:
            defaults[_qualified(key)] = _as_config_string(decl["value"])
        elif not isinstance(decl, dict):
            defaults[_qualified(key)] = _as_config_string(decl)
    return defaults


def stack_values(stack: str, root: Path = REPO_ROOT) -> dict[str, Any]:
    """The `config:` of Pulumi.<stack>.yaml as written; FileNotFoundError (naming the stacks there) without it,
    StackFileError when it cannot be read."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: "
                                f"{', '.join(sorted(p.name[7:-5] for p in root.glob('Pulumi.*.yaml')))}")
    return _config_mapping(path, read_yaml(path))


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def load_stack_config(stack: str, root: Path = REPO_ROOT, secrets: Mapping[str, str] | None = None,
                      overrides: Mapping[str, Any] | None = None) -> tuple[dict[str, str], set[str]]:
    """(config, secret_keys) for `stack`; `overrides` replaces whole keys (tests use it for bad configs)."""
    config = project_defaults(root)
    secret_keys: set[str] = set()
    for key, value in {**stack_values(stack, root), **(overrides or {})}.items():
        full = _qualified(key)
        if _is_secure(value):
            secret_keys.add(full)
            value = (secrets or {}).get(full, SECRET_PLACEHOLDER)
        config[full] = _as_config_string(value)
    return config, secret_keys


class StandIns(NamedTuple):
    overrides: dict[str, Any]  # the given overrides, plus every key whose placeholder ids were stood in
    ids: list[dict[str, str]]  # each placeholder stood in: key, placeholder, stand_in
    secret_keys: set[str]  # the keys whose `secure:` value load_stack_config stands in


def _stand_in(value: Any, key: str, counts: Counter[str], found: list[dict[str, str]]) -> Any:
    """`value` with every placeholder id replaced by a valid id of the same kind (vpc-, subnet-, sg-)."""
    if isinstance(value, dict):
        return {k: _stand_in(v, f"{key}.{k}", counts, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_stand_in(v, f"{key}[{i}]", counts, found) for i, v in enumerate(value)]
    if isinstance(value, str) and PLACEHOLDER in value:
        kind = value.split("-", 1)[0]
        replacement = f"{kind}-{counts[kind]:017x}"  # EC2 ids: the kind, '-', 17 hex digits
        counts[kind] += 1
        found.append({"key": key, "placeholder": value, "stand_in": replacement})
        return replacement
    return value


def placeholder_standins(stack: str, overrides: Mapping[str, Any] | None = None,
                         root: Path = REPO_ROOT) -> StandIns:
    """What evaluating `stack` (+ `overrides`) needs without its real ids and secrets provider: pass `.overrides` to
    the engine run. No rule depends on which VPC, subnet or security group an id names; the program itself still
    refuses the placeholders, so a real `pulumi up` never half-deploys."""
    merged = {key.removeprefix(f"{PROJECT}:"): value
              for key, value in {**stack_values(stack, root), **(overrides or {})}.items()}
    counts: Counter[str] = Counter()
    found: list[dict[str, str]] = []
    substituted = {key: _stand_in(value, key, counts, found) for key, value in merged.items()}
    changed = {key: substituted[key] for key in merged if substituted[key] != merged[key]}
    secret_keys = {_qualified(key) for key, value in merged.items() if _is_secure(value)}
    return StandIns({**(overrides or {}), **changed}, found, secret_keys)


def _main(argv: list[str]) -> int:
    """`python -m infra.stack_files backend STACK`: print the stack's backend, or one line saying why not (exit 1)."""
    if len(argv) != 2 or argv[0] != "backend":
        print("usage: python -m infra.stack_files backend STACK", file=sys.stderr)
        return 2
    try:
        config, _ = load_stack_config(argv[1])
    except (FileNotFoundError, StackFileError) as error:
        print(error, file=sys.stderr)
        return 1
    print(config.get(f"{PROJECT}:backend", "docker"))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
