"""Read a Pulumi project or stack file the way Pulumi does, and say in one line what is wrong when it cannot.

Pulumi reads these files with Go's yaml.v3; PyYAML's YAML 1.1 defaults differ in ways that change a config's
meaning, so this loader follows yaml.v3 where they differ: only true/false are booleans (`enableCache: yes` stays
the string "yes", which validation then refuses, as it would under Pulumi), dates stay strings, and a key written
twice is an error (yaml.v3: "mapping key already defined"). Errors are `StackFileError` naming the file and the
line, for the CLI, `make up` and the mock-engine runner to print as they are.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml


class StackFileError(ValueError):
    """A Pulumi.yaml or Pulumi.<stack>.yaml that Pulumi could not read either."""


class _PulumiYamlLoader(yaml.SafeLoader):
    """SafeLoader with yaml.v3's booleans (true/false only), no timestamps, and duplicate keys refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(None, None, "a key must be a name, not a list or map",
                                                        key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is written twice",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_PulumiYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_PulumiYamlLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"true|True|TRUE|false|False|FALSE$"),
                                        list("tTfF"))


def kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), "value")


def read_yaml(path: Path) -> dict[str, Any]:
    """The file as a mapping, or StackFileError saying where and what is wrong."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_PulumiYamlLoader)  # noqa: S506 — a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise StackFileError(f"{path.name} is not valid YAML{where}: {problem}; fix the file (a YAML linter shows "
                             "the spot), then re-run") from None
    except UnicodeDecodeError:
        raise StackFileError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StackFileError(f"{path.name} holds a YAML {kind(data)}, not a mapping: Pulumi reads a mapping "
                             "with a `config:` mapping of keys to values (see Pulumi.dev.yaml)")
    return data
