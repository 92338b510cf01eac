"""Stand-ins for what a shipped stack file cannot hold: `REPLACE-ME` ids and `secure:` values, said so in the output.

`Pulumi.prod.yaml` ships placeholder ids (`vpc-REPLACE-ME`), which the program refuses so a real `pulumi up` never
half-deploys. To evaluate such a stack offline (`check`, the bench, the tests), each placeholder is replaced by a valid
value of the same kind, made by the stack's backend (its spec's `stand_in`): no rule depends on which VPC, subnet or
security group an id names. Placeholders of one kind are those with the same text before `REPLACE-ME`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from infra import backends
from infra.backends.spec import load
from infra.contract import PROJECT
from infra.config.stack_files import PLACEHOLDER, REPO_ROOT, is_secure, qualified, stack_values


class StandIns(NamedTuple):
    overrides: dict[str, Any]  # the given overrides, plus every key whose placeholder ids were stood in
    ids: list[dict[str, str]]  # each placeholder stood in: key, placeholder, stand_in
    secret_keys: set[str]  # the keys whose `secure:` value load_stack_config stands in


def _stand_in(value: Any, key: str, make: Callable[[str, int], str], counts: Counter[str],
              found: list[dict[str, str]]) -> Any:
    """`value` with every placeholder replaced by `make(placeholder, n)`, n counting placeholders of its kind."""
    if isinstance(value, dict):
        return {k: _stand_in(v, f"{key}.{k}", make, counts, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_stand_in(v, f"{key}[{i}]", make, counts, found) for i, v in enumerate(value)]
    if isinstance(value, str) and PLACEHOLDER in value:
        kind = value.split(PLACEHOLDER, 1)[0]
        replacement = make(value, counts[kind])
        counts[kind] += 1
        found.append({"key": key, "placeholder": value, "stand_in": replacement})
        return replacement
    return value


def placeholder_standins(stack: str, overrides: Mapping[str, Any] | None = None,
                         root: Path = REPO_ROOT) -> StandIns:
    """What evaluating `stack` (+ `overrides`) needs without its real ids and secrets provider: pass `.overrides` to
    the engine run. The program itself still refuses the placeholders, so a real `pulumi up` never half-deploys."""
    merged = {key.removeprefix(f"{PROJECT}:"): value
              for key, value in {**stack_values(stack, root), **(overrides or {})}.items()}
    spec = backends.find(merged.get("backend", backends.DEFAULT))
    secret_keys = {qualified(key) for key, value in merged.items() if is_secure(value)}
    if spec is None or spec.stand_in is None:  # no placeholders to stand in (the program names an unknown backend)
        return StandIns(dict(overrides or {}), [], secret_keys)
    counts: Counter[str] = Counter()
    found: list[dict[str, str]] = []
    make = load(spec.stand_in)
    substituted = {key: _stand_in(value, key, make, counts, found) for key, value in merged.items()}
    changed = {key: substituted[key] for key in merged if substituted[key] != merged[key]}
    return StandIns({**(overrides or {}), **changed}, found, secret_keys)
