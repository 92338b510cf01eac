"""Evaluate the real program under Pulumi's mock engine with a stack's real config, and record everything.

The engine part lives in `infra.tooling.mock_engine` (the offline `check` command uses it too); this module re-exports
the parts the tests import and adds what only tests need: `prod_overrides()`, which fills the placeholder ids of
`Pulumi.prod.yaml` the way a user does with docs/prod.md's `pulumi config set` lines, `capture_options()` and
`assert_secret_everywhere()`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Mapping

import pulumi
import yaml

from infra.contract import PROJECT
from infra.tooling.mock_engine import (  # noqa: F401 — re-exported: what the tests import from here
    COMPUTED,
    StackRun,
    contains_secret,
    run_stack,
    settle,
    unwrap,
)
from infra.config.stack_files import REPO_ROOT  # noqa: F401 — re-exported
from infra.backends.elasticache.mocks import MOCK_REGION  # noqa: F401 — re-exported
from infra.tooling.stand_ins import placeholder_standins


# Every stack file the repository ships (Pulumi.<stack>.yaml).
SHIPPED_STACKS = sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml")
                        for path in REPO_ROOT.glob("Pulumi.*.yaml"))

# What a user sets with docs/prod.md's `pulumi config set` lines in place of Pulumi.prod.yaml's REPLACE-ME ids.
PROD_IDS = {"vpcId": "vpc-0a1b2c3d4e5f67890", "subnetIds": ["subnet-0a1b2c3d4e5f67891", "subnet-0a1b2c3d4e5f67892"],
            "allowedSecurityGroupIds": ["sg-0a1b2c3d4e5f67893"]}


def prod_overrides(elasticache: Mapping[str, Any] | None = None, **keys: Any) -> dict[str, Any]:
    """Overrides for run_stack("prod"): the stack file's own `elasticache` object with the placeholder ids filled,
    `elasticache` entries merged over it (None removes a key), and any other top-level keys replaced whole."""
    stack_file = yaml.safe_load(Path(REPO_ROOT, "Pulumi.prod.yaml").read_text())["config"]
    merged = {**stack_file[f"{PROJECT}:elasticache"], **PROD_IDS, **(elasticache or {})}
    return {"elasticache": {k: v for k, v in merged.items() if v is not None}, **keys}


def filled_section(stack: str, section: str, **changes: Any) -> dict[str, Any]:
    """Overrides for run_stack(stack): the stack file's own `section` object with its REPLACE-ME placeholders stood
    in by the backend (as the offline `check` does), `changes` merged over it (None removes a key)."""
    filled = placeholder_standins(stack).overrides.get(section)
    stack_file = yaml.safe_load(Path(REPO_ROOT, f"Pulumi.{stack}.yaml").read_text())["config"]
    merged = {**(filled or stack_file[f"{PROJECT}:{section}"]), **changes}
    return {section: {k: v for k, v in merged.items() if v is not None}}


def capture_options(build: Callable[[], Any], stack: str = "dev",
                    overrides: Mapping[str, Any] | None = None) -> dict[str, pulumi.ResourceOptions]:
    """Resource options (protect, hooks, delete_before_replace, ...) are not inputs the mock engine sees: record them
    per resource name while `build()` constructs components under fresh mocks, then let every registration finish so
    nothing leaks into the next test."""
    captured: dict[str, pulumi.ResourceOptions] = {}
    original = pulumi.CustomResource.__init__

    def spy(self, t, name, props=None, opts=None, *args, **kwargs):  # noqa: ANN001
        captured[name] = opts
        return original(self, t, name, props, opts, *args, **kwargs)

    run_stack(stack, overrides=overrides)  # fresh mocks and config
    pulumi.CustomResource.__init__ = spy  # type: ignore[method-assign]
    try:
        build()
    finally:
        pulumi.CustomResource.__init__ = original  # type: ignore[method-assign]
        settle()
    return captured


def assert_secret_everywhere(run: StackRun, secret: str) -> None:
    """Wherever `secret` appears — any resource input, any stack output — it is marked secret."""
    for resource in run.resources:
        for key, value in resource.inputs.items():
            if secret in json.dumps(unwrap(value)):
                assert contains_secret(value), f"{resource.name}.{key} carries the secret in plain text"
    for key, value in run.outputs.items():
        if secret in json.dumps(value):
            assert key in run.secret_outputs, f"output {key} carries the secret in plain text"
