"""The backends registry: one subpackage of `infra.backends` per place Redis runs, found by looking, not by a list.

Every subpackage whose `__init__.py` defines `SPEC` (an `infra.backends.spec.BackendSpec` named like the package) is
a backend; adding one is adding a folder (docs/architecture.md, "Adding a backend"). Discovery imports only those
`__init__` modules, which hold nothing but their spec, so asking the registry costs nothing at start-up. Generic code
looks a backend up by the name a stack or its outputs carry; it never compares that name with a literal.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from infra.backends.spec import BackendSpec

# The backend of a stack that does not set `profwise-redis:backend` (Pulumi.yaml declares the same default).
DEFAULT = "docker"


class UnknownBackend(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


@cache
def _specs() -> dict[str, BackendSpec]:
    found: dict[str, BackendSpec] = {}
    for info in pkgutil.iter_modules(__path__):  # sorted by name: the order of the docs table and the error text
        if not info.ispkg:
            continue
        spec = getattr(importlib.import_module(f"{__name__}.{info.name}"), "SPEC", None)
        if not isinstance(spec, BackendSpec):
            raise TypeError(f"infra/backends/{info.name}/__init__.py must define SPEC = BackendSpec(...)")
        if spec.name != info.name:
            raise ValueError(f"infra/backends/{info.name}: SPEC.name is {spec.name!r}; it must be the folder's name")
        found[spec.name] = spec
    return found


def names() -> tuple[str, ...]:
    return tuple(_specs())


def specs() -> tuple[BackendSpec, ...]:
    return tuple(_specs().values())


def get(name: str) -> BackendSpec:
    try:
        return _specs()[name]
    except KeyError:
        raise UnknownBackend(f"no backend {name!r}; backends: {', '.join(names())}") from None


def find(name: object) -> BackendSpec | None:
    """The spec of a name read from outputs a user may have written (None when it names no backend)."""
    return _specs().get(name) if isinstance(name, str) else None
