"""`check`: the compliance policies, offline — no cloud credentials, no Pulumi CLI.

Runs the real program under Pulumi's mock engine (`infra.tooling.mock_engine`) with the stack's real config and applies
the same rule functions as the CrossGuard pack (`policy/rules.py`) to every resource it registers. Exit 0 when every
mandatory policy holds, 1 on any violation (or when the program refuses the config, or the stack file cannot be read —
one line naming the file, the place and the fix: nothing would deploy), 2 on bad usage (no such stack file).

Two things a real deployment has that a stack file may not, each stood in by `infra.config.stack_files` and said so in
the output: placeholder ids (`Pulumi.prod.yaml` ships `REPLACE-ME` ids, which the program refuses so a real `pulumi up`
never half-deploys) get syntactically valid stand-ins — no rule depends on which VPC, subnet or security group it
is — and `secure:` values, which only the stack's secrets provider can decrypt, get a valid stand-in secret. Nothing
else is changed.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from infra import table
from infra.cli.support import UsageError
from infra.config.errors import ConfigError
from infra.config.pulumi_yaml import StackFileError
from infra.tooling.stand_ins import placeholder_standins
from policy.rules import RULES

if TYPE_CHECKING:  # infra.tooling.mock_engine imports pulumi: the module is loaded only when a check runs
    from infra.tooling.mock_engine import Resource, Transform


@dataclass(frozen=True)
class Finding:
    policy: str
    controls: str
    resource_type: str
    resource: str
    message: str


@dataclass
class Report:
    stack: str
    standins: list[dict[str, str]] = field(default_factory=list)  # key, placeholder, stand_in
    stood_in_secrets: list[str] = field(default_factory=list)
    config_error: str | None = None
    resources: int = 0
    checked: dict[str, int] = field(default_factory=dict)  # policy -> resources of its types
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.config_error is None and not self.findings


def evaluate(resources: list[Resource]) -> tuple[list[Finding], dict[str, int]]:
    """Apply every rule to every resource (inputs unwrapped of their secret markers, as a policy pack sees them)."""
    from infra.tooling.mock_engine import unwrap

    findings: list[Finding] = []
    checked = {rule.name: 0 for rule in RULES}
    for resource in resources:
        props = unwrap(resource.inputs)
        for rule in RULES:
            if resource.type in rule.resource_types:
                checked[rule.name] += 1
                findings += [Finding(rule.name, rule.controls, resource.type, resource.name, message)
                             for message in rule.violations(resource.type, props)]
    return findings, checked


def run_check(stack: str, overrides: Mapping[str, Any] | None = None, transform: Transform | None = None) -> Report:
    from infra.tooling import mock_engine as offline

    try:
        stood_in = placeholder_standins(stack, overrides)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    except StackFileError as error:  # Pulumi could not read the file either: nothing would deploy
        return Report(stack, config_error=str(error))
    report = Report(stack, standins=stood_in.ids, stood_in_secrets=sorted(stood_in.secret_keys))
    run = offline.StackRun()
    try:
        offline.run_stack(stack, overrides=stood_in.overrides, into=run, transform=transform)
    except (ConfigError, StackFileError) as error:
        report.config_error = str(error)
    report.resources = len(run.resources)
    report.findings, report.checked = evaluate(run.resources)
    return report


def _print_table(report: Report) -> None:
    print(f"stack {report.stack}: {report.resources} resources from the program under the mock engine, "
          f"{len(RULES)} mandatory policies")
    if report.standins:
        print("placeholder ids in the stack file were given stand-ins (no policy depends on which VPC, subnet or "
              "security group it is; set the real ids before `pulumi up`):")
        for s in report.standins:
            print(f"  {s['key']}: {s['placeholder']} -> {s['stand_in']}")
    if report.stood_in_secrets:
        print(f"secret values stood in (they need the stack's secrets provider): {', '.join(report.stood_in_secrets)}")
    if report.config_error:
        print(f"this config is refused, so nothing would deploy:\n{report.config_error}")
    failing = Counter(f.policy for f in report.findings)
    rows = [(rule.name, ("FAIL" if failing[rule.name] else "pass") if report.checked.get(rule.name) else
             "not applicable", rule.controls) for rule in RULES]
    print("\n" + table.render(("policy", "status", "controls"), rows))
    for f in report.findings:
        print(f"\nVIOLATION {f.policy} ({f.controls})\n  {f.resource_type} {f.resource}: {f.message}")
    print("\ncheck passed: no mandatory violation" if report.passed else "\ncheck FAILED")


def run(args: argparse.Namespace) -> int:
    report = run_check(args.stack)
    if args.json:
        body = asdict(report)
        body["passed"] = report.passed
        print(json.dumps(body, indent=2))
    else:
        _print_table(report)
    return 0 if report.passed else 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("check", help="run the compliance policies offline over a stack's resources")
    parser.add_argument("--stack", required=True, help="the stack whose Pulumi.<stack>.yaml is evaluated")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.set_defaults(func=run)
