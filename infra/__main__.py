"""profwise-redis: a production-grade Redis cache for the Profwise backend (Pulumi program entry point).

Reads and validates the stack's config (nothing is created when it is wrong), builds the backend's component —
a local Docker container for dev, an ElastiCache replication group for prod — and exports the output contract
that the CLI, CI and the app read. See README.md for the config reference.
"""

import sys
from pathlib import Path

if not __package__:  # Pulumi runs this directory as a script (runpy.run_path), with it first on sys.path: put the
    # project root there instead, so the program's modules load only as the `infra` package, never as top-level names.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [str(_here.parent)] + [p for p in sys.path if Path(p or ".").resolve() not in (_here, _here.parent)]

import pulumi  # noqa: E402

from infra import program  # noqa: E402
from infra.stack_settings import load_settings  # noqa: E402

settings = load_settings()
for key, value in program.define(settings).items():
    pulumi.export(key, value)
