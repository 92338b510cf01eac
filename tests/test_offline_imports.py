"""The program stays lean: evaluating a stack must not load the verifier (redis-py) — the hook loads it when it runs."""

from __future__ import annotations

import subprocess
import sys

from stack_harness import REPO_ROOT


def test_the_program_does_not_import_redis_or_the_checks():
    code = ("import sys, infra.program, infra.docker_redis, infra.elasticache_redis; "
            "print(sorted(m for m in sys.modules if m == 'redis' or m.startswith(('infra.verify', 'infra.checks'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['infra.verify_hook', 'infra.verify_settings']"


def test_the_verify_cli_does_not_import_pulumi_or_pydantic():
    code = "import sys, infra.cli, infra.commands.verify; print('pulumi' in sys.modules, 'pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False False"
