"""`python -m infra.cli`: the operator's command line (infra/cli/main.py)."""

import sys

from infra.cli.main import main

sys.exit(main())
