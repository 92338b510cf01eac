"""What every CLI subcommand shares: reading the stack outputs (bounded, strictly parsed, shape-checked), the
connection options, and the usage error that exits 2."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from infra import backends, contract
from infra.backends.spec import UsageError
from infra.cli import options as cli_options

if TYPE_CHECKING:
    from infra.backends.spec import ServiceBackup
    from infra.endpoint import Target


INTERRUPTED = 130  # the exit code for Ctrl-C: 128 + SIGINT, what a shell reports for a command it stopped
PULUMI_TIMEOUT = 120.0  # seconds `pulumi stack output` may take by default (a state backend across the internet)
positive_seconds = cli_options.seconds(0, 3600)  # --timeout (kept under this name: commands import it from here)


def add_outputs_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read outputs with `pulumi stack output --json --show-secrets`")
    source.add_argument("--outputs", metavar="FILE", help="outputs JSON file (what that command prints), - for stdin")
    parser.add_argument("--pulumi-timeout", type=positive_seconds, default=PULUMI_TIMEOUT, metavar="SECONDS",
                        help=f"with --stack: how long `pulumi stack output` may take (default {PULUMI_TIMEOUT:g})")


def _pulumi_output(stack: str, timeout: float) -> bytes:
    """`pulumi stack output`, bounded: on timeout or Ctrl-C its whole process group is killed (a wrapper script's
    children too), so nothing is left running and holding our pipes."""
    command = ["pulumi", "stack", "output", "--json", "--show-secrets", "--stack", stack]
    try:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
    except FileNotFoundError:
        raise UsageError("the pulumi CLI is not installed; pass --outputs FILE instead") from None
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise UsageError(f"`pulumi stack output` did not answer within {timeout:g} s for stack {stack!r}: is the "
                         "state backend reachable? (pass --pulumi-timeout SECONDS, or --outputs FILE)") from None
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        reason = "; ".join(line.strip() for line in err.decode(errors="replace").splitlines() if line.strip())
        raise UsageError(f"`pulumi stack output` failed for stack {stack!r}: {reason[:500] or 'no message'}")
    return out


def parse_outputs(data: bytes) -> dict[str, Any]:
    """The outputs JSON, strictly: UTF-8, no NaN/Infinity (not JSON, though Python's parser takes them), and the
    contract's shape (`infra.cli.outputs_schema`). Any failure is a UsageError with one line."""
    from infra.cli import outputs_schema

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not a JSON number")

    try:
        outputs = json.loads(data.decode("utf-8"), parse_constant=refuse)
    except UnicodeDecodeError as error:
        raise UsageError(f"outputs are not UTF-8 text (byte {error.start}): pass the file that "
                         "`pulumi stack output --json --show-secrets` prints") from None
    except RecursionError:
        raise UsageError("outputs are not JSON the tools can read (nested too deeply)") from None
    except ValueError as error:  # JSONDecodeError, refuse(), and ints longer than Python converts
        raise UsageError(f"outputs are not JSON ({error})") from None
    try:
        return _with_settings_data(outputs_schema.validate(outputs))
    except outputs_schema.OutputsError as error:
        raise UsageError(str(error)) from None


def _with_settings_data(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs a stack exported before its `settings` output said what the service manages itself get that data from
    the backend (`BackendSpec.legacy_settings`), so checks and health treat an existing stack as they always did."""
    settings, spec = outputs.get(contract.SETTINGS), backends.find(outputs.get(contract.BACKEND))
    if isinstance(settings, dict) and contract.MANAGED not in settings and spec and spec.legacy_settings:
        from infra.backends.spec import load

        outputs[contract.SETTINGS] = {**load(spec.legacy_settings)(), **settings}
    return outputs


def read_outputs(args: argparse.Namespace) -> dict[str, Any]:
    if args.outputs:
        try:
            if args.outputs == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(args.outputs, "rb") as handle:
                    data = handle.read()
        except OSError as error:
            raise UsageError(f"cannot read outputs file: {error}") from None
    else:
        data = _pulumi_output(args.stack, getattr(args, "pulumi_timeout", PULUMI_TIMEOUT))
    return parse_outputs(data)


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
    from infra.endpoint import Target

    check_ca_cert(args)
    try:
        reachable = through_tunnel(read_outputs(args) if outputs is None else outputs)
        return Target.from_outputs(reachable, timeout=args.timeout, ca_cert=getattr(args, "ca_cert", None))
    except ValueError as error:
        raise UsageError(str(error)) from None


def through_tunnel(outputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs as the command connects: unchanged, or, when Redis is on a server's private network (the
    `ssh_tunnel` output), at the local end of an SSH tunnel that stays open until the command exits."""
    if not outputs.get(contract.SSH_TUNNEL):
        return outputs
    from infra import tunnel

    try:
        opened = tunnel.open_tunnel(tunnel.TunnelSpec.from_output(outputs[contract.SSH_TUNNEL]))
    except tunnel.TunnelError as error:
        raise UsageError(f"cannot reach Redis through SSH: {error}") from None
    atexit.register(opened.close)
    progress(f"SSH tunnel 127.0.0.1:{opened.local_port} -> {opened.remote}")
    return tunnel.through(outputs, opened)


def progress(message: str) -> None:
    """A long operation's progress, on stderr (stdout carries the report)."""
    print(f"… {message}", file=sys.stderr, flush=True)


def service_backup(outputs: dict[str, Any]) -> ServiceBackup | None:
    """The backup module of the backend the outputs name, when its service backs itself up (None: RDB over the
    wire, which every Redis serves)."""
    spec = backends.find(outputs.get(contract.BACKEND))
    return spec.service_backup() if spec else None
