"""`verify`: check a deployed Redis does what its stack promised (see `infra.verify.run`).

Exit 0 when every check passes (warnings and skips allowed), 1 when one fails, 2 for bad usage or unreadable outputs.
The report is a table (check, status, detail, time) or, with `--json`, one JSON object; the password never appears.
Run it from where clients run: for the prod stack, inside the VPC (the data plane is private).
"""

from __future__ import annotations

import argparse

from infra.cli import options as cli_options
from infra.cli.support import UsageError, add_connection_options, add_outputs_source, check_ca_cert, read_outputs
from infra.results import passed
from infra.verify import report as verify_report
from infra.verify import run as verify


def run(args: argparse.Namespace) -> int:
    check_ca_cert(args)
    outputs = read_outputs(args)
    try:
        results = verify.run_all(outputs, plane=args.plane, timeout=args.timeout, ca_cert=args.ca_cert,
                                 wait=args.wait)
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.json:
        print(verify_report.as_json(results))
    else:
        print(verify_report.table(results))
        print(verify_report.summary(results))
    return 0 if passed(results) else 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("verify", help="check a deployed Redis does what its stack promised",
                            description=(__doc__ or "").split("\n\n")[1])
    add_outputs_source(parser)
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    add_connection_options(parser)
    parser.add_argument("--wait", type=cli_options.seconds(0, 3600, low_open=False), default=0.0, metavar="SECONDS",
                        help="keep retrying an endpoint that is still starting, with backoff, this long (default 0)")
    parser.add_argument("--plane", choices=("all", "data", "control"), default="all",
                        help="data: the Redis endpoint; control: the AWS API (elasticache); all: both (default)")
    parser.set_defaults(func=run, interrupted="verify only reads; its round-trip test key, if one was written, "
                        "expires on its own")
