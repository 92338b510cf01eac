"""`python -m bench.eval_stack STACK`: evaluate one stack's real program under Pulumi's mock engine, then exit.

The bench times this whole process against a bare `import pulumi, pulumi_aws, pulumi_docker`, so it imports only
what the tests' harness needs (no redis, no bench helpers). Exit 0 when the program ran; 3 with the program's
error on stderr when the stack cannot be evaluated (yet) — the bench reports that plainly.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main(stack: str) -> int:
    from stack_harness import run_stack

    try:
        run = run_stack(stack)
    except Exception as error:  # noqa: BLE001 — any failure means "not evaluable"; say why in one line
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{type(error).__name__}: {message}", file=sys.stderr)
        return 3
    print(f"{stack}: {len(run.resources)} resources, {len(run.outputs)} outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
