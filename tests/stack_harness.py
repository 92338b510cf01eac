"""Evaluate the real program under Pulumi's mock engine with a stack's real config, and record everything.

`run_stack("dev")` loads `Pulumi.yaml` + `Pulumi.dev.yaml` (the same map the engine would pass), runs
`infra/__main__.py` exactly as `pulumi up` does (via runpy), and returns every registered resource with its
inputs (secret inputs still wrapped, so tests can tell) and every stack output with its secretness.
"""

from __future__ import annotations

import asyncio
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.stack import wait_for_rpcs

from infra.stack_files import REPO_ROOT, load_stack_config

PROJECT = "profwise-redis"
SECRET_SIG = rpc._special_sig_key  # noqa: SLF001 — how the SDK wraps a secret value in resource inputs
MAIN = Path(REPO_ROOT, "infra", "__main__.py")


@dataclass
class Resource:
    type: str
    name: str
    inputs: dict[str, Any]

    def plain(self, key: str) -> Any:
        return unwrap(self.inputs.get(key))


@dataclass
class StackRun:
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> Resource:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, found {[r.name for r in found]}"
        return found[0]


def is_secret_value(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == rpc._special_secret_sig  # noqa: SLF001


def unwrap(value: Any) -> Any:
    if is_secret_value(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def contains_secret(value: Any) -> bool:
    if is_secret_value(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


class RecordingMocks(pulumi.runtime.Mocks):
    """Echo inputs back as state, plus the computed outputs real providers would return."""

    def __init__(self, run: StackRun, computed: Mapping[str, Any] | None = None):
        self.run = run
        self.computed = computed or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.run.resources.append(Resource(args.typ, args.name, dict(args.inputs)))
        state = dict(args.inputs)
        extra = self.computed.get(args.typ)
        if callable(extra):
            state.update(extra(args))
        elif extra:
            state.update(extra)
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        extra = self.computed.get(args.token)
        return extra(args) if callable(extra) else dict(extra or {})


COMPUTED: dict[str, Any] = {
    "random:index/randomPassword:RandomPassword": {"result": "Mock0Generated0Password0With0Forty0Chars"},
    "docker:index/remoteImage:RemoteImage": {"imageId": "sha256:" + "a" * 64, "repoDigest": "redis@sha256:" + "b" * 64},
}


async def _settle() -> None:
    try:
        await wait_for_rpcs()
    except Exception:  # noqa: BLE001 — the program's own error is what the caller sees
        pass


def run_stack(stack: str, overrides: Mapping[str, Any] | None = None, secrets: Mapping[str, str] | None = None,
              computed: Mapping[str, Any] | None = None, preview: bool = False, into: StackRun | None = None) -> StackRun:
    """`into` receives the resources even when the program raises (tests of refused configs read it)."""
    config, secret_keys = load_stack_config(stack, secrets=secrets, overrides=overrides)
    run = into if into is not None else StackRun()
    exports: dict[str, Any] = {}
    pulumi.runtime.set_mocks(RecordingMocks(run, {**COMPUTED, **(computed or {})}), project=PROJECT, stack=stack,
                             preview=preview)
    pulumi.runtime.set_all_config(config, sorted(secret_keys))
    original_export = pulumi.export
    pulumi.export = lambda key, value: exports.__setitem__(key, value)  # type: ignore[assignment]
    loop = asyncio.get_event_loop()
    try:
        runpy.run_path(str(MAIN), run_name="__main__")
    finally:
        pulumi.export = original_export
        # Pump the engine so any registration the program started reaches the mock monitor, even on failure.
        loop.run_until_complete(_settle())
    for key, value in exports.items():
        output = pulumi.Output.from_input(value)
        run.outputs[key] = loop.run_until_complete(output.future())
        if loop.run_until_complete(output.is_secret()):
            run.secret_outputs.add(key)
    loop.run_until_complete(_settle())
    return run
