"""Hypothesis strategies for stack configs, built from the settings models' own JSON schemas — plain and mutated.

`section(name)` draws a `profwise-redis:<name>` object the way a user writes one: a few keys set, each to its
default, a documented example, an edge of its range or a random value of its type (the rest left to defaults).
`mutate()` then breaks one value in a way the schema itself says is wrong — a boolean where a number goes, a number
or null where a string goes, a value outside the range, inf/nan, a trailing newline, a repeated list entry, an
unknown key — and reports the key path it broke, which the refusal must name.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from hypothesis import strategies as st

from infra.stack_settings import StackSettings

BIG_INT = 2**64


@cache
def schema() -> dict[str, Any]:
    return StackSettings.model_json_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def section_schema(name: str) -> dict[str, Any]:
    return _resolve(schema()["properties"][name])


def _nonnull(node: dict[str, Any]) -> dict[str, Any]:
    options = [_resolve(n) for n in node.get("anyOf", [node]) if n.get("type") != "null"]
    return {**options[0], **{k: v for k, v in node.items() if k in ("default", "examples")}}


def _bounds(node: dict[str, Any]) -> tuple[float | None, float | None]:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    return low, high


def value(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A plausible value for one schema node (which may still break a rule beyond the schema)."""
    node = _nonnull(_resolve(node))
    known = [node["default"]] if node.get("default") is not None else []
    known += node.get("examples", [])
    kind = node.get("type")
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if kind == "object" and "properties" in node:
        return obj(node)
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "number"):
        low, high = _bounds(node)
        low = int(low if low is not None else 0) + (1 if "exclusiveMinimum" in node else 0)
        top = int(high) if high is not None else low + 10_000
        edges = st.sampled_from([v for v in (low, top, *known) if isinstance(v, (int, float))])
        near = st.integers(low, min(top, low + 50))
        if kind == "number":
            return st.one_of(edges, near, st.floats(low, top, allow_nan=False, allow_infinity=False))
        return st.one_of(edges, near)
    if kind == "array":
        items = _resolve(node.get("items", {}))
        pool = [item for example in known if isinstance(example, list) for item in example]
        item = st.sampled_from(pool) if pool and items.get("type") == "string" else value(items)
        return st.one_of(st.sampled_from(known), st.lists(item, max_size=3, unique_by=repr)) if known else \
            st.lists(item, max_size=3, unique_by=repr)
    if kind == "object":  # a map (tags): keys and values from the characters a user types
        text = st.text(st.characters(codec="ascii", categories=("L", "N", "Zs", "P")), min_size=1, max_size=12)
        maps = st.dictionaries(text, text, max_size=4)
        return st.one_of(st.sampled_from(known), maps) if known else maps
    if known:
        return st.sampled_from([k for k in known if isinstance(k, str)])
    return st.text(max_size=20)


def obj(node: dict[str, Any], skip: frozenset[str] = frozenset()) -> st.SearchStrategy[dict[str, Any]]:
    """An object with a few of its keys set (most of a real stack file is defaults)."""
    props = {k: v for k, v in _resolve(node)["properties"].items() if k not in skip}

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        keys = draw(st.lists(st.sampled_from(sorted(props)), max_size=4, unique=True))
        return {key: draw(value(props[key])) for key in keys}

    return build()


def section(name: str, skip: frozenset[str] = frozenset()) -> st.SearchStrategy[dict[str, Any]]:
    return obj(section_schema(name), skip)


def _node_at(root: dict[str, Any], path: list[Any]) -> dict[str, Any]:
    """The schema node at `path`, as written (a nullable field is still an anyOf with null)."""
    node = root
    for part in path:
        node = _nonnull(_resolve(node))
        if isinstance(part, int):
            node = node["prefixItems"][part] if "prefixItems" in node else node.get("items", {})
        elif "properties" in node:
            node = node["properties"][part]
        else:
            node = node.get("additionalProperties", {"type": "string"})
    return _resolve(node)


def _leaves(data: Any, path: list[Any]) -> list[list[Any]]:
    found = [path] if path else []
    if isinstance(data, dict):
        for key, item in data.items():
            found += _leaves(item, [*path, key])
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found += _leaves(item, [*path, i])
    return found


def _breakages(raw: dict[str, Any], current: Any) -> list[Any]:
    """Values the schema node itself refuses."""
    node = _nonnull(raw)
    kind = node.get("type")
    nullable = any(option.get("type") == "null" for option in raw.get("anyOf", []))
    found: list[Any] = [] if nullable else [None]
    if "enum" in node:
        found += [str(node["enum"][0]).upper() + "X", 3]
    elif kind == "boolean":
        found += [1, 0, "true", "yes"]
    elif kind in ("integer", "number"):
        low, high = _bounds(node)
        found += [True, False, "ten", math.inf, -math.inf, math.nan]
        if low is not None:
            found += [low] if "exclusiveMinimum" in node else [low - 1]
        found += [high + 1] if high is not None else [BIG_INT]
        if kind == "integer":
            found += [1.5]
    elif kind == "string":
        found += [7, True, 1.5]
        if isinstance(current, str):
            found += [current + "\n"]
    elif kind == "array":
        found += ["a,b", 3]
        if isinstance(current, list) and current:
            found += [[*current, current[0]]]
    elif kind == "object":
        found += ["text", [1, 2], {"noSuchKeyAnywhere": 1}] if "properties" in node else ["text", [1, 2]]
    return found


def dotted(section_name: str, path: list[Any]) -> str:
    text = section_name
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@st.composite
def mutate(draw: Any, section_name: str, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """(data with one value broken, the dotted key path of the break)."""
    root = section_schema(section_name)
    choices = [p for p in _leaves(data, []) if not (len(p) >= 2 and p[-2] == "tags")]  # map keys/values below
    path = draw(st.sampled_from(choices)) if choices and draw(st.booleans()) else None
    if path is None:  # an unknown key at the section's top level
        broken = {**data, "noSuchKey": 1}
        return broken, dotted(section_name, ["noSuchKey"])
    current: Any = data
    for part in path:
        current = current[part]
    new = draw(st.sampled_from(_breakages(_node_at(root, path), current)))
    broken = _copy(data)
    holder = broken
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = new
    return broken, dotted(section_name, path)


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data
