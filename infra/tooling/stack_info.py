"""`python -m infra.tooling.stack_info needs-docker STACK`: what `make up` must have before it deploys a stack.

scripts/up.sh asks here, through the same stack-file reader `check` and the tests use, instead of comparing backend
names itself: prints `yes` when the stack's backend needs a Docker engine on this machine, `no` otherwise, or one
line saying why the stack file cannot be read (exit 1: file, place, fix).
"""

from __future__ import annotations

import sys

from infra import backends
from infra.contract import PROJECT
from infra.config.pulumi_yaml import StackFileError
from infra.config.stack_files import load_stack_config

USAGE = "usage: python -m infra.tooling.stack_info needs-docker STACK"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "needs-docker":
        print(USAGE, file=sys.stderr)
        return 2
    try:
        config, _ = load_stack_config(argv[1])
    except (FileNotFoundError, StackFileError) as error:
        print(error, file=sys.stderr)
        return 1
    name = config.get(f"{PROJECT}:backend", backends.DEFAULT)
    spec = backends.find(name)
    if spec is None:
        print(f"Pulumi.{argv[1]}.yaml: profwise-redis:backend is {name!r}; use one of {', '.join(backends.names())}",
              file=sys.stderr)
        return 1
    print("yes" if spec.needs_local_docker else "no")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
