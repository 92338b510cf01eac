"""`python -m infra.cli`: operate a deployed profwise-redis stack from its outputs.

Subcommands read the stack-output contract either from Pulumi (`--stack NAME`, which runs
`pulumi stack output --json --show-secrets`) or from a file (`--outputs FILE`, `-` for stdin). Exit codes:
0 success, 1 a check failed, 2 bad usage or unreadable outputs. Secrets are never printed unless asked.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from infra.cli_support import UsageError

# One module per subcommand (infra/commands/<name>.py, each with `register(subparsers)`).
COMMANDS = ("verify", "check", "backup", "restore", "health", "env")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.cli", description=(__doc__ or "").split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"infra.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
