"""What each entry point loads: `pulumi up` imports only what its stack needs, the CLI's `verify` stays light.

Evaluating the dev stack must not import pulumi_aws (which doubles the program's start-up), boto3, redis-py or the
verifier's checks (the hook loads them when it runs); the prod stack must not import pulumi_docker; the registry
costs no pydantic and no Pulumi, so `python -m infra.cli verify` (after every deploy, in CI) pays for neither.
Each runs in a fresh interpreter, so nothing this test process imported counts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support.stack_harness import REPO_ROOT, prod_overrides

pytestmark = pytest.mark.integration  # fresh interpreters (subprocesses)

WATCHED = ("pulumi", "pydantic", "pulumi_aws", "pulumi_docker", "pulumi_random", "boto3", "botocore", "redis",
           "infra.verify.run", "infra.verify.checks")
EVALUATE = "from infra.tooling.mock_engine import run_stack\nrun_stack({stack!r}, overrides={overrides!r})"


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m in {WATCHED!r})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_dev_program_imports_no_other_backend_and_no_verifier():
    loaded = loaded_after(EVALUATE.format(stack="dev", overrides={}))
    assert {"pulumi", "pulumi_docker", "pulumi_random", "pydantic"} <= loaded  # the probe sees what is imported
    assert not loaded & {"pulumi_aws", "boto3", "botocore", "redis", "infra.verify.run", "infra.verify.checks"}


def test_the_prod_program_imports_no_docker_provider():
    loaded = loaded_after(EVALUATE.format(stack="prod", overrides=prod_overrides()))
    assert "pulumi_aws" in loaded
    assert not loaded & {"pulumi_docker", "redis", "boto3", "infra.verify.run"}


def test_the_verify_cli_does_not_import_pulumi_or_pydantic():
    loaded = loaded_after("from infra.cli import main\nmain.build_parser(['verify', '--help'])")
    assert not loaded & {"pulumi", "pydantic", "pulumi_aws", "pulumi_docker", "boto3"}


def test_asking_the_registry_costs_nothing():
    loaded = loaded_after("from infra import backends\nprint([spec.name for spec in backends.specs()])")
    assert loaded == set()
