"""`python -m infra.cli`: operate a deployed profwise-redis stack from its outputs.

Subcommands read the stack-output contract either from Pulumi (`--stack NAME`, which runs
`pulumi stack output --json --show-secrets`) or from a file (`--outputs FILE`, `-` for stdin). Exit codes:
0 success, 1 a check failed, 2 bad usage or unreadable outputs, 130 interrupted (Ctrl-C). Secrets are never printed
unless asked.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from infra.cli.support import INTERRUPTED, UsageError

# One module per subcommand (infra/cli/commands/<name>.py, each with `register(subparsers)`).
COMMANDS = ("verify", "check", "backup", "restore", "health", "env", "loadtest")


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line: the first word, as the top-level parser has no options but -h."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Register only the chosen subcommand's module when one is named (start-up time: `verify` runs after every
    deploy and in CI, and must not import what other commands need); all of them for `--help` or a typo."""
    parser = argparse.ArgumentParser(prog="python -m infra.cli", description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = chosen_command(sys.argv[1:] if argv is None else argv)
    for name in (chosen,) if chosen else COMMANDS:
        importlib.import_module(f"infra.cli.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand. Ctrl-C anywhere is one line and exit 130, never a traceback: a command whose interruption
    leaves state behind catches it itself and says which (backup, restore, loadtest); the others name in
    `set_defaults(interrupted=...)` what an interruption leaves, or leave the generic line."""
    args = None
    try:
        args = build_parser(argv).parse_args(argv)
        return int(args.func(args))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `... | head`: the reader left; not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the interpreter's final flush is quiet
        return 1
    except KeyboardInterrupt:
        command, said = getattr(args, "command", None), getattr(args, "interrupted", None)
        newline = "\n" if sys.stderr.isatty() else ""  # after the terminal's echoed ^C
        print(f"{newline}{command or 'python -m infra.cli'} interrupted (Ctrl-C)" + (f": {said}" if said else ""),
              file=sys.stderr)
        return INTERRUPTED
