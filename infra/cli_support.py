"""What every CLI subcommand shares: reading the stack outputs, and the usage error that exits 2."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # redis-py loads only for the commands that connect
    from infra.verify import Target


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


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is out of range: use more than 0 and at most 3600 seconds")
    return value


def add_connection_options(parser: argparse.ArgumentParser, timeout: float = 5.0) -> None:
    """`--timeout` and `--ca-cert`, the same for every command that connects to Redis."""
    parser.add_argument("--timeout", type=positive_seconds, default=timeout, metavar="SECONDS",
                        help=f"seconds each network operation may take (default {timeout:g})")
    parser.add_argument("--ca-cert", metavar="FILE", help="PEM file of a private CA that signed the server's TLS "
                        "certificate (default: the system's CAs)")


def check_ca_cert(args: argparse.Namespace) -> None:
    if getattr(args, "ca_cert", None) and not os.path.isfile(args.ca_cert):
        raise UsageError(f"--ca-cert {args.ca_cert}: no such file (a PEM file with the CA certificate)")


def target_from(args: argparse.Namespace, outputs: dict[str, Any] | None = None) -> Target:
    """The connection a command makes, from the stack outputs and `add_connection_options`' flags."""
    from infra.verify import Target

    check_ca_cert(args)
    try:
        return Target.from_outputs(read_outputs(args) if outputs is None else outputs, timeout=args.timeout,
                                   ca_cert=getattr(args, "ca_cert", None))
    except ValueError as error:
        raise UsageError(str(error)) from None
