"""The base of every settings section: how one `profwise-redis:*` config object maps onto a pydantic model.

Stack files use camelCase keys (`maxmemoryPolicy`), the models snake_case fields: the alias generator joins them,
and either spelling validates (tests build models by field name). Validation is strict everywhere: a boolean is
never a number (`hostPort: true` is not port 1), a number is never a string, and no number is infinite or NaN.
Unknown keys are refused (a typo must not be silently ignored) and a validated section is frozen, so components
cannot change what validation accepted. The helpers below are the few places strictness needs help: lists (JSON
arrays) become tuples, decimal text becomes a number (what `pulumi config set --path` stores for 2.5), and every
list refuses duplicates the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

T = TypeVar("T")
# `pulumi config set --path` stores "true"/"false" as booleans and integers as numbers, everything else (2.5, 1e3)
# as a string (pulumi config set --help): decimal text is how a non-integer number arrives.
_DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True,
                              strict=True, allow_inf_nan=False)


def _as_tuple(value: Any) -> Any:
    """A JSON array (a list here) is the one spelling of a list field; nested arrays (save points) too."""
    if isinstance(value, list):
        return tuple(_as_tuple(item) for item in value)
    return value


def _decimal(value: Any) -> Any:
    if isinstance(value, str) and _DECIMAL_RE.fullmatch(value):
        return float(value)
    return value  # anything else reaches the strict float check (which refuses booleans and other text)


Number = Annotated[float, BeforeValidator(_decimal)]


def as_list(annotation: Any) -> Any:
    """`tuple[X, ...]` that also takes a list, as JSON gives it (strict mode alone takes only tuples)."""
    return Annotated[annotation, BeforeValidator(_as_tuple)]


def duplicates(values: Iterable[T]) -> list[T]:
    seen: list[T] = []
    repeated: list[T] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.append(value)
    return repeated


def refuse_duplicates(values: tuple[T, ...], what: str, shown: Any = str) -> tuple[T, ...]:
    """Every list field refuses a repeated entry (never de-duplicates silently): a repeat is a typo, or two
    resources with the same name for AWS to refuse part-way through `pulumi up`."""
    repeated = duplicates(values)
    if repeated:
        names = ", ".join(shown(value) for value in repeated)
        raise ValueError(f"lists {names} more than once: list each {what} once")
    return values
