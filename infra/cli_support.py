"""What every CLI subcommand shares: reading the stack outputs, and the usage error that exits 2."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any


class UsageError(Exception):
    """Bad arguments or unreadable outputs (exit 2)."""


def add_outputs_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read outputs with `pulumi stack output --json --show-secrets`")
    source.add_argument("--outputs", metavar="FILE", help="outputs JSON file (what that command prints), - for stdin")


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
