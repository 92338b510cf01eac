"""Generate the configuration table of `docs/configuration.md` from the settings models, so the docs cannot drift.

`python -m infra.tooling.config_reference` prints the table; `make docs` writes it between that page's markers and
a test fails when the page differs from what the models say.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr

from infra.sizes import format_size
from infra.stack_settings import StackSettings

START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"
# The one page that holds the generated table (a test checks this is the file it reads, and no other page has markers).
DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
SIZE_FIELDS = {"maxmemory"}


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{v}`" for v in get_args(annotation))
    if annotation is SecretStr or SecretStr in get_args(annotation):
        return "secret string"
    # `X | None` is an optional X: the default column says so, and a bare `|` would split the table cell.
    optional = [arg for arg in get_args(annotation) if arg is not type(None)]
    if origin in (Union, UnionType) and len(optional) == 1:
        return _type_name(optional[0])
    if origin is tuple:
        return "list"
    if origin is dict:
        return "map"
    if isinstance(annotation, type):
        return {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}.get(annotation.__name__,
                                                                                            annotation.__name__)
    return str(annotation)


def _default(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in SIZE_FIELDS:
        return f"`{format_size(value)}`"
    if isinstance(value, tuple):
        value = json.loads(json.dumps(value))
    return f"`{json.dumps(value) if not isinstance(value, str) else value}`"


def rows(model: type[BaseModel] = StackSettings, prefix: str = "") -> list[tuple[str, str, str, str]]:
    result = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            result += rows(annotation, f"{key}.")
            continue
        default = field.get_default(call_default_factory=True)
        type_name = "size" if name in SIZE_FIELDS else _type_name(annotation)
        result.append((f"`{key}`", type_name,
                       _default(name, default), (field.description or "").replace("|", "\\|")))
    return result


def table() -> str:
    lines = ["| key (`profwise-redis:` + …) | type | default | meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| {k} | {t} | {d} | {m} |" for k, t, d, m in rows()]
    return "\n".join(lines)


def splice(page: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(page):
        raise ValueError(f"{DOC.name} has no {START} ... {END} markers")
    return pattern.sub(lambda _: f"{START}\n{table()}\n{END}", page)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(splice(DOC.read_text()))
    else:
        print(table())
