"""Evaluate the real program under Pulumi's mock engine with a stack's real config, and record everything.

`run_stack("dev")` loads `Pulumi.yaml` + `Pulumi.dev.yaml` (the same map the engine would pass), runs
`infra/__main__.py` exactly as `pulumi up` does (via runpy), and returns every registered resource with its inputs
(camelCase, as the engine and a policy pack see them; secret inputs still wrapped, so callers can tell) and every
stack output with its secretness. No Pulumi CLI, no credentials, no cloud: `COMPUTED` stands in for what providers
compute (endpoints, ARNs, member nodes). Used by the offline `check` command and by the tests.
"""

from __future__ import annotations

import asyncio
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.stack import wait_for_rpcs

from infra import backends
from infra.backends.spec import load
from infra.contract import PROJECT
from infra.config.stack_files import REPO_ROOT, load_stack_config

SECRET_SIG = rpc._special_sig_key  # noqa: SLF001 — how the SDK wraps a secret value in resource inputs
# The program directory, run the way the Python language host runs it (`runpy.run_path(<main dir>)`).
MAIN = Path(REPO_ROOT, "infra")
# (type, name, inputs) -> inputs: rewrites a resource's inputs as the engine receives them, like a stack transform
# (the mock monitor does not run real transforms). Tests use it to weaken what validation would never produce.
Transform = Callable[[str, str, dict[str, Any]], dict[str, Any]]


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

    def __init__(self, run: StackRun, computed: Mapping[str, Any] | None = None, transform: Transform | None = None):
        self.run = run
        self.computed = computed or {}
        self.transform = transform

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        inputs = dict(args.inputs)
        if self.transform is not None:
            inputs = self.transform(args.typ, args.name, inputs)
        self.run.resources.append(Resource(args.typ, args.name, inputs))
        state = dict(inputs)
        extra = self.computed.get(args.typ)
        if callable(extra):
            state.update(extra(args))
        elif extra:
            state.update(extra)
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        extra = self.computed.get(args.token)
        return extra(args) if callable(extra) else dict(extra or {})


# What providers compute that no input says, for the resources every backend shares (the generated password); each
# backend adds its own (its spec's `mocks`: endpoints, ARNs, member nodes, image ids).
MOCK_PASSWORD = "Mock0Generated0Password0With0Forty0Chars"  # the stack's own (`<component>-password`)


def _mock_password(args: pulumi.runtime.MockResourceArgs) -> dict[str, str]:
    """Each generated password its own value (letters and digits, 40 characters, like the real ones), so a test can
    tell the app's password from the admin's wherever either flows."""
    if args.name.count("-") == 1:  # `redis-password`: the app's
        return {"result": MOCK_PASSWORD}
    stem = "".join(part.capitalize() for part in args.name.split("-"))
    return {"result": (f"Mock0{stem}0" + "0" * 40)[:40]}


SHARED_COMPUTED: dict[str, Any] = {
    "random:index/randomPassword:RandomPassword": _mock_password,
}


def computed_outputs() -> dict[str, Any]:
    """The shared stand-ins plus every registered backend's (their type tokens never overlap: one provider each)."""
    merged = dict(SHARED_COMPUTED)
    for spec in backends.specs():
        if spec.mocks:
            merged.update(load(spec.mocks))
    return merged


COMPUTED = computed_outputs()


def settle() -> None:
    """Let every registration already started reach the mock monitor (so none leaks into a later run)."""
    _event_loop().run_until_complete(_settle())


async def _settle() -> None:
    try:
        await wait_for_rpcs()
    except Exception:  # noqa: BLE001 — the program's own error is what the caller sees
        pass


def _event_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_event_loop()
    except RuntimeError:  # no loop in this thread yet (a CLI process rather than pytest)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        return loop


def run_stack(stack: str, overrides: Mapping[str, Any] | None = None, secrets: Mapping[str, str] | None = None,
              computed: Mapping[str, Any] | None = None, preview: bool = False, into: StackRun | None = None,
              transform: Transform | None = None, root: Path = REPO_ROOT) -> StackRun:
    """`into` receives the resources even when the program raises (tests of refused configs read it). A stack file
    that cannot be read raises `StackFileError` (one line: file, place, fix) before the engine starts."""
    config, secret_keys = load_stack_config(stack, root=root, secrets=secrets, overrides=overrides)
    run = into if into is not None else StackRun()
    exports: dict[str, Any] = {}
    loop = _event_loop()
    pulumi.runtime.set_mocks(RecordingMocks(run, {**COMPUTED, **(computed or {})}, transform), project=PROJECT,
                             stack=stack, preview=preview)
    pulumi.runtime.set_all_config(config, sorted(secret_keys))
    original_export = pulumi.export
    pulumi.export = lambda key, value: exports.__setitem__(key, value)  # type: ignore[assignment]
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
