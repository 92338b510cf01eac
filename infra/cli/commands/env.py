"""`env`: the backend's .env from the stack outputs — printed masked, or written with mode 0600."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infra.ops import env_export
from infra.cli.support import UsageError, add_outputs_source, read_outputs


def run(args: argparse.Namespace) -> int:
    fmt = "json" if args.json else args.format
    try:
        env = env_export.app_env_from(read_outputs(args))
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.write:
        from infra.ops.env_file import Refused

        try:
            path = env_export.write_private(Path(args.write), env, fmt)
        except Refused as refused:
            raise UsageError(f"env --write: {refused}") from None
        except (OSError, ValueError) as error:
            print(f"error: cannot write {args.write}: {error}", file=sys.stderr)
            return 1
        shown = args.write if Path(os.path.abspath(args.write)) == path else f"{path}, through {args.write}"
        print(f"wrote {len(env)} variables to {shown} (mode 0600)")
        return 0
    print(env_export.render(env if args.show_secrets else env_export.masked(env), fmt), end="")
    if not args.show_secrets:
        print("# REDIS_PASSWORD is masked: add --show-secrets to print it, or --write FILE", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("env", help="print (or write, mode 0600) the app's .env from the stack outputs")
    add_outputs_source(parser)
    parser.add_argument("--format", choices=("dotenv", "json"), default="dotenv", help="output format")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument("--show-secrets", action="store_true", help="print the password instead of masking it")
    parser.add_argument("--write", metavar="FILE", help="write the real values to FILE with mode 0600 (a regular "
                        "file, or the one its symlinks lead to; every other line of an existing file is kept)")
    parser.set_defaults(func=run, interrupted="the file is unchanged or completely written (it is replaced by an "
                        "atomic rename)")
