"""What every rules module of the pack shares: the `Rule` shape, the unknown-value sentinels and `is_unknown`.

A module of its own, below `rules.py` and the backends' `*_rules.py`, so a backend's module imports it at import time
without a cycle (`rules.py` imports the backends' modules to build RULES). Standard library only: the pack runs in its
own virtualenv. Inside the pack (`python -m pulumi.policy`, run from this directory) the modules import each other
top-level (`common`); offline (`infra.cli check`, tests) as `policy.common` — `sibling()` names either.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

# The sentinels Pulumi uses for values that are unknown until apply (pulumi_policy/proxy.py); the engine sends any
# unknown as the string one on the wire (pulumi/runtime/rpc.py UNKNOWN).
UNKNOWN_VALUES = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58", "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"})

Props = Mapping[str, Any]


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_VALUES


def shown(value: Any) -> str:
    """A value for a message: numbers travel as floats (protobuf Struct), so 7.0 reads 7."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else repr(value)


@dataclass(frozen=True)
class Rule:
    name: str  # the CrossGuard policy name, shown in every violation
    description: str
    controls: str  # the Security Hub / checkov / CIS control(s) this rule implements
    resource_types: tuple[str, ...]
    check: Callable[[str, Props], list[str]]

    def violations(self, resource_type: str, props: Props) -> list[str]:
        return self.check(resource_type, props) if resource_type in self.resource_types else []


def sibling(name: str, package: str | None) -> ModuleType:
    """The pack's module `name`, imported the way the calling module was (`package` is its `__package__`)."""
    return importlib.import_module(f"{package}.{name}" if package else name)
