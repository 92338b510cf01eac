"""`python -m infra.cli`: operate a deployed profwise-redis stack from its outputs.

Subcommands read the stack-output contract either from Pulumi (`--stack NAME`, which runs
`pulumi stack output --json --show-secrets`) or from a file (`--outputs FILE`, `-` for stdin). Exit codes:
0 success, 1 a check failed, 2 bad usage or unreadable outputs. Secrets are never printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any, Sequence

from infra import verify


class UsageError(Exception):
    """Bad arguments or unreadable outputs (exit 2)."""


def read_outputs(args: argparse.Namespace) -> dict[str, Any]:
    if args.outputs:
        try:
            text = sys.stdin.read() if args.outputs == "-" else open(args.outputs, encoding="utf-8").read()
        except OSError as error:
            raise UsageError(f"cannot read outputs file: {error}") from None
    else:
        command = ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", args.stack]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        except FileNotFoundError:
            raise UsageError("the pulumi CLI is not installed; pass --outputs FILE instead") from None
        if done.returncode != 0:
            raise UsageError(f"`pulumi stack output` failed for stack {args.stack!r}: {done.stderr.strip()}")
        text = done.stdout
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"outputs are not JSON ({error})") from None
    if not isinstance(outputs, dict):
        raise UsageError("outputs must be a JSON object, as `pulumi stack output --json` prints")
    return outputs


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        target = verify.Target.from_outputs(read_outputs(args), timeout=args.timeout)
    except ValueError as error:
        raise UsageError(str(error)) from None
    results = verify.run_checks(target)
    if args.json:
        print(json.dumps({"passed": verify.passed(results), "checks": [r.as_dict() for r in results]}, indent=2))
    else:
        width = max(len(r.name) for r in results)
        print(f"{'check':<{width}}  status  {'time':>7}  detail")
        for r in results:
            print(f"{r.name:<{width}}  {r.status:<6}  {r.seconds:>6.3f}s  {r.detail}")
        print("verification passed" if verify.passed(results) else "verification FAILED")
    return 0 if verify.passed(results) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.cli", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify", help="check a deployed Redis does what its stack promised")
    source = v.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read outputs with `pulumi stack output --json --show-secrets`")
    source.add_argument("--outputs", metavar="FILE", help="outputs JSON file, or - for stdin")
    v.add_argument("--json", action="store_true", help="print a machine-readable report")
    v.add_argument("--timeout", type=float, default=5.0, help="seconds each network operation may take")
    v.set_defaults(func=cmd_verify)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
