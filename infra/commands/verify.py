"""`verify`: check a deployed Redis does what its stack promised (see `infra.verify`)."""

from __future__ import annotations

import argparse
import json

from infra import verify
from infra.cli_support import UsageError, add_outputs_source, read_outputs


def run(args: argparse.Namespace) -> int:
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


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify", help="check a deployed Redis does what its stack promised")
    add_outputs_source(parser)
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds each network operation may take")
    parser.set_defaults(func=run)
